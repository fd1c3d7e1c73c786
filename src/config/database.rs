//! The database: its URL and how it is opened. Also flattened into the
//! commands that only need a database (`migrate`, `token`, `seed`, `gc`).

use clap::Args;

/// The database `quire` uses when none is named.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://quire.db?mode=rwc";

/// Which database, and how it is opened.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Database")]
pub struct DatabaseConfig {
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST/DB.
    #[arg(long, env = "QUIRE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// SQLite only: the largest the database file may grow, in bytes (a
    /// quota: writes past it fail with UNAVAILABLE, as on a full disk).
    #[arg(long, env = "QUIRE_SQLITE_MAX_BYTES")]
    pub sqlite_max_bytes: Option<u64>,
}
