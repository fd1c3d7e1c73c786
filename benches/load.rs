//! The load driver: seeds a data set, starts a real `quire serve` process,
//! and measures what users feel. Prints req/s, p50, p99 and errors for the
//! review page, a point read and the write path; SQL statements per review
//! page (from the server's /metrics); subscription delivery latency and
//! memory per idle subscription; and file upload/download throughput with
//! the server's peak memory.
//!
//!   cargo bench --bench load -- [--database-url URL] [--versions N] [--runs N]
//!       [--concurrency C] [--seconds S]
//!       [--scenarios review,point,dashboard,detail,write,grow,subscriptions,files,filters,assemble]
//!       [--file-mib M] [--subscribers 1,100,1000] [--slug SLUG]
//!
//! `--slug` names a project already seeded in `--database-url` (what an
//! earlier run printed): the seed is skipped and the scenarios run on it.
//! `dashboard` reads a runs dashboard (tests/queries/runs_dashboard.graphql)
//! and `detail` run detail pages of the 100 newest runs
//! (tests/queries/run_detail.graphql), each with its statements per request
//! measured alone first. The `filters` scenario (not in the default set) reads one-project pages
//! with path filters and full-text searches; `assemble` (not in it either)
//! assembles a 50-step run's context over 200 promoted paths.
//!
//! Without --database-url it uses a fresh SQLite file. Requests go to
//! 127.0.0.1 only.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod support;

use support::{Client, REVIEW_PAGE, Server, run};

struct Args {
    database_url: Option<String>,
    versions: usize,
    runs: usize,
    concurrency: usize,
    seconds: u64,
    scenarios: Vec<String>,
    file_mib: u64,
    subscribers: Vec<usize>,
    slug: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        database_url: None,
        versions: 10_000,
        runs: 500,
        concurrency: 32,
        seconds: 10,
        scenarios: [
            "review",
            "point",
            "dashboard",
            "detail",
            "write",
            "subscriptions",
            "files",
        ]
        .map(String::from)
        .to_vec(),
        file_mib: 256,
        subscribers: vec![1, 100, 1000],
        slug: None,
    };
    let raw: Vec<String> = std::env::args()
        .skip(1)
        .filter(|s| s != "--bench")
        .collect();
    let mut it = raw.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--database-url" => a.database_url = Some(value()),
            "--versions" => a.versions = value().parse().unwrap(),
            "--runs" => a.runs = value().parse().unwrap(),
            "--concurrency" => a.concurrency = value().parse().unwrap(),
            "--seconds" => a.seconds = value().parse().unwrap(),
            "--scenarios" => a.scenarios = value().split(',').map(String::from).collect(),
            "--file-mib" => a.file_mib = value().parse().unwrap(),
            "--slug" => a.slug = Some(value()),
            "--subscribers" => {
                a.subscribers = value().split(',').map(|n| n.parse().unwrap()).collect()
            }
            _ => {}
        }
    }
    a
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `op` from `concurrency` workers for `seconds`; prints the figures.
async fn load<F, Fut>(name: &str, concurrency: usize, seconds: u64, op: F) -> (u64, Vec<Duration>)
where
    F: Fn(u64, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let op = Arc::new(op);
    let errors = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let (op, errors, latencies, counter) = (
            op.clone(),
            errors.clone(),
            latencies.clone(),
            counter.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                // A GraphQL error (even with HTTP 200) is a failure, never
                // throughput: only answered requests are timed and counted.
                match op(n, worker).await {
                    Ok(()) => mine.push(t.elapsed()),
                    Err(e) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("{e}");
                        }
                    }
                }
            }
            latencies.lock().await.extend(mine);
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = started.elapsed();
    let mut all = latencies.lock().await.clone();
    all.sort();
    let errors = errors.load(Ordering::Relaxed);
    println!(
        "{name:<28} {:>9.0} req/s   p50 {:>10}   p99 {:>10}   errors {errors} of {}   ({concurrency} clients, {:.0?})",
        all.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        all.len() as u64 + errors,
        elapsed
    );
    (all.len() as u64, all)
}

