//! Review and promotion: transitions, races, optimistic locking, idempotency,
//! JSON Schema validation and diffs.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    transitions_and_audit_trail,
    concurrent_approvals_leave_one_approved,
    promotion_builds_the_context,
    concurrent_promotions_conflict,
    idempotent_mutations,
    schemas_validate_values,
    diffs_between_versions,
);

const APPROVE: &str = "mutation($id: ID!, $key: String) { approveVersion(input: {versionId: $id, reason: \"looks right\", idempotencyKey: $key}) { id status reviewedBy { name } reviewedAt } }";
const REJECT: &str = "mutation($id: ID!) { rejectVersion(input: {versionId: $id, reason: \"off-brand colours\"}) { status rejectionReason reviewedBy { name } } }";
const CHANGES: &str = "mutation($id: ID!) { requestChanges(input: {versionId: $id, reason: \"almost\", feedback: {fix: [\"contrast\"]}}) { status reviewedAt } }";
const PROMOTE: &str = "mutation($p: ID!, $v: Int!, $ids: [ID!], $key: String) { promote(input: {projectId: $p, expectedContextVersion: $v, versionIds: $ids, idempotencyKey: $key}) { contextVersion project { contextVersion context } promoted { id schemaKey promoted } } }";

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn transitions_and_audit_trail(s: TestServer) {
    let project = s.create_project("review").await;
    let reviewer = s.token("REVIEWER", None).await;
    let v1 = id(&s
        .create_version(&project, "brand.logo", json!({"v": 1}), None)
        .await);
    let v2 = id(&s
        .create_version(&project, "brand.logo", json!({"v": 2}), None)
        .await);
    let v3 = id(&s
        .create_version(&project, "brand.logo", json!({"v": 3}), None)
        .await);
    let v4 = id(&s
        .create_version(&project, "brand.logo", json!({"v": 4}), None)
        .await);

    let data = s.as_token(&reviewer, APPROVE, json!({ "id": v1 })).await;
    assert_eq!(data["approveVersion"]["status"], "APPROVED");
    assert_eq!(
        data["approveVersion"]["reviewedBy"]["name"],
        "REVIEWER-token"
    );
    assert!(data["approveVersion"]["reviewedAt"].is_string());
    let data = s.as_token(&reviewer, APPROVE, json!({ "id": v2 })).await;
    assert_eq!(data["approveVersion"]["status"], "APPROVED");
    let data = s.as_token(&reviewer, REJECT, json!({ "id": v3 })).await;
    assert_eq!(
        data["rejectVersion"],
        json!({"status": "REJECTED", "rejectionReason": "off-brand colours", "reviewedBy": {"name": "REVIEWER-token"}})
    );
    let data = s.as_token(&reviewer, CHANGES, json!({ "id": v4 })).await;
    assert_eq!(data["requestChanges"]["status"], "CHANGES_REQUESTED");

    // Only PENDING versions can be decided.
    for (query, version) in [
        (APPROVE, &v1),
        (APPROVE, &v3),
        (REJECT, &v2),
        (CHANGES, &v1),
        (APPROVE, &v4),
    ] {
        let (_, body) = s
            .post(Some(&reviewer), query, json!({ "id": version }))
            .await;
        assert_eq!(
            code(&body["errors"][0]),
            "INVALID_TRANSITION",
            "{query} on {version}: {body}"
        );
    }

    let data = s
        .admin(
            r#"query($v1: ID!, $v4: ID!) {
                v1: artifactVersion(id: $v1) { status approvals { action reason actor { name type } } }
                v4: artifactVersion(id: $v4) { approvals { action feedback } }
                project(slug: "review") {
                    artifact(schemaKey: "brand.logo") { current { versionNumber } latest { versionNumber } }
                    reviewQueue { totalCount }
                    all: approvals { totalCount edges { node { action version { versionNumber } } } }
                    supersedes: approvals(action: [SUPERSEDE]) { totalCount }
                }
            }"#,
            json!({ "v1": v1, "v4": v4 }),
        )
        .await;
    assert_eq!(data["v1"]["status"], "SUPERSEDED");
    let actions: Vec<&str> = data["v1"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["APPROVE", "SUPERSEDE"]);
    assert_eq!(
        data["v1"]["approvals"][0]["actor"],
        json!({"name": "REVIEWER-token", "type": "AI"})
    );
    assert_eq!(
        data["v4"]["approvals"][0]["feedback"],
        json!({"fix": ["contrast"]})
    );
    let p = &data["project"];
    assert_eq!(p["artifact"]["current"]["versionNumber"], 2);
    assert_eq!(p["artifact"]["latest"]["versionNumber"], 4);
    assert_eq!(p["reviewQueue"]["totalCount"], 0);
    // Newest first: the last decision leads.
    assert_eq!(p["all"]["totalCount"], 5);
    assert_eq!(p["all"]["edges"][0]["node"]["action"], "REQUEST_CHANGES");
    assert_eq!(p["supersedes"]["totalCount"], 1);
}

