//! Subscriptions over a real WebSocket (graphql-transport-ws): each
//! subscription's events in order, resuming without loss or repeats,
//! concurrent writers, two server processes, authentication close codes, and
//! out-of-order commits on PostgreSQL.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::{Backend, TestServer, code};
use crate::server_tests;

pub struct Ws {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// `next` messages read while waiting for another subscription's.
    pending: std::collections::VecDeque<Value>,
}

impl Ws {
    /// Opens a socket and sends connection_init with `payload`; does not wait.
    pub async fn open(s: &TestServer, payload: Option<Value>) -> Ws {
        let url = s.url("/graphql/ws").replacen("http", "ws", 1);
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects");
        let mut ws = Ws {
            socket,
            pending: Default::default(),
        };
        if let Some(payload) = payload {
            ws.send(json!({ "type": "connection_init", "payload": payload }))
                .await;
        }
        ws
    }

    /// A connection acknowledged for `token`.
    pub async fn connect(s: &TestServer, token: &str) -> Ws {
        let mut ws = Ws::open(
            s,
            Some(json!({ "Authorization": format!("Bearer {token}") })),
        )
        .await;
        let ack = ws
            .next_message(Duration::from_secs(10))
            .await
            .expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    /// Sends a protocol message as it is (no `after` added).
    pub async fn send_raw(&mut self, message: Value) {
        self.send(message).await;
    }

    /// Sends any text frame.
    pub async fn send_text(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).await.unwrap();
    }

    /// Subscribes from the start of the outbox unless `variables` give an
    /// `after`: the tests' projects are new, so this is what "from now on"
    /// would give, without racing the server's start of the subscription.
    pub async fn subscribe(&mut self, id: &str, query: &str, mut variables: Value) {
        if let Some(vars) = variables.as_object_mut() {
            vars.entry("after").or_insert(json!(FROM_START));
        }
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
    }

