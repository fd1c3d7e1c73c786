//! Configuration: every option is a flag and a QUIRE_* environment variable.

use std::net::SocketAddr;

use clap::Args;

use crate::domain::Limits;
use crate::graphql::QueryLimits;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://quire.db?mode=rwc";

#[derive(Args, Debug, Clone)]
pub struct DatabaseConfig {
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST/DB.
    #[arg(long, env = "QUIRE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// SQLite only: the largest the database file may grow, in bytes (a
    /// quota: writes past it fail with UNAVAILABLE, as on a full disk).
    #[arg(long, env = "QUIRE_SQLITE_MAX_BYTES")]
    pub sqlite_max_bytes: Option<u64>,
}

impl DatabaseConfig {
    pub fn options(&self) -> crate::db::DbOptions {
        crate::db::DbOptions {
            sqlite_max_bytes: self.sqlite_max_bytes,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "QUIRE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseConfig,

    /// Fill an empty database with a demo project and print an admin token.
    #[arg(long, env = "QUIRE_DEMO")]
    pub demo: bool,

    /// Largest JSON request body, in bytes (larger bodies get HTTP 413).
    #[arg(long, env = "QUIRE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Most operations in one batched request (a JSON array).
    #[arg(long, env = "QUIRE_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Deepest query nesting accepted.
    #[arg(long, env = "QUIRE_MAX_QUERY_DEPTH", default_value_t = 10)]
    pub max_query_depth: usize,

    /// Highest query complexity accepted: each field counts one, times the
    /// page size of a connection or the bound of a list it is in.
    #[arg(long, env = "QUIRE_MAX_QUERY_COMPLEXITY", default_value_t = 50_000)]
    pub max_query_complexity: usize,

    /// Most aliased fields in one request's documents.
    #[arg(long, env = "QUIRE_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,

    /// Largest GraphQL response, in bytes of JSON (larger ones are refused
    /// with PAYLOAD_TOO_LARGE instead of sent).
    #[arg(long, env = "QUIRE_MAX_RESPONSE_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_response_bytes: usize,

    /// Whether clients may introspect the schema (GraphiQL needs it).
    #[arg(long, env = "QUIRE_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,

    /// How long nested-field loads wait to be batched together, in microseconds.
    #[arg(long, env = "QUIRE_BATCH_DELAY_US", default_value_t = 2_000)]
    pub batch_delay_us: u64,

    /// Longest a GraphQL request may run, in milliseconds.
    #[arg(long, env = "QUIRE_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// How often the last-used times of tokens are written, in milliseconds.
    #[arg(long, env = "QUIRE_TOKEN_USAGE_FLUSH_MS", default_value_t = 30_000)]
    pub token_usage_flush_ms: u64,

    /// How long a token's principal is cached, in milliseconds (0: no cache).
    /// A revocation through this server applies at once; one made by the CLI
    /// or another server applies here within this time.
    #[arg(long, env = "QUIRE_TOKEN_CACHE_MS", default_value_t = 2_000)]
    pub token_cache_ms: u64,

    /// How long idempotency keys are remembered, in seconds.
    #[arg(long, env = "QUIRE_IDEMPOTENCY_TTL_SECS", default_value_t = 24 * 3600)]
    pub idempotency_ttl_secs: u64,

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

    /// Largest upload, in bytes (larger ones get HTTP 413 / PAYLOAD_TOO_LARGE).
    #[arg(long, env = "QUIRE_MAX_UPLOAD_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// How often the event reader polls the outbox without a wake-up, in milliseconds.
    #[arg(long, env = "QUIRE_EVENT_POLL_MS", default_value_t = 1_000)]
    pub event_poll_ms: u64,

    /// How long events are kept for resuming subscriptions, in seconds.
    #[arg(long, env = "QUIRE_EVENT_RETENTION_SECS", default_value_t = 7 * 24 * 3600)]
    pub event_retention_secs: u64,

    /// Events buffered per subscriber before it catches up from the table.
    #[arg(long, env = "QUIRE_SUBSCRIBER_BUFFER", default_value_t = 1024)]
    pub subscriber_buffer: usize,

    /// How long a WebSocket may take to send connection_init, in milliseconds.
    #[arg(long, env = "QUIRE_WS_INIT_TIMEOUT_MS", default_value_t = 10_000)]
    pub ws_init_timeout_ms: u64,

    /// A bearer secret that /metrics then requires (unset: /metrics is open,
    /// for a scraper on a private network).
    #[arg(long, env = "QUIRE_METRICS_TOKEN")]
    pub metrics_token: Option<String>,

    /// Requests per second one token may send, with bursts of twice that
    /// (0: no limit).
    #[arg(long, env = "QUIRE_RATE_LIMIT_PER_TOKEN", default_value_t = 0.0)]
    pub rate_limit_per_token: f64,

    /// Failed authentications per minute one client address may make
    /// before it is refused for a while (0: no limit).
    #[arg(long, env = "QUIRE_AUTH_FAILURES_PER_MINUTE", default_value_t = 60.0)]
    pub auth_failures_per_minute: f64,

    /// Most subscriptions one WebSocket may hold at once.
    #[arg(
        long,
        env = "QUIRE_MAX_SUBSCRIPTIONS_PER_SOCKET",
        default_value_t = 100
    )]
    pub max_subscriptions_per_socket: usize,