async fn concurrent_approvals_leave_one_approved(s: TestServer) {
    let project = s.create_project("race").await;
    let mut ids = Vec::new();
    for i in 0..16 {
        ids.push(id(&s
            .create_version(&project, "mvp.scope", json!({ "i": i }), None)
            .await));
    }
    let reviewer = s.token("REVIEWER", None).await;
    let approvals = ids.iter().map(|v| {
        let (s, reviewer) = (&s, &reviewer);
        async move { s.post(Some(reviewer), APPROVE, json!({ "id": v })).await }
    });
    let results = futures::future::join_all(approvals).await;
    let mut succeeded = 0;
    for (_, body) in &results {
        match body["errors"].get(0) {
            None => succeeded += 1,
            Some(err) => assert_eq!(code(err), "INVALID_TRANSITION", "{body}"),
        }
    }
    let data = s
        .admin(
            r#"{ project(slug: "race") {
                approved: versions(status: [APPROVED]) { totalCount }
                superseded: versions(status: [SUPERSEDED]) { totalCount }
                pending: versions(status: [PENDING]) { totalCount }
                approve: approvals(action: [APPROVE]) { totalCount }
                supersede: approvals(action: [SUPERSEDE]) { totalCount }
            } }"#,
            json!({}),
        )
        .await;
    let p = &data["project"];
    assert_eq!(p["approved"]["totalCount"], 1, "{data}");
    // The audit trail matches the final state.
    assert_eq!(p["approve"]["totalCount"], succeeded);
    assert_eq!(p["supersede"]["totalCount"], succeeded - 1);
    assert_eq!(p["superseded"]["totalCount"], succeeded - 1);
    assert_eq!(p["pending"]["totalCount"].as_i64().unwrap(), 16 - succeeded);
    eprintln!(
        "16 concurrent approvals: {succeeded} succeeded, 1 APPROVED, {} SUPERSEDED",
        succeeded - 1
    );
}