    /// The next protocol message; None on timeout. A close frame comes back
    /// as {"type": "close", "code": ...}.
    pub async fn next_message(&mut self, within: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(within, self.socket.next())
                .await
                .ok()??;
            match frame {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Ok(Message::Close(frame)) => {
                    let code = frame.as_ref().map(|f| u16::from(f.code)).unwrap_or(0);
                    return Some(json!({ "type": "close", "code": code }));
                }
                Ok(_) => continue,
                Err(_) => return Some(json!({ "type": "close", "code": 0 })),
            }
        }
    }

    /// The data of the next `next` message of subscription `id`.
    pub async fn next_data(&mut self, id: &str) -> Value {
        if let Some(at) = self.pending.iter().position(|m| m["id"] == id) {
            let message = self.pending.remove(at).unwrap();
            return message["payload"]["data"].clone();
        }
        loop {
            let message = self
                .next_message(Duration::from_secs(15))
                .await
                .expect("an event in time");
            assert_ne!(message["type"], "error", "{message}");
            assert_ne!(message["type"], "close", "{message}");
            if message["type"] == "next" {
                assert!(message["payload"].get("errors").is_none(), "{message}");
                if message["id"] == id {
                    return message["payload"]["data"].clone();
                }
                self.pending.push_back(message);
            }
        }
    }

    /// Messages of any subscription until `count` `next` ones arrived.
    pub async fn collect(&mut self, count: usize) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        while out.len() < count {
            let message = self
                .next_message(Duration::from_secs(15))
                .await
                .expect("an event in time");
            assert_eq!(message["type"], "next", "{message}");
            out.push((
                message["id"].as_str().unwrap().to_owned(),
                message["payload"]["data"].clone(),
            ));
        }
        out
    }

    /// Asserts that nothing arrives for a while.
    pub async fn quiet(&mut self, within: Duration) {
        assert!(self.pending.is_empty(), "unread events: {:?}", self.pending);
        if let Some(message) = self.next_message(within).await {
            panic!("expected nothing, got {message}");
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

server_tests!(
    every_subscription_in_order,
    resume_without_loss_or_repeat,
    concurrent_writers_all_delivered,
    two_processes_share_events,
    authentication_close_codes,
    events_announce_what_happened,
    step_summaries_are_published_on_the_run,
    idle_sockets_are_pinged_and_silent_ones_closed,
    subscriptions_over_server_sent_events
);

/// The cursor of position 0: every event of a project.
const FROM_START: &str = "MA";
const RUNS: &str = "subscription($p: ID!, $after: String) { runStatusChanged(projectId: $p, after: $after) { cursor kind run { id status steps { order } } } }";
const VERSIONS: &str = "subscription($p: ID!, $after: String, $prefix: String, $status: [VersionStatus!]) { versionStatusChanged(projectId: $p, after: $after, schemaKeyPrefix: $prefix, status: $status) { cursor kind version { id schemaKey versionNumber status } approval { action actor { name } } } }";
const QUEUE: &str = "subscription($p: ID!, $after: String) { reviewQueue(projectId: $p, after: $after) { cursor change version { id versionNumber } } }";
const CONTEXT: &str = "subscription($p: ID!, $after: String) { contextPromoted(projectId: $p, after: $after) { cursor contextVersion project { contextVersion } promoted { schemaKey } } }";

async fn every_subscription_in_order(s: TestServer) {
    let project = s.create_project("live").await;
    let other = s.create_project("elsewhere").await;
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe("runs", RUNS, json!({ "p": project })).await;
    ws.subscribe("versions", VERSIONS, json!({ "p": project }))
        .await;
    ws.subscribe(
        "approved",
        VERSIONS,
        json!({ "p": project, "status": ["APPROVED"] }),
    )
    .await;
    ws.subscribe(
        "brand",
        VERSIONS,
        json!({ "p": project, "prefix": "brand" }),
    )
    .await;
    ws.subscribe("queue", QUEUE, json!({ "p": project })).await;
    ws.subscribe("context", CONTEXT, json!({ "p": project }))
        .await;

    let run = s.start_run(&project, "live").await;
    s.record_step(&run, 1).await;
    s.start_run(&other, "not ours").await;
    let v1 = s
        .create_version(&project, "brand.logo", json!(1), Some(&run))
        .await;
    let v2 = s
        .create_version(&project, "mvp.scope", json!(2), None)
        .await;
    s.admin(
        "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { id } }",
        json!({ "id": v1["id"] }),
    )
    .await;
    s.admin("mutation($p: ID!) { promote(input: {projectId: $p, expectedContextVersion: 0}) { contextVersion } }", json!({ "p": project }))
        .await;

    // runs: CREATED then UPDATED (a step), nothing of the other project.
    let a = ws.next_data("runs").await;
    assert_eq!(a["runStatusChanged"]["kind"], "CREATED");
    assert_eq!(a["runStatusChanged"]["run"]["id"], run.as_str());
    let b = ws.next_data("runs").await;
    assert_eq!(b["runStatusChanged"]["kind"], "UPDATED");
    assert_eq!(
        b["runStatusChanged"]["run"]["steps"],
        json!([{ "order": 1 }])
    );

    let kinds: Vec<(String, String)> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            let d = ws.next_data("versions").await;
            let e = &d["versionStatusChanged"];
            out.push((
                e["kind"].as_str().unwrap().to_owned(),
                e["version"]["schemaKey"].as_str().unwrap().to_owned(),
            ));
        }
        out
    };
    assert_eq!(
        kinds,
        vec![
            ("CREATED".into(), "brand.logo".into()),
            ("CREATED".into(), "mvp.scope".into()),
            ("UPDATED".into(), "brand.logo".into())
        ]
    );
    let approved = ws.next_data("approved").await;
    assert_eq!(
        approved["versionStatusChanged"]["version"]["status"],
        "APPROVED"
    );
    assert_eq!(
        approved["versionStatusChanged"]["approval"]["action"],
        "APPROVE"
    );
    assert_eq!(
        approved["versionStatusChanged"]["approval"]["actor"]["name"],
        "test-admin"
    );
    let brand1 = ws.next_data("brand").await;
    let brand2 = ws.next_data("brand").await;
    assert_eq!(brand1["versionStatusChanged"]["kind"], "CREATED");
    assert_eq!(brand2["versionStatusChanged"]["kind"], "UPDATED");

    let q: Vec<(String, Value)> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            let d = ws.next_data("queue").await;
            out.push((
                d["reviewQueue"]["change"].as_str().unwrap().to_owned(),
                d["reviewQueue"]["version"]["id"].clone(),
            ));
        }
        out
    };
    assert_eq!(
        q,
        vec![
            ("ADDED".into(), v1["id"].clone()),
            ("ADDED".into(), v2["id"].clone()),
            ("REMOVED".into(), v1["id"].clone())
        ]
    );

    let c = ws.next_data("context").await;
    assert_eq!(c["contextPromoted"]["contextVersion"], 1);
    assert_eq!(c["contextPromoted"]["project"]["contextVersion"], 1);
    assert_eq!(
        c["contextPromoted"]["promoted"],
        json!([{ "schemaKey": "brand.logo" }])
    );
    ws.quiet(Duration::from_millis(300)).await;

    // Cursors grow in delivery order.
    let c1 = a["runStatusChanged"]["cursor"].as_str().unwrap().to_owned();
    let c2 = b["runStatusChanged"]["cursor"].as_str().unwrap().to_owned();
    assert_ne!(c1, c2);
    ws.close().await;
}

