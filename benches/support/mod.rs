//! What the bench drivers share: running `quire` commands, a real `quire
//! serve` process on an ephemeral port, and a GraphQL client of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// The `quire` binary the bench drives: this build's, or `QUIRE_BENCH_BIN`
/// (another build, to compare two commits with one driver).
fn quire() -> String {
    std::env::var("QUIRE_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_quire").to_owned())
}

pub fn run(args: &[&str], db: &str) -> String {
    let out = Command::new(quire())
        .args(args)
        .env("QUIRE_DATABASE_URL", db)
        .output()
        .expect("run quire");
    assert!(
        out.status.success(),
        "quire {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub fn start(db: &str, storage: &str) -> Server {
        let mut child = Command::new(quire())
            .args(["serve"])
            .env("QUIRE_LISTEN", "127.0.0.1:0")
            .env("QUIRE_DATABASE_URL", db)
            .env("QUIRE_STORAGE_URL", storage)
            .env("QUIRE_MAX_UPLOAD_BYTES", (2u64 << 30).to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start quire serve");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("quire printed its URL").unwrap();
            if let Some(at) = line.find("http://") {
                break line[at..].trim().trim_end_matches("/graphql").to_owned();
            }
        };
        Server { child, base }
    }

    /// (current, peak) resident memory of the server process, in KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Client {
    pub async fn gql(&self, query: &str, variables: Value) -> Result<Value, String> {
        let res = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let body: Value = res.json().await.map_err(|e| e.to_string())?;
        match body.get("errors") {
            Some(errors) => Err(errors.to_string()),
            None => Ok(body["data"].clone()),
        }
    }

    /// Creates a project; its id.
    pub async fn create_project(&self, slug: &str) -> String {
        let data = self
            .gql(
                "mutation($s: String!) { createProject(input: {slug: $s, name: $s}) { id } }",
                json!({ "s": slug }),
            )
            .await
            .expect("create a project");
        data["createProject"]["id"].as_str().unwrap().to_owned()
    }

    /// The value of one series of the server's /metrics (None when absent).
    pub async fn metric(&self, series: &str) -> Option<f64> {
        let text = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|n| n.trim().parse().ok())
    }

    pub async fn statements(&self) -> u64 {
        self.metric("quire_sql_statements_total")
            .await
            .unwrap_or(0.0) as u64
    }
}

/// The review page: a project's review queue with everything a reviewer
/// looks at for each version.
pub const REVIEW_PAGE: &str = include_str!("../../tests/queries/review_page.graphql");