async fn promotion_builds_the_context(s: TestServer) {
    let project = s.create_project("promo").await;
    let logo1 = id(&s
        .create_version(&project, "brand.logo", json!({"url": "logo-1.svg"}), None)
        .await);
    let scope = id(&s
        .create_version(&project, "mvp.scope", json!(["sign-up"]), None)
        .await);
    let pending = id(&s
        .create_version(&project, "mvp.risks", json!([]), None)
        .await);
    s.admin(APPROVE, json!({ "id": logo1 })).await;
    s.admin(APPROVE, json!({ "id": scope })).await;

    // A PENDING version cannot be promoted; nothing changes.
    let (_, body) = s
        .post(
            Some(&s.admin),
            PROMOTE,
            json!({ "p": project, "v": 0, "ids": [pending] }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "INVALID_TRANSITION", "{body}");

    let data = s.admin(PROMOTE, json!({ "p": project, "v": 0 })).await;
    let done = &data["promote"];
    assert_eq!(done["contextVersion"], 1);
    assert_eq!(done["project"]["contextVersion"], 1);
    assert_eq!(
        done["project"]["context"],
        json!({"brand": {"logo": {"url": "logo-1.svg"}}, "mvp": {"scope": ["sign-up"]}})
    );
    assert_eq!(done["promoted"].as_array().unwrap().len(), 2);
    assert!(
        done["promoted"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["promoted"] == true)
    );

    // A stale expected version: CONFLICT with the current one, and nothing changes.
    let logo2 = id(&s
        .create_version(&project, "brand.logo", json!({"url": "logo-2.svg"}), None)
        .await);
    s.admin(APPROVE, json!({ "id": logo2 })).await;
    let (_, body) = s
        .post(Some(&s.admin), PROMOTE, json!({ "p": project, "v": 0 }))
        .await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT");
    assert_eq!(body["errors"][0]["extensions"]["currentContextVersion"], 1);

    let data = s
        .admin(PROMOTE, json!({ "p": project, "v": 1, "ids": [logo2] }))
        .await;
    assert_eq!(data["promote"]["contextVersion"], 2);
    assert_eq!(
        data["promote"]["project"]["context"]["brand"]["logo"],
        json!({"url": "logo-2.svg"})
    );

    // A superseded value stays in the context until its successor is
    // promoted; a promotion that names no version is refused and changes
    // nothing.
    let scope2 = id(&s
        .create_version(&project, "mvp.scope", json!(["sign-up", "review"]), None)
        .await);
    s.admin(APPROVE, json!({ "id": scope2 })).await;
    let refused = s
        .admin_error(PROMOTE, json!({ "p": project, "v": 2, "ids": [] }))
        .await;
    assert_eq!(code(&refused), "VALIDATION_FAILED", "{refused}");

    let data = s
        .admin(
            r#"query($l1: ID!, $l2: ID!) {
                project(slug: "promo") {
                    contextVersion
                    logo: context(path: "brand.logo")
                    scope: context(path: "mvp.scope")
                    v1: contextAt(version: 1)
                    v0: contextAt(version: 0)
                    none: contextAt(version: 99)
                    promotions: approvals(action: [PROMOTE]) { totalCount edges { node { contextVersion version { id } } } }
                }
                l1: artifactVersion(id: $l1) { status promoted }
                l2: artifactVersion(id: $l2) { status promoted }
            }"#,
            json!({ "l1": logo1, "l2": logo2 }),
        )
        .await;
    let p = &data["project"];
    assert_eq!(p["contextVersion"], 2);
    assert_eq!(p["logo"], json!({"url": "logo-2.svg"}));
    assert_eq!(p["scope"], json!(["sign-up"]));
    assert_eq!(p["v1"]["brand"]["logo"]["url"], "logo-1.svg");
    assert_eq!(p["v0"], json!({}));
    assert!(p["none"].is_null());
    assert_eq!(p["promotions"]["totalCount"], 3);
    assert_eq!(p["promotions"]["edges"][0]["node"]["contextVersion"], 2);
    assert_eq!(
        data["l1"],
        json!({"status": "SUPERSEDED", "promoted": false})
    );
    assert_eq!(data["l2"], json!({"status": "APPROVED", "promoted": true}));
}

async fn concurrent_promotions_conflict(s: TestServer) {
    let project = s.create_project("promo-race").await;
    for key in ["a", "b", "c"] {
        let v = id(&s
            .create_version(&project, key, json!({ "k": key }), None)
            .await);
        s.admin(APPROVE, json!({ "id": v })).await;
    }
    let promotes = (0..8).map(|_| {
        let (s, project) = (&s, project.clone());
        async move {
            s.post(Some(&s.admin), PROMOTE, json!({ "p": project, "v": 0 }))
                .await
        }
    });
    let results = futures::future::join_all(promotes).await;
    let ok = results
        .iter()
        .filter(|(_, b)| b.get("errors").is_none())
        .count();
    let conflicts = results
        .iter()
        .filter(|(_, b)| b["errors"].get(0).is_some_and(|e| code(e) == "CONFLICT"))
        .count();
    assert_eq!((ok, conflicts), (1, 7), "{results:?}");
    let data = s.admin("{ project(slug: \"promo-race\") { contextVersion context approvals(action: [PROMOTE]) { totalCount } } }", json!({})).await;
    assert_eq!(data["project"]["contextVersion"], 1);
    assert_eq!(
        data["project"]["context"],
        json!({"a": {"k": "a"}, "b": {"k": "b"}, "c": {"k": "c"}})
    );
    assert_eq!(data["project"]["approvals"]["totalCount"], 3);
}