/// Each event says the status it announces, even when the object has moved
/// on by the time it is delivered (a resumed subscription reads them late).
async fn events_announce_what_happened(s: TestServer) {
    let project = s.create_project("announced").await;
    let run = s.start_run(&project, "announce").await;
    s.admin(
        "mutation($r: ID!) { completeRun(input: {runId: $r}) { status } }",
        json!({ "r": run }),
    )
    .await;
    let v1 = s
        .create_version(&project, "brand.logo", json!(1), None)
        .await;
    let v2 = s
        .create_version(&project, "brand.logo", json!(2), None)
        .await;
    for v in [&v1, &v2] {
        s.admin(
            "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { id } }",
            json!({ "id": v["id"] }),
        )
        .await;
    }
    // Subscribed after it all happened: every event is read late.
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe(
        "runs",
        "subscription($p: ID!, $after: String) { runStatusChanged(projectId: $p, after: $after) { kind status run { status } } }",
        json!({ "p": project }),
    )
    .await;
    ws.subscribe(
        "versions",
        "subscription($p: ID!, $after: String) { versionStatusChanged(projectId: $p, after: $after) { kind status version { id status } } }",
        json!({ "p": project }),
    )
    .await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let e = ws.next_data("runs").await["runStatusChanged"].clone();
        runs.push((e["status"].clone(), e["run"]["status"].clone()));
    }
    assert_eq!(
        runs,
        vec![
            (json!("RUNNING"), json!("COMPLETED")),
            (json!("COMPLETED"), json!("COMPLETED"))
        ]
    );
    let mut versions = Vec::new();
    for _ in 0..5 {
        let e = ws.next_data("versions").await["versionStatusChanged"].clone();
        versions.push((
            e["version"]["id"].clone(),
            e["status"].clone(),
            e["version"]["status"].clone(),
        ));
    }
    let (a, b) = (v1["id"].clone(), v2["id"].clone());
    assert_eq!(
        versions,
        vec![
            (a.clone(), json!("PENDING"), json!("SUPERSEDED")),
            (b.clone(), json!("PENDING"), json!("APPROVED")),
            (a.clone(), json!("APPROVED"), json!("SUPERSEDED")),
            (a, json!("SUPERSEDED"), json!("SUPERSEDED")),
            (b, json!("APPROVED"), json!("APPROVED")),
        ]
    );
    ws.close().await;
}

