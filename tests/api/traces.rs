//! Traces and logs as an operator reads them (issue 33): spans exported to a
//! real OTLP/HTTP receiver, JSON log lines that carry the trace, and a
//! collector that is down reported once, not silently and not per batch.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::routing::post;
use serde_json::{Value, json};

use crate::cli::{serve, stop};

/// An OTLP/HTTP receiver: keeps the body of every POST to /v1/traces.
async fn receiver() -> (String, Arc<Mutex<Vec<Bytes>>>) {
    let received: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), received)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `quire serve --demo` on a scratch database, exporting spans to
/// `collector` every 100 ms and logging JSON; keep the folder while it runs.
fn serve_exporting_to(
    collector: &str,
) -> (
    tempfile::TempDir,
    std::process::Child,
    Option<String>,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let env = [
        ("QUIRE_LISTEN", "127.0.0.1:0"),
        ("QUIRE_DATABASE_URL", url.as_str()),
        ("QUIRE_OTLP_ENDPOINT", collector),
        ("QUIRE_LOG_FORMAT", "json"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let (child, token, endpoint) = serve(&env, true);
    (dir, child, token, endpoint)
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const QUERY: &str = r#"{ project(slug: "acme-launch") { name artifacts { edges { node { schemaKey latest { versionNumber } current { id } } } } } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_a_collector_and_logs_carry_the_trace() {
    let (collector, received) = receiver().await;
    let (_dir, child, token, endpoint) = serve_exporting_to(&collector);
    let http = reqwest::Client::new();
    let res = http
        .post(&endpoint)
        .bearer_auth(token.unwrap())
        .header("traceparent", format!("00-{TRACE}-00f067aa0ba902b7-01"))
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let metrics = endpoint.replace("/graphql", "/metrics");
    for _ in 0..3 {
        assert_eq!(http.get(&metrics).send().await.unwrap().status(), 200);
    }

    let trace_bytes = hex::decode(TRACE).unwrap();
    let names = [
        &b"POST /graphql"[..],
        b"http.request.method",
        b"http.route",
        b"http.response.status_code",
        b"graphql.parse",
        b"graphql.execute",
        b"graphql.load",
    ];
    // Batches go every 100 ms; under load a request's spans may come in
    // several of them.
    let mut exported = Vec::new();
    for _ in 0..300 {
        exported = received.lock().unwrap().concat();
        if contains(&exported, &trace_bytes) && names.iter().all(|n| contains(&exported, n)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        contains(&exported, &trace_bytes),
        "the request's span joined the caller's trace"
    );
    for name in names {
        assert!(
            contains(&exported, name),
            "{} exported",
            String::from_utf8_lossy(name)
        );
    }
    assert!(!contains(&exported, b"/metrics"), "no span per scrape");

    let stderr = stop(child);
    let lines: Vec<Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["target"] == "quire::http" && l["path"] == "/graphql")
        .expect("the request's log line");
    assert_eq!(request["trace_id"], TRACE, "{request}");
    let span_id = request["span_id"].as_str().unwrap();
    assert!(
        span_id.len() == 16 && span_id != "0000000000000000",
        "{request}"
    );
    assert!(
        lines.iter().all(|l| l["path"] != "/metrics"),
        "scrapes are not logged"
    );
    assert!(
        lines.iter().any(|l| l["message"] == "shutting down"),
        "the shutdown line is JSON too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_is_down_is_logged_once() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let collector = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (_dir, child, token, endpoint) = serve_exporting_to(&collector);
    let http = reqwest::Client::new();
    let token = token.unwrap();
    // Several batches, each failing to export.
    for _ in 0..8 {
        let res = http
            .post(&endpoint)
            .bearer_auth(&token)
            .json(&json!({ "query": "{ viewer { name } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stderr = stop(child);
    let failures: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("could not export traces"))
        .collect();
    assert_eq!(failures.len(), 1, "logged once, then held back:\n{stderr}");
    let line: Value = serde_json::from_str(failures[0]).unwrap();
    assert_eq!(line["level"], "WARN");
    assert!(
        line["collector"].as_str().unwrap().starts_with(&collector),
        "{line}"
    );
}