async fn idempotent_mutations(s: TestServer) {
    let project = s.create_project("idem").await;
    let create = "mutation($p: ID!, $value: JSON!, $key: String) { createArtifactVersion(input: {projectId: $p, schemaKey: \"k\", value: $value, idempotencyKey: $key}) { id versionNumber } }";
    let first = s
        .admin(
            create,
            json!({ "p": project, "value": {"a": 1}, "key": "create-1" }),
        )
        .await;
    let again = s
        .admin(
            create,
            json!({ "p": project, "value": {"a": 1}, "key": "create-1" }),
        )
        .await;
    assert_eq!(first, again);
    let (_, body) = s
        .post(
            Some(&s.admin),
            create,
            json!({ "p": project, "value": {"a": 2}, "key": "create-1" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "IDEMPOTENCY_KEY_REUSED");

    // Concurrent twins: one effect, one answer.
    let twins = (0..8).map(|_| {
        let (s, project) = (&s, project.clone());
        async move {
            s.admin(
                create,
                json!({ "p": project, "value": {"b": 1}, "key": "create-2" }),
            )
            .await
        }
    });
    let answers = futures::future::join_all(twins).await;
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    let data = s
        .admin(
            "{ project(slug: \"idem\") { versions { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 2);

    let version = first["createArtifactVersion"]["id"].as_str().unwrap();
    let a = s
        .admin(APPROVE, json!({ "id": version, "key": "approve-1" }))
        .await;
    let b = s
        .admin(APPROVE, json!({ "id": version, "key": "approve-1" }))
        .await;
    assert_eq!(a["approveVersion"]["id"], b["approveVersion"]["id"]);
    assert_eq!(b["approveVersion"]["status"], "APPROVED");

    let p1 = s
        .admin(PROMOTE, json!({ "p": project, "v": 0, "key": "promote-1" }))
        .await;
    let p2 = s
        .admin(PROMOTE, json!({ "p": project, "v": 0, "key": "promote-1" }))
        .await;
    assert_eq!(p1["promote"]["contextVersion"], 1);
    assert_eq!(p2["promote"]["contextVersion"], 1);
    let data = s
        .admin(
            "{ project(slug: \"idem\") { contextVersion approvals { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["contextVersion"], 1);
    assert_eq!(
        data["project"]["approvals"]["totalCount"], 2,
        "one APPROVE and one PROMOTE"
    );

    let start = "mutation($p: ID!) { startRun(input: {projectId: $p, pipeline: \"p\", idempotencyKey: \"run-1\"}) { id } }";
    let r1 = s.admin(start, json!({ "p": project })).await;
    let r2 = s.admin(start, json!({ "p": project })).await;
    assert_eq!(r1, r2);
    // Keys belong to the token that used them.
    let other = s.token("WRITER", None).await;
    let r3 = s.as_token(&other, start, json!({ "p": project })).await;
    assert_ne!(r1, r3);
}

async fn schemas_validate_values(s: TestServer) {
    let project = s.create_project("schemas").await;
    let register = "mutation($key: String!, $schema: JSON!) { registerSchema(input: {schemaKey: $key, jsonSchema: $schema}) { schemaKey version jsonSchema } }";
    let palette = json!({
        "type": "object",
        "required": ["primary"],
        "properties": {
            "primary": { "type": "string", "pattern": "^#[0-9A-Fa-f]{6}$" },
            "shades": { "type": "array", "items": { "type": "integer", "minimum": 0 } }
        }
    });
    let data = s
        .admin(
            register,
            json!({ "key": "brand.palette", "schema": palette }),
        )
        .await;
    assert_eq!(data["registerSchema"]["version"], 1);
    let (_, body) = s
        .post(
            Some(&s.admin),
            register,
            json!({ "key": "brand.palette", "schema": {"type": 12} }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");

    let create = "mutation($value: JSON!, $p: ID!) { createArtifactVersion(input: {projectId: $p, schemaKey: \"brand.palette\", value: $value}) { versionNumber schemaVersion } }";
    let (_, body) = s
        .post(
            Some(&s.admin),
            create,
            json!({ "p": project, "value": {"primary": "blue", "shades": [1, -2]} }),
        )
        .await;
    let err = &body["errors"][0];
    assert_eq!(code(err), "VALIDATION_FAILED", "{body}");
    let pointers: Vec<&str> = err["extensions"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    assert!(
        pointers.contains(&"/primary") && pointers.contains(&"/shades/1"),
        "{pointers:?}"
    );
    let (_, body) = s
        .post(
            Some(&s.admin),
            create,
            json!({ "p": project, "value": {"shades": []} }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");

    let data = s
        .admin(
            create,
            json!({ "p": project, "value": {"primary": "#1F6FEB"} }),
        )
        .await;
    assert_eq!(
        data["createArtifactVersion"],
        json!({"versionNumber": 1, "schemaVersion": 1})
    );

    // A newer schema applies to new versions (the existing one upgraded to it).
    let upgrading = "mutation($key: String!, $schema: JSON!, $up: JSON) { registerSchema(input: {schemaKey: $key, jsonSchema: $schema, upgrade: $up}) { version } }";
    s.admin(upgrading, json!({ "key": "brand.palette", "schema": {"type": "object", "required": ["primary", "accent"]},
        "up": [{ "op": "add", "path": "/accent", "value": "#000000" }] })).await;
    let (_, body) = s
        .post(
            Some(&s.admin),
            create,
            json!({ "p": project, "value": {"primary": "#1F6FEB"} }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");
    let data = s
        .admin(
            create,
            json!({ "p": project, "value": {"primary": "#1F6FEB", "accent": "#F78166"} }),
        )
        .await;
    assert_eq!(
        data["createArtifactVersion"],
        json!({"versionNumber": 2, "schemaVersion": 2})
    );
    let data = s.admin("{ artifactSchema(schemaKey: \"brand.palette\") { version } none: artifactSchema(schemaKey: \"x\") { version } }", json!({})).await;
    assert_eq!(data["artifactSchema"]["version"], 2);
    assert!(data["none"].is_null());
}

async fn diffs_between_versions(s: TestServer) {
    let project = s.create_project("diffs").await;
    let v1 = id(&s
        .create_version(&project, "k", json!({"a": 1, "b": [1]}), None)
        .await);
    s.create_version(&project, "k", json!({"a": 2, "b": [1]}), None)
        .await;
    let v3 = id(&s
        .create_version(&project, "k", json!({"a": 2, "b": [1, 2], "c": true}), None)
        .await);
    let data = s
        .admin("query($v3: ID!, $v1: ID!) { artifactVersion(id: $v3) { diff against: diff(against: $v1) } first: artifactVersion(id: $v1) { diff } }", json!({ "v3": v3, "v1": v1 }))
        .await;
    assert_eq!(
        data["artifactVersion"]["diff"],
        json!([{"op": "add", "path": "/b/1", "value": 2}, {"op": "add", "path": "/c", "value": true}])
    );
    let against = data["artifactVersion"]["against"].as_array().unwrap();
    assert!(against.contains(&json!({"op": "replace", "path": "/a", "value": 2})));
    assert_eq!(
        data["first"]["diff"],
        json!([{"op": "replace", "path": "", "value": {"a": 1, "b": [1]}}])
    );
}
