//! The findings of the security audit (issue 38), each kept as its
//! reproduction: what the attacker sent, and what they must see now.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(an_unbounded_approval_rule_is_refused_and_never_runs,);

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
