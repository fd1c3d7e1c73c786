//! Where file blobs live.

use clap::Args;

/// The blob store: a folder or an object store URL, and its settings.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Storage")]
pub struct StorageConfig {
    /// Where file blobs live: a folder, or an S3 URL (s3://bucket/prefix,
    /// configured by the AWS_* variables). Default: a folder beside the
    /// SQLite database (quire-files for PostgreSQL).
    #[arg(long, env = "QUIRE_STORAGE_URL")]
    pub storage_url: Option<String>,

    /// Object store settings over the environment's, by the names of the
    /// AWS_* variables: for embedders and tests, which share one process
    /// environment (not a flag).
    #[arg(skip)]
    pub storage_options: Vec<(String, String)>,
}
