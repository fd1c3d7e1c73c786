//! One log line per HTTP request, under a span that carries its request id
//! (the client's `x-request-id` when it sent a usable one, else a new one,
//! returned either way) and, when the client sent a W3C `traceparent`, its
//! trace: exported spans join the caller's trace.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::metrics::Metrics;

/// The header a request id travels in, both ways.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// The GraphQL operations a response answered, as `name` or `type name`
/// (a response extension the GraphQL handler sets, for the log line).
#[derive(Debug, Clone)]
pub(crate) struct Operations(pub String);

/// The client's request id when it is 1 to 128 visible ASCII characters
/// (it is logged and echoed, so nothing else is taken), else a new UUID.
fn request_id(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(REQUEST_ID)
        .filter(|v| {
            let bytes = v.as_bytes();
            (1..=128).contains(&bytes.len()) && bytes.iter().all(|b| b.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
                .expect("a UUID is a valid header value")
        })
}

/// The trace id of a valid W3C `traceparent` (version 00): 32 lowercase hex
/// digits, not all zero.
fn trace_id(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("traceparent")?.to_str().ok()?;
    let mut parts = value.split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let valid = version == "00"
        && parts.next().is_none()
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace.bytes().any(|b| b != b'0')
        && parent.bytes().any(|b| b != b'0');
    valid.then_some(trace)
}

/// Reads W3C trace context from request headers for the propagator.
struct HeaderExtractor<'a>(&'a HeaderMap);

impl opentelemetry::propagation::Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The middleware: id, span, log line, and the id echoed on the response.
pub(crate) async fn layer(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    // A scrape every few seconds would bury the requests worth reading:
    // /metrics is counted but neither traced nor logged.
    if route.as_deref() == Some("/metrics") {
        let mut response = next.run(request).await;
        metrics.http_response("/metrics", method.as_str(), response.status().as_u16());
        response.headers_mut().insert(REQUEST_ID, id);
        return response;
    }
    let span = tracing::info_span!(
        "request",
        otel.name = %format!("{method} {}", route.as_deref().unwrap_or("unmatched")),
        otel.kind = "server",
        request_id = %String::from_utf8_lossy(id.as_bytes()),
        trace_id = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        "http.request.method" = tracing::field::Empty,
        "http.route" = tracing::field::Empty,
        "url.path" = tracing::field::Empty,
        "http.response.status_code" = tracing::field::Empty,
        "graphql.operation" = tracing::field::Empty,
    );
    // Filled in for exported spans only: recorded, every log line's context
    // would repeat them, and each request would pay to format them.
    let exporting = crate::telemetry::exporting();
    if exporting {
        span.record("http.request.method", method.as_str());
        span.record("http.route", route.as_deref().unwrap_or("unmatched"));
        span.record("url.path", path.as_str());
    }
    if let Some(trace) = trace_id(request.headers()) {
        span.record("trace_id", trace);
        let propagator = opentelemetry_sdk::propagation::TraceContextPropagator::new();
        let parent = opentelemetry::propagation::TextMapPropagator::extract(
            &propagator,
            &HeaderExtractor(request.headers()),
        );
        let _ = span.set_parent(parent);
    }
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    metrics.http_response(
        route.as_deref().unwrap_or("unmatched"),
        method.as_str(),
        status,
    );
    let operation = response
        .extensions()
        .get::<Operations>()
        .map(|o| o.0.as_str())
        .unwrap_or("");
    span.record("http.response.status_code", status);
    if !operation.is_empty() {
        span.record("graphql.operation", operation);
    }
    // Server errors mark the span failed; a client's 4xx is its own error.
    span.record(
        "otel.status_code",
        if status >= 500 { "ERROR" } else { "OK" },
    );
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "quire::http",
        parent: &span,
        method = %method,
        path = %path,
        operation,
        status,
        duration_ms = (duration_ms * 1000.0).round() / 1000.0,
        request_id = %String::from_utf8_lossy(id.as_bytes()),
        "request",
    );
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn keeps_a_usable_request_id_and_replaces_others() {
        assert_eq!(request_id(&headers(REQUEST_ID, "abc-123")), "abc-123");
        let long = "x".repeat(129);
        for bad in [long.as_str(), "has space", ""] {
            let made = request_id(&headers(REQUEST_ID, bad));
            assert_ne!(made, bad);
            assert!(uuid::Uuid::parse_str(made.to_str().unwrap()).is_ok());
        }
    }

    #[test]
    fn reads_only_valid_traceparents() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            trace_id(&headers("traceparent", good)),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(trace_id(&headers("traceparent", bad)), None, "{bad}");
        }
    }
}
