//! The HTTP adapters and their shared state: GraphQL over HTTP (`graphql`)
//! and over WebSocket (`ws`), plain file transfer (`files`), the operational
//! endpoints (`ops`), and the layers in front of them (CORS, rate limits,
//! the access log, persisted queries, GraphiQL).
//!
//! Everything here depends on [`AppState`] and nothing outside depends on the
//! handlers: `app` builds the state, calls `router` and serves it; nothing
//! here imports `app`.

pub(crate) mod access_log;
pub(crate) mod apq;
pub(crate) mod cors;
pub(crate) mod embedded;
pub(crate) mod files;
pub(crate) mod graphql;
pub(crate) mod live;
pub(crate) mod multipart;
pub(crate) mod ops;
pub(crate) mod parsed_queries;
pub(crate) mod rate_limit;
pub(crate) mod sse;
pub(crate) mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::auth::TokenUsage;
use crate::config::ServeConfig;
use crate::db::Db;
use crate::events::{EventHub, HubConfig};
use crate::graphql::{QuireSchema, build_schema};
use crate::metrics::Metrics;
use crate::storage::{ObjectBlobStore, SharedBlobStore};
use crate::token_cache::TokenCache;

/// What every handler shares: the options by concern, and the runtime
/// objects built from them.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The options the server was started with (the limits, timeouts and
    /// sizes handlers apply).
    pub config: Arc<ServeConfig>,
    /// The database.
    pub db: Db,
    /// The GraphQL schema, built under `config.limits`.
    pub schema: QuireSchema,
    /// Where file blobs live.
    pub store: SharedBlobStore,
    /// The event reader subscriptions listen to.
    pub hub: Arc<EventHub>,
    /// Principals of recently used tokens.
    pub token_cache: Arc<TokenCache>,
    /// Last-used times of tokens, written by the server's housekeeping.
    pub token_usage: Arc<TokenUsage>,
    /// What /metrics reports.
    pub metrics: Arc<Metrics>,
    /// Query text for automatic persisted queries.
    pub persisted_queries: Arc<apq::PersistedQueries>,
    /// Parsed documents by query text.
    pub parsed_queries: Arc<parsed_queries::ParsedQueries>,
    /// Cancelled when the server begins to shut down: open WebSockets then
    /// close with 1001 (going away) instead of dropping.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// The WebSocket connections being served, awaited at shutdown.
    pub sockets: tokio_util::task::TaskTracker,
    /// Requests per token and failed authentications per client address.
    pub limiter: Arc<rate_limit::RateLimiter>,
    /// What the responses in flight share (`graphql::output`).
    pub responses: Arc<crate::graphql::output::ProcessBudget>,
}

