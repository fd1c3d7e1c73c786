//! The event reader and the subscriptions it feeds.

use std::time::Duration;

use clap::Args;

/// How events are read, kept and buffered.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Events")]
pub struct EventsConfig {
    /// How often the event reader polls the outbox without a wake-up, in milliseconds.
    #[arg(long, env = "QUIRE_EVENT_POLL_MS", default_value_t = 1_000)]
    pub event_poll_ms: u64,

    /// How long events are kept for resuming subscriptions, in seconds.
    #[arg(long, env = "QUIRE_EVENT_RETENTION_SECS", default_value_t = 7 * 24 * 3600)]
    pub event_retention_secs: u64,

    /// Events buffered per subscriber before it catches up from the table.
    #[arg(long, env = "QUIRE_SUBSCRIBER_BUFFER", default_value_t = 1024)]
    pub subscriber_buffer: usize,
}

impl EventsConfig {
    /// How often the reader polls (10 ms at least, whatever was asked).
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.event_poll_ms.max(10))
    }

    /// How long events are kept.
    pub fn retention(&self) -> Duration {
        Duration::from_secs(self.event_retention_secs)
    }
}