/// recordRunStep and recordStepSummary each publish an UPDATED event of
/// the run that names the step.
async fn step_summaries_are_published_on_the_run(s: TestServer) {
    let project = s.create_project("live").await;
    let mut ws = Ws::connect(&s, &s.admin).await;
    let steps = "subscription($p: ID!, $after: String) { runStatusChanged(projectId: $p, after: $after) { kind status step { order summary summaryTokenCount } } }";
    ws.subscribe("steps", steps, json!({ "p": project })).await;
    let run = s.start_run(&project, "live").await;
    let step = s.record_step(&run, 1).await;
    s.admin(
        "mutation($s: ID!) { recordStepSummary(input: {stepId: $s, summary: \"hello world\"}) { id } }",
        json!({ "s": step }),
    )
    .await;
    let created = ws.next_data("steps").await;
    assert_eq!(created["runStatusChanged"]["kind"], "CREATED");
    assert_eq!(created["runStatusChanged"]["step"], Value::Null);
    let recorded = ws.next_data("steps").await;
    assert_eq!(recorded["runStatusChanged"]["kind"], "UPDATED");
    assert_eq!(recorded["runStatusChanged"]["step"]["order"], 1);
    let summarized = ws.next_data("steps").await;
    let e = &summarized["runStatusChanged"];
    assert_eq!(e["kind"], "UPDATED");
    assert_eq!(e["status"], "RUNNING");
    assert_eq!(e["step"]["summary"], "hello world");
    assert_eq!(e["step"]["summaryTokenCount"], 2);
}

