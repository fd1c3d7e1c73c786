//! The HTTP server: routes, shared state, and serving with graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::db::Db;
use crate::domain::Limits;
use crate::events::{EventHub, HubConfig};
use crate::files_http;
use crate::graphql::UploadLimit;
use crate::graphql::{QuireSchema, build_schema};
use crate::graphql_http;
use crate::storage::{ObjectBlobStore, SharedBlobStore};
use crate::token_cache::TokenCache;
use crate::ws;

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
    pub persisted_queries: Arc<crate::apq::PersistedQueries>,
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
            persisted_queries: Arc::new(crate::apq::PersistedQueries::new(config.apq_cache_bytes)),
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

pub fn router(
    state: AppState,
    max_body_bytes: usize,
    limiter: Arc<crate::rate_limit::RateLimiter>,
    cors: &crate::cors::CorsOrigins,
) -> Router {
    // GraphQL responses compress well (a review page to a tenth); files are
    // sent as stored, and WebSocket frames are never compressed.
    let graphql = Router::new()
        .route("/graphql", get(graphql_http::get).post(graphql_http::post))
        .layer(compression());
    Router::new()
        .merge(graphql)
        .route("/graphql/ws", get(ws::upgrade))
        .route("/files", post(files_http::upload))
        .route("/files/{id}", get(files_http::download))
        .route_layer(axum::middleware::from_fn_with_state(
            limiter,
            crate::rate_limit::limit,
        ))
        .route("/graphiql/{asset}", get(crate::playground::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics).layer(compression()))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(crate::cors::layer(cors))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::access_log::layer,
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

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and takes writes.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.conn.ping().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
    }
    if !state.db.writable().await {
        return (StatusCode::SERVICE_UNAVAILABLE, "database refuses writes");
    }
    (StatusCode::OK, "ready")
}

/// Prometheus text format; behind a bearer secret when QUIRE_METRICS_TOKEN is set.
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if let Some(expected) = &state.metrics_token
        && crate::auth::bearer(&headers) != Some(&**expected)
    {
        return (
            StatusCode::UNAUTHORIZED,
            "send the metrics token as `Authorization: Bearer <secret>`",
        )
            .into_response();
    }
    let head = state.hub.head();
    let lag = crate::events::reader::latest_position(&state.db.for_background())
        .await
        .ok()
        .map(|latest| latest - head);
    let body = state.metrics.render(crate::metrics::Snapshot {
        sql_statements: state.db.stats.statements(),
        active_subscriptions: state.hub.subscribers() as u64,
        events_delivered: state
            .hub
            .delivered
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(0) as u64,
        reader_position: head,
        reader_lag: lag,
    });
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
        .into_response()
}

/// The server without its socket: the state, the routes every request goes
/// through, and the housekeeping task, running. `Server::start_with` serves
/// it on `config.listen`; tests may also call `router` in-process.
pub struct App {
    pub state: AppState,
    pub router: Router,
    pub housekeeping: tokio::task::JoinHandle<()>,
}

impl App {
    pub async fn new(db: Db, config: &ServeConfig) -> anyhow::Result<App> {
        let state = AppState::new(db, config).await?;
        let router = router(
            state.clone(),
            config.max_body_bytes,
            Arc::new(
                config
                    .rate_limiter()
                    .with_known_tokens(state.token_cache.clone()),
            ),
            &config.cors_origins,
        );
        let housekeeping = tokio::spawn(background(
            AppState {
                db: state.db.for_background(),
                ..state.clone()
            },
            Duration::from_millis(config.token_usage_flush_ms.max(10)),
            Duration::from_secs(config.idempotency_ttl_secs),
        ));
        Ok(App {
            state,
            router,
            housekeeping,
        })
    }
}

/// A bound, running server.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    flusher: tokio::task::JoinHandle<()>,
}

/// Housekeeping: writes the last-used times of tokens every `every`, and
/// prunes expired idempotency keys every ten minutes.
async fn background(state: AppState, every: Duration, idempotency_ttl: Duration) {
    const PRUNE_EVERY: Duration = Duration::from_secs(600);
    let mut ticks = tokio::time::interval(every);
    let mut last_prune: Option<tokio::time::Instant> = None;
    loop {
        ticks.tick().await;
        if let Err(err) = state.token_usage.flush(&state.db).await {
            tracing::warn!(error = %err, "could not record token usage");
        }
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(tokio::time::Instant::now());
            if let Err(err) = crate::domain::idempotency::prune(&state.db, idempotency_ttl).await {
                tracing::warn!(error = %err, "could not prune idempotency keys");
            }
            if let Err(err) = crate::domain::events::prune(&state.db, state.event_retention).await {
                tracing::warn!(error = %err, "could not prune events");
            }
        }
    }
}

impl Server {
    /// Connects, migrates, binds `config.listen` and serves until `shutdown` resolves.
    pub async fn start(
        config: &ServeConfig,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<Server> {
        let db =
            Db::connect_with(&config.database.database_url, &config.database.options()).await?;
        db.migrate().await?;
        Self::start_with(db, config, shutdown).await
    }

    pub async fn start_with(
        db: Db,
        config: &ServeConfig,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<Server> {
        let App {
            state,
            router: app,
            housekeeping: flusher,
        } = App::new(db, config).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let going_away = state.shutdown.clone();
        let handle = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                shutdown.await;
                going_away.cancel();
            })
            .await
        });
        Ok(Server {
            addr,
            state,
            handle,
            flusher,
        })
    }

    /// Waits until the server has shut down, then writes pending token usage.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.handle.await??;
        // Upgraded sockets outlive the HTTP server: give them the moment
        // they need to send their close frames.
        self.state.sockets.close();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.state.sockets.wait()).await;
        self.flusher.abort();
        self.state.token_usage.flush(&self.state.db).await?;
        Ok(())
    }
}
