//! The findings of the security audit (issue 38), each kept as its
//! reproduction: what the attacker sent, and what they must see now.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::common::{TestServer, code};
use crate::{backend_tests, each_backend};

backend_tests!(an_unbounded_approval_rule_is_refused_and_never_runs,);

each_backend!(
    a_reader_cannot_make_the_server_build_a_huge_response,
    |backend| { TestServer::in_process(backend, |c| c.http.max_response_bytes = 256 * 1024) }
);

const SET_POLICY: &str =
    "mutation($i: ApprovalPolicyInput!) { setApprovalPolicy(input: $i) { id } }";
const CREATE: &str = "mutation($i: CreateArtifactVersionInput!) { createArtifactVersion(input: $i) { id status ruleOutcome } }";

/// The rule that aborted the process: `reduce` doubles a string through
/// `val` (which the variable check did not look at) once per element.
fn doubling_rule() -> Value {
    json!({ "reduce": [
        { "var": "value.items" },
        { "cat": [{ "val": "accumulator" }, { "val": "accumulator" }] },
        "x"
    ] })
}

async fn an_unbounded_approval_rule_is_refused_and_never_runs(s: TestServer) {
    let project = s.create_project("p").await;
    let admin = s.token("ADMIN", Some(&project)).await;
    let writer = s.token("WRITER", Some(&project)).await;
    let policy = |rule: Value| json!({ "i": { "projectId": project, "schemaKeyPattern": "*", "autoApproveWhen": rule } });
    for rule in [
        doubling_rule(),
        json!({ "==": [{ "val": "accumulator" }, 1] }),
        json!({ "cat": [{ "var": "value.a" }, { "var": "value.a" }] }),
        json!({ "==": [{ "val": [[1], "value"] }, 1] }),
        json!({ "exists": "secrets" }),
        json!({ "all": [{ "var": "value.items" }, { "some": [{ "var": "items" }, true] }] }),
    ] {
        let (_, body) = s.post(Some(&admin), SET_POLICY, policy(rule.clone())).await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{rule}: {body}"
        );
    }
    // A rule stored before these limits (written here behind the API's
    // back) is checked again when it runs: it does not hold, and says why.
    let data = s
        .as_token(&admin, SET_POLICY, policy(json!({ "==": [1, 1] })))
        .await;
    assert!(data["setApprovalPolicy"]["id"].is_string());
    let stored = serde_json::to_string(&doubling_rule())
        .unwrap()
        .replace('\'', "''");
    s.db.conn
        .execute_unprepared(&format!(
            "UPDATE approval_policies SET auto_approve_when = '{stored}'"
        ))
        .await
        .expect("store the old rule");
    let items: Vec<i32> = (0..40).collect();
    let input = json!({ "i": { "projectId": project, "schemaKey": "brand.voice", "value": { "items": items } } });
    let created = s.as_token(&writer, CREATE, input).await["createArtifactVersion"].clone();
    assert_eq!(created["status"], "PENDING", "{created}");
    let outcome = created["ruleOutcome"].as_str().unwrap_or_default();
    assert!(
        outcome.starts_with("did not hold: not evaluated") && outcome.contains("\"reduce\""),
        "{created}"
    );
    // The server is alive, and a bounded rule approves as before.
    s.as_token(
        &admin,
        SET_POLICY,
        policy(json!({ "all": [{ "var": "value.items" }, { ">=": [{ "var": "" }, 0] }] })),
    )
    .await;
    let input = json!({ "i": { "projectId": project, "schemaKey": "brand.voice", "value": { "items": [1, 2] } } });
    let created = s.as_token(&writer, CREATE, input).await["createArtifactVersion"].clone();
    assert_eq!(created["status"], "APPROVED", "{created}");
    assert_eq!(created["ruleOutcome"], "held");
}

/// 12 aliases of a page of 20 values of small numbers (each ~24 KB as
/// text, many times that as trees): the response is refused with one
/// PAYLOAD_TOO_LARGE as soon as the budget is spent, the server stops
/// reading pages, and stays up; a response within the budget is whole.
async fn a_reader_cannot_make_the_server_build_a_huge_response(s: TestServer) {
    let project = s.create_project("big").await;
    let numbers: Vec<u8> = (0..12_000).map(|i| (i % 10) as u8).collect();
    for n in 0..20 {
        s.create_version(&project, &format!("k{n}"), json!({ "n": numbers }), None)
            .await;
    }
    let reader = s.token("READER", Some(&project)).await;
    let aliases: String = (0..12)
        .map(|i| format!("a{i}: versions(first: 20) {{ edges {{ node {{ value }} }} }} "))
        .collect();
    let query = format!("{{ project(slug: \"big\") {{ {aliases} }} }}");
    let before = s.statements().await;
    let (status, body) = s.post(Some(&reader), &query, json!({})).await;
    let ran = s.statements().await - before;
    assert_eq!(status, reqwest::StatusCode::OK);
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "one error, not one per field: {body}");
    assert_eq!(code(&errors[0]), "PAYLOAD_TOO_LARGE", "{body}");
    assert_eq!(errors[0]["extensions"]["limit"], 256 * 1024);
    assert!(
        body.get("data").is_none() || body["data"].is_null(),
        "{body}"
    );
    // Pages stop being read once the budget is spent (12 pages otherwise).
    assert!(ran < 12, "{ran} statements for a refused response");
    // Alive, and a response within the budget carries every value whole.
    let (status, body) = s
        .post(
            Some(&reader),
            "{ project(slug: \"big\") { versions(first: 3) { edges { node { value } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let edges = body["data"]["project"]["versions"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(edges.len(), 3, "{body}");
    for edge in edges {
        assert_eq!(edge["node"]["value"], json!({ "n": numbers }));
    }
}
