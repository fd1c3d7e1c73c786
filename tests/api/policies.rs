//! Approval policies: rules that approve new versions (audited as RULE),
//! quorums of distinct approvers with required actor types, pattern
//! precedence, policies applying to versions created after them, and bad
//! policies refused.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    a_rule_approves_new_versions_as_rule,
    a_quorum_needs_distinct_approvers_and_a_human,
    concurrent_quorum_approvals_approve_once,
    the_most_specific_pattern_governs_versions_created_after_it,
    bad_policies_are_refused,
);

const SET: &str = "mutation($i: ApprovalPolicyInput!) { setApprovalPolicy(input: $i) { id schemaKeyPattern autoApproveWhen requiredApprovals requiredActorTypes } }";
const APPROVE: &str = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";
const REJECT: &str =
    "mutation($id: ID!) { rejectVersion(input: {versionId: $id, reason: \"no\"}) { status } }";
const STATE: &str = "query($id: ID!) { artifactVersion(id: $id) { status approvals { action actor { name type } } } }";

async fn set(s: &TestServer, input: Value) -> Value {
    s.admin(SET, json!({ "i": input })).await["setApprovalPolicy"].clone()
}

async fn state(s: &TestServer, id: &Value) -> Value {
    s.admin(STATE, json!({ "id": id })).await["artifactVersion"].clone()
}

/// A token of `role` acting as `actor_type`.
async fn token(s: &TestServer, name: &str, role: &str, actor_type: &str) -> String {
    let data = s
        .admin(
            "mutation($input: CreateTokenInput!) { createToken(input: $input) { secret } }",
            json!({ "input": { "name": name, "role": role, "actorType": actor_type } }),
        )
        .await;
    data["createToken"]["secret"].as_str().unwrap().to_owned()
}

async fn a_rule_approves_new_versions_as_rule(s: TestServer) {
    let project = s.create_project("p").await;
    let rule = json!({ "and": [{ "<": [{ "var": "value.risk" }, 3] }, { "==": [{ "var": "version.schemaKey" }, "brand.voice"] }] });
    let policy = set(
        &s,
        json!({ "projectId": project, "schemaKeyPattern": "brand.voice", "autoApproveWhen": rule }),
    )
    .await;
    assert_eq!(policy["autoApproveWhen"], rule);
    assert_eq!(policy["requiredApprovals"], 1);
    let low = s
        .create_version(&project, "brand.voice", json!({ "risk": 1 }), None)
        .await;
    assert_eq!(low["status"], "APPROVED");
    let audit = state(&s, &low["id"]).await;
    assert_eq!(
        audit["approvals"],
        json!([{ "action": "APPROVE", "actor": { "name": "policy brand.voice", "type": "RULE" } }])
    );
    let high = s
        .create_version(&project, "brand.voice", json!({ "risk": 5 }), None)
        .await;
    assert_eq!(high["status"], "PENDING");
    // A rule that fails to evaluate (an object compared with a number) never approves.
    let odd = s
        .create_version(
            &project,
            "brand.voice",
            json!({ "risk": { "level": 1 } }),
            None,
        )
        .await;
    assert_eq!(odd["status"], "PENDING", "{odd}");
    // A second approval by rule supersedes the first, as a reviewer's would.
    let next = s
        .create_version(&project, "brand.voice", json!({ "risk": 2 }), None)
        .await;
    assert_eq!(next["status"], "APPROVED");
    assert_eq!(state(&s, &low["id"]).await["status"], "SUPERSEDED");
    // The policy is a node of its project.
    let node = s
        .admin(
            "query($id: ID!) { node(id: $id) { ... on ApprovalPolicy { schemaKeyPattern } } }",
            json!({ "id": policy["id"] }),
        )
        .await;
    assert_eq!(node["node"]["schemaKeyPattern"], "brand.voice");
    // The review queue and the kept counts agree.
    let data = s
        .admin("{ project(slug: \"p\") { reviewQueue { totalCount } approved: versions(status: [APPROVED]) { totalCount } } }", json!({}))
        .await;
    let all = s.admin("{ project(slug: \"p\") { versions { edges { node { versionNumber status } } } reviewQueue { edges { node { versionNumber } } } } }", json!({})).await;
    assert_eq!(data["project"]["reviewQueue"]["totalCount"], 2, "{all}");
    assert_eq!(data["project"]["approved"]["totalCount"], 1);
}

