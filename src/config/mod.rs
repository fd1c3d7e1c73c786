//! Configuration, by concern: every option is a flag and a QUIRE_* environment
//! variable, in a group that owns it ([`DatabaseConfig`], [`HttpConfig`],
//! [`LimitsConfig`], [`EventsConfig`], [`TokensConfig`], [`StorageConfig`], [`WebhooksConfig`]),
//! each a clap `Args` struct flattened into [`ServeConfig`] under its own
//! heading of `quire serve --help`.
//!
//! A default is written once: in its option's `default_value_t` (or
//! `default_value`). A group's `Default` is that group parsed from an empty
//! command line with the environment ignored (`defaults`), so it is what
//! `--help` shows and cannot drift from it; named constants would have had
//! to be repeated, field by field, in a hand-written `Default` as well.
//!
//! This module imports nothing from the rest of the crate (its README test
//! apart): each part builds its runtime object from its group
//! (`domain::Limits`, `ShapeLimits` and the schema from [`LimitsConfig`],
//! `HubConfig` from [`EventsConfig`], the rate limiter and token cache from
//! [`TokensConfig`], the blob store from [`StorageConfig`], `DbOptions` from
//! [`DatabaseConfig`]).
//!
//! Fields keep the names of their flags (`events.event_poll_ms` for
//! `--event-poll-ms`): flags and variables are public, and clap derives them
//! from the field names.

mod database;
mod events;
mod http;
mod limits;
mod storage;
mod tokens;
mod webhooks;

#[cfg(test)]
mod table;

use clap::{Args, Command, FromArgMatches};

pub use database::{DEFAULT_DATABASE_URL, DatabaseConfig};
pub use events::EventsConfig;
pub use http::{CorsOrigins, HttpConfig, TrustedProxies};
pub use limits::LimitsConfig;
pub use storage::StorageConfig;
pub use tokens::TokensConfig;
pub use webhooks::WebhooksConfig;

/// What `quire serve` runs with: the demo switch and the groups.
#[derive(Args, Debug, Clone)]
pub struct ServeConfig {
    /// Fill an empty database with a demo project and print an admin token.
    #[arg(long, env = "QUIRE_DEMO")]
    pub demo: bool,

    /// The database and how it is opened.
    #[command(flatten)]
    pub database: DatabaseConfig,

    /// Listening, request handling, CORS, persisted queries and WebSockets.
    #[command(flatten)]
    pub http: HttpConfig,

    /// What one request may ask and store.
    #[command(flatten)]
    pub limits: LimitsConfig,

    /// The event reader and subscriptions.
    #[command(flatten)]
    pub events: EventsConfig,

    /// Token caching, usage, rate limits and the metrics secret.
    #[command(flatten)]
    pub tokens: TokensConfig,

    /// Where file blobs live.
    #[command(flatten)]
    pub storage: StorageConfig,

    /// Webhook deliveries.
    #[command(flatten)]
    pub webhooks: WebhooksConfig,
}

impl ServeConfig {
    /// The defaults, against `database_url` and on any free port: what tests
    /// and embedders start from.
    pub fn with_database(database_url: impl Into<String>) -> Self {
        let mut config = Self::default();
        config.database.database_url = database_url.into();
        config.http.listen.set_port(0);
        config
    }
}

/// A group's defaults: its options parsed from an empty command line, with
/// their QUIRE_* variables ignored so that a variable set in the process
/// (a developer's shell, a test run) never leaks into a `Default`.
fn defaults<T: Args + FromArgMatches>() -> T {
    let command = T::augment_args(Command::new("quire")).mut_args(|arg| arg.env(None));
    let matches = command
        .try_get_matches_from(["quire"])
        .expect("every option has a default or may be left out");
    T::from_arg_matches(&matches).expect("the defaults are valid values")
}

/// `Default` for groups: [`defaults`], the clap defaults.
macro_rules! default_from_clap {
    ($($group:ty),+ $(,)?) => {$(
        impl Default for $group {
            /// The defaults `quire serve --help` shows.
            fn default() -> Self {
                defaults()
            }
        }
    )+};
}

default_from_clap!(
    ServeConfig,
    DatabaseConfig,
    HttpConfig,
    LimitsConfig,
    EventsConfig,
    TokensConfig,
    StorageConfig,
    WebhooksConfig,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_clap_defaults() {
        let config = ServeConfig::default();
        assert_eq!(config.database.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.http.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.http.cors_origins, CorsOrigins::Any);
        assert!(config.limits.introspection);
        assert!(!config.demo);
        assert_eq!(config.tokens.metrics_token, None);
        assert!(config.storage.storage_options.is_empty());
    }

    #[test]
    fn with_database_is_the_defaults_on_any_port() {
        let config = ServeConfig::with_database("sqlite::memory:");
        assert_eq!(config.database.database_url, "sqlite::memory:");
        assert_eq!(config.http.listen.to_string(), "127.0.0.1:0");
        assert_eq!(
            config.limits.max_query_depth,
            LimitsConfig::default().max_query_depth
        );
    }
}
