//! The `quire` binary: schema, token create, and serve --demo with graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::TestServer;

const QUIRE: &str = env!("CARGO_BIN_EXE_quire");

#[test]
fn schema_graphql_is_the_output_of_quire_schema() {
    let out = Command::new(QUIRE)
        .arg("schema")
        .output()
        .expect("run quire schema");
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        printed == committed,
        "schema.graphql is stale: regenerate it with `cargo run -- schema > schema.graphql`"
    );
    assert!(printed.contains("type ArtifactVersion implements Node"));
}

backend_tests!(token_create_prints_a_working_secret);

async fn token_create_prints_a_working_secret(s: TestServer) {
    let project = s.create_project("scoped").await;
    let out = Command::new(QUIRE)
        .args([
            "token",
            "create",
            "--name",
            "ci-bot",
            "--role",
            "reader",
            "--actor-type",
            "system",
            "--project",
            "scoped",
        ])
        .env("QUIRE_DATABASE_URL", &s.database_url)
        .output()
        .expect("run quire token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let secret = stdout.lines().last().unwrap().trim().to_owned();
    assert!(secret.starts_with("qk_"), "last line: {secret}");
    let data = s
        .as_token(
            &secret,
            "{ viewer { name type } projects { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"], json!({"name": "ci-bot", "type": "SYSTEM"}));
    assert_eq!(
        data["projects"]["edges"],
        json!([{ "node": { "id": project } }])
    );

    let out = Command::new(QUIRE)
        .args([
            "token",
            "create",
            "--name",
            "x",
            "--role",
            "reader",
            "--project",
            "no-such-project",
        ])
        .env("QUIRE_DATABASE_URL", &s.database_url)
        .output()
        .unwrap();
    assert!(!out.status.success());

    let out = Command::new(QUIRE)
        .args(["token", "list"])
        .env("QUIRE_DATABASE_URL", &s.database_url)
        .output()
        .unwrap();
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.contains("ci-bot") && !listing.contains(&secret));
}