async fn a_quorum_needs_distinct_approvers_and_a_human(s: TestServer) {
    let project = s.create_project("p").await;
    set(&s, json!({ "projectId": project, "schemaKeyPattern": "mvp.*", "requiredApprovals": 2, "requiredActorTypes": ["HUMAN"] })).await;
    let (ai1, ai2) = (
        token(&s, "ai-1", "REVIEWER", "AI").await,
        token(&s, "ai-2", "REVIEWER", "AI").await,
    );
    let human = token(&s, "person", "REVIEWER", "HUMAN").await;
    let v = s
        .create_version(&project, "mvp.scope", json!({ "features": 3 }), None)
        .await;
    assert_eq!(v["status"], "PENDING");
    let id = json!({ "id": v["id"] });
    let status = |data: Value| data["approveVersion"]["status"].clone();
    assert_eq!(
        status(s.as_token(&ai1, APPROVE, id.clone()).await),
        "PENDING"
    );
    // The same actor again counts once.
    assert_eq!(
        status(s.as_token(&ai1, APPROVE, id.clone()).await),
        "PENDING"
    );
    // Two AI approvals: enough approvals, but no HUMAN among them.
    assert_eq!(
        status(s.as_token(&ai2, APPROVE, id.clone()).await),
        "PENDING"
    );
    assert_eq!(
        status(s.as_token(&human, APPROVE, id.clone()).await),
        "APPROVED"
    );
    let audit = state(&s, &v["id"]).await;
    let names: Vec<&str> = audit["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["actor"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ai-1", "ai-2", "person"]);
    // A rejection by anyone ends a review under quorum.
    let w = s
        .create_version(&project, "mvp.goals", json!({ "n": 1 }), None)
        .await;
    s.as_token(&ai1, APPROVE, json!({ "id": w["id"] })).await;
    assert_eq!(
        s.as_token(&ai2, REJECT, json!({ "id": w["id"] })).await["rejectVersion"]["status"],
        "REJECTED"
    );
    let (_, body) = s
        .post(Some(&human), APPROVE, json!({ "id": w["id"] }))
        .await;
    assert_eq!(code(&body["errors"][0]), "INVALID_TRANSITION", "{body}");
}

