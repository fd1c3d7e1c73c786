//! The HTTP adapters and their shared state: GraphQL over HTTP
//! ([`graphql`]) and over WebSocket ([`ws`]), plain file transfer
//! ([`files`]), the operational endpoints ([`ops`]), and the layers in front
//! of them (CORS, rate limits, the access log, persisted queries, GraphiQL).
//!
//! Everything here depends on [`AppState`] and nothing outside depends on the
//! handlers: `app` builds the state, calls [`router`] and serves it.

pub(crate) mod access_log;
pub(crate) mod apq;
pub(crate) mod cors;
pub(crate) mod files;
pub(crate) mod graphql;
pub(crate) mod multipart;
pub(crate) mod ops;
pub(crate) mod playground;
pub(crate) mod rate_limit;
pub(crate) mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::config::ServeConfig;
use crate::db::Db;
use crate::domain::Limits;
use crate::events::{EventHub, HubConfig};
use crate::graphql::UploadLimit;
use crate::graphql::{QuireSchema, build_schema};
use crate::storage::{ObjectBlobStore, SharedBlobStore};
use crate::token_cache::TokenCache;

/// What every handler shares: the database, the schema, the runtime objects
/// and the limits in force.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub schema: QuireSchema,
    pub max_batch: usize,
    pub shape_limits: crate::graphql::shape::ShapeLimits,
    pub max_response_bytes: usize,
    pub batch_delay: std::time::Duration,
    pub request_timeout: std::time::Duration,
    pub token_usage: std::sync::Arc<crate::auth::TokenUsage>,
    pub token_cache: Arc<TokenCache>,
    pub store: SharedBlobStore,
    pub limits: Limits,
    pub max_upload_bytes: u64,
    pub max_body_bytes: usize,
    pub hub: Arc<EventHub>,
    pub ws_init_timeout: Duration,
    pub max_subscriptions_per_socket: usize,
    pub metrics_token: Option<Arc<str>>,
    pub event_retention: Duration,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub persisted_queries: Arc<apq::PersistedQueries>,
    /// Cancelled when the server begins to shut down: open WebSockets then
    /// close with 1001 (going away) instead of dropping.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// The WebSocket connections being served, awaited at shutdown.
    pub sockets: tokio_util::task::TaskTracker,
}

impl AppState {
    /// The principal of a request's bearer token, its use noted for the
    /// last-used time: the one authentication of every HTTP entry point.
    pub async fn caller(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> crate::domain::DomainResult<crate::domain::Principal> {
        let principal = crate::auth::authenticate(&self.db, &self.token_cache, headers).await?;
        self.token_usage.touch(principal.actor.id);
        Ok(principal)
    }

    pub async fn new(db: Db, config: &ServeConfig) -> anyhow::Result<Self> {
        let blobs =
            ObjectBlobStore::open_with(&config.storage_location(), &config.storage_options)?;
        blobs.check().await?;
        let store: SharedBlobStore = std::sync::Arc::new(blobs);
        let hub = EventHub::start(
            db.for_background(),
            HubConfig {
                poll_interval: Duration::from_millis(config.event_poll_ms.max(10)),
                capacity: config.subscriber_buffer,
                database_url: config.database.database_url.clone(),
                ..Default::default()
            },
        )
        .await?;
        let token_cache = Arc::new(TokenCache::new(Duration::from_millis(
            config.token_cache_ms,
        )));
        Ok(AppState {
            schema: build_schema(
                db.clone(),
                config.limits(),
                &config.query_limits(),
                store.clone(),
                UploadLimit(config.max_upload_bytes),
                hub.clone(),
                token_cache.clone(),
            ),
            token_cache,
            hub,
            ws_init_timeout: Duration::from_millis(config.ws_init_timeout_ms),
            max_subscriptions_per_socket: config.max_subscriptions_per_socket,
            metrics_token: config.metrics_token.as_deref().map(Arc::from),
            event_retention: Duration::from_secs(config.event_retention_secs),
            metrics: Default::default(),
            shutdown: Default::default(),
            sockets: Default::default(),
            persisted_queries: Arc::new(apq::PersistedQueries::new(config.apq_cache_bytes)),
            store,
            limits: config.limits(),
            max_upload_bytes: config.max_upload_bytes,
            max_body_bytes: config.max_body_bytes,
            db,
            max_batch: config.max_batch,
            shape_limits: crate::graphql::shape::ShapeLimits {
                max_depth: config.max_query_depth,
                max_aliases: config.max_aliases,
            },
            max_response_bytes: config.max_response_bytes,
            batch_delay: std::time::Duration::from_micros(config.batch_delay_us),
            request_timeout: std::time::Duration::from_millis(config.request_timeout_ms),
            token_usage: Default::default(),
        })
    }
}

/// Every route, behind the layers every response passes through.
pub(crate) fn router(
    state: AppState,
    max_body_bytes: usize,
    limiter: Arc<rate_limit::RateLimiter>,
    cors: &cors::CorsOrigins,
) -> Router {
    // GraphQL responses compress well (a review page to a tenth); files are
    // sent as stored, and WebSocket frames are never compressed.
    let graphql = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .layer(compression());
    Router::new()
        .merge(graphql)
        .route("/graphql/ws", get(ws::upgrade))
        .route("/files", post(files::upload))
        .route("/files/{id}", get(files::download))
        .route_layer(axum::middleware::from_fn_with_state(
            limiter,
            rate_limit::limit,
        ))
        .route("/graphiql/{asset}", get(playground::asset))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics).layer(compression()))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(cors::layer(cors))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            access_log::layer,
        ))
        .with_state(state)
}

/// gzip, Brotli or zstd, as the client asks, for bodies over 1 KiB.
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    tower_http::compression::CompressionLayer::new()
        .gzip(true)
        .br(true)
        .zstd(true)
        .quality(tower_http::CompressionLevel::Fastest)
        .compress_when(SizeAbove::new(1024).and(NotForContentType::SSE))
}

/// Headers every response carries: no MIME sniffing, no referrer, a
/// content security policy that lets nothing load unless the response set
/// its own (the playground page, file downloads), and on a 401 the scheme
/// to use and the end of the connection (the client cannot go on without
/// new credentials, and an unread body must not confuse the next request).
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::HeaderValue;
    use axum::http::header::{
        CONNECTION, CONTENT_SECURITY_POLICY, REFERRER_POLICY, WWW_AUTHENTICATE,
        X_CONTENT_TYPE_OPTIONS,
    };
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

