//! The README runs as written (issue 33): every GraphQL block and every
//! `curl` command of README.md runs against the demo data `serve --demo`
//! starts with, so that the README cannot drift from the server again.
//!
//! What a block needs beyond the demo it says in its text, which this test
//! reads: a `# variables: {...}` comment gives the variables its operations
//! declare (a `"prj_..."` there is the demo project), and a `$name` an
//! operation uses without declaring it is one of the examples' stand-ins,
//! filled in here with a literal (see [`Stand`]). A shell block that cannot
//! run here (another server, a second database) says so in a comment
//! starting `# not run by the README test:`; the `cargo` commands are what
//! CI itself runs.

use std::process::Command;

use serde_json::{Value, json};

use crate::common::TestServer;
use crate::server_tests;

server_tests!(every_readme_example_runs_on_the_demo);

const README: &str = include_str!("../../README.md");

/// The blocks of one language (```lang ... ```), each as its text.
/// A fence may be indented (a block inside a list item); so is its body.
fn blocks(lang: &str) -> Vec<String> {
    let fence = format!("```{lang}");
    let mut found = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        if line.trim() == fence {
            let indent = line.len() - line.trim_start().len();
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.trim_start().starts_with("```"))
                .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
                .collect();
            found.push(body.join("\n"));
        }
    }
    found
}

/// A block's operations: each starts at a line that begins, unindented,
/// with `{`, `query`, `mutation` or `subscription`; comments are dropped.
fn operations(block: &str) -> Vec<String> {
    let mut ops: Vec<String> = Vec::new();
    for line in block.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let starts = ["{", "query", "mutation", "subscription"]
            .iter()
            .any(|p| line.starts_with(p));
        match ops.last_mut() {
            Some(op) if !starts => {
                op.push('\n');
                op.push_str(line);
            }
            _ => ops.push(line.to_owned()),
        }
    }
    ops
}

/// The examples' stand-ins for ids and texts a reader has of their own.
struct Stand {
    /// `$p`, and `"prj_..."` in variables: the demo project.
    project: String,
    /// `$run`: a run of the demo project still RUNNING, with steps 1 and 2.
    run: String,
    /// `$step`: that run's step 2, without a summary yet.
    step: String,
    /// `$palette`: the demo's first `brand.palette` version.
    palette: String,
    /// `$v1`, `$v2`: the versions the README's examples created, in order.
    created: Vec<String>,
}

impl Stand {
    async fn make(s: &TestServer) -> Stand {
        let demo = s
            .admin(
                r#"{ project(slug: "acme-launch") { id
                    versions(where: {schemaKeyPrefix: "brand.palette"}, orderBy: {field: VERSION_NUMBER, direction: ASC}, first: 1) { edges { node { id } } } } }"#,
                json!({}),
            )
            .await;
        let project = demo["project"]["id"].as_str().unwrap().to_owned();
        let palette = demo["project"]["versions"]["edges"][0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let run = s.start_run(&project, "brand-studio").await;
        s.record_step(&run, 1).await;
        let step = s.record_step(&run, 2).await;
        Stand {
            project,
            run,
            step,
            palette,
            created: Vec::new(),
        }
    }

    /// The literal for the stand-in `$name`.
    fn literal(&self, name: &str) -> Value {
        match name {
            "p" => self.project.clone().into(),
            "run" => self.run.clone().into(),
            "step" => self.step.clone().into(),
            "palette" => self.palette.clone().into(),
            "v1" | "v2" => {
                let n: usize = name[1..].parse().expect("a number");
                let created = self.created.get(n - 1);
                created
                    .expect("an earlier example created it")
                    .clone()
                    .into()
            }
            "text" => "A navy palette with a coral accent, for a confident, plain voice.".into(),
            other => panic!(
                "the README uses ${other}, which no block declares and the test does not know"
            ),
        }
    }
}

