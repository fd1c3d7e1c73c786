//! The soak: a real `quire serve` under a bounded mixed load for a set time,
//! as agent teams use it. Writers run pipelines (start a run, create
//! versions from it, complete it), reviewers approve, reject or send back
//! versions from the review queue and promote, readers load the review page
//! and single versions, uploaders store and read files, subscribers follow
//! version events. Every minute it prints the server's resident memory and
//! open files, requests/s and errors by code; at the end it checks, in the
//! database, that nothing acknowledged was lost and every invariant held.
//!
//!   cargo bench --bench soak -- [--database-url URL] [--minutes 5]
//!       [--writers 12] [--reviewers 4] [--readers 8] [--uploaders 2]
//!       [--subscribers 20] [--projects 4]
//!
//! Without --database-url it uses a fresh SQLite file. Exits non-zero when
//! an invariant fails or any request was answered INTERNAL.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use futures::{SinkExt, StreamExt};
use rand::Rng;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use support::{Client, REVIEW_PAGE, Server, run};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

struct Args {
    database_url: Option<String>,
    minutes: u64,
    writers: usize,
    reviewers: usize,
    readers: usize,
    uploaders: usize,
    subscribers: usize,
    projects: usize,
}

fn args() -> Args {
    let mut a = Args {
        database_url: None,
        minutes: 5,
        writers: 12,
        reviewers: 4,
        readers: 8,
        uploaders: 2,
        subscribers: 20,
        projects: 4,
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
            "--minutes" => a.minutes = value().parse().unwrap(),
            "--writers" => a.writers = value().parse().unwrap(),
            "--reviewers" => a.reviewers = value().parse().unwrap(),
            "--readers" => a.readers = value().parse().unwrap(),
            "--uploaders" => a.uploaders = value().parse().unwrap(),
            "--subscribers" => a.subscribers = value().parse().unwrap(),
            "--projects" => a.projects = value().parse().unwrap(),
            other => panic!("unknown option {other}"),
        }
    }
    a
}

/// What the clients saw, shared by all of them.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    /// Answers that were errors, by `extensions.code` (or HTTP/transport).
    errors: std::sync::Mutex<BTreeMap<String, u64>>,
    created: AtomicU64,
    approved: AtomicU64,
    rejected: AtomicU64,
    changes_requested: AtomicU64,
    promoted: AtomicU64,
    uploaded: AtomicU64,
}

impl Tally {
    fn error(&self, code: &str) {
        *self
            .errors
            .lock()
            .unwrap()
            .entry(code.to_owned())
            .or_default() += 1;
    }

    fn errors(&self) -> BTreeMap<String, u64> {
        self.errors.lock().unwrap().clone()
    }
}

