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
