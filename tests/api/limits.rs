//! Abuse limits: query depth and complexity, page size, body and value size,
//! request timeout, introspection, and batch length.

use reqwest::StatusCode;
use serde_json::json;

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    depth_and_complexity,
    value_size,
    batch_length,
    timeout_and_introspection
);

/// The review page of the benchmarks issue: the deepest query a front end sends.
pub const REVIEW_PAGE: &str = include_str!("../queries/review_page.graphql");

async fn depth_and_complexity(s: TestServer) {
    s.create_project("limits").await;
    s.admin(REVIEW_PAGE, json!({ "slug": "limits" })).await;

    let aliases: Vec<String> = (0..50)
        .map(|i| format!("a{i}: projects(first: 100) {{ edges {{ node {{ versions(first: 100) {{ edges {{ node {{ id value }} }} }} }} }} }}"))
        .collect();
    let wide = format!("{{ {} }}", aliases.join(" "));
    let (status, body) = s.post(Some(&s.admin), &wide, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");

    let deep = "{ project(slug: \"limits\") { versions { edges { node { sourceRun { parent { parent { parent { parent { parent { id } } } } } } } } } } }";
    let (status, body) = s.post(Some(&s.admin), deep, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("deep")
    );

    let (_, body) = s
        .post(
            Some(&s.admin),
            "{ projects(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");
}

async fn value_size(s: TestServer) {
    let project = s.create_project("sizes").await;
    let big = "x".repeat(300 * 1024);
    let (_, body) = s
        .post(
            Some(&s.admin),
            "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id } }",
            json!({ "input": { "projectId": project, "schemaKey": "big", "value": { "blob": big } } }),
        )
        .await;
    assert_eq!(
        code(&body["errors"][0]),
        "PAYLOAD_TOO_LARGE",
        "{}",
        &body.to_string()[..200]
    );
    assert_eq!(body["errors"][0]["extensions"]["limit"], 256 * 1024);
    let data = s
        .admin(
            "{ project(slug: \"sizes\") { versions { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 0);
    // Just under the limit is fine.
    s.create_version(
        &project,
        "big",
        json!({ "blob": "x".repeat(200 * 1024) }),
        None,
    )
    .await;
}

async fn batch_length(s: TestServer) {
    let one = json!({ "query": "{ viewer { name } }" });
    let ten: Vec<_> = (0..10).map(|_| one.clone()).collect();
    let (status, body) = s.post_json(Some(&s.admin), &json!(ten)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 10);
    let eleven: Vec<_> = (0..11).map(|_| one.clone()).collect();
    let (status, body) = s.post_json(Some(&s.admin), &json!(eleven)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("batch")
    );
}

async fn timeout_and_introspection(s: TestServer) {
    let project = s.create_project("slow").await;
    s.create_version(&project, "k", json!(1), None).await;
    // Nested loads wait 300 ms for batching; a 100 ms budget cannot cover it.
    let slow = s
        .sibling(|c| {
            c.http.request_timeout_ms = 100;
            c.http.batch_delay_us = 300_000;
        })
        .await;
    let (status, body) = slow
        .post(
            Some(&slow.admin),
            "{ project(slug: \"slow\") { versions { edges { node { project { slug } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("time limit")
    );
    drop(slow);

    let closed = s.sibling(|c| c.limits.introspection = false).await;
    let (status, body) = closed
        .post(
            Some(&closed.admin),
            "{ __schema { types { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body["errors"][0]), "GRAPHQL_VALIDATION_FAILED");
    closed.admin("{ viewer { name } }", json!({})).await;
}