/// A GraphQL call that counts itself; Err is the error's code.
async fn call(c: &Client, t: &Tally, query: &str, variables: Value) -> Result<Value, String> {
    t.requests.fetch_add(1, Ordering::Relaxed);
    let res = c
        .http
        .post(format!("{}/graphql", c.base))
        .bearer_auth(&c.token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await;
    let code = match res {
        Err(_) => "TRANSPORT".to_owned(),
        Ok(res) if res.status().is_server_error() => format!("HTTP {}", res.status().as_u16()),
        Ok(res) => match res.json::<Value>().await {
            Err(_) => "BAD_BODY".to_owned(),
            Ok(body) => match body["errors"][0]["extensions"]["code"].as_str() {
                None if body.get("errors").is_none() => return Ok(body["data"].clone()),
                None => "NO_CODE".to_owned(),
                Some(code) => code.to_owned(),
            },
        },
    };
    t.error(&code);
    Err(code)
}

const CREATE: &str = "mutation($p: ID!, $k: String!, $v: JSON!, $r: ID, $f: [ID!]) { createArtifactVersion(input: {projectId: $p, schemaKey: $k, value: $v, sourceRunId: $r, fileIds: $f}) { id } }";
const AREAS: [&str; 5] = ["brand", "mvp", "risk", "copy", "launch"];

/// Runs pipelines: a run, 1-3 steps, 2-4 versions from it, completion.
async fn writer(c: Client, t: Arc<Tally>, projects: Arc<Vec<String>>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let (p, steps, versions) = {
            let mut rng = rand::rng();
            (
                projects[rng.random_range(0..projects.len())].clone(),
                rng.random_range(1..=3),
                rng.random_range(2..=4),
            )
        };
        let Ok(run) = call(
            &c,
            &t,
            "mutation($p: ID!) { startRun(input: {projectId: $p, pipeline: \"soak\", model: \"gpt-4o\"}) { id } }",
            json!({ "p": p }),
        )
        .await
        else {
            continue;
        };
        let run = run["startRun"]["id"].clone();
        for order in 1..=steps {
            let _ = call(
                &c,
                &t,
                "mutation($r: ID!, $o: Int!) { recordRunStep(input: {runId: $r, order: $o, agentId: \"a\", agentName: \"Agent\", inputTokens: 100, outputTokens: 50}) { id } }",
                json!({ "r": run, "o": order }),
            )
            .await;
        }
        for _ in 0..versions {
            let key = {
                let mut rng = rand::rng();
                format!(
                    "{}.k{}",
                    AREAS[rng.random_range(0..AREAS.len())],
                    rng.random_range(0..20)
                )
            };
            let value = json!({ "text": "x".repeat(200), "at": Instant::now().elapsed().as_nanos() as u64 });
            if call(
                &c,
                &t,
                CREATE,
                json!({ "p": p, "k": key, "v": value, "r": run }),
            )
            .await
            .is_ok()
            {
                t.created.fetch_add(1, Ordering::Relaxed);
            }
        }
        let _ = call(
            &c,
            &t,
            "mutation($r: ID!) { completeRun(input: {runId: $r}) { id } }",
            json!({ "r": run }),
        )
        .await;
    }
}

/// Works through review queues; promotes every few approvals.
async fn reviewer(c: Client, t: Arc<Tally>, projects: Arc<Vec<String>>, stop: Arc<AtomicBool>) {
    let mut approvals = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let p = projects[rand::rng().random_range(0..projects.len())].clone();
        let Ok(queue) = call(
            &c,
            &t,
            "query($p: ID!) { node(id: $p) { ... on Project { reviewQueue(first: 20) { edges { node { id } } } } } }",
            json!({ "p": p }),
        )
        .await
        else {
            continue;
        };
        let ids: Vec<Value> = queue["node"]["reviewQueue"]["edges"]
            .as_array()
            .map(|edges| edges.iter().map(|e| e["node"]["id"].clone()).collect())
            .unwrap_or_default();
        if ids.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let (id, roll) = {
            let mut rng = rand::rng();
            (
                ids[rng.random_range(0..ids.len())].clone(),
                rng.random_range(0..10),
            )
        };
        let (mutation, counter) = match roll {
            0..6 => ("approveVersion", &t.approved),
            6..8 => ("rejectVersion", &t.rejected),
            _ => ("requestChanges", &t.changes_requested),
        };
        let query = format!(
            "mutation($id: ID!) {{ {mutation}(input: {{versionId: $id, reason: \"soak\"}}) {{ id }} }}"
        );
        // Another reviewer may have taken it first: INVALID_TRANSITION is an answer, not a failure.
        if call(&c, &t, &query, json!({ "id": id })).await.is_ok() {
            counter.fetch_add(1, Ordering::Relaxed);
            if mutation == "approveVersion" {
                approvals += 1;
            }
        }
        if mutation == "approveVersion" && approvals.is_multiple_of(5) {
            promote(&c, &t, &p).await;
        }
    }
}

