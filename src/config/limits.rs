//! What one request may ask and store: the shape and cost of queries, and
//! the sizes of values, outputs and uploads.

use std::time::Duration;

use clap::Args;

use crate::domain::tiers::Tiers;
use crate::domain::tokenizer::Tokenizer;

/// Limits on queries and on what is stored.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Limits")]
pub struct LimitsConfig {
    /// Deepest query nesting accepted.
    #[arg(long, env = "QUIRE_MAX_QUERY_DEPTH", default_value_t = 10)]
    pub max_query_depth: usize,

    /// Highest query complexity accepted: each field counts one, times the
    /// page size of a connection or the bound of a list it is in. It bounds
    /// the work of a request (memory is bounded by the response budget as
    /// it is built); the default passes a runs dashboard (50 runs with their
    /// steps and outputs, ~56,000) and refuses lists nested in lists.
    #[arg(long, env = "QUIRE_MAX_QUERY_COMPLEXITY", default_value_t = 100_000)]
    pub max_query_complexity: usize,

    /// Most aliased fields in one request's documents.
    #[arg(long, env = "QUIRE_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,

    /// Whether clients may introspect the schema (GraphiQL needs it).
    #[arg(long, env = "QUIRE_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,

    /// Largest artifact value, in bytes of JSON.
    #[arg(long, env = "QUIRE_MAX_VALUE_BYTES", default_value_t = 256 * 1024)]
    pub max_value_bytes: u64,

    /// Largest run or step output, in bytes.
    #[arg(long, env = "QUIRE_MAX_OUTPUT_BYTES", default_value_t = 1024 * 1024)]
    pub max_output_bytes: u64,

    /// Largest upload, in bytes (larger ones get HTTP 413 / PAYLOAD_TOO_LARGE).
    #[arg(long, env = "QUIRE_MAX_UPLOAD_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// The encoding token counts use (step outputs and summaries, assembled
    /// contexts): o200k_base (GPT-4o and later) or cl100k_base (GPT-4, GPT-3.5).
    #[arg(long, env = "QUIRE_TOKENIZER", value_enum, default_value_t = Tokenizer::default())]
    pub tokenizer: Tokenizer,

    /// The subscription tiers, lowest first (comma-separated): a project has
    /// one (the lowest by default), and schema properties marked
    /// "x-quire-tier" for a higher one are left out of what it reads.
    #[arg(long, env = "QUIRE_TIERS", default_value = crate::domain::tiers::DEFAULT_TIERS, value_parser = Tiers::parse)]
    pub tiers: Tiers,

    /// How long idempotency keys are remembered, in seconds.
    #[arg(long, env = "QUIRE_IDEMPOTENCY_TTL_SECS", default_value_t = 24 * 3600)]
    pub idempotency_ttl_secs: u64,
}

impl LimitsConfig {
    /// How long idempotency keys are remembered.
    pub fn idempotency_ttl(&self) -> Duration {
        Duration::from_secs(self.idempotency_ttl_secs)
    }
}
