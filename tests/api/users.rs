//! What users of a GraphQL server take for granted: the playground offline,
//! the standard introspection query, browser front ends on other origins,
//! automatic persisted queries, compression, request ids, the spec's status
//! codes, metrics, and WebSockets closed properly at shutdown.

use std::io::Read;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Backend, TestServer, code};
use crate::live::Ws;
use crate::{backend_tests, server_tests};

/// graphql-js 16's `getIntrospectionQuery()` with every option on, as
/// GraphiQL, graphql-codegen and graphql-inspector send it.
pub const INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name
      ofType { kind name ofType { kind name } } } } } } } } } }
}
"#;

/// Every `src` and `href` of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            let end = rest.find('"').expect("a closing quote");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

#[tokio::test]
async fn the_playground_loads_nothing_from_outside() {
    let s = TestServer::start(Backend::Sqlite).await.unwrap();
    let res = s
        .http
        .get(s.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'self';") && !policy.contains("http"),
        "{policy}"
    );
    let page = res.text().await.unwrap();
    assert!(!page.contains("<script>"), "no inline script: {page}");
    let refs = references(&page);
    assert!(
        refs.iter().any(|r| r.ends_with(".js")) && refs.iter().any(|r| r.ends_with(".css")),
        "{refs:?}"
    );
    for reference in refs.iter().filter(|r| !r.starts_with("data:")) {
        assert!(reference.starts_with('/'), "outside URL {reference}");
        let asset = s.http.get(s.url(reference)).send().await.unwrap();
        assert_eq!(asset.status(), StatusCode::OK, "{reference}");
        let etag = asset.headers()["etag"].clone();
        let body = asset.bytes().await.unwrap();
        assert!(body.len() > 1000, "{reference} is {} bytes", body.len());
        let again = s
            .http
            .get(s.url(reference))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
    let script = s.get_text("/graphiql/graphiql.js").await;
    assert!(!script.contains("unpkg.com") && !script.contains("cdn.jsdelivr"));
    assert!(script.contains("shouldPersistHeaders"), "headers persist");
    let licences = s
        .http
        .get(s.url("/graphiql/LICENSES.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(licences.status(), StatusCode::OK);
    assert!(licences.text().await.unwrap().contains("graphiql"));
    let missing = s
        .http
        .get(s.url("/graphiql/../Cargo.toml"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// The review console is served from the binary at /console/ under its own
/// policy, its page loads only its own files (relative to /console/), and
/// /console redirects there so that those relative paths resolve.
#[tokio::test]
async fn the_console_is_served_from_the_binary() {
    let s = TestServer::start(Backend::Sqlite).await.unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = no_redirects.get(s.url("/console")).send().await.unwrap();
    assert_eq!(moved.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(moved.headers()["location"], "/console/");

    let res = s.http.get(s.url("/console/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'self';")
            && policy.contains("style-src 'self';")
            && !policy.contains("unsafe-inline")
            && !policy.contains("http"),
        "{policy}"
    );
    let page = res.text().await.unwrap();
    assert!(!page.contains("<script>"), "no inline script: {page}");
    let refs = references(&page);
    assert!(refs.iter().any(|r| r.ends_with("console.js")), "{refs:?}");
    assert!(refs.iter().any(|r| r.ends_with("console.css")), "{refs:?}");
    for reference in refs.iter().filter(|r| !r.starts_with("data:")) {
        assert!(reference.starts_with("./"), "outside URL {reference}");
        let path = format!("/console/{}", &reference[2..]);
        let asset = s.http.get(s.url(&path)).send().await.unwrap();
        assert_eq!(asset.status(), StatusCode::OK, "{path}");
        let etag = asset.headers()["etag"].clone();
        assert!(asset.bytes().await.unwrap().len() > 1000, "{path}");
        let again = s
            .http
            .get(s.url(&path))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    let script = s.get_text("/console/console.js").await;
    assert!(!script.contains("unpkg.com") && !script.contains("cdn.jsdelivr"));
    let licences = s.get_text("/console/LICENSES.txt").await;
    assert!(licences.contains("preact"), "bundled licences listed");
    for missing in ["/console/../Cargo.toml", "/console/nope.js"] {
        let res = s.http.get(s.url(missing)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing}");
    }
}

backend_tests!(the_standard_introspection_query_works);

async fn the_standard_introspection_query_works(s: TestServer) {
    let data = s.admin(INTROSPECTION_QUERY, json!({})).await;
    let schema = &data["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    assert_eq!(schema["mutationType"]["name"], "Mutation");
    assert_eq!(schema["subscriptionType"]["name"], "Subscription");
    assert!(schema["types"].as_array().unwrap().len() > 50);

    // The data depth limit still holds beside it.
    let deep = "{ projects { edges { node { versions { edges { node { sourceRun { parent { parent { parent { parent { id } } } } } } } } } } } }";
    let (_, body) = s.post(Some(&s.admin), deep, json!({})).await;
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");

    // Introspection that multiplies the schema by itself is refused.
    let multiplied =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let (status, body) = s.post(Some(&s.admin), multiplied, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");
}

#[tokio::test]
async fn introspection_can_still_be_turned_off() {
    let s = TestServer::in_process(Backend::Sqlite, |c| c.limits.introspection = false)
        .await
        .unwrap();
    let (_, body) = s.post(Some(&s.admin), INTROSPECTION_QUERY, json!({})).await;
    assert!(body["errors"][0].is_object(), "{body}");
    assert!(
        body["data"].is_null() || body.get("data").is_none(),
        "{body}"
    );
}

/// A preflight as a browser sends it from a Vite dev server.
async fn preflight(s: &TestServer, origin: &str) -> reqwest::Response {
    s.http
        .request(reqwest::Method::OPTIONS, s.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn browser_front_ends_are_allowed_by_the_configured_policy() {
    // The default: any origin, no credentials.
    let s = TestServer::start(Backend::Sqlite).await.unwrap();
    let res = preflight(&s, "http://localhost:5173").await;
    assert!(res.status().is_success(), "{}", res.status());
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(h.get("access-control-allow-credentials").is_none());
    let res = s
        .http
        .post(s.url("/graphql"))
        .header("origin", "http://localhost:5173")
        .bearer_auth(&s.admin)
        .json(&json!({ "query": "{ viewer { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(
        res.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("x-request-id")
    );

    // Whatever headers real clients add pass the preflight (Apollo Client's
    // client awareness, Sentry), and caches are told the answer varies.
    let added = "apollographql-client-name,apollographql-client-version,baggage,sentry-trace";
    let res = s
        .http
        .request(reqwest::Method::OPTIONS, s.url("/graphql"))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", added)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let allowed = res.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_owned();
    for header in added.split(',') {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }
    let vary: Vec<String> = res
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    assert!(
        vary.iter()
            .any(|v| v.contains("access-control-request-headers")),
        "{vary:?}"
    );

    // A list: the listed origin is named, others get nothing.
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.http.cors_origins = "http://localhost:5173".parse().unwrap()
    })
    .await
    .unwrap();
    let res = preflight(&s, "http://localhost:5173").await;
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let res = preflight(&s, "https://elsewhere.example").await;
    assert!(res.headers().get("access-control-allow-origin").is_none());

    // None at all.
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.http.cors_origins = "".parse().unwrap()
    })
    .await
    .unwrap();
    let res = preflight(&s, "http://localhost:5173").await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

server_tests!(automatic_persisted_queries_round_trip);

async fn automatic_persisted_queries_round_trip(s: TestServer) {
    s.create_project("apq").await;
    let query = "query Projects { projects { edges { node { slug } } } }";
    let hash = sha256(query);
    let post = |body: Value| {
        s.http
            .post(s.url("/graphql"))
            .bearer_auth(&s.admin)
            .json(&body)
            .send()
    };

    // Hash only: not found, answered 200 so Apollo's link sends the text.
    let res = post(json!({ "extensions": persisted(&hash) }))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    // The text under another hash is refused and not remembered.
    let res = post(json!({ "query": query, "extensions": persisted(&sha256("{ x }")) }))
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");

    // Hash and text: runs, and is remembered.
    let res = post(json!({ "query": query, "extensions": persisted(&hash) }))
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["data"]["projects"]["edges"][0]["node"]["slug"], "apq",
        "{body}"
    );

    // Hash only, by POST and by GET.
    let res = post(json!({ "extensions": persisted(&hash) }))
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["projects"]["edges"][0]["node"]["slug"], "apq");
    let get = |hash: String| {
        let extensions = persisted(&hash).to_string();
        s.http
            .get(s.url("/graphql"))
            .query(&[("extensions", extensions)])
            .bearer_auth(&s.admin)
            .send()
    };
    let res = get(hash.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Cacheable by the client's HTTP cache, revalidated by its tag.
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    let tag = res.headers()["etag"].clone();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["data"]["projects"]["edges"][0]["node"]["slug"], "apq",
        "{body}"
    );
    let extensions = persisted(&hash).to_string();
    let again = s
        .http
        .get(s.url("/graphql"))
        .query(&[("extensions", extensions)])
        .bearer_auth(&s.admin)
        .header("if-none-match", tag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"], tag);

    // A GET naming an unknown hash is told so too.
    let res = get(sha256("{ viewer { name } }")).await.unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "PERSISTED_QUERY_NOT_FOUND");
}

fn decode(encoding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        "br" => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        "zstd" => out = zstd::decode_all(bytes).unwrap(),
        other => panic!("unexpected encoding {other}"),
    }
    out
}

server_tests!(large_responses_are_compressed_when_asked);

async fn large_responses_are_compressed_when_asked(s: TestServer) {
    let project = s.create_project("big").await;
    for i in 0..30 {
        s.create_version(
            &project,
            "brand.palette",
            json!({ "primary": format!("#{i:06}"), "notes": "x".repeat(200) }),
            None,
        )
        .await;
    }
    let query = json!({ "query": "{ project(slug: \"big\") { versions(first: 30) { edges { node { id value digest createdAt } } } } }" });
    let plain = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&s.admin)
        .json(&query)
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    let plain = plain.bytes().await.unwrap();
    assert!(plain.len() > 8000, "{} bytes", plain.len());
    for encoding in ["gzip", "br", "zstd"] {
        let res = s
            .http
            .post(s.url("/graphql"))
            .bearer_auth(&s.admin)
            .header(ACCEPT_ENCODING, encoding)
            .json(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()[CONTENT_ENCODING], encoding);
        assert!(
            res.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("json")
        );
        let compressed = res.bytes().await.unwrap();
        assert!(
            compressed.len() * 3 < plain.len(),
            "{encoding}: {} bytes",
            compressed.len()
        );
        let body: Value = serde_json::from_slice(&decode(encoding, &compressed)).unwrap();
        assert_eq!(body, serde_json::from_slice::<Value>(&plain).unwrap());
    }
    // Offered beside gzip and Brotli at the same quality, zstd gives way to
    // the widely decodable; ranked above them, it is used.
    for (offered, expected) in [("zstd, br, gzip", "br"), ("zstd;q=1.0, gzip;q=0.5", "zstd")] {
        let res = s
            .http
            .post(s.url("/graphql"))
            .bearer_auth(&s.admin)
            .header(ACCEPT_ENCODING, offered)
            .json(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()[CONTENT_ENCODING], expected, "{offered}");
    }
    // The playground's assets are compressed too.
    let res = s
        .http
        .get(s.url("/graphiql/graphiql.js"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
    // Small answers are sent as they are.
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&s.admin)
        .header(ACCEPT_ENCODING, "gzip")
        .json(&json!({ "query": "{ viewer { name } }" }))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get(CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let s = TestServer::start(Backend::Sqlite).await.unwrap();
    let res = s
        .http
        .post(s.url("/graphql"))
        .header("x-request-id", "req-42")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .bearer_auth(&s.admin)
        .json(&json!({ "query": "{ viewer { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "req-42");
    // Without one (or with one not fit to log), a new one per request.
    let mut seen = Vec::new();
    for sent in [None, Some("two words")] {
        let mut req = s.http.get(s.url("/healthz"));
        if let Some(id) = sent {
            req = req.header("x-request-id", id);
        }
        let res = req.send().await.unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        seen.push(id);
    }
    assert_ne!(seen[0], seen[1]);
}

/// POSTs a raw body with an Accept header; returns status and JSON.
async fn post_accepting(s: &TestServer, accept: &str, body: &str) -> (StatusCode, Value) {
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&s.admin)
        .header(ACCEPT, accept)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn document_errors_follow_the_graphql_over_http_status_rules() {
    let s = TestServer::start(Backend::Sqlite).await.unwrap();
    let bad = [
        (r#"{"query":"{ viewer { name "}"#, "GRAPHQL_PARSE_FAILED"),
        (
            r#"{"query":"{ viewer { nope } }"}"#,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            r#"{"query":"query($n: Int!) { projects(first: $n) { totalCount } }","variables":{"n":"x"}}"#,
            "VALIDATION_FAILED",
        ),
    ];
    for (body, expected) in bad {
        let (status, json) = post_accepting(&s, "application/json", body).await;
        assert_eq!(status, StatusCode::OK, "application/json: {body} -> {json}");
        assert_eq!(code(&json["errors"][0]), expected, "{json}");
        let (status, json) = post_accepting(&s, "application/graphql-response+json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {json}");
        assert!(json.get("data").is_none(), "{json}");
        for error in json["errors"].as_array().unwrap() {
            for location in error["locations"].as_array().into_iter().flatten() {
                assert!(location["line"].as_u64().unwrap() >= 1, "{json}");
            }
        }
    }
    // A body that is not a GraphQL request at all stays a 400.
    let (status, _) = post_accepting(&s, "application/json", "not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // An error made outside any document has no location at all.
    let (_, json) = post_accepting(
        &s,
        "application/json",
        r#"{"query":"{ node(id: \"nope\") { id } }"}"#,
    )
    .await;
    let error = &json["errors"][0];
    assert!(
        error.get("locations").is_none()
            || error["locations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["line"].as_u64().unwrap() >= 1),
        "{json}"
    );
}

server_tests!(metrics_count_operations_statuses_sockets_and_files);

async fn metrics_count_operations_statuses_sockets_and_files(s: TestServer) {
    let project = s.create_project("metered").await;
    s.admin("query ReviewPage { viewer { name } }", json!({}))
        .await;
    let _ = s.post(None, "{ viewer { name } }", json!({})).await;
    let upload = s
        .http
        .post(s.url(&format!("/files?projectId={project}")))
        .bearer_auth(&s.admin)
        .header(CONTENT_TYPE, "text/plain")
        .body(vec![b'a'; 1234])
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let file: Value = upload.json().await.unwrap();
    let download = s
        .http
        .get(s.url(&format!("/files/{}", file["id"].as_str().unwrap())))
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(download.bytes().await.unwrap().len(), 1234);
    let _socket = Ws::connect(&s, &s.admin).await;

    let text = s.get_text("/metrics").await;
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    assert_eq!(
        value(r#"quire_graphql_operations_total{name="ReviewPage",type="query"} "#),
        1.0
    );
    assert_eq!(
        value(r#"quire_graphql_operation_duration_seconds_count{name="ReviewPage",type="query"} "#),
        1.0
    );
    assert!(
        value(r#"quire_http_responses_total{method="POST",route="/graphql",status="401"} "#) >= 1.0
    );
    assert!(
        value(r#"quire_http_responses_total{method="POST",route="/graphql",status="200"} "#) >= 2.0
    );
    assert_eq!(value("quire_file_bytes_received_total "), 1234.0);
    assert_eq!(value("quire_file_bytes_sent_total "), 1234.0);
    assert_eq!(value("quire_websocket_connections "), 1.0);
    assert!(value("process_resident_memory_bytes ") > 0.0);
    assert!(value("quire_sql_statements_total ") > 0.0);
}

#[tokio::test]
async fn websockets_are_told_the_server_is_going_away() {
    let mut s = TestServer::start(Backend::Sqlite).await.unwrap();
    let mut ws = Ws::connect(&s, &s.admin).await;
    s.shut_down();
    let closed = ws
        .next_message(Duration::from_secs(10))
        .await
        .expect("a close frame");
    assert_eq!(closed, json!({ "type": "close", "code": 1001 }));
}

/// `project(slug:)` with what cannot be a slug says so (the README promised
/// VALIDATION_FAILED; it answered null).
#[tokio::test]
async fn a_malformed_slug_is_refused() {
    let s = TestServer::in_process(Backend::Sqlite, |_| {})
        .await
        .unwrap();
    for slug in ["NOT A SLUG", "", "-leading"] {
        let (_, body) = s
            .post(
                Some(&s.admin),
                "query($s: String!) { project(slug: $s) { id } }",
                json!({ "s": slug }),
            )
            .await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{slug:?}: {body}"
        );
    }
    let (_, body) = s
        .post(
            Some(&s.admin),
            "{ project(slug: \"no-such-project\") { id } }",
            json!({}),
        )
        .await;
    assert!(
        body["data"]["project"].is_null() && body.get("errors").is_none(),
        "{body}"
    );
}

/// A body without a document is not a GraphQL request: 400 under either
/// media type (GraphQL over HTTP), with a message that says what is missing.
#[tokio::test]
async fn a_body_without_a_query_is_a_bad_request() {
    let s = TestServer::in_process(Backend::Sqlite, |_| {})
        .await
        .unwrap();
    for body in [
        json!({}),
        json!({ "variables": { "a": 1 } }),
        json!({ "query": "  " }),
        json!([{ "query": "{ viewer { name } }" }, {}]),
    ] {
        let (status, answer) = s.post_json(Some(&s.admin), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let error = if answer.is_array() {
            &answer[0]["errors"][0]
        } else {
            &answer["errors"][0]
        };
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("no `query`"),
            "{body}: {answer}"
        );
    }
}