async fn concurrent_quorum_approvals_approve_once(s: TestServer) {
    let project = s.create_project("p").await;
    set(
        &s,
        json!({ "projectId": project, "schemaKeyPattern": "*", "requiredApprovals": 2 }),
    )
    .await;
    let mut tokens = Vec::new();
    for i in 0..5 {
        tokens.push(token(&s, &format!("reviewer-{i}"), "REVIEWER", "HUMAN").await);
    }
    let earlier = s
        .create_version(&project, "brand.logo", json!({ "v": 0 }), None)
        .await;
    for t in &tokens[..2] {
        s.as_token(t, APPROVE, json!({ "id": earlier["id"] })).await;
    }
    assert_eq!(state(&s, &earlier["id"]).await["status"], "APPROVED");
    let v = s
        .create_version(&project, "brand.logo", json!({ "v": 1 }), None)
        .await;
    let tries = tokens.iter().map(|t| {
        let id = v["id"].clone();
        let s = &s;
        async move { s.post(Some(t), APPROVE, json!({ "id": id })).await.1 }
    });
    let bodies = futures::future::join_all(tries).await;
    let approved = bodies
        .iter()
        .filter(|b| b["data"]["approveVersion"]["status"] == "APPROVED")
        .count();
    assert_eq!(approved, 1, "{bodies:?}");
    for b in &bodies {
        let ok = b["data"]["approveVersion"]["status"] == "PENDING"
            || b["data"]["approveVersion"]["status"] == "APPROVED"
            || code(&b["errors"][0]) == "INVALID_TRANSITION";
        assert!(ok, "{b}");
    }
    let audit = state(&s, &v["id"]).await;
    assert_eq!(audit["status"], "APPROVED");
    assert_eq!(audit["approvals"].as_array().unwrap().len(), 2, "{audit}");
    assert_eq!(state(&s, &earlier["id"]).await["status"], "SUPERSEDED");
    let data = s
        .admin(
            "{ project(slug: \"p\") { versions(status: [APPROVED]) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 1);
}

async fn the_most_specific_pattern_governs_versions_created_after_it(s: TestServer) {
    let project = s.create_project("p").await;
    let star = json!({ "projectId": project, "schemaKeyPattern": "*", "requiredApprovals": 2 });
    set(&s, star.clone()).await;
    let logo = set(&s, json!({ "projectId": project, "schemaKeyPattern": "brand.logo", "autoApproveWhen": { "==": [1, 1] } })).await;
    set(
        &s,
        json!({ "projectId": project, "schemaKeyPattern": "brand.*", "requiredApprovals": 3 }),
    )
    .await;
    let order = s
        .admin(
            "{ project(slug: \"p\") { approvalPolicies { schemaKeyPattern requiredApprovals } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        order["project"]["approvalPolicies"],
        json!([{ "schemaKeyPattern": "brand.logo", "requiredApprovals": 1 }, { "schemaKeyPattern": "brand.*", "requiredApprovals": 3 }, { "schemaKeyPattern": "*", "requiredApprovals": 2 }])
    );
    assert_eq!(
        s.create_version(&project, "brand.logo", json!(1), None)
            .await["status"],
        "APPROVED"
    );
    let other = token(&s, "r2", "REVIEWER", "HUMAN").await;
    let under_old = s
        .create_version(&project, "mvp.scope", json!(1), None)
        .await;
    // "*" again, with one approval: a new row; the version above keeps the old one.
    set(
        &s,
        json!({ "projectId": project, "schemaKeyPattern": "*", "requiredApprovals": 1 }),
    )
    .await;
    let under_new = s
        .create_version(&project, "mvp.goals", json!(1), None)
        .await;
    assert_eq!(
        s.admin(APPROVE, json!({ "id": under_old["id"] })).await["approveVersion"]["status"],
        "PENDING"
    );
    assert_eq!(
        s.as_token(&other, APPROVE, json!({ "id": under_old["id"] }))
            .await["approveVersion"]["status"],
        "APPROVED"
    );
    assert_eq!(
        s.admin(APPROVE, json!({ "id": under_new["id"] })).await["approveVersion"]["status"],
        "APPROVED"
    );
    // Deleted, the logo policy governs no new version; deleted twice, it is not found.
    let del = "mutation($id: ID!) { deleteApprovalPolicy(id: $id) }";
    assert_eq!(
        s.admin(del, json!({ "id": logo["id"] })).await["deleteApprovalPolicy"],
        true
    );
    assert_eq!(
        s.create_version(&project, "brand.logo", json!(2), None)
            .await["status"],
        "PENDING"
    );
    let (_, body) = s
        .post(Some(&s.admin), del, json!({ "id": logo["id"] }))
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{body}");
}

async fn bad_policies_are_refused(s: TestServer) {
    let project = s.create_project("p").await;
    let base = |extra: Value| {
        let mut input = json!({ "projectId": project, "schemaKeyPattern": "brand.*" });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        input
    };
    let big: Vec<i32> = (0..300).collect();
    for extra in [
        json!({ "autoApproveWhen": "yes" }),
        json!({ "autoApproveWhen": { "==": [{ "var": "secrets.key" }, 1] } }),
        json!({ "autoApproveWhen": { "frobnicate": [1] } }),
        json!({ "autoApproveWhen": { "in": [1, big] } }),
        json!({ "requiredApprovals": 0 }),
        json!({ "requiredApprovals": 11 }),
        json!({ "requiredApprovals": 1, "requiredActorTypes": ["HUMAN", "AI"] }),
        json!({ "schemaKeyPattern": "brand*" }),
        json!({ "schemaKeyPattern": "Brand.*" }),
        json!({ "schemaKeyPattern": "" }),
    ] {
        let (_, body) = s
            .post(Some(&s.admin), SET, json!({ "i": base(extra.clone()) }))
            .await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{extra}: {body}"
        );
    }
    let writer = s.token("WRITER", None).await;
    let (_, body) = s
        .post(Some(&writer), SET, json!({ "i": base(json!({})) }))
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    let elsewhere = s.create_project("q").await;
    let scoped_admin = s.token("ADMIN", Some(&elsewhere)).await;
    let (_, body) = s
        .post(Some(&scoped_admin), SET, json!({ "i": base(json!({})) }))
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{body}");
    let none = s
        .admin(
            "{ project(slug: \"p\") { approvalPolicies { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(none["project"]["approvalPolicies"], json!([]));
}