/// Promotes a project's approved versions, reading the context version
/// again after each CONFLICT (a few times).
async fn promote(c: &Client, t: &Tally, project: &str) {
    for _ in 0..5 {
        let Ok(read) = call(
            c,
            t,
            "query($p: ID!) { node(id: $p) { ... on Project { contextVersion } } }",
            json!({ "p": project }),
        )
        .await
        else {
            return;
        };
        let expected = read["node"]["contextVersion"].clone();
        match call(
            c,
            t,
            "mutation($p: ID!, $e: Int!) { promote(input: {projectId: $p, expectedContextVersion: $e}) { contextVersion } }",
            json!({ "p": project, "e": expected }),
        )
        .await
        {
            Ok(_) => {
                t.promoted.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(code) if code == "CONFLICT" => continue,
            Err(_) => return,
        }
    }
}

/// The review page and point reads of versions it lists.
async fn reader(c: Client, t: Arc<Tally>, slugs: Arc<Vec<String>>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let slug = slugs[rand::rng().random_range(0..slugs.len())].clone();
        let Ok(page) = call(&c, &t, REVIEW_PAGE, json!({ "slug": slug })).await else {
            continue;
        };
        let edges = page["project"]["reviewQueue"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for edge in edges.iter().take(3) {
            let _ = call(
                &c,
                &t,
                "query($id: ID!) { artifactVersion(id: $id) { id status value files { id } approvals { action } } }",
                json!({ "id": edge["node"]["id"] }),
            )
            .await;
        }
    }
}

/// Uploads a 64 KiB file, links it to a new version, downloads it.
async fn uploader(c: Client, t: Arc<Tally>, projects: Arc<Vec<String>>, stop: Arc<AtomicBool>) {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let p = projects[n as usize % projects.len()].clone();
        let bytes: Vec<u8> = (0..64 * 1024).map(|_| rand::random::<u8>()).collect();
        t.requests.fetch_add(1, Ordering::Relaxed);
        let res = c
            .http
            .post(format!("{}/files?projectId={p}", c.base))
            .bearer_auth(&c.token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await;
        let file: Value = match res {
            Ok(r) if r.status().as_u16() == 201 => r.json().await.unwrap_or_default(),
            Ok(r) => {
                t.error(&format!("HTTP {}", r.status().as_u16()));
                continue;
            }
            Err(_) => {
                t.error("TRANSPORT");
                continue;
            }
        };
        t.uploaded.fetch_add(1, Ordering::Relaxed);
        let value = json!({ "file": n });
        if call(
            &c,
            &t,
            CREATE,
            json!({ "p": p, "k": format!("files.k{}", n % 10), "v": value, "f": [file["id"]] }),
        )
        .await
        .is_ok()
        {
            t.created.fetch_add(1, Ordering::Relaxed);
        }
        t.requests.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}/files/{}", c.base, file["id"].as_str().unwrap_or(""));
        match c.http.get(url).bearer_auth(&c.token).send().await {
            Ok(r) if r.status().is_success() => {
                let got = r.bytes().await.map(|b| b.len()).unwrap_or(0);
                if got != 64 * 1024 {
                    t.error("SHORT_DOWNLOAD");
                }
            }
            Ok(r) => t.error(&format!("HTTP {}", r.status().as_u16())),
            Err(_) => t.error("TRANSPORT"),
        }
    }
}

/// Follows a project's version events; returns the positions received.
async fn subscriber(c: Client, project: String, stop: Arc<AtomicBool>) -> Vec<i64> {
    let url = format!("{}/graphql/ws", c.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the socket connects");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", c.token) } });
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let subscribe = json!({ "id": "v", "type": "subscribe", "payload": {
        "query": "subscription($p: ID!) { versionStatusChanged(projectId: $p) { cursor status } }",
        "variables": { "p": project } } });
    ws.send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    let mut positions = Vec::new();
    let mut quiet_since: Option<Instant> = None;
    loop {
        let next = tokio::time::timeout(Duration::from_millis(500), ws.next()).await;
        match next {
            Ok(Some(Ok(Message::Text(text)))) => {
                quiet_since = None;
                let message: Value = serde_json::from_str(&text).unwrap_or_default();
                if message["type"] == "ping" {
                    let _ = ws
                        .send(Message::Text(json!({"type": "pong"}).to_string().into()))
                        .await;
                }
                if let Some(cursor) =
                    message["payload"]["data"]["versionStatusChanged"]["cursor"].as_str()
                {
                    positions.push(position(cursor));
                } else if message["type"] == "next" || message["type"] == "error" {
                    eprintln!("subscriber got an error: {message}");
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(_) => break,
            Err(_) => {
                // After the load stops, wait for two quiet seconds: the tail.
                if stop.load(Ordering::Relaxed) {
                    let since = *quiet_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > Duration::from_secs(2) {
                        break;
                    }
                }
            }
        }
    }
    let _ = ws.close(None).await;
    positions
}

/// The outbox position a cursor stands for.
fn position(cursor: &str) -> i64 {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(cursor))
        .expect("a base64 cursor");
    String::from_utf8(bytes).unwrap().parse().unwrap()
}

