//! Webhooks (issue 35) against a real receiver: signed deliveries in outbox
//! order, retries after 500s and a FAILED delivery once the retry window
//! closes, re-sending, a restart mid-retry, two processes that never send
//! at once, and the inputs a webhook refuses.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{TestServer, code};
use quire::config::ServeConfig;

const SECRET: &str = "a-secret-of-the-receiver";

/// What the receiver got: each request's headers and body, in arrival order.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes, Value)>>>,
    /// Answers queued for the next requests (200 once they run out).
    answers: Arc<Mutex<VecDeque<StatusCode>>>,
    /// Requests being answered now, and the most ever at once.
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    /// How long each answer takes.
    delay: Arc<Mutex<Duration>>,
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let r = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let r = r.clone();
                async move {
                    let now = r.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    r.most_in_flight.fetch_max(now, Ordering::SeqCst);
                    let delay = *r.delay.lock().unwrap();
                    tokio::time::sleep(delay).await;
                    let answer = r
                        .answers
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or(StatusCode::OK);
                    if answer.is_success() {
                        let parsed: Value = serde_json::from_slice(&body).unwrap();
                        r.got.lock().unwrap().push((headers, body, parsed));
                    }
                    r.in_flight.fetch_sub(1, Ordering::SeqCst);
                    answer
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn fail_next(&self, statuses: &[u16]) {
        let mut answers = self.answers.lock().unwrap();
        answers.extend(statuses.iter().map(|s| StatusCode::from_u16(*s).unwrap()));
    }

    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, _, b)| b.clone())
            .collect()
    }

    /// Waits until `n` deliveries were taken.
    async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..300 {
            let bodies = self.bodies();
            if bodies.len() >= n {
                return bodies;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{n} deliveries did not arrive: {:?}", self.bodies());
    }
}

/// Fast polls and retries, private addresses allowed (the receiver is local).
fn fast(config: &mut ServeConfig) {
    config.webhooks.webhook_allow_private = true;
    config.webhooks.webhook_poll_ms = 20;
    config.webhooks.webhook_retry_base_ms = 20;
}

async fn webhook(s: &TestServer, project: &str, url: &str, events: Value) -> String {
    let data = s
        .admin(
            "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id url events } }",
            json!({ "i": { "projectId": project, "url": url, "events": events, "secret": SECRET } }),
        )
        .await;
    assert_eq!(data["createWebhook"]["url"], url);
    data["createWebhook"]["id"].as_str().unwrap().to_owned()
}

const DELIVERIES: &str = "query($p: String!) { project(slug: $p) { webhooks { id deliveries(first: 100) { totalCount edges { node { id event eventId status attempts lastStatusCode lastError resendOf } } } } } }";