async fn resume_without_loss_or_repeat(s: TestServer) {
    let project = s.create_project("resume").await;
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe("v", VERSIONS, json!({ "p": project })).await;
    s.create_version(&project, "k", json!(1), None).await;
    s.create_version(&project, "k", json!(2), None).await;
    ws.next_data("v").await;
    let second = ws.next_data("v").await;
    assert_eq!(
        second["versionStatusChanged"]["version"]["versionNumber"],
        2
    );
    let cursor = second["versionStatusChanged"]["cursor"].clone();
    ws.close().await;

    for n in 3..=5 {
        s.create_version(&project, "k", json!(n), None).await;
    }
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe("v", VERSIONS, json!({ "p": project, "after": cursor }))
        .await;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let d = ws.next_data("v").await;
        numbers.push(
            d["versionStatusChanged"]["version"]["versionNumber"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(numbers, vec![3, 4, 5], "replayed what was missed, in order");
    s.create_version(&project, "k", json!(6), None).await;
    let live = ws.next_data("v").await;
    assert_eq!(
        live["versionStatusChanged"]["version"]["versionNumber"], 6,
        "then live, no repeats"
    );
    ws.quiet(Duration::from_millis(300)).await;

    let mut bad = Ws::connect(&s, &s.admin).await;
    bad.subscribe("x", VERSIONS, json!({ "p": project, "after": "!!" }))
        .await;
    let message = bad.next_message(Duration::from_secs(10)).await.unwrap();
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"],
        "VALIDATION_FAILED"
    );
}

async fn concurrent_writers_all_delivered(s: TestServer) {
    let project = s.create_project("busy").await;
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe("v", VERSIONS, json!({ "p": project })).await;
    let writes = (0..24).map(|i| {
        let (s, project) = (&s, project.clone());
        async move {
            s.create_version(&project, &format!("key.k{}", i % 6), json!(i), None)
                .await
        }
    });
    let created = futures::future::join_all(writes).await;
    let mut seen = Vec::new();
    for (_, data) in ws.collect(24).await {
        seen.push(
            data["versionStatusChanged"]["version"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut expected: Vec<String> = created
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    let mut got = seen.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "every write delivered exactly once");
    ws.quiet(Duration::from_millis(300)).await;
}

async fn two_processes_share_events(s: TestServer) {
    let other = s.sibling(|_| {}).await;
    let project = s.create_project("shared").await;
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe("runs", RUNS, json!({ "p": project })).await;
    // Written through the other process: this one hears of it by NOTIFY
    // (PostgreSQL) or its poll.
    let run = other.start_run(&project, "elsewhere").await;
    let data = ws.next_data("runs").await;
    assert_eq!(data["runStatusChanged"]["run"]["id"], run.as_str());
}

async fn authentication_close_codes(s: TestServer) {
    let mut ws = Ws::open(&s, Some(json!({}))).await;
    assert_eq!(
        ws.next_message(Duration::from_secs(10)).await.unwrap(),
        json!({ "type": "close", "code": 4401 })
    );
    let mut ws = Ws::open(&s, Some(json!({ "Authorization": "Bearer qk_wrong" }))).await;
    assert_eq!(
        ws.next_message(Duration::from_secs(10)).await.unwrap(),
        json!({ "type": "close", "code": 4403 })
    );
    let quick = s.sibling(|c| c.http.ws_init_timeout_ms = 300).await;
    let mut ws = Ws::open(&quick, None).await;
    assert_eq!(
        ws.next_message(Duration::from_secs(10)).await.unwrap(),
        json!({ "type": "close", "code": 4408 })
    );

    // A scoped token cannot follow another project.
    let mine = s.create_project("mine").await;
    let theirs = s.create_project("theirs").await;
    let scoped = s.token("READER", Some(&mine)).await;
    let mut ws = Ws::connect(&s, &scoped).await;
    ws.subscribe("x", RUNS, json!({ "p": theirs })).await;
    let message = ws.next_message(Duration::from_secs(10)).await.unwrap();
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"],
        "NOT_FOUND"
    );
    assert!(message["payload"]["data"].is_null());
    ws.subscribe("y", RUNS, json!({ "p": mine })).await;
    let run = s.start_run(&mine, "p").await;
    assert_eq!(
        ws.next_data("y").await["runStatusChanged"]["run"]["id"],
        run.as_str()
    );
}

/// PostgreSQL hands out positions before commit: an event can commit below
/// one already visible. The reader must wait for it, not skip it; and it
/// must skip a position whose transaction rolled back, without a long stall.
/// (SQLite runs one writer at a time, so its positions commit in order.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn out_of_order_commits_on_postgres() {
    let Some(s) = TestServer::start(Backend::Postgres).await else {
        eprintln!("skipped: QUIRE_TEST_DATABASE_URL is not set");
        return;
    };
    let project = s.create_project("gaps").await;
    let early = s.create_version(&project, "early", json!(0), None).await;
    let mut ws = Ws::connect(&s, &s.admin).await;
    // From the start of the outbox (see `Ws::subscribe`): this event comes
    // first whatever the reader's pace, and after it the feed is caught up.
    ws.subscribe("v", VERSIONS, json!({ "p": project })).await;
    assert_eq!(
        ws.next_data("v").await["versionStatusChanged"]["version"]["id"],
        early["id"]
    );
    let early_id = quire::domain::ids::decode(
        quire::domain::ids::IdKind::Version,
        early["id"].as_str().unwrap(),
    )
    .unwrap();
    let project_id =
        quire::domain::ids::decode(quire::domain::ids::IdKind::Project, &project).unwrap();

    // A writer takes a position and holds its transaction open...
    let held = s.db.begin_write().await.unwrap();
    quire::domain::write::events::append(
        &held,
        project_id,
        early_id,
        quire::domain::write::events::Change::VersionCreated {
            schema_key: "early".into(),
            version_number: 1,
            reviewed_on_creation: false,
        },
    )
    .await
    .unwrap();
    // ...while a later position commits.
    let late = s.create_version(&project, "late", json!(1), None).await;
    ws.quiet(Duration::from_millis(500)).await;
    held.commit().await.unwrap();
    let first = ws.next_data("v").await;
    let second = ws.next_data("v").await;
    assert_eq!(
        first["versionStatusChanged"]["version"]["schemaKey"], "early",
        "the lower position first"
    );
    assert_eq!(second["versionStatusChanged"]["version"]["id"], late["id"]);

    // A rolled-back position is a permanent gap: skipped quickly.
    let doomed = s.db.begin_write().await.unwrap();
    quire::domain::write::events::append(
        &doomed,
        project_id,
        early_id,
        quire::domain::write::events::Change::VersionCreated {
            schema_key: "early".into(),
            version_number: 1,
            reviewed_on_creation: false,
        },
    )
    .await
    .unwrap();
    let after = s.create_version(&project, "after", json!(2), None).await;
    doomed.rollback().await.unwrap();
    let started = std::time::Instant::now();
    let next = ws.next_data("v").await;
    assert_eq!(next["versionStatusChanged"]["version"]["id"], after["id"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stalled {:?} on a rolled-back gap",
        started.elapsed()
    );
    ws.quiet(Duration::from_millis(300)).await;
}

/// The server pings idle sockets (proxies drop idle connections) and closes
/// one that has not answered for two intervals; a client that answers (as
/// WebSocket clients do by themselves) stays.
async fn idle_sockets_are_pinged_and_silent_ones_closed(s: TestServer) {
    let pinging = s.sibling(|c| c.http.ws_ping_ms = 150).await;
    let mut alive = Ws::connect(&pinging, &pinging.admin).await;
    let mut silent = Ws::connect(&pinging, &pinging.admin).await;
    // The live client reads (and so answers pings) for a while; the silent
    // one reads nothing.
    let until = std::time::Instant::now() + Duration::from_millis(1_200);
    while std::time::Instant::now() < until {
        let _ = alive.next_message(Duration::from_millis(50)).await;
    }
    let closed = silent
        .next_message(Duration::from_secs(5))
        .await
        .expect("the silent socket is closed");
    assert_eq!(closed["type"], "close", "{closed}");
    // 1001 when the client reads the close frame first; 0 when answering a
    // queued ping meets the closed connection.
    assert!(closed["code"] == 1001 || closed["code"] == 0, "{closed}");
    // The live one still serves.
    let project = pinging.create_project("pinged").await;
    alive
        .subscribe(
            "runs",
            "subscription($p: ID!, $after: String) { runStatusChanged(projectId: $p, after: $after) { kind } }",
            json!({ "p": project }),
        )
        .await;
    pinging.start_run(&project, "p").await;
    let event = alive.next_data("runs").await;
    assert_eq!(event["runStatusChanged"]["kind"], "CREATED", "{event}");
}

/// One graphql-sse stream (distinct connections mode): events as they arrive.
struct Sse {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl Sse {
    /// POSTs `query` with `Accept: text/event-stream`; the response's status
    /// and, when it is 200, its stream.
    async fn open(
        s: &TestServer,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (reqwest::StatusCode, Option<Sse>) {
        let mut request = s
            .http
            .post(s.url("/graphql"))
            .header("accept", "text/event-stream")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return (status, None);
        }
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        let body = Box::pin(response.bytes_stream());
        (
            status,
            Some(Sse {
                body,
                buffer: String::new(),
            }),
        )
    }

    /// The next event (keep-alive comments skipped): its name and data.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event:") {
                        event = name.trim().to_owned();
                    } else if let Some(text) = line.strip_prefix("data:") {
                        data.push_str(text.trim_start());
                    }
                }
                if event.is_empty() {
                    continue;
                }
                let data = if data.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&data).unwrap()
                };
                return Some((event, data));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.body.next())
                .await
                .expect("an event within 10 s")?;
            self.buffer
                .push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    }
}