impl AppState {
    /// The principal of a request's bearer token, its use noted for the
    /// last-used time: the one authentication of every HTTP entry point.
    pub(crate) async fn caller(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> crate::domain::DomainResult<crate::domain::Principal> {
        let principal = crate::auth::authenticate(&self.db, &self.token_cache, headers).await?;
        self.token_usage.touch(principal.actor.id);
        Ok(principal)
    }

    /// Opens the blob store and starts the event reader, as `config` says,
    /// over `db` (connected and migrated).
    pub(crate) async fn new(db: Db, config: &ServeConfig) -> anyhow::Result<Self> {
        if crate::transfer::unfinished(&db).await? {
            anyhow::bail!(
                "a `quire copy` into this database did not finish: it holds part of a store. Empty it and copy again"
            );
        }
        let blobs = ObjectBlobStore::configured(&config.storage, &config.database.database_url)?;
        blobs.check().await?;
        crate::domain::settings::note_file_store(&db.conn, blobs.location()).await?;
        let store: SharedBlobStore = Arc::new(blobs);
        let hub = EventHub::start(
            db.for_background(),
            HubConfig::new(&config.events, config.database.database_url.clone()),
        )
        .await?;
        let token_cache = Arc::new(TokenCache::new(config.tokens.cache_ttl()));
        let limiter = Arc::new(rate_limit::RateLimiter::configured(
            config,
            db.clone(),
            token_cache.clone(),
        ));
        Ok(AppState {
            limiter,
            responses: crate::graphql::output::ProcessBudget::new(
                config.http.max_response_bytes_in_flight,
            ),
            schema: build_schema(
                db.clone(),
                &config.limits,
                store.clone(),
                hub.clone(),
                token_cache.clone(),
                config.webhooks.webhook_allow_private,
            ),
            persisted_queries: Arc::new(apq::PersistedQueries::new(config.http.apq_cache_bytes)),
            parsed_queries: Arc::new(parsed_queries::ParsedQueries::new()),
            config: Arc::new(config.clone()),
            db,
            store,
            hub,
            token_cache,
            token_usage: Default::default(),
            metrics: Default::default(),
            shutdown: Default::default(),
            sockets: Default::default(),
        })
    }
}

/// Every route, behind the layers every response passes through.
pub(crate) fn router(state: AppState) -> Router {
    let http = &state.config.http;
    // GraphQL responses compress well (a review page to a tenth); files are
    // sent as stored, and WebSocket frames are never compressed.
    let graphql = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .layer(compression())
        .layer(axum::middleware::from_fn(widely_decodable_first));
    Router::new()
        .merge(graphql)
        .route("/graphql/ws", get(ws::upgrade))
        .route("/files", post(files::upload))
        .route("/files/{id}", get(files::download))
        .route_layer(axum::middleware::from_fn_with_state(
            state.limiter.clone(),
            rate_limit::limit,
        ))
        // The playground's 1.6 MB of script and styles, and the console's, compressed too.
        .route(
            "/graphiql/{asset}",
            get(embedded::playground_asset)
                .layer(compression())
                .layer(axum::middleware::from_fn(widely_decodable_first)),
        )
        .route("/console", get(embedded::console_redirect))
        .route(
            "/console/",
            get(embedded::console_page)
                .layer(compression())
                .layer(axum::middleware::from_fn(widely_decodable_first)),
        )
        .route(
            "/console/{asset}",
            get(embedded::console_asset)
                .layer(compression())
                .layer(axum::middleware::from_fn(widely_decodable_first)),
        )
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route(
            "/metrics",
            get(ops::metrics)
                .layer(compression())
                .layer(axum::middleware::from_fn(widely_decodable_first)),
        )
        .layer(DefaultBodyLimit::max(http.max_body_bytes))
        .layer(cors::layer(&http.cors_origins))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            access_log::layer,
        ))
        .with_state(state)
}

/// Of the encodings a client accepts at its highest quality, the widely
/// decodable first: zstd only when ranked above every gzip and Brotli the
/// client offers (a Node 20 client offered zstd beside gzip and could not
/// read it; the compression layer prefers zstd on a tie).
async fn widely_decodable_first(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::ACCEPT_ENCODING;
    if let Some(offered) = request
        .headers()
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .and_then(without_tied_zstd)
        && let Ok(value) = axum::http::HeaderValue::from_str(&offered)
    {
        request.headers_mut().insert(ACCEPT_ENCODING, value);
    }
    next.run(request).await
}

/// `Accept-Encoding` without zstd when gzip or br is offered at a quality at
/// least as high; None when it stays as it is.
fn without_tied_zstd(header: &str) -> Option<String> {
    let quality = |part: &str| -> (String, f32) {
        let mut pieces = part.split(';').map(str::trim);
        let name = pieces.next().unwrap_or_default().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|q| q.parse().ok())
            .unwrap_or(1.0);
        (name, q)
    };
    let parts: Vec<(String, f32)> = header.split(',').map(quality).collect();
    let zstd = parts.iter().find(|(n, _)| n == "zstd")?.1;
    let tied = parts
        .iter()
        .any(|(n, q)| (n == "gzip" || n == "br") && *q > 0.0 && *q >= zstd);
    tied.then(|| {
        header
            .split(',')
            .filter(|p| quality(p).0 != "zstd")
            .collect::<Vec<_>>()
            .join(",")
    })
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

#[cfg(test)]
mod tests {
    use super::without_tied_zstd;

    #[test]
    fn zstd_gives_way_to_gzip_or_br_offered_as_high() {
        assert_eq!(
            without_tied_zstd("zstd, br, gzip").as_deref(),
            Some(" br, gzip")
        );
        assert_eq!(
            without_tied_zstd("gzip, deflate, zstd").as_deref(),
            Some("gzip, deflate")
        );
        assert_eq!(without_tied_zstd("zstd;q=1, gzip;q=0.5"), None);
        assert_eq!(without_tied_zstd("zstd"), None);
        assert_eq!(without_tied_zstd("gzip, br"), None);
        assert_eq!(without_tied_zstd("zstd, gzip;q=0"), None);
    }
}
