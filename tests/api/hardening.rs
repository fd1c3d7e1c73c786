//! Inputs from a stranger, with or without a token: nesting deep enough to
//! overflow a parser's stack, malformed documents and JSON, thrown at every
//! entry point (POST, GET, multipart, WebSocket). None may crash the server.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestServer, code};
use crate::live::Ws;
use crate::server_tests;

server_tests!(
    deep_nesting_is_refused_before_parsing,
    generated_bad_requests_never_crash,
    websocket_nesting_and_subscription_cap,
    revoked_token_closes_its_sockets,
    lists_aliases_and_responses_are_bounded,
    request_edges,
    rate_limits
);

/// `[[[…1]…]]`, `levels` deep.
fn nested(open: &str, close: &str, levels: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
}

async fn healthy(s: &TestServer) {
    let res = s
        .http
        .get(s.url("/healthz"))
        .send()
        .await
        .expect("the server still answers");
    assert_eq!(res.status(), StatusCode::OK);
}

async fn deep_nesting_is_refused_before_parsing(s: TestServer) {
    // The request that overflowed the parser's stack, anonymous: refused
    // before anything is parsed.
    let query = format!(
        "query($v:JSON={}){{viewer{{name}}}}",
        nested("[", "]", 2_000, "1")
    );
    let res = s
        .http
        .get(s.url("/graphql"))
        .query(&[("query", query.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    healthy(&s).await;

    // With a token: a clear QUERY_TOO_COMPLEX.
    let res = s
        .http
        .get(s.url("/graphql"))
        .query(&[("query", query.as_str())])
        .bearer_auth(&s.admin)
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");

    let (status, body) = s.post(Some(&s.admin), &query, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");

    // Selections nested past the bound, and variables nested past it.
    let selections = format!("{{{}}}", nested("a{", "}", 5_000, "b"));
    let (status, body) = s.post(Some(&s.admin), &selections, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");

    let body = format!(
        r#"{{"query":"query($v: JSON) {{ viewer {{ name }} }}","variables":{{"v":{}}}}}"#,
        nested("[", "]", 3_000, "")
    );
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&s.admin)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");

    // The multipart `operations` field goes through the same check.
    let operations =
        json!({ "query": format!("{{{}}}", nested("a{", "}", 3_000, "b")), "variables": {} });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", "{}");
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&s.admin)
        .header("accept", "application/graphql-response+json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");

    // Deep but legal variables still pass.
    let (status, body) = s
        .post(
            Some(&s.admin),
            "{ viewer { name } }",
            json!({ "v": serde_json::from_str::<Value>(&nested("[", "]", 60, "1")).unwrap() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    healthy(&s).await;
}

/// One generated document: deep or wide nesting of mixed brackets, cut-off
/// strings and comments, fragment cycles, odd numbers and bytes.
fn generated_document(rng: &mut StdRng) -> String {
    let levels = [10, 99, 101, 500, 1_500, 4_000][rng.random_range(0..6)];
    match rng.random_range(0..10) {
        0 => nested("[", "]", levels, "1"),
        1 => format!("{{{}}}", nested("viewer{", "}", levels, "name")),
        2 => format!(
            "query($v: JSON = {}) {{ viewer {{ name }} }}",
            nested("{a:", "}", levels, "1")
        ),
        3 => format!("{{ project(slug: \"{}) {{ id }} }}", "\\".repeat(levels)),
        4 => format!("{{ viewer {{ name }} }} # {}", "{".repeat(levels)),
        5 => "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }".to_owned(),
        6 => format!(
            "{{ projects(first: {}) {{ totalCount }} }}",
            "9".repeat(levels)
        ),
        7 => (0..levels)
            .map(|_| {
                [
                    '{', '}', '[', ']', '(', ')', '"', '#', '\n', 'a', '$', '.', ':',
                ][rng.random_range(0..13)]
            })
            .collect(),
        8 => format!("\"\"\"{}", "(".repeat(levels)),
        _ => {
            let bytes: Vec<u8> = (0..levels).map(|_| rng.random()).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

/// Generated JSON values for `variables`, some nested past every bound.
fn generated_variables(rng: &mut StdRng) -> String {
    let levels = [1, 50, 127, 129, 2_000][rng.random_range(0..5)];
    match rng.random_range(0..4) {
        0 => format!(r#"{{"v":{}}}"#, nested("[", "]", levels, "")),
        1 => format!(r#"{{"v":{}}}"#, nested(r#"{"a":"#, "}", levels, "1")),
        2 => format!(r#"{{"v":"{}"}}"#, "[".repeat(levels)),
        _ => format!(r#"{{"v":{}"#, "[".repeat(levels)),
    }
}

async fn generated_bad_requests_never_crash(s: TestServer) {
    let mut rng = StdRng::seed_from_u64(0x5157_4952);
    for round in 0..120 {
        let document = generated_document(&mut rng);
        let variables = generated_variables(&mut rng);
        let token = (round % 4 != 0).then_some(s.admin.as_str());
        let body = format!(
            r#"{{"query":{},"variables":{variables}}}"#,
            serde_json::to_string(&document).unwrap()
        );
        let mut post = s
            .http
            .post(s.url("/graphql"))
            .header("content-type", "application/json")
            .body(body.clone());
        let mut get = s.http.get(s.url("/graphql")).query(&[
            ("query", document.as_str()),
            ("variables", variables.as_str()),
        ]);
        let form = reqwest::multipart::Form::new()
            .text("operations", body)
            .text("map", "{}");
        let mut multipart = s.http.post(s.url("/graphql")).multipart(form);
        if let Some(token) = token {
            post = post.bearer_auth(token);
            get = get.bearer_auth(token);
            multipart = multipart.bearer_auth(token);
        }
        for request in [post, get, multipart] {
            // A connection dropped under the suite's load is tried once more:
            // a server that stopped answering fails again (and `healthy` below).
            let again = request.try_clone();
            let res = match request.send().await {
                Ok(res) => res,
                Err(first) => {
                    let Some(again) = again else {
                        panic!(
                            "round {round}: the server stopped answering: {first}\n{document:.200}"
                        )
                    };
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    again.send().await.unwrap_or_else(|e| {
                        panic!("round {round}: the server stopped answering: {first}; again: {e}\n{document:.200}")
                    })
                }
            };
            assert!(
                !res.status().is_server_error(),
                "round {round}: {} for {document:.200}",
                res.status()
            );
        }
    }
    healthy(&s).await;
    s.admin("{ viewer { name } }", json!({})).await;
}

const RUNS: &str =
    "subscription($p: ID!) { runStatusChanged(projectId: $p, after: \"MA\") { run { id } } }";

async fn websocket_nesting_and_subscription_cap(s: TestServer) {
    let capped = s.sibling(|c| c.http.max_subscriptions_per_socket = 3).await;
    let project = s.create_project("ws-limits").await;
    let mut ws = Ws::connect(&capped, &capped.admin).await;

    let deep = format!("subscription {{{}}}", nested("a{", "}", 3_000, "b"));
    ws.send_raw(json!({ "id": "deep", "type": "subscribe", "payload": { "query": deep } }))
        .await;
    let message = ws.next_message(Duration::from_secs(10)).await.unwrap();
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(message["id"], "deep");
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );

    for id in ["1", "2", "3"] {
        ws.send_raw(json!({ "id": id, "type": "subscribe", "payload": { "query": RUNS, "variables": { "p": project } } }))
            .await;
    }
    ws.send_raw(json!({ "id": "4", "type": "subscribe", "payload": { "query": RUNS, "variables": { "p": project } } }))
        .await;
    let message = ws.next_message(Duration::from_secs(10)).await.unwrap();
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(message["id"], "4");
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );

    // Ending one makes room for another, which then delivers.
    ws.send_raw(json!({ "id": "1", "type": "complete" })).await;
    ws.send_raw(json!({ "id": "5", "type": "subscribe", "payload": { "query": RUNS, "variables": { "p": project } } }))
        .await;
    let run = s.start_run(&project, "p").await;
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 3 {
        let message = ws
            .next_message(Duration::from_secs(10))
            .await
            .expect("events");
        if message["type"] == "complete" && message["id"] == "1" {
            continue;
        }
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(
            message["payload"]["data"]["runStatusChanged"]["run"]["id"],
            run.as_str()
        );
        seen.insert(message["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["2", "3", "5"]);

    // A message nested past the bound closes the socket (4400).
    let mut raw = Ws::connect(&capped, &capped.admin).await;
    raw.send_text(nested("[", "]", 5_000, "")).await;
    assert_eq!(
        raw.next_message(Duration::from_secs(10)).await.unwrap(),
        json!({ "type": "close", "code": 4400 })
    );
    healthy(&s).await;
}

/// A new unscoped READER token: its id and its secret.
async fn reader_token(s: &TestServer, name: &str) -> (String, String) {
    let created = s
        .admin(
            "mutation($name: String!) { createToken(input: { name: $name, role: READER, actorType: HUMAN }) { id secret } }",
            json!({ "name": name }),
        )
        .await;
    let field = |f: &str| created["createToken"][f].as_str().unwrap().to_owned();
    (field("id"), field("secret"))
}

async fn revoke(s: &TestServer, token_id: &str) {
    s.admin(
        "mutation($id: ID!) { revokeToken(id: $id) }",
        json!({ "id": token_id }),
    )
    .await;
}

async fn revoked_token_closes_its_sockets(s: TestServer) {
    let project = s.create_project("revoked").await;
    let (token_id, secret) = reader_token(&s, "watcher").await;
    let mut ws = Ws::connect(&s, &secret).await;
    ws.subscribe("runs", RUNS, json!({ "p": project })).await;
    s.start_run(&project, "before").await;
    ws.next_data("runs").await;

    // Revoked through this server: closed at once, nothing more delivered.
    revoke(&s, &token_id).await;
    assert_eq!(
        ws.next_message(Duration::from_secs(5)).await.unwrap(),
        json!({ "type": "close", "code": 4403 })
    );

    // Revoked elsewhere (another server on the same database): closed
    // within this server's token cache time.
    let quick = s.sibling(|c| c.tokens.token_cache_ms = 500).await;
    let (token_id, secret) = reader_token(&s, "watcher2").await;
    let mut ws = Ws::connect(&quick, &secret).await;
    ws.subscribe("runs", RUNS, json!({ "p": project })).await;
    ws.next_data("runs").await;
    revoke(&s, &token_id).await;
    loop {
        let message = ws.next_message(Duration::from_secs(5)).await.unwrap();
        if message["type"] == "close" {
            assert_eq!(message["code"], 4403);
            break;
        }
        assert_eq!(message["type"], "next", "{message}");
    }
}

/// The README's example query: it must pass at the default limits.
/// A runs dashboard and a run's detail page, as front ends send them.
const RUNS_DASHBOARD: &str = include_str!("../queries/runs_dashboard.graphql");
const RUN_DETAIL: &str = include_str!("../queries/run_detail.graphql");

const README_EXAMPLE: &str = r#"{
  project(slug: "bounded") {
    name
    contextVersion
    versions(first: 5) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id schemaKey versionNumber status value digest
          createdBy { name type }
          previous { versionNumber }
          diff
          sourceRun { pipeline model status inputTokens outputTokens steps { order agentName inputTokens } }
        }
      }
    }
    artifacts { edges { node { schemaKey latest { versionNumber } current { id } } } }
  }
}"#;

async fn lists_aliases_and_responses_are_bounded(s: TestServer) {
    let project = s.create_project("bounded").await;
    let run = s.start_run(&project, "p").await;
    for i in 0..12 {
        s.create_version(
            &project,
            &format!("k{i}"),
            json!({ "i": i, "pad": "y".repeat(2_000) }),
            Some(&run),
        )
        .await;
    }
    let reader = s.token("READER", None).await;

    // Unpaginated lists are priced at their bound: the 150-byte query that
    // built a 195 MB response is refused before it runs.
    let bomb = "query($r: ID!) { run(id: $r) { outputs { sourceRun { outputs { value sourceRun { outputs { id } } } } } } }";
    let (status, body) = s.post(Some(&reader), bomb, json!({ "r": run })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");
    // One level of it is fine, and returns every output.
    let data = s
        .as_token(
            &reader,
            "query($r: ID!) { run(id: $r) { outputs { id } } }",
            json!({ "r": run }),
        )
        .await;
    assert_eq!(data["run"]["outputs"].as_array().unwrap().len(), 12);

    // The README's example and the review page pass at the default limits.
    s.as_token(&reader, README_EXAMPLE, json!({})).await;
    s.as_token(
        &reader,
        crate::limits::REVIEW_PAGE,
        json!({ "slug": "bounded" }),
    )
    .await;
    // So do a runs dashboard (50 runs with their steps and outputs) and a
    // run's detail page (issue 32: the dashboard was refused at 55,753).
    let dashboard = s
        .as_token(&reader, RUNS_DASHBOARD, json!({ "slug": "bounded" }))
        .await;
    assert_eq!(
        dashboard["project"]["runs"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let detail = s.as_token(&reader, RUN_DETAIL, json!({ "id": run })).await;
    assert_eq!(detail["run"]["outputs"].as_array().unwrap().len(), 12);

    // Aliases: 30 pass, 31 do not, counted over a whole batch.
    let aliased = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: viewer {{ name }}")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    s.as_token(&reader, &aliased(30), json!({})).await;
    let (status, body) = s.post(Some(&reader), &aliased(31), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": aliased(1_000) }))
        .collect();
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&reader)
        .header("accept", "application/graphql-response+json")
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // The widest batch that passes runs a bounded number of statements.
    let before = s.statements().await;
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": "{ a: projects(first: 100) { edges { node { id } } } b: projects(first: 100) { edges { node { id } } } c: projects(first: 100) { edges { node { id } } } }" }))
        .collect();
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&reader)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ran = s.statements().await - before;
    assert!(ran <= 60, "{ran} statements");

    // The response size limit refuses a response instead of sending it.
    let small = s.sibling(|c| c.http.max_response_bytes = 10_000).await;
    let (status, body) = small
        .post(
            Some(&reader),
            "{ project(slug: \"bounded\") { versions(first: 20) { edges { node { value } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code(&body["errors"][0]), "PAYLOAD_TOO_LARGE", "{body}");
    assert!(body["data"].is_null(), "{body}");

    // Files per version have a bound too.
    let files: Vec<String> = (0..21).map(|_| "fil_0000".to_owned()).collect();
    let error = s
        .admin_error(
            "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id } }",
            json!({ "input": { "projectId": project, "schemaKey": "many", "value": {}, "fileIds": files } }),
        )
        .await;
    assert_eq!(code(&error), "VALIDATION_FAILED", "{error}");
}

async fn request_edges(s: TestServer) {
    // Bodies over the limit say PAYLOAD_TOO_LARGE, in JSON and in the
    // multipart `operations` field alike.
    let big = "x".repeat(1_100_000);
    let (status, body) = s
        .post(Some(&s.admin), "{ viewer { name } }", json!({ "v": big }))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&body["errors"][0]), "PAYLOAD_TOO_LARGE", "{body}");
    let operations = json!({ "query": "mutation($f: Upload!) { uploadFile(file: $f) { id } }", "variables": { "f": null, "pad": big } });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{"0": ["variables.f"]}"#)
        .part(
            "0",
            reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt"),
        );
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&s.admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "PAYLOAD_TOO_LARGE", "{body}");

    // A 401 names the scheme and ends the connection; every response
    // carries the security headers.
    let res = s
        .http
        .post(s.url("/graphql"))
        .json(&json!({ "query": "{ viewer { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_eq!(res.headers()["connection"], "close");
    assert!(res.headers().get("x-request-id").is_some());
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert!(res.headers().contains_key("content-security-policy"));
    let page = s
        .http
        .get(s.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src"), "{policy}");

    // With introspection off, error messages suggest no field names.
    let closed = s.sibling(|c| c.limits.introspection = false).await;
    let (_, body) = closed
        .post(Some(&closed.admin), "{ viewe { name } }", json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    let (_, body) = s
        .post(Some(&s.admin), "{ viewe { name } }", json!({}))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );

    // /metrics behind a token when one is set.
    let guarded = s
        .sibling(|c| c.tokens.metrics_token = Some("m-secret".into()))
        .await;
    let res = guarded
        .http
        .get(guarded.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = guarded
        .http
        .get(guarded.url("/metrics"))
        .bearer_auth("m-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("quire_sql_statements_total")
    );
}

async fn rate_limits(s: TestServer) {
    // Per token: 2 requests/s with bursts of 4.
    let limited = s.sibling(|c| c.tokens.rate_limit_per_token = 2.0).await;
    let mut refused = None;
    for _ in 0..10 {
        let res = limited
            .http
            .post(limited.url("/graphql"))
            .bearer_auth(&limited.admin)
            .json(&json!({ "query": "{ viewer { name } }" }))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(res);
            break;
        }
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = refused.expect("the token's rate was enforced");
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "RATE_LIMITED", "{body}");
    // Another token is not affected.
    let other = s.token("READER", None).await;
    limited
        .as_token(&other, "{ viewer { name } }", json!({}))
        .await;

    // Failed authentications per address: after 5, the address waits.
    let guarded = s.sibling(|c| c.tokens.auth_failures_per_minute = 5.0).await;
    guarded.admin("{ viewer { name } }", json!({})).await;
    for _ in 0..5 {
        let (status, _) = guarded
            .post(Some("qk_wrong"), "{ viewer { name } }", json!({}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = guarded
        .post(Some("qk_wrong"), "{ viewer { name } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&body["errors"][0]), "RATE_LIMITED", "{body}");
    // A token seen valid lately still passes from that address; health
    // checks are never limited.
    guarded.admin("{ viewer { name } }", json!({})).await;
    let res = guarded
        .http
        .get(guarded.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