/// The `$names` of `op`, in order, each once.
fn names(op: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (at, _) in op.match_indices('$') {
        let name: String = op[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// The operation with its undeclared stand-ins written in as literals, and
/// the variables it declares, from the block's `# variables:` comment.
fn fill(op: &str, declared_values: &Value, stand: &Stand) -> (String, Value) {
    let header = &op[..op.find('{').unwrap_or(0)];
    let mut query = op.to_owned();
    let mut variables = serde_json::Map::new();
    for name in names(op) {
        if header.contains(&format!("${name}:")) {
            let value = declared_values
                .get(&name)
                .cloned()
                .unwrap_or_else(|| stand.literal(&name));
            variables.insert(name, value);
        } else {
            let literal = stand.literal(&name).to_string();
            // Longest names first would matter for prefixes; none of the
            // stand-ins is a prefix of another used beside it.
            query = query.replace(&format!("${name}"), &literal);
        }
    }
    (query, Value::Object(variables))
}

/// The `# variables: {...}` of a block, with `"prj_..."` as the demo project.
fn declared(block: &str, stand: &Stand) -> Value {
    block
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("# variables:"))
        .map(|text| {
            let text = text.replace("\"prj_...\"", &format!("\"{}\"", stand.project));
            serde_json::from_str(text.trim()).expect("the variables comment is JSON")
        })
        .unwrap_or_else(|| json!({}))
}

async fn every_readme_example_runs_on_the_demo(s: TestServer) {
    assert!(quire::samples::demo::seed_if_empty(&s.db).await.unwrap());
    let mut stand = Stand::make(&s).await;

    let graphql = blocks("graphql");
    assert!(graphql.len() >= 5, "found {} GraphQL blocks", graphql.len());
    let mut ran = 0;
    for block in &graphql {
        let declared = declared(block, &stand);
        for op in operations(block) {
            if op.starts_with("subscription") {
                continue;
            }
            let (query, variables) = fill(&op, &declared, &stand);
            let (status, body) = s.post(Some(&s.admin), &query, variables).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{query}\n{body}");
            assert!(body.get("errors").is_none(), "{query}\n{body}");
            assert!(!body["data"].is_null(), "{query}\n{body}");
            if let Some(id) = body["data"]["createArtifactVersion"]["id"].as_str() {
                stand.created.push(id.to_owned());
            }
            ran += 1;
        }
    }
    assert!(ran >= 10, "ran {ran} operations");

    // Shell blocks: the curl commands run against this server, with its
    // address and an admin token; the others say why they do not.
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("logo.png"), b"\x89PNG\r\n\x1a\n a logo").unwrap();
    let mut file_id = String::new();
    for block in blocks("sh") {
        let commands: Vec<String> = block
            .replace("\\\n", " ")
            .lines()
            .map(str::to_owned)
            .collect();
        if commands
            .iter()
            .all(|c| c.trim_start().starts_with("cargo ") || c.contains(" cargo test"))
        {
            continue;
        }
        if block.contains("# not run by the README test:") {
            continue;
        }
        for command in commands
            .iter()
            .filter(|c| c.trim_start().starts_with("curl"))
        {
            let command = command
                .replace("http://127.0.0.1:8080", s.url("").trim_end_matches('/'))
                .replace("fil_...", &file_id);
            let out = Command::new("sh")
                .arg("-c")
                .arg(&command)
                .current_dir(scratch.path())
                .env("TOKEN", &s.admin)
                .output()
                .expect("curl runs");
            assert!(out.status.success(), "{command}: {out:?}");
            let body = String::from_utf8_lossy(&out.stdout).to_string();
            if let Ok(answer) = serde_json::from_str::<Value>(&body)
                && let Some(id) = answer["id"].as_str()
            {
                file_id = id.to_owned();
            } else {
                assert!(body.contains("a logo"), "{command}: {body}");
            }
        }
        assert!(
            commands.iter().any(|c| c.trim_start().starts_with("curl")),
            "a shell block the test neither runs nor is told to leave:\n{block}"
        );
    }
    assert!(file_id.starts_with("fil_"), "the upload example ran");
}