/// `quire serve --demo` as a newcomer runs it: it prints a token and the URL,
/// serves the demo graph, and exits cleanly on SIGTERM.
#[tokio::test]
async fn serve_demo_then_shut_down_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let mut child = Command::new(QUIRE)
        .args(["serve", "--demo"])
        .env("QUIRE_LISTEN", "127.0.0.1:0")
        .env("QUIRE_DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn quire serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut token, mut endpoint) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.starts_with("qk_") {
            token = Some(line.trim().to_owned());
        } else if let Some(at) = line.find("http://") {
            endpoint = Some(line[at..].trim().to_owned());
            break;
        }
    }
    let (token, endpoint) = (
        token.expect("a token line"),
        endpoint.expect("the URL line"),
    );
    let body: Value = reqwest::Client::new()
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&json!({ "query": "{ project(slug: \"acme-launch\") { versions { totalCount edges { node { sourceRun { steps { agentName } } } } } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions = &body["data"]["project"]["versions"];
    assert!(versions["totalCount"].as_i64().unwrap() >= 4, "{body}");
    assert!(
        !versions["edges"][0]["node"]["sourceRun"]["steps"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "quire exited with {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "quire did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `quire` with `args` and environment; returns success, stdout, stderr.
fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(QUIRE)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run quire");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn connection_failures_name_the_place_at_once() {
    // Nothing listens on port 1: refused at once, not after a pool timeout.
    let started = Instant::now();
    let (ok, _, stderr) = run(
        &["migrate"],
        &[(
            "QUIRE_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/quire",
        )],
    );
    assert!(!ok);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains("127.0.0.1:1") && stderr.to_lowercase().contains("refused"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("quire.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let (ok, _, stderr) = run(&["migrate"], &[("QUIRE_DATABASE_URL", &url)]);
    assert!(!ok);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes when not a terminal"
    );
}

/// The live tokens named `demo-admin` in a SQLite database.
async fn live_demo_tokens(url: &str) -> usize {
    let db = quire::db::Db::connect(url).await.unwrap();
    quire::domain::projects::tokens::list(&db.conn)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.name == "demo-admin" && t.revoked_at.is_none())
        .count()
}

/// Starts `quire serve` and reads stdout until the URL line; returns the
/// child, the last token printed and the URL.
pub(crate) fn serve(
    env: &[(&str, &str)],
    demo: bool,
) -> (std::process::Child, Option<String>, String) {
    let mut args = vec!["serve"];
    if demo {
        args.push("--demo");
    }
    let mut child = Command::new(QUIRE)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn quire serve");
    let mut token = None;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.starts_with("qk_") {
            token = Some(line.trim().to_owned());
        } else if let Some(at) = line.find("http://") {
            return (child, token, line[at..].trim().to_owned());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("quire serve printed no URL");
}

pub(crate) fn stop(child: std::process::Child) -> String {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "quire exited with {}", out.status);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn demo_starts_keep_one_token_and_a_busy_address_mints_none() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let env = [
        ("QUIRE_LISTEN", "127.0.0.1:0"),
        ("QUIRE_DATABASE_URL", url.as_str()),
    ];
    let (first, token, _) = serve(&env, true);
    assert!(token.is_some());
    stop(first);
    let (second, token, endpoint) = serve(&env, true);
    assert_eq!(live_demo_tokens(&url).await, 1);
    let res = reqwest::Client::new()
        .post(&endpoint)
        .bearer_auth(token.unwrap())
        .json(&json!({ "query": "{ viewer { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    stop(second);

    // A taken address: named in the error, and no token made.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let fresh = format!("sqlite://{}?mode=rwc", dir.path().join("busy.db").display());
    let (ok, _, stderr) = run(
        &["serve", "--demo"],
        &[("QUIRE_LISTEN", &addr), ("QUIRE_DATABASE_URL", &fresh)],
    );
    assert!(!ok);
    assert!(stderr.contains(&addr), "{stderr}");
    assert_eq!(live_demo_tokens(&fresh).await, 0);
    let db = quire::db::Db::connect(&fresh).await.unwrap();
    assert!(
        quire::domain::projects::tokens::list(&db.conn)
            .await
            .unwrap()
            .is_empty()
    );

    // `token list` has a header row.
    let (ok, stdout, _) = run(&["token", "list"], &[("QUIRE_DATABASE_URL", &url)]);
    assert!(ok);
    let header = stdout.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("SCOPE"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("demo-admin") && l.contains("revoked"))
    );
}

/// Accepts OTLP/HTTP trace exports; counts them.
async fn otlp_collector() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let received = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let seen = seen.clone();
                async move {
                    if headers["content-type"] == "application/x-protobuf" && !body.is_empty() {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

// Two workers: the collector answers while the test waits on the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_request_logs_and_otlp_traces() {
    let (collector, received) = otlp_collector().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let env = [
        ("QUIRE_LISTEN", "127.0.0.1:0"),
        ("QUIRE_DATABASE_URL", url.as_str()),
        ("QUIRE_LOG_FORMAT", "json"),
        ("QUIRE_OTLP_ENDPOINT", collector.as_str()),
    ];
    let (child, token, endpoint) = serve(&env, true);
    let res = reqwest::Client::new()
        .post(&endpoint)
        .bearer_auth(token.unwrap())
        .header("x-request-id", "trace-me-1")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .json(&json!({ "query": "query WhoAmI { viewer { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me-1");
    let stderr = stop(child);
    assert!(!stderr.contains('\u{1b}'), "no colour codes: {stderr}");
    assert!(!stderr.contains("already exists"), "{stderr}");
    let line: Value = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["request_id"] == "trace-me-1")
        .unwrap_or_else(|| panic!("no JSON log line for the request in\n{stderr}"));
    assert_eq!(line["method"], "POST");
    assert_eq!(line["path"], "/graphql");
    assert_eq!(line["operation"], "WhoAmI");
    assert_eq!(line["status"], 200);
    assert!(line["duration_ms"].as_f64().is_some(), "{line}");
    assert!(
        received.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "no trace export reached the collector"
    );
}
