//! API tokens as the server sees them: how long their principals are
//! cached, how often their use is recorded, how fast they and failed
//! authentications may go, and the secret of /metrics.

use std::time::Duration;

use clap::Args;

/// Token caching, usage, rate limits and the metrics secret.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Tokens")]
pub struct TokensConfig {
    /// How often the last-used times of tokens are written, in milliseconds.
    #[arg(long, env = "QUIRE_TOKEN_USAGE_FLUSH_MS", default_value_t = 30_000)]
    pub token_usage_flush_ms: u64,

    /// How long a token's principal is cached, in milliseconds (0: no cache).
    /// A revocation through this server applies at once; one made by the CLI
    /// or another server applies here within this time.
    #[arg(long, env = "QUIRE_TOKEN_CACHE_MS", default_value_t = 2_000)]
    pub token_cache_ms: u64,

    /// Requests per second one token may send, with bursts of twice that
    /// (0: no limit).
    #[arg(long, env = "QUIRE_RATE_LIMIT_PER_TOKEN", default_value_t = 0.0)]
    pub rate_limit_per_token: f64,

    /// Failed authentications per minute one client address may make
    /// before it is refused for a while (0: no limit).
    #[arg(long, env = "QUIRE_AUTH_FAILURES_PER_MINUTE", default_value_t = 60.0)]
    pub auth_failures_per_minute: f64,

    /// A bearer secret that /metrics then requires (unset: /metrics is open,
    /// for a scraper on a private network).
    #[arg(long, env = "QUIRE_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
}

impl TokensConfig {
    /// How often token usage is written (10 ms at least, whatever was asked).
    pub fn usage_flush_interval(&self) -> Duration {
        Duration::from_millis(self.token_usage_flush_ms.max(10))
    }

    /// How long a token's principal is cached (zero: not at all).
    pub fn cache_ttl(&self) -> Duration {
        Duration::from_millis(self.token_cache_ms)
    }
}