async fn deliveries(s: &TestServer, slug: &str) -> Vec<Value> {
    let data = s.admin(DELIVERIES, json!({ "p": slug })).await;
    data["project"]["webhooks"][0]["deliveries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// What a receiver does (the README's five lines): HMAC-SHA256 of the
/// header's time, a dot and the raw body, compared with `v1`.
fn verifies(headers: &HeaderMap, raw: &[u8]) -> bool {
    let header = headers["quire-signature"].to_str().unwrap();
    let (t, v1) = header.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(raw);
    hex::encode(mac.finalize().into_bytes()) == v1
}

crate::each_backend!(deliveries_are_signed_and_in_outbox_order, |backend| {
    TestServer::start_with(backend, fast)
});

async fn deliveries_are_signed_and_in_outbox_order(s: TestServer) {
    let (receiver, url) = Receiver::start().await;
    let project = s.create_project("hooked").await;
    // Events before the webhook are not sent to it.
    s.create_version(&project, "early", json!(0), None).await;
    webhook(
        &s,
        &project,
        &url,
        json!(["VERSION_CREATED", "VERSION_STATUS_CHANGED"]),
    )
    .await;
    let run = s.start_run(&project, "p").await; // run.created: not asked for
    let mut ids = Vec::new();
    for n in 1..=3 {
        let v = s.create_version(&project, "k", json!(n), Some(&run)).await;
        ids.push(v["id"].clone());
    }
    s.admin(
        "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }",
        json!({ "id": ids[2] }),
    )
    .await;
    let bodies = receiver.wait_for(4).await;
    let kinds: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "version.created",
            "version.created",
            "version.created",
            "version.status"
        ]
    );
    for (body, id) in bodies.iter().zip(&ids) {
        assert_eq!(body["projectId"], project.as_str());
        assert_eq!(body["subjectId"], *id, "{body}");
        assert!(body["id"].as_str().unwrap().starts_with("evt_"));
    }
    for (headers, raw, body) in receiver.got.lock().unwrap().iter() {
        assert!(verifies(headers, raw), "the signature verifies: {body}");
        let mut tampered = raw.to_vec();
        tampered.push(b' ');
        assert!(!verifies(headers, &tampered), "a changed body does not");
        assert_eq!(headers["quire-event"], body["type"].as_str().unwrap());
        assert_eq!(
            headers["quire-delivery"],
            body["deliveryId"].as_str().unwrap()
        );
        assert_eq!(headers["content-type"], "application/json");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.bodies().len(), 4, "nothing else was sent");
    let listed = deliveries(&s, "hooked").await;
    assert_eq!(listed.len(), 4);
    for d in &listed {
        assert_eq!(d["status"], "DELIVERED", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["lastStatusCode"], 200);
    }
}

crate::each_backend!(
    failures_are_retried_in_order_then_marked_failed,
    |backend| {
        TestServer::start_with(backend, |c| {
            fast(c);
            c.webhooks.webhook_retry_secs = 1;
        })
    }
);

