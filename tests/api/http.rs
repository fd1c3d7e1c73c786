//! GraphQL over HTTP: authentication, methods, media types and status codes.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::common::{TestServer, code};
use crate::server_tests;

server_tests!(
    authentication,
    get_and_graphiql,
    media_types_and_statuses,
    body_limit,
    one_query_text_sent_again,
    engine_errors_have_distinct_codes
);

async fn authentication(s: TestServer) {
    let (status, body) = s.post(None, "{ viewer { name } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body["errors"][0]), "UNAUTHENTICATED");
    assert!(body.get("data").is_none_or(Value::is_null));

    let (status, body) = s
        .post(
            Some("qk_not-a-real-token"),
            "{ viewer { name } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body["errors"][0]), "UNAUTHENTICATED");

    let reader = s.token("READER", None).await;
    let data = s
        .as_token(&reader, "{ viewer { name type } }", json!({}))
        .await;
    assert_eq!(
        data["viewer"],
        json!({"name": "READER-token", "type": "AI"})
    );

    // Revocation takes effect on the next request.
    let list = s
        .admin("mutation { createToken(input: {name: \"short-lived\", role: WRITER, actorType: SYSTEM}) { id secret role } }", json!({}))
        .await;
    let id = list["createToken"]["id"].as_str().unwrap();
    let secret = list["createToken"]["secret"].as_str().unwrap();
    assert!(id.starts_with("tok_"));
    assert_eq!(list["createToken"]["role"], "WRITER");
    s.as_token(secret, "{ viewer { name } }", json!({})).await;
    let revoked = s
        .admin(
            "mutation($id: ID!) { revokeToken(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(revoked["revokeToken"], true);
    let (status, body) = s.post(Some(secret), "{ viewer { name } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body["errors"][0]), "UNAUTHENTICATED");

    // Health needs no token.
    let res = s.http.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = s.http.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn get_and_graphiql(s: TestServer) {
    // The GraphiQL page, for browsers, needs no token.
    let res = s
        .http
        .get(s.url("/graphql"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );

    s.create_project("via-get").await;
    let res = s
        .http
        .get(s.url("/graphql"))
        .query(&[
            (
                "query",
                "query($slug: String!) { project(slug: $slug) { slug } }",
            ),
            ("variables", r#"{"slug":"via-get"}"#),
        ])
        .bearer_auth(&s.admin)
        .header(ACCEPT, "application/graphql-response+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["project"]["slug"], "via-get");

    // Never a mutation over GET, and nothing is created.
    let res = s
        .http
        .get(s.url("/graphql"))
        .query(&[(
            "query",
            "mutation { createProject(input: {slug: \"sneaky\", name: \"x\"}) { id } }",
        )])
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "POST");
    let data = s
        .admin("{ project(slug: \"sneaky\") { id } }", json!({}))
        .await;
    assert!(data["project"].is_null());
}

async fn post_raw(
    s: &TestServer,
    content_type: &str,
    accept: &str,
    body: &str,
) -> (StatusCode, String, Value) {
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&s.admin)
        .header(CONTENT_TYPE, content_type)
        .header(ACCEPT, accept)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn media_types_and_statuses(s: TestServer) {
    const GQL: &str = "application/graphql-response+json";
    let (status, ct, body) = post_raw(
        &s,
        "application/json",
        GQL,
        r#"{"query":"{ viewer { name } }"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with(GQL));
    assert_eq!(body["data"]["viewer"]["name"], "test-admin");

    let (status, ct, _) = post_raw(
        &s,
        "application/json",
        "application/json",
        r#"{"query":"{ viewer { name } }"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/json"));

    // Syntax error, unknown field, and a body that is not JSON: 400, with codes.
    let (status, _, body) = post_raw(
        &s,
        "application/json",
        GQL,
        r#"{"query":"{ viewer { name "}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body["errors"][0]), "GRAPHQL_PARSE_FAILED");
    let (status, _, body) = post_raw(
        &s,
        "application/json",
        GQL,
        r#"{"query":"{ viewer { nope } }"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body["errors"][0]), "GRAPHQL_VALIDATION_FAILED");
    let (status, _, body) = post_raw(&s, "application/json", GQL, "not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");

    let (status, _, _) =
        post_raw(&s, "text/plain", GQL, r#"{"query":"{ viewer { name } }"}"#).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = post_raw(
        &s,
        "application/json",
        "text/csv",
        r#"{"query":"{ viewer { name } }"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);

    // A field error still answers 200 with partial data.
    let (status, _, body) = post_raw(
        &s,
        "application/json",
        GQL,
        r#"{"query":"{ viewer { name } projects(first: 500) { totalCount } }"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");

    // Batches: an array of operations gets an array of results.
    let (status, _, body) = post_raw(
        &s,
        "application/json",
        "application/json",
        r#"[{"query":"{ viewer { name } }"},{"query":"{ projects { totalCount } }"}]"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["data"]["viewer"]["name"], "test-admin");
    assert_eq!(body[1]["data"]["projects"]["totalCount"], 0);
}

async fn body_limit(s: TestServer) {
    let big = "x".repeat(1024 * 1024 + 1);
    let body = json!({ "query": "{ viewer { name } }", "variables": { "pad": big } }).to_string();
    let (status, _, _) = post_raw(&s, "application/json", "application/json", &body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// Documents are parsed once per text and remembered (http/parsed_queries.rs):
/// the same text sent again runs with its own variables and operation name
/// each time, as a mutation or a query as it names, and a text that does not
/// parse is refused each time it comes.
async fn one_query_text_sent_again(s: TestServer) {
    let first = s.create_project("first").await;
    let second = s.create_project("second").await;
    let text = "query Name($slug: String!) { project(slug: $slug) { id } } \
                query Count { projects(first: 5) { totalCount } } \
                mutation Make($slug: String!) { createProject(input: {slug: $slug, name: $slug}) { slug } }";
    for _ in 0..2 {
        for (id, slug) in [(&first, "first"), (&second, "second")] {
            let body =
                json!({ "query": text, "operationName": "Name", "variables": { "slug": slug } });
            let (status, reply) = s.post_json(Some(&s.admin), &body).await;
            assert_eq!(status, StatusCode::OK, "{reply}");
            assert_eq!(reply["data"]["project"]["id"], id.as_str(), "{reply}");
        }
    }
    let count = |reply: &Value| reply["data"]["projects"]["totalCount"].as_i64();
    let body = json!({ "query": text, "operationName": "Count" });
    let (_, reply) = s.post_json(Some(&s.admin), &body).await;
    assert_eq!(count(&reply), Some(2), "{reply}");
    let body = json!({ "query": text, "operationName": "Make", "variables": { "slug": "third" } });
    let (_, reply) = s.post_json(Some(&s.admin), &body).await;
    assert_eq!(reply["data"]["createProject"]["slug"], "third", "{reply}");
    let body = json!({ "query": text, "operationName": "Count" });
    let (_, reply) = s.post_json(Some(&s.admin), &body).await;
    assert_eq!(count(&reply), Some(3), "{reply}");

    for _ in 0..2 {
        let body = json!({ "query": "query { projects(first: 1) { totalCount }" });
        let (status, reply) = s.post_json(Some(&s.admin), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
        assert!(reply.get("data").is_none(), "{reply}");
        assert_eq!(code(&reply["errors"][0]), "GRAPHQL_PARSE_FAILED", "{reply}");
    }
}

/// Syntax errors, document validation errors and input errors each have
/// their own code; a syntax error's message is one line, its place in
/// `locations`. Over graphql-ws, a refused document is one `error` frame
/// with the same codes, and no `complete` follows it.
async fn engine_errors_have_distinct_codes(s: TestServer) {
    let cases = [
        ("{ project(slug: \"x\") { name ", "GRAPHQL_PARSE_FAILED"),
        ("{ projectx }", "GRAPHQL_VALIDATION_FAILED"),
        (
            "query($s: String!) { project(slug: $t) { name } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ project(slug: 5) { name } }", "VALIDATION_FAILED"),
    ];
    for (query, expected) in cases {
        let (status, body) = s.post(Some(&s.admin), query, json!({})).await;
        let error = &body["errors"][0];
        assert_eq!(code(error), expected, "{query}: {body}");
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let message = error["message"].as_str().unwrap();
        assert!(!message.contains('\n'), "one line: {message:?}");
        assert!(error["locations"][0]["line"].as_u64() >= Some(1), "{body}");
    }
    let (_, body) = s
        .post(Some(&s.admin), "{ project(slug: \"x\") { name ", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "Syntax error: expected selection_set, selection, directive, or arguments"
    );
    assert_eq!(
        body["errors"][0]["locations"][0],
        json!({"line": 1, "column": 29})
    );

    // Input checks the contract names keep VALIDATION_FAILED.
    let (_, body) = s
        .post(
            Some(&s.admin),
            "mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }",
            json!({ "input": { "slug": "NOT A SLUG", "name": "x" } }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");

    let mut ws = crate::live::Ws::connect(&s, &s.admin).await;
    ws.send_raw(json!({
        "id": "bad", "type": "subscribe",
        "payload": { "query": "subscription { reviewQueue(projectId: \"prj_x\") { cursorx } }" }
    }))
    .await;
    let frame = ws
        .next_message(std::time::Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(frame["id"], "bad");
    assert_eq!(
        code(&frame["payload"][0]),
        "GRAPHQL_VALIDATION_FAILED",
        "{frame}"
    );
    ws.send_raw(json!({
        "id": "broken", "type": "subscribe",
        "payload": { "query": "subscription { reviewQueue(" }
    }))
    .await;
    let frame = ws
        .next_message(std::time::Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(
        code(&frame["payload"][0]),
        "GRAPHQL_PARSE_FAILED",
        "{frame}"
    );
    // Neither is followed by a `complete`.
    ws.quiet(std::time::Duration::from_millis(300)).await;
    ws.close().await;
}