    /// Origins a browser front end may call from: `*` (the default: Quire
    /// takes bearer tokens, never cookies, so another origin gains nothing
    /// a token does not give it), a comma-separated list, or empty for none.
    #[arg(long, env = "QUIRE_CORS_ORIGINS", default_value = crate::http::cors::DEFAULT_ORIGINS)]
    pub cors_origins: crate::http::cors::CorsOrigins,

    /// Bytes of query text remembered for automatic persisted queries
    /// (APQ), least recently used dropped first (0: APQ off).
    #[arg(long, env = "QUIRE_APQ_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub apq_cache_bytes: usize,

    /// Largest artifact value, in bytes of JSON.
    #[arg(long, env = "QUIRE_MAX_VALUE_BYTES", default_value_t = 256 * 1024)]
    pub max_value_bytes: u64,

    /// Largest run or step output, in bytes.
    #[arg(long, env = "QUIRE_MAX_OUTPUT_BYTES", default_value_t = 1024 * 1024)]
    pub max_output_bytes: u64,
}

impl ServeConfig {
    /// The defaults, against `database_url`: what tests and embedders start from.
    pub fn with_database(database_url: impl Into<String>) -> Self {
        ServeConfig {
            listen: "127.0.0.1:0".parse().expect("a literal address"),
            database: DatabaseConfig {
                database_url: database_url.into(),
                sqlite_max_bytes: None,
            },
            demo: false,
            max_body_bytes: 1024 * 1024,
            max_batch: 10,
            max_query_depth: 10,
            max_query_complexity: 50_000,
            max_aliases: 30,
            max_response_bytes: 32 * 1024 * 1024,
            introspection: true,
            batch_delay_us: 2_000,
            request_timeout_ms: 30_000,
            token_usage_flush_ms: 30_000,
            token_cache_ms: 2_000,
            idempotency_ttl_secs: 24 * 3600,
            storage_url: None,
            storage_options: Vec::new(),
            event_poll_ms: 1_000,
            event_retention_secs: 7 * 24 * 3600,
            subscriber_buffer: 1024,
            ws_init_timeout_ms: 10_000,
            max_subscriptions_per_socket: 100,
            metrics_token: None,
            rate_limit_per_token: 0.0,
            auth_failures_per_minute: 60.0,
            max_upload_bytes: 100 * 1024 * 1024,
            cors_origins: crate::http::cors::CorsOrigins::Any,
            apq_cache_bytes: 16 * 1024 * 1024,
            max_value_bytes: 256 * 1024,
            max_output_bytes: 1024 * 1024,
        }
    }

    /// The blob store location in force.
    pub fn storage_location(&self) -> String {
        self.storage_url
            .clone()
            .unwrap_or_else(|| crate::storage::default_location(&self.database.database_url))
    }

    /// The rate limits in force (a zero rate is off).
    pub fn rate_limiter(&self) -> crate::http::rate_limit::RateLimiter {
        use crate::http::rate_limit::Rate;
        let per_token = (self.rate_limit_per_token > 0.0).then(|| Rate {
            per_second: self.rate_limit_per_token,
            burst: (2.0 * self.rate_limit_per_token).max(1.0),
        });
        let failures = (self.auth_failures_per_minute > 0.0).then(|| Rate {
            per_second: self.auth_failures_per_minute / 60.0,
            burst: self.auth_failures_per_minute.max(1.0),
        });
        crate::http::rate_limit::RateLimiter::new(per_token, failures)
    }

    pub fn limits(&self) -> Limits {
        Limits {
            max_value_bytes: self.max_value_bytes,
            max_output_bytes: self.max_output_bytes,
            idempotency_ttl: std::time::Duration::from_secs(self.idempotency_ttl_secs),
        }
    }

    pub fn query_limits(&self) -> QueryLimits {
        QueryLimits {
            max_depth: self.max_query_depth,
            max_complexity: self.max_query_complexity,
            introspection: self.introspection,
        }
    }
}