/// Subscriptions over Server-Sent Events get what a WebSocket gets: live
/// events, resume by cursor, coded errors for a refused document, a token
/// required, and the end of the stream when the token is revoked.
async fn subscriptions_over_server_sent_events(s: TestServer) {
    let project = s.create_project("sse").await;
    let (status, _) = Sse::open(&s, None, QUEUE, json!({ "p": project })).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    // The checks a POST passes: a batch, a document too deep, an empty one.
    let deep = format!(
        "subscription {{ reviewQueue(projectId: \"x\") {{ {}cursor{} }} }}",
        "version { ".repeat(40),
        " }".repeat(40)
    );
    for (body, expected) in [
        (json!([{ "query": QUEUE }]), "VALIDATION_FAILED"),
        (json!({ "query": deep }), "QUERY_TOO_COMPLEX"),
        (json!({ "query": "" }), "VALIDATION_FAILED"),
    ] {
        let refused = s
            .http
            .post(s.url("/graphql"))
            .header("accept", "text/event-stream")
            .bearer_auth(&s.admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), reqwest::StatusCode::BAD_REQUEST, "{body}");
        let refused: Value = refused.json().await.unwrap();
        assert_eq!(code(&refused["errors"][0]), expected, "{refused}");
    }

    let (_, live) = Sse::open(&s, Some(&s.admin), QUEUE, json!({ "p": project })).await;
    let mut live = live.unwrap();
    // The subscription is registered once the stream is open; give the
    // engine a moment to start it before writing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let v = s
        .create_version(&project, "brand.logo", json!({ "n": 1 }), None)
        .await;
    let (event, data) = live.next().await.unwrap();
    assert_eq!(event, "next", "{data}");
    assert_eq!(
        data["data"]["reviewQueue"]["version"]["id"], v["id"],
        "{data}"
    );
    assert_eq!(data["data"]["reviewQueue"]["change"], "ADDED", "{data}");
    drop(live);

    // Resume from the start: the event written while no one listened.
    let (_, resumed) = Sse::open(
        &s,
        Some(&s.admin),
        QUEUE,
        json!({ "p": project, "after": FROM_START }),
    )
    .await;
    let (_, data) = resumed.unwrap().next().await.unwrap();
    assert_eq!(
        data["data"]["reviewQueue"]["version"]["id"], v["id"],
        "{data}"
    );

    // A document the schema refuses: one coded result, then complete.
    let (_, refused) = Sse::open(
        &s,
        Some(&s.admin),
        "subscription { reviewQueue(projectId: \"prj_x\") { cursorx } }",
        json!({}),
    )
    .await;
    let mut refused = refused.unwrap();
    let (event, data) = refused.next().await.unwrap();
    assert_eq!(event, "next");
    assert_eq!(
        code(&data["errors"][0]),
        "GRAPHQL_VALIDATION_FAILED",
        "{data}"
    );
    assert_eq!(refused.next().await.unwrap().0, "complete");

    // Revoking the token ends its stream.
    let created = s
        .admin(
            "mutation($input: CreateTokenInput!) { createToken(input: $input) { id secret } }",
            json!({ "input": { "name": "sse-reader", "role": "READER", "actorType": "AI" } }),
        )
        .await;
    let reader = created["createToken"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, watched) = Sse::open(&s, Some(&reader), QUEUE, json!({ "p": project })).await;
    let mut watched = watched.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    s.admin(
        "mutation($id: ID!) { revokeToken(id: $id) }",
        json!({ "id": created["createToken"]["id"] }),
    )
    .await;
    let (event, data) = watched.next().await.unwrap();
    assert_eq!(event, "next", "{data}");
    assert_eq!(code(&data["errors"][0]), "UNAUTHENTICATED", "{data}");
    assert_eq!(watched.next().await.unwrap().0, "complete");
}
