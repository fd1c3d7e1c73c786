//! The operational endpoints: liveness, readiness and Prometheus metrics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::AppState;

/// Alive: the process answers.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and takes writes.
pub(crate) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.conn.pool().ping().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
    }
    if !state.db.writable().await {
        return (StatusCode::SERVICE_UNAVAILABLE, "database refuses writes");
    }
    if !state.store.has_space().await {
        return (StatusCode::SERVICE_UNAVAILABLE, "file store out of space");
    }
    (StatusCode::OK, "ready")
}

/// Prometheus text format; behind a bearer secret when QUIRE_METRICS_TOKEN is set.
pub(crate) async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if let Some(expected) = &state.config.tokens.metrics_token
        && crate::auth::bearer(&headers) != Some(expected.as_str())
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
