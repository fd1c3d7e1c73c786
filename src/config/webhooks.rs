//! Webhook deliveries: where they may go, how often and how long they are
//! retried.

use std::time::Duration;

use clap::Args;

/// How webhook deliveries are sent.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Webhooks")]
pub struct WebhooksConfig {
    /// Allow webhook URLs on loopback, private and link-local addresses
    /// (refused by default, so that a project admin cannot make the server
    /// call into its own network).
    #[arg(long, env = "QUIRE_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,

    /// How often the sender looks for deliveries to make without a wake-up,
    /// in milliseconds.
    #[arg(long, env = "QUIRE_WEBHOOK_POLL_MS", default_value_t = 1_000)]
    pub webhook_poll_ms: u64,

    /// The first retry's delay, in milliseconds; each next one doubles it
    /// (at most 10 minutes), with a fifth of jitter either way.
    #[arg(long, env = "QUIRE_WEBHOOK_RETRY_BASE_MS", default_value_t = 1_000)]
    pub webhook_retry_base_ms: u64,

    /// How long a delivery is retried after its first attempt, in seconds,
    /// before it is marked FAILED and the webhook's next delivery goes.
    #[arg(long, env = "QUIRE_WEBHOOK_RETRY_SECS", default_value_t = 24 * 3600)]
    pub webhook_retry_secs: u64,

    /// How long one delivery may take (connect, send, the answer's status),
    /// in milliseconds.
    #[arg(long, env = "QUIRE_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,
}

impl WebhooksConfig {
    /// How often the sender polls (10 ms at least).
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.webhook_poll_ms.max(10))
    }

    /// The delay before retry number `attempt` (1 for the first retry),
    /// before jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let base = self.webhook_retry_base_ms.max(1);
        let factor = 2u64.saturating_pow(attempt.saturating_sub(1).min(30));
        Duration::from_millis(base.saturating_mul(factor).min(600_000))
    }

    /// How long a delivery is retried.
    pub fn retry_window(&self) -> Duration {
        Duration::from_secs(self.webhook_retry_secs)
    }

    /// One delivery's time limit.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.webhook_timeout_ms.max(1))
    }
}