/// (resident KiB, open file descriptors) of a process.
fn process_usage(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (rss, fds)
}

/// One number from the database.
async fn scalar(db: &quire::db::Db, sql: &str) -> i64 {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(db.backend(), sql.to_owned()))
        .await
        .expect("the check query runs")
        .expect("one row");
    row.try_get_by_index::<i64>(0).unwrap_or(0)
}

/// The invariants, checked in the database; returns the failures.
async fn check(db_url: &str, t: &Tally, received: &[(String, Vec<i64>)]) -> Vec<String> {
    let db = quire::db::Db::connect(db_url).await.expect("connect");
    let mut failures = Vec::new();
    let soak_versions = "FROM artifact_versions v JOIN projects p ON p.id = v.project_id WHERE p.slug LIKE 'soak-%'";
    let mut expect = |what: &str, got: i64, want: i64| {
        let ok = got == want;
        println!(
            "  {:<52} {got} (expected {want}) {}",
            what,
            if ok { "ok" } else { "FAILED" }
        );
        if !ok {
            failures.push(what.to_owned());
        }
    };
    let created = t.created.load(Ordering::Relaxed) as i64;
    expect(
        "acknowledged versions stored",
        scalar(&db, &format!("SELECT COUNT(*) {soak_versions}")).await,
        created,
    );
    expect(
        "keys whose numbers have a gap",
        scalar(&db, &format!("SELECT COUNT(*) FROM (SELECT v.project_id, v.schema_key {soak_versions} GROUP BY v.project_id, v.schema_key HAVING COUNT(*) <> MAX(v.version_number) OR MIN(v.version_number) <> 1) g")).await,
        0,
    );
    expect(
        "keys with more than one APPROVED version",
        scalar(&db, &format!("SELECT COUNT(*) FROM (SELECT v.project_id, v.schema_key {soak_versions} AND v.status = 'APPROVED' GROUP BY v.project_id, v.schema_key HAVING COUNT(*) > 1) g")).await,
        0,
    );
    expect(
        "(project, status) pairs whose kept count is off",
        scalar(&db, "SELECT COUNT(*) FROM (SELECT v.project_id, v.status, COUNT(*) AS n FROM artifact_versions v JOIN projects p ON p.id = v.project_id WHERE p.slug LIKE 'soak-%' GROUP BY v.project_id, v.status) r FULL JOIN (SELECT c.project_id, c.status, SUM(c.versions) AS n FROM version_counts c JOIN projects p ON p.id = c.project_id WHERE p.slug LIKE 'soak-%' GROUP BY c.project_id, c.status HAVING SUM(c.versions) <> 0) k ON k.project_id = r.project_id AND k.status = r.status WHERE r.n IS NULL OR k.n IS NULL OR r.n <> k.n").await,
        0,
    );
    let audit = |action: &str| {
        format!(
            "SELECT COUNT(*) FROM approvals a JOIN projects p ON p.id = a.project_id WHERE p.slug LIKE 'soak-%' AND a.action = '{action}'"
        )
    };
    let status = |s: &str| format!("SELECT COUNT(*) {soak_versions} AND v.status = '{s}'");
    expect(
        "APPROVE entries = approvals acknowledged",
        scalar(&db, &audit("APPROVE")).await,
        t.approved.load(Ordering::Relaxed) as i64,
    );
    expect(
        "REJECT entries = rejections acknowledged",
        scalar(&db, &audit("REJECT")).await,
        t.rejected.load(Ordering::Relaxed) as i64,
    );
    expect(
        "REJECTED versions = rejections acknowledged",
        scalar(&db, &status("REJECTED")).await,
        t.rejected.load(Ordering::Relaxed) as i64,
    );
    expect(
        "REQUEST_CHANGES entries = requests acknowledged",
        scalar(&db, &audit("REQUEST_CHANGES")).await,
        t.changes_requested.load(Ordering::Relaxed) as i64,
    );
    expect(
        "SUPERSEDE entries = SUPERSEDED versions",
        scalar(&db, &audit("SUPERSEDE")).await,
        scalar(&db, &status("SUPERSEDED")).await,
    );
    expect(
        "APPROVED + SUPERSEDED versions = approvals acknowledged",
        scalar(&db, &status("APPROVED")).await + scalar(&db, &status("SUPERSEDED")).await,
        t.approved.load(Ordering::Relaxed) as i64,
    );
    expect(
        "context versions = promotions acknowledged",
        scalar(
            &db,
            "SELECT COALESCE(SUM(context_version), 0) FROM projects WHERE slug LIKE 'soak-%'",
        )
        .await,
        t.promoted.load(Ordering::Relaxed) as i64,
    );
    let mut disorder = 0;
    let mut missing = 0;
    for (project_slug, positions) in received {
        if positions.windows(2).any(|w| w[0] >= w[1]) {
            disorder += 1;
        }
        if let (Some(first), Some(last)) = (positions.first(), positions.last()) {
            let stored = scalar(&db, &format!(
                "SELECT COUNT(*) FROM events e JOIN projects p ON p.id = e.project_id WHERE p.slug = '{project_slug}' AND e.kind IN ('version.created', 'version.status') AND e.position BETWEEN {first} AND {last}"
            ))
            .await;
            let lost = stored - positions.len() as i64;
            if lost > 0 {
                let rows = db
                    .conn
                    .query_all_raw(Statement::from_string(db.backend(), format!(
                        "SELECT e.position FROM events e JOIN projects p ON p.id = e.project_id WHERE p.slug = '{project_slug}' AND e.kind IN ('version.created', 'version.status') AND e.position BETWEEN {first} AND {last} ORDER BY e.position"
                    )))
                    .await
                    .expect("the check query runs");
                let seen: std::collections::HashSet<i64> = positions.iter().copied().collect();
                let absent: Vec<i64> = rows
                    .iter()
                    .filter_map(|r| r.try_get_by_index::<i64>(0).ok())
                    .filter(|p| !seen.contains(p))
                    .take(10)
                    .collect();
                println!("  a subscriber of {project_slug} missed {lost}, at positions {absent:?}");
            }
            missing += lost;
        }
    }
    expect(
        "subscribers that saw an event twice or out of order",
        disorder,
        0,
    );
    expect(
        "events missed by subscribers (within what each saw)",
        missing,
        0,
    );
    expect(
        "INTERNAL answers",
        t.errors().get("INTERNAL").copied().unwrap_or(0) as i64,
        0,
    );
    failures
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let db = a
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("soak.db").display()));
    let storage = dir.path().join("files").display().to_string();
    run(&["migrate"], &db);
    let token = run(
        &["token", "create", "--name", "soak", "--role", "admin"],
        &db,
    )
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_owned();
    let server = Server::start(&db, &storage);
    let pid = server.child.id();
    let c = Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        base: server.base.clone(),
        token,
    };
    let run_id = std::process::id();
    let mut projects = Vec::new();
    let mut slugs = Vec::new();
    for i in 0..a.projects {
        let slug = format!("soak-{run_id}-{i}");
        projects.push(c.create_project(&slug).await);
        slugs.push(slug);
    }
    let (projects, slugs) = (Arc::new(projects), Arc::new(slugs));
    println!(
        "soak: {} min on {}; {} writers, {} reviewers, {} readers, {} uploaders, {} subscribers, {} projects",
        a.minutes,
        db.split('@').next_back().unwrap_or(&db),
        a.writers,
        a.reviewers,
        a.readers,
        a.uploaders,
        a.subscribers,
        a.projects
    );
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let subscribers: Vec<_> = (0..a.subscribers)
        .map(|i| {
            let (c, stop) = (c.clone(), stop.clone());
            let (project, slug) = (
                projects[i % projects.len()].clone(),
                slugs[i % slugs.len()].clone(),
            );
            tokio::spawn(async move { (slug, subscriber(c, project, stop).await) })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut workers = Vec::new();
    macro_rules! spawn {
        ($n:expr, $f:ident, $on:expr) => {
            for _ in 0..$n {
                workers.push(tokio::spawn($f(
                    c.clone(),
                    tally.clone(),
                    $on.clone(),
                    stop.clone(),
                )));
            }
        };
    }
    spawn!(a.writers, writer, projects);
    spawn!(a.reviewers, reviewer, projects);
    spawn!(a.readers, reader, slugs);
    spawn!(a.uploaders, uploader, projects);

    println!(
        "{:>6} {:>9} {:>6} {:>9} {:>10} {:>9}  errors so far",
        "minute", "RSS MiB", "fds", "req/s", "creates/s", "reviews/s"
    );
    let started = Instant::now();
    let (mut last_requests, mut last_created, mut last_reviews) = (0, 0, 0);
    for minute in 1..=a.minutes {
        let until = started + Duration::from_secs(60 * minute);
        tokio::time::sleep_until(until.into()).await;
        let (rss, fds) = process_usage(pid);
        let requests = tally.requests.load(Ordering::Relaxed);
        let created = tally.created.load(Ordering::Relaxed);
        let reviews = tally.approved.load(Ordering::Relaxed)
            + tally.rejected.load(Ordering::Relaxed)
            + tally.changes_requested.load(Ordering::Relaxed);
        println!(
            "{minute:>6} {:>9.1} {fds:>6} {:>9.0} {:>10.1} {:>9.1}  {:?}",
            rss as f64 / 1024.0,
            (requests - last_requests) as f64 / 60.0,
            (created - last_created) as f64 / 60.0,
            (reviews - last_reviews) as f64 / 60.0,
            tally.errors()
        );
        (last_requests, last_created, last_reviews) = (requests, created, reviews);
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let mut received = Vec::new();
    for s in subscribers {
        received.push(s.await.unwrap());
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (rss, fds) = process_usage(pid);
    println!(
        "after the load: {:.1} MiB resident, {fds} open files; {} requests, {} versions, {} approved, {} rejected, {} sent back, {} promotions, {} files; {} events per subscriber on average",
        rss as f64 / 1024.0,
        tally.requests.load(Ordering::Relaxed),
        tally.created.load(Ordering::Relaxed),
        tally.approved.load(Ordering::Relaxed),
        tally.rejected.load(Ordering::Relaxed),
        tally.changes_requested.load(Ordering::Relaxed),
        tally.promoted.load(Ordering::Relaxed),
        tally.uploaded.load(Ordering::Relaxed),
        received.iter().map(|(_, p)| p.len()).sum::<usize>() / received.len().max(1),
    );
    println!("errors by code: {:?}", tally.errors());
    let delivered = c
        .metric("quire_events_delivered_total")
        .await
        .map_or(-1, |v| v as i64);
    let reader_at = c
        .metric("quire_event_reader_position")
        .await
        .map_or(-1, |v| v as i64);
    println!("invariants:");
    let mut failures = check(&db, &tally, &received).await;
    let stored = {
        let db = quire::db::Db::connect(&db).await.expect("connect");
        scalar(&db, "SELECT COUNT(*) FROM events").await
    };
    println!(
        "  event reader: at position {reader_at}, handed out {delivered} of the {stored} events stored {}",
        if delivered == stored { "ok" } else { "FAILED" }
    );
    if delivered != stored {
        failures.push("the event reader skipped committed events".into());
    }
    drop(server);
    if !failures.is_empty() {
        eprintln!("soak FAILED: {failures:?}");
        std::process::exit(1);
    }
    println!("soak passed");
}