const POINT: &str = "query($id: ID!) { artifactVersion(id: $id) { id schemaKey versionNumber status value files { id url } approvals { action actor { name } } } }";

async fn review(c: &Client, slug: &str, a: &Args) {
    // Statements per request, measured alone.
    let before = c.statements().await;
    let n = 20;
    for _ in 0..n {
        let data = c
            .gql(REVIEW_PAGE, json!({ "slug": slug }))
            .await
            .expect("review page");
        assert_eq!(
            data["project"]["reviewQueue"]["edges"]
                .as_array()
                .unwrap()
                .len(),
            50
        );
    }
    let per = (c.statements().await - before) as f64 / n as f64;
    println!("review page: {per:.1} SQL statements per request (50 versions, nested)");
    let before = c.statements().await;
    let (c2, slug) = (c.clone(), slug.to_owned());
    let (done, _) = load(
        "review page (50 nested)",
        a.concurrency,
        a.seconds,
        move |_, _| {
            let (c, slug) = (c2.clone(), slug.clone());
            async move {
                c.gql(REVIEW_PAGE, json!({ "slug": slug }))
                    .await
                    .map(|_| ())
            }
        },
    )
    .await;
    per_request_under_load(c, "review page", before, done, a).await;
}

async fn point(c: &Client, slug: &str, a: &Args) {
    let data = c
        .gql("query($slug: String!) { project(slug: $slug) { versions(first: 100) { edges { node { id } } } } }", json!({ "slug": slug }))
        .await
        .unwrap();
    let ids: Arc<Vec<String>> = Arc::new(
        data["project"]["versions"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect(),
    );
    let c = c.clone();
    load("point read", a.concurrency, a.seconds, move |n, _| {
        let (c, ids) = (c.clone(), ids.clone());
        async move {
            c.gql(POINT, json!({ "id": ids[n as usize % ids.len()] }))
                .await
                .map(|_| ())
        }
    })
    .await;
}

const RUNS_DASHBOARD: &str = include_str!("../tests/queries/runs_dashboard.graphql");
const RUN_DETAIL: &str = include_str!("../tests/queries/run_detail.graphql");

/// The statements per request of `read`, measured alone over 20 requests.
async fn statements_alone<F: Future<Output = ()>>(c: &Client, name: &str, read: impl Fn() -> F) {
    let before = c.statements().await;
    let n = 20;
    for _ in 0..n {
        read().await;
    }
    let per = (c.statements().await - before) as f64 / n as f64;
    println!("{name}: {per:.1} SQL statements per request");
}

async fn dashboard(c: &Client, slug: &str, a: &Args) {
    statements_alone(c, "runs dashboard", || async {
        let data = c
            .gql(RUNS_DASHBOARD, json!({ "slug": slug }))
            .await
            .expect("runs dashboard");
        let runs = data["project"]["runs"]["edges"].as_array().unwrap().len();
        assert_eq!(runs, 50.min(a.runs));
    })
    .await;
    let before = c.statements().await;
    let (c2, slug) = (c.clone(), slug.to_owned());
    let (done, _) = load(
        "runs dashboard (50 runs)",
        a.concurrency,
        a.seconds,
        move |_, _| {
            let (c, slug) = (c2.clone(), slug.clone());
            async move {
                c.gql(RUNS_DASHBOARD, json!({ "slug": slug }))
                    .await
                    .map(|_| ())
            }
        },
    )
    .await;
    per_request_under_load(c, "runs dashboard", before, done, a).await;
}

async fn detail(c: &Client, slug: &str, a: &Args) {
    let data = c
        .gql(
            "query($slug: String!) { project(slug: $slug) { runs(first: 100) { edges { node { id } } } } }",
            json!({ "slug": slug }),
        )
        .await
        .unwrap();
    let ids: Arc<Vec<String>> = Arc::new(
        data["project"]["runs"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect(),
    );
    statements_alone(c, "run detail", || async {
        c.gql(RUN_DETAIL, json!({ "id": ids[0] }))
            .await
            .expect("run detail");
    })
    .await;
    let before = c.statements().await;
    let c2 = c.clone();
    let (done, _) = load("run detail", a.concurrency, a.seconds, move |n, _| {
        let (c, ids) = (c2.clone(), ids.clone());
        async move {
            c.gql(RUN_DETAIL, json!({ "id": ids[n as usize % ids.len()] }))
                .await
                .map(|_| ())
        }
    })
    .await;
    per_request_under_load(c, "run detail", before, done, a).await;
}

/// Prints the statements per request while `requests` ran at the load's concurrency.
async fn per_request_under_load(c: &Client, name: &str, before: u64, requests: u64, a: &Args) {
    let per = (c.statements().await - before) as f64 / requests.max(1) as f64;
    println!(
        "{name}: {per:.2} SQL statements per request under {} clients",
        a.concurrency
    );
}

async fn writes(c: &Client, a: &Args) {
    let slug = format!("writes-{}", std::process::id());
    let project = c.create_project(&slug).await;
    let create = "mutation($p: ID!, $k: String!, $v: JSON!) { createArtifactVersion(input: {projectId: $p, schemaKey: $k, value: $v}) { id } }";
    let (c1, p1) = (c.clone(), project.clone());
    load(
        "createArtifactVersion",
        a.concurrency,
        a.seconds,
        move |n, _| {
            let (c, p) = (c1.clone(), p1.clone());
            async move {
                c.gql(
                    create,
                    json!({ "p": p, "k": format!("key.k{}", n % 500), "v": { "n": n } }),
                )
                .await
                .map(|_| ())
            }
        },
    )
    .await;

    // Approve + promote, 8 reviewers on the one project all the versions
    // above went to: they contend for its context version.
    let ids = pending_versions(c, &slug).await;
    println!(
        "approve+promote: {} pending versions to work through",
        ids.len()
    );
    let shared = Arc::new(Reviewed {
        project,
        slug,
        pending: Mutex::new(ids),
    });
    let clients = a.concurrency.min(8);
    approve_promote(
        c,
        "approve+promote, 1 project",
        vec![shared; clients],
        a.seconds.min(5),
    )
    .await;

    // The same with each reviewer on a project of its own: the latency of
    // the two writes themselves, without optimistic-lock retries.
    let mut own = Vec::new();
    for r in 0..clients {
        let slug = format!("review-{}-{r}", std::process::id());
        let project = c.create_project(&slug).await;
        own.push((project, slug));
    }
    let made = futures::future::join_all(own.iter().map(|(project, _)| async move {
        for n in 0..400 {
            c.gql(
                create,
                json!({ "p": project, "k": format!("key.k{}", n % 50), "v": { "n": n } }),
            )
            .await
            .unwrap();
        }
    }));
    made.await;
    let mut reviewers = Vec::new();
    for (project, slug) in own {
        let pending = Mutex::new(pending_versions(c, &slug).await);
        reviewers.push(Arc::new(Reviewed {
            project,
            slug,
            pending,
        }));
    }
    approve_promote(
        c,
        "approve+promote, own project",
        reviewers,
        a.seconds.min(5),
    )
    .await;
}

/// createArtifactVersion into the seeded project (as big as --versions
/// made it), every version from one run started here: its cost must not
/// grow with the project's versions or the run's outputs.
async fn grow(c: &Client, slug: &str, a: &Args) {
    let project = c
        .gql(
            "query($s: String!) { project(slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await
        .expect("the seeded project");
    let project = project["project"]["id"].as_str().unwrap().to_owned();
    let run = c
        .gql(
            "mutation($p: ID!) { startRun(input: {projectId: $p, pipeline: \"grow\"}) { id } }",
            json!({ "p": project }),
        )
        .await
        .expect("a run");
    let run = run["startRun"]["id"].as_str().unwrap().to_owned();
    let create = "mutation($p: ID!, $k: String!, $v: JSON!, $r: ID!) { createArtifactVersion(input: {projectId: $p, schemaKey: $k, value: $v, sourceRunId: $r}) { id } }";
    let name = format!("createArtifactVersion into {}", a.versions);
    let c = c.clone();
    load(&name, a.concurrency, a.seconds, move |n, _| {
        let (c, p, r) = (c.clone(), project.clone(), run.clone());
        async move {
            let key = format!("grow.k{}", n % 2000);
            c.gql(create, json!({ "p": p, "k": key, "v": { "n": n }, "r": r }))
                .await
                .map(|_| ())
        }
    })
    .await;
}

/// assembleContext for a run of 50 steps (each with an output and a
/// summary) and a parent of 10, in a project of 200 promoted context paths:
/// statements per request alone, then p50/p99 from `--concurrency` clients.
async fn assemble(c: &Client, a: &Args) {
    let slug = format!("assemble-{}", std::process::id());
    let project = c.create_project(&slug).await;
    let create = "mutation($p: ID!, $k: String!, $v: JSON!) { createArtifactVersion(input: {projectId: $p, schemaKey: $k, value: $v}) { id } }";
    let approve = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { id } }";
    let mut ids = Vec::new();
    for k in 0..200 {
        let value = json!({ "name": format!("entry {k}"), "notes": "a short description of this part of the plan", "n": k });
        let v = c
            .gql(
                create,
                json!({ "p": project, "k": format!("ctx.k{k}"), "v": value }),
            )
            .await
            .unwrap();
        let id = v["createArtifactVersion"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        c.gql(approve, json!({ "id": id })).await.unwrap();
        ids.push(id);
    }
    let promote = "mutation($p: ID!, $ids: [ID!]) { promote(input: {projectId: $p, expectedContextVersion: 0, versionIds: $ids}) { contextVersion } }";
    c.gql(promote, json!({ "p": project, "ids": ids }))
        .await
        .unwrap();
    let start = "mutation($p: ID!, $parent: ID) { startRun(input: {projectId: $p, pipeline: \"assemble\", parentRunId: $parent}) { id } }";
    let step = "mutation($r: ID!, $o: Int!, $out: String) { recordRunStep(input: {runId: $r, order: $o, agentId: \"a\", agentName: \"Agent\", output: $out}) { id } }";
    let summary = "mutation($s: ID!, $t: String!) { recordStepSummary(input: {stepId: $s, summary: $t}) { id } }";
    let mut parent: Option<String> = None;
    for steps in [10, 50] {
        let run = c
            .gql(start, json!({ "p": project, "parent": parent }))
            .await
            .unwrap();
        let run = run["startRun"]["id"].as_str().unwrap().to_owned();
        for o in 1..=steps {
            let out = format!(
                "step {o}: {}",
                "the agent wrote this paragraph of output text. ".repeat(20)
            );
            let st = c
                .gql(step, json!({ "r": run, "o": o, "out": out }))
                .await
                .unwrap();
            let id = st["recordRunStep"]["id"].as_str().unwrap().to_owned();
            c.gql(summary, json!({ "s": id, "t": format!("step {o} decided one thing and left another open") })).await.unwrap();
        }
        parent = Some(run);
    }
    let run = parent.unwrap();
    let query = "query($r: ID!) { assembleContext(runId: $r, budgetTokens: 8000, shortTermSteps: 2) { totalTokens contextVersion items { tier source tokens text version { id } } dropped { source } } }";
    let before = c.statements().await;
    let data = c.gql(query, json!({ "r": run })).await.unwrap();
    let per = c.statements().await - before;
    let assembled = &data["assembleContext"];
    println!(
        "assembleContext (50 steps + parent's 10, 200 paths, budget 8000): {per} SQL statements, {} items kept, {} dropped, {} tokens",
        assembled["items"].as_array().unwrap().len(),
        assembled["dropped"].as_array().unwrap().len(),
        assembled["totalTokens"]
    );
    let c = c.clone();
    load("assembleContext", a.concurrency, a.seconds, move |_, _| {
        let (c, run) = (c.clone(), run.clone());
        async move { c.gql(query, json!({ "r": run })).await.map(|_| ()) }
    })
    .await;
}

/// The areas of the seed's keys (`quire seed`: `<area>.k<i>`, area `i % 6`).
const AREAS: [&str; 6] = ["brand", "mvp", "risk", "copy", "research", "launch"];

/// One-project pages of 20 versions (value, key, status) under a path
/// filter or a full-text search, each measured alone (SQL statements per
/// request) and then from `--concurrency` clients. The seed's values are
/// `{key, n, text: "value n of key", items: [n, 2n, 3n]}`, its keys
/// `<area>.k<i>` with 4-8 versions each: an equality on `key` and a search
/// for one key's `k<i>` select a handful of rows, containment of `[8, 24]`
/// in `items` one version in thirty, a search for an area one in six.
async fn filters(c: &Client, slug: &str, a: &Args) {
    let keys = (a.versions / 6).max(1) as u64;
    let page = |args: &str, total: bool| {
        format!(
            "query($s: String!, $f: VersionFilter) {{ project(slug: $s) {{ versions(first: 20, where: $f{args}) {{ {} edges {{ node {{ id schemaKey status value }} }} }} }} }}",
            if total { "totalCount" } else { "" }
        )
    };
    type Filter = fn(u64, u64) -> Value;
    let cases: [(&str, Filter, bool); 6] = [
        (
            "key eq (path filter)",
            |n, keys| json!({ "value": [{ "path": "key", "eq": format!("{}.k{}", AREAS[(n % keys) as usize % 6], n % keys) }] }),
            false,
        ),
        (
            "items contains [8,24]",
            |_, _| json!({ "value": [{ "path": "items", "contains": [8, 24] }] }),
            false,
        ),
        (
            "items contains, counted",
            |_, _| json!({ "value": [{ "path": "items", "contains": [8, 24] }] }),
            true,
        ),
        (
            "search one key",
            |n, keys| json!({ "search": format!("k{}", n % keys) }),
            false,
        ),
        (
            "search an area",
            |n, _| json!({ "search": AREAS[n as usize % 6] }),
            false,
        ),
        (
            "search an area, counted",
            |n, _| json!({ "search": AREAS[n as usize % 6] }),
            true,
        ),
    ];
    for (name, filter, total) in cases {
        let query = page("", total);
        let before = c.statements().await;
        let n = 10;
        let mut rows = 0;
        for i in 0..n {
            let data = c
                .gql(&query, json!({ "s": slug, "f": filter(i * 7919, keys) }))
                .await
                .expect(name);
            rows += data["project"]["versions"]["edges"]
                .as_array()
                .unwrap()
                .len();
        }
        let per = (c.statements().await - before) as f64 / n as f64;
        println!(
            "{name}: {per:.1} SQL statements per request, {:.1} rows per page",
            rows as f64 / n as f64
        );
        let c = c.clone();
        let slug = slug.to_owned();
        load(name, a.concurrency, a.seconds, move |i, _| {
            let (c, slug, query) = (c.clone(), slug.clone(), query.clone());
            async move {
                c.gql(&query, json!({ "s": slug, "f": filter(i, keys) }))
                    .await
                    .map(|_| ())
            }
        })
        .await;
    }
}

/// A project under review and the versions left to approve in it.
struct Reviewed {
    project: String,
    slug: String,
    pending: Mutex<Vec<String>>,
}

/// Every pending version of a project, oldest last.
async fn pending_versions(c: &Client, slug: &str) -> Vec<String> {
    let page = "query($s: String!, $after: String) { project(slug: $s) { reviewQueue(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } } }";
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = c
            .gql(page, json!({ "s": slug, "after": after }))
            .await
            .unwrap();
        let queue = &data["project"]["reviewQueue"];
        ids.extend(
            queue["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned()),
        );
        if queue["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = queue["pageInfo"]["endCursor"].clone();
    }
    ids.reverse();
    ids
}

/// One reviewer step per operation: approve a pending version, then promote
/// it with the context version last read, retrying on CONFLICT. Worker `w`
/// works on `reviewers[w]`.
async fn approve_promote(c: &Client, name: &str, reviewers: Vec<Arc<Reviewed>>, seconds: u64) {
    let approve = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { id } }";
    let promote = "mutation($p: ID!, $v: Int!, $ids: [ID!]) { promote(input: {projectId: $p, expectedContextVersion: $v, versionIds: $ids}) { contextVersion } }";
    let read = "query($s: String!) { project(slug: $s) { contextVersion } }";
    let conflicts = Arc::new(AtomicU64::new(0));
    let (c2, conflicts2) = (c.clone(), conflicts.clone());
    let clients = reviewers.len();
    let reviewers = Arc::new(reviewers);
    load(name, clients, seconds, move |_, worker| {
        let (c, r, conflicts) = (c2.clone(), reviewers[worker].clone(), conflicts2.clone());
        async move {
            let Some(id) = r.pending.lock().await.pop() else {
                return Err("out of pending versions (counted as an error)".to_owned());
            };
            c.gql(approve, json!({ "id": id })).await?;
            loop {
                let v = c.gql(read, json!({ "s": r.slug })).await?["project"]["contextVersion"]
                    .as_i64()
                    .unwrap();
                match c
                    .gql(promote, json!({ "p": r.project, "v": v, "ids": [id] }))
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(e) if e.contains("CONFLICT") => {
                        conflicts.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    })
    .await;
    println!(
        "{name}: {} optimistic-lock conflicts retried",
        conflicts.load(Ordering::Relaxed)
    );
}

async fn subscriptions(c: &Client, server: &Server, a: &Args) {
    let slug = format!("live-{}", std::process::id());
    let project = c.create_project(&slug).await;
    let url = format!("{}/graphql/ws", c.base.replacen("http", "ws", 1));
    for &n in &a.subscribers {
        let (rss_before, _) = server.memory_kib();
        let mut sockets = Vec::with_capacity(n);
        for _ in 0..n {
            let mut request = url.as_str().into_client_request().unwrap();
            request.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                "graphql-transport-ws".parse().unwrap(),
            );
            let (mut ws, _) = tokio_tungstenite::connect_async(request)
                .await
                .expect("ws connects");
            ws.send(Message::Text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", c.token) } }).to_string().into())).await.unwrap();
            let _ack = ws.next().await;
            let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription($p: ID!) { runStatusChanged(projectId: $p) { cursor run { id status } } }", "variables": { "p": project } } });
            ws.send(Message::Text(sub.to_string().into()))
                .await
                .unwrap();
            sockets.push(ws);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (rss_after, _) = server.memory_kib();
        let per_sub = (rss_after.saturating_sub(rss_before)) as f64 / n as f64;
        // Each socket reads its events and records arrival times.
        let sent_at: Arc<Mutex<Vec<Instant>>> = Arc::new(Mutex::new(Vec::new()));
        let events = 20;
        let mut readers = Vec::new();
        for mut ws in sockets {
            readers.push(tokio::spawn(async move {
                let mut arrivals = Vec::new();
                while arrivals.len() < events {
                    match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                        Ok(Some(Ok(Message::Text(t)))) if t.contains("\"next\"") => {
                            arrivals.push(Instant::now())
                        }
                        Ok(Some(Ok(_))) => {}
                        _ => break,
                    }
                }
                let _ = ws.close(None).await;
                arrivals
            }));
        }
        for _ in 0..events {
            let done = c.gql("mutation($p: ID!) { startRun(input: {projectId: $p, pipeline: \"live\"}) { id } }", json!({ "p": project })).await;
            sent_at.lock().await.push(Instant::now());
            done.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sent = sent_at.lock().await.clone();
        let mut latencies = Vec::new();
        let mut missing = 0;
        for r in readers {
            let arrivals = r.await.unwrap();
            missing += events - arrivals.len();
            for (i, at) in arrivals.iter().enumerate() {
                latencies.push(at.saturating_duration_since(sent[i]));
            }
        }
        latencies.sort();
        println!(
            "subscriptions x{n:<5} delivery after commit p50 {:>10}  p99 {:>10}  missing {missing}  memory per idle subscription {:.1} KiB",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            per_sub
        );
    }
}

async fn files(c: &Client, server: &Server, a: &Args) {
    let total = a.file_mib * 1024 * 1024;
    let (_, peak_before) = server.memory_kib();
    // Generated on the fly: the driver holds one 1 MiB chunk at a time.
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let chunks = a.file_mib;
    let stream = futures::stream::iter((0..chunks).map(move |i| {
        let mut c = chunk.clone();
        c[0] = i as u8;
        Ok::<_, std::io::Error>(c)
    }));
    let started = Instant::now();
    let res = c
        .http
        .post(format!("{}/files?filename=big.bin", c.base))
        .bearer_auth(&c.token)
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    let up = started.elapsed();
    let body: Value = res.json().await.unwrap();
    let url = format!(
        "{}{}",
        c.base,
        body["url"].as_str().expect("an uploaded file")
    );
    let started = Instant::now();
    let mut res = c.http.get(&url).bearer_auth(&c.token).send().await.unwrap();
    let mut got = 0u64;
    while let Some(part) = res.chunk().await.unwrap() {
        got += part.len() as u64;
    }
    let down = started.elapsed();
    assert_eq!(got, total);
    let (_, peak_after) = server.memory_kib();
    let mib = total as f64 / 1048576.0;
    println!(
        "files {mib:.0} MiB: upload {:.0} MiB/s ({:.1?}), download {:.0} MiB/s ({:.1?}); server peak RSS {:.0} MiB before, {:.0} MiB after",
        mib / up.as_secs_f64(),
        up,
        mib / down.as_secs_f64(),
        down,
        peak_before as f64 / 1024.0,
        peak_after as f64 / 1024.0
    );
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let db = a.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let storage = dir.path().join("files").display().to_string();
    println!(
        "machine: {} cores; database: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        db.split('@').next_back().unwrap_or(&db)
    );
    let started = Instant::now();
    let slug = match &a.slug {
        Some(slug) => slug.clone(),
        None => {
            let out = run(
                &[
                    "seed",
                    "--versions-per-project",
                    &a.versions.to_string(),
                    "--runs-per-project",
                    &a.runs.to_string(),
                ],
                &db,
            );
            let slug = out.lines().last().unwrap().trim().to_owned();
            println!(
                "seeded {} versions, {} runs in {:.1?} ({slug})",
                a.versions,
                a.runs,
                started.elapsed()
            );
            slug
        }
    };
    let token = run(
        &["token", "create", "--name", "bench", "--role", "admin"],
        &db,
    )
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_owned();
    let server = Server::start(&db, &storage);
    let client = Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap(),
        base: server.base.clone(),
        token,
    };
    for scenario in &a.scenarios {
        match scenario.as_str() {
            "review" => review(&client, &slug, &a).await,
            "point" => point(&client, &slug, &a).await,
            "dashboard" => dashboard(&client, &slug, &a).await,
            "detail" => detail(&client, &slug, &a).await,
            "write" => writes(&client, &a).await,
            "grow" => grow(&client, &slug, &a).await,
            "filters" => filters(&client, &slug, &a).await,
            "assemble" => assemble(&client, &a).await,
            "subscriptions" => subscriptions(&client, &server, &a).await,
            "files" => files(&client, &server, &a).await,
            other => eprintln!("unknown scenario {other}"),
        }
    }
    let (rss, peak) = server.memory_kib();
    println!(
        "server memory: {:.0} MiB resident, {:.0} MiB peak",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}