async fn failures_are_retried_in_order_then_marked_failed(s: TestServer) {
    let (receiver, url) = Receiver::start().await;
    let project = s.create_project("retried").await;
    webhook(&s, &project, &url, json!(["VERSION_CREATED"])).await;
    // The first delivery fails twice, then goes; the second waits for it.
    receiver.fail_next(&[500, 503]);
    let first = s.create_version(&project, "a", json!(1), None).await;
    let second = s.create_version(&project, "b", json!(2), None).await;
    let bodies = receiver.wait_for(2).await;
    assert_eq!(bodies[0]["subjectId"], first["id"]);
    assert_eq!(bodies[1]["subjectId"], second["id"]);
    let listed = deliveries(&s, "retried").await;
    let of = |id: &Value| {
        listed
            .iter()
            .find(|d| {
                bodies
                    .iter()
                    .any(|b| b["subjectId"] == *id && b["id"] == d["eventId"])
            })
            .unwrap()
            .clone()
    };
    assert_eq!(of(&first["id"])["attempts"], 3);
    assert_eq!(of(&first["id"])["status"], "DELIVERED");
    assert_eq!(of(&second["id"])["attempts"], 1);

    // A receiver that keeps failing: retried for the window (1 s), then
    // FAILED, and the next delivery goes on.
    receiver.fail_next(&[500; 200]);
    let doomed = s.create_version(&project, "c", json!(3), None).await;
    let mut failed = None;
    for _ in 0..200 {
        let listed = deliveries(&s, "retried").await;
        failed = listed.into_iter().find(|d| d["status"] == "FAILED");
        if failed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failed = failed.expect("the delivery was marked FAILED");
    assert!(failed["attempts"].as_i64().unwrap() >= 2, "{failed}");
    assert_eq!(failed["lastStatusCode"], 500);
    assert!(failed["lastError"].as_str().unwrap().contains("500"));
    receiver.answers.lock().unwrap().clear();
    let after = s.create_version(&project, "d", json!(4), None).await;
    let bodies = receiver.wait_for(3).await;
    assert_eq!(bodies[2]["subjectId"], after["id"]);

    // Sent again by hand: the same event, a new delivery.
    let again = s
        .admin(
            "mutation($id: ID!) { resendWebhookDelivery(id: $id) { id status resendOf } }",
            json!({ "id": failed["id"] }),
        )
        .await;
    assert_eq!(again["resendWebhookDelivery"]["resendOf"], failed["id"]);
    let bodies = receiver.wait_for(4).await;
    assert_eq!(bodies[3]["subjectId"], doomed["id"]);
    assert_eq!(bodies[3]["id"], failed["eventId"]);
}

crate::each_backend!(
    a_restart_and_a_second_process_lose_and_repeat_nothing,
    |backend| { TestServer::start_with(backend, fast) }
);

async fn a_restart_and_a_second_process_lose_and_repeat_nothing(mut s: TestServer) {
    let (receiver, url) = Receiver::start().await;
    *receiver.delay.lock().unwrap() = Duration::from_millis(30);
    let project = s.create_project("shared").await;
    webhook(&s, &project, &url, json!(["VERSION_CREATED"])).await;
    // Two processes on one database, both sending.
    let other = s.sibling(fast).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let writer = if n % 2 == 0 { &s } else { &other };
        ids.push(
            writer
                .create_version(&project, &format!("k{n}"), json!(n), None)
                .await["id"]
                .clone(),
        );
    }
    let bodies = receiver.wait_for(12).await;
    let got: Vec<&Value> = bodies.iter().map(|b| &b["subjectId"]).collect();
    assert_eq!(got, ids.iter().collect::<Vec<_>>(), "each once, in order");
    assert_eq!(
        receiver.most_in_flight.load(Ordering::SeqCst),
        1,
        "never two at once"
    );

    // A restart mid-retry: the first process stops while its delivery
    // fails; the other takes it over after the lease and delivers it once.
    receiver.fail_next(&[500, 500]);
    let late = s.create_version(&project, "late", json!(99), None).await;
    for _ in 0..200 {
        if receiver.answers.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.shut_down();
    let bodies = receiver.wait_for(13).await;
    assert_eq!(bodies[12]["subjectId"], late["id"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.bodies().len(), 13, "delivered once");
    let listed = deliveries(&other, "shared").await;
    let last = listed
        .iter()
        .find(|d| d["eventId"] == bodies[12]["id"])
        .unwrap();
    assert_eq!(last["attempts"], 3, "{last}");
    assert_eq!(last["status"], "DELIVERED");
}

crate::each_backend!(
    a_deployment_that_stops_allowing_private_addresses_sends_nothing_there,
    |backend| { TestServer::start_with(backend, fast) }
);

/// A webhook registered while private addresses were allowed is refused at
/// delivery by a process that no longer allows them: nothing reaches the
/// receiver, and the delivery says why.
async fn a_deployment_that_stops_allowing_private_addresses_sends_nothing_there(mut s: TestServer) {
    let (receiver, url) = Receiver::start().await;
    let project = s.create_project("closed").await;
    webhook(&s, &project, &url, json!(["VERSION_CREATED"])).await;
    s.shut_down();
    let strict = s
        .sibling(|c| {
            fast(c);
            c.webhooks.webhook_allow_private = false;
        })
        .await;
    strict.create_version(&project, "k", json!(1), None).await;
    let mut refused = None;
    for _ in 0..200 {
        refused = deliveries(&strict, "closed")
            .await
            .into_iter()
            .find(|d| d["attempts"].as_i64() >= Some(1));
        if refused.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let refused = refused.expect("the delivery was attempted");
    assert_eq!(refused["status"], "PENDING", "retried later: {refused}");
    assert!(refused["lastStatusCode"].is_null(), "{refused}");
    assert!(
        refused["lastError"].as_str().unwrap().contains("loopback"),
        "{refused}"
    );
    assert!(receiver.bodies().is_empty(), "nothing was sent");
}

crate::each_backend!(webhook_inputs_are_checked, |backend| TestServer::start(
    backend
));

async fn webhook_inputs_are_checked(s: TestServer) {
    let project = s.create_project("checked").await;
    let create = |url: &str, events: Value, secret: &str| json!({ "i": { "projectId": project, "url": url, "events": events, "secret": secret } });
    const CREATE: &str = "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }";
    let ok = json!(["VERSION_CREATED"]);
    for (url, events, secret) in [
        ("http://127.0.0.1:9/hook", ok.clone(), SECRET),
        ("http://localhost/hook", ok.clone(), SECRET),
        ("http://169.254.169.254/latest", ok.clone(), SECRET),
        ("http://[::1]/hook", ok.clone(), SECRET),
        ("ftp://hooks.example.com/x", ok.clone(), SECRET),
        ("https://user:pw@hooks.example.com/x", ok.clone(), SECRET),
        ("not a url", ok.clone(), SECRET),
        ("https://hooks.example.com/x", json!([]), SECRET),
        ("https://hooks.example.com/x", ok.clone(), "short"),
    ] {
        let error = s.admin_error(CREATE, create(url, events, secret)).await;
        assert_eq!(code(&error), "VALIDATION_FAILED", "{url}: {error}");
    }
    let long = format!("https://hooks.example.com/{}", "x".repeat(3000));
    let error = s
        .admin_error(CREATE, create(&long, ok.clone(), SECRET))
        .await;
    assert_eq!(code(&error), "VALIDATION_FAILED");

    // A public URL is taken (nothing is sent until an event of its kind).
    s.admin(
        CREATE,
        create("https://hooks.example.com/quire", ok.clone(), SECRET),
    )
    .await;

    // Roles and scope.
    let writer = s.token("WRITER", Some(&project)).await;
    let (_, body) = s
        .post(
            Some(&writer),
            CREATE,
            create("https://hooks.example.com/w", ok.clone(), SECRET),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    let (_, body) = s
        .post(
            Some(&writer),
            "{ project(slug: \"checked\") { webhooks { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    let other = s.create_project("other").await;
    let scoped_admin = s.token("ADMIN", Some(&other)).await;
    let (_, body) = s
        .post(
            Some(&scoped_admin),
            CREATE,
            create("https://hooks.example.com/o", ok.clone(), SECRET),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{body}");
    for (query, vars) in [
        (
            "mutation($id: ID!) { deleteWebhook(id: $id) }",
            json!({ "id": "whk_00000000000000000000000000000000" }),
        ),
        (
            "mutation($id: ID!) { resendWebhookDelivery(id: $id) { id } }",
            json!({ "id": "dlv_00000000000000000000000000000000" }),
        ),
    ] {
        let error = s.admin_error(query, vars).await;
        assert_eq!(code(&error), "NOT_FOUND", "{error}");
    }
    // Twenty at most.
    for n in 1..20 {
        s.admin(
            CREATE,
            create(
                &format!("https://hooks.example.com/{n}"),
                ok.clone(),
                SECRET,
            ),
        )
        .await;
    }
    let error = s
        .admin_error(
            CREATE,
            create("https://hooks.example.com/21", ok.clone(), SECRET),
        )
        .await;
    assert_eq!(code(&error), "VALIDATION_FAILED", "{error}");
    // The secret is never read back.
    let listed = s
        .admin(
            "{ project(slug: \"checked\") { webhooks { id url events createdBy } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["project"]["webhooks"].as_array().unwrap().len(), 20);
    assert!(!listed.to_string().contains(SECRET));
    let id = listed["project"]["webhooks"][0]["id"].clone();
    s.admin(
        "mutation($id: ID!) { deleteWebhook(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let listed = s
        .admin(
            "{ project(slug: \"checked\") { webhooks { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["project"]["webhooks"].as_array().unwrap().len(), 19);
}
