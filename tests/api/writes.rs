//! The write side: run lifecycle, version numbering, errors and atomicity.

use serde_json::json;

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    run_transitions,
    unknown_and_malformed_input,
    concurrent_creates_number_without_gaps,
    failed_writes_leave_nothing_behind,
    digests_follow_content,
    approvals_and_promotions_never_deadlock,
);

const COMPLETE: &str = "mutation($id: ID!) { completeRun(input: {runId: $id}) { status } }";
const FAIL: &str = "mutation($id: ID!) { failRun(input: {runId: $id, error: \"model timed out\"}) { status error completedAt } }";
const STEP: &str = "mutation($id: ID!, $order: Int!) { recordRunStep(input: {runId: $id, order: $order, agentId: \"a\", agentName: \"A\"}) { id } }";

async fn run_transitions(s: TestServer) {
    let project = s.create_project("transitions").await;

    let failed = s.start_run(&project, "p").await;
    let data = s.admin(FAIL, json!({ "id": failed })).await;
    assert_eq!(data["failRun"]["status"], "FAILED");
    assert_eq!(data["failRun"]["error"], "model timed out");
    assert!(data["failRun"]["completedAt"].is_string());
    let err = s.admin_error(COMPLETE, json!({ "id": failed })).await;
    assert_eq!(code(&err), "INVALID_TRANSITION", "{err}");
    let err = s.admin_error(FAIL, json!({ "id": failed })).await;
    assert_eq!(code(&err), "INVALID_TRANSITION");

    let completed = s.start_run(&project, "p").await;
    s.record_step(&completed, 1).await;
    let err = s
        .admin_error(STEP, json!({ "id": completed, "order": 1 }))
        .await;
    assert_eq!(code(&err), "CONFLICT", "the same step order twice: {err}");
    s.admin(COMPLETE, json!({ "id": completed })).await;
    let err = s
        .admin_error(STEP, json!({ "id": completed, "order": 2 }))
        .await;
    assert_eq!(code(&err), "INVALID_TRANSITION");
    let err = s.admin_error(COMPLETE, json!({ "id": completed })).await;
    assert_eq!(code(&err), "INVALID_TRANSITION");

    // The refused writes changed nothing.
    let data = s
        .admin(
            "query($id: ID!) { run(id: $id) { status steps { order } } }",
            json!({ "id": completed }),
        )
        .await;
    assert_eq!(data["run"]["status"], "COMPLETED");
    assert_eq!(data["run"]["steps"], json!([{"order": 1}]));
}

async fn unknown_and_malformed_input(s: TestServer) {
    let project = s.create_project("errors").await;
    let unknown_run = "run_00000000000000000000000000000000";
    let err = s.admin_error(COMPLETE, json!({ "id": unknown_run })).await;
    assert_eq!(code(&err), "NOT_FOUND");
    let err = s
        .admin_error(STEP, json!({ "id": unknown_run, "order": 1 }))
        .await;
    assert_eq!(code(&err), "NOT_FOUND");

    let create = "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id } }";
    let err = s
        .admin_error(create, json!({ "input": { "projectId": "prj_00000000000000000000000000000000", "schemaKey": "a", "value": 1 } }))
        .await;
    assert_eq!(code(&err), "NOT_FOUND");
    for bad_key in ["Brand.Logo", "brand..logo", "brand/logo", ""] {
        let err = s
            .admin_error(
                create,
                json!({ "input": { "projectId": project, "schemaKey": bad_key, "value": 1 } }),
            )
            .await;
        assert_eq!(code(&err), "VALIDATION_FAILED", "key {bad_key:?}: {err}");
    }
    let err = s
        .admin_error(create, json!({ "input": { "projectId": project, "schemaKey": "a", "value": 1, "sourceRunId": unknown_run } }))
        .await;
    assert_eq!(code(&err), "NOT_FOUND");
    // An ID of the wrong kind is malformed input.
    let err = s
        .admin_error(create, json!({ "input": { "projectId": project, "schemaKey": "a", "value": 1, "sourceRunId": project } }))
        .await;
    assert_eq!(code(&err), "VALIDATION_FAILED");

    let start = "mutation($input: StartRunInput!) { startRun(input: $input) { id } }";
    let err = s
        .admin_error(start, json!({ "input": { "projectId": project, "pipeline": "p", "parentRunId": unknown_run } }))
        .await;
    assert_eq!(code(&err), "NOT_FOUND");
    let err = s
        .admin_error(
            start,
            json!({ "input": { "projectId": project, "pipeline": "p",
            "inputVersionIds": ["ver_00000000000000000000000000000000"] } }),
        )
        .await;
    assert_eq!(code(&err), "NOT_FOUND");

    let err = s
        .admin_error(
            "mutation { createProject(input: {slug: \"errors\", name: \"again\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
    let err = s
        .admin_error(
            "mutation { createProject(input: {slug: \"Bad Slug\", name: \"x\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&err), "VALIDATION_FAILED");
}

async fn concurrent_creates_number_without_gaps(s: TestServer) {
    let project = s.create_project("concurrent").await;
    let creates = (0..24).map(|i| {
        let s = &s;
        let project = project.clone();
        async move {
            s.create_version(&project, "brand.palette", json!({ "i": i }), None)
                .await
        }
    });
    let results = futures::future::join_all(creates).await;
    let mut numbers: Vec<i64> = results
        .iter()
        .map(|v| v["versionNumber"].as_i64().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=24).collect::<Vec<i64>>());
    let data = s
        .admin("{ project(slug: \"concurrent\") { artifact(schemaKey: \"brand.palette\") { latest { versionNumber } } } }", json!({}))
        .await;
    assert_eq!(data["project"]["artifact"]["latest"]["versionNumber"], 24);
}

async fn failed_writes_leave_nothing_behind(s: TestServer) {
    let project = s.create_project("atomic").await;
    s.create_version(&project, "k", json!(1), None).await;
    // A missing file is found only inside the transaction, after the version
    // number was taken: nothing of the attempt may remain.
    let err = s
        .admin_error(
            "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id } }",
            json!({ "input": { "projectId": project, "schemaKey": "k", "value": 2, "fileIds": ["fil_00000000000000000000000000000000"] } }),
        )
        .await;
    assert_eq!(code(&err), "NOT_FOUND");
    let next = s.create_version(&project, "k", json!(3), None).await;
    assert_eq!(
        next["versionNumber"], 2,
        "a failed create must not use up a number"
    );
    let data = s
        .admin(
            "{ project(slug: \"atomic\") { versions { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 2);
}

async fn digests_follow_content(s: TestServer) {
    let project = s.create_project("digests").await;
    let a = s
        .create_version(&project, "a", json!({"x": 1, "y": [1, 2]}), None)
        .await;
    let b = s
        .create_version(&project, "b", json!({"y": [1, 2], "x": 1}), None)
        .await;
    let c = s
        .create_version(&project, "c", json!({"x": 2, "y": [1, 2]}), None)
        .await;
    assert_eq!(
        a["digest"], b["digest"],
        "key order must not change the digest"
    );
    assert_ne!(a["digest"], c["digest"]);
}

/// Reviewers approving (each approval names its project, a foreign key)
/// while others promote (holding the project row and updating versions):
/// every answer is a result, CONFLICT or INVALID_TRANSITION, never INTERNAL
/// (a deadlock on PostgreSQL before locks were taken in one order and lost
/// races retried).
async fn approvals_and_promotions_never_deadlock(s: TestServer) {
    let project = s.create_project("contended").await;
    let mut ids = Vec::new();
    for round in 0..3 {
        for key in 0..16 {
            let v = s
                .create_version(&project, &format!("k.k{key}"), json!(round), None)
                .await;
            ids.push(v["id"].as_str().unwrap().to_owned());
        }
    }
    let ids = std::sync::Arc::new(std::sync::Mutex::new(ids));
    let approve = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { id } }";
    let promote = "mutation($p: ID!, $e: Int!) { promote(input: {projectId: $p, expectedContextVersion: $e}) { contextVersion } }";
    let read = "query($p: ID!) { node(id: $p) { ... on Project { contextVersion } } }";
    let s = &s;
    let approvers = (0..6).map(|_| {
        let ids = ids.clone();
        async move {
            let mut codes = Vec::new();
            loop {
                let Some(id) = ids.lock().unwrap().pop() else {
                    return codes;
                };
                let (_, body) = s.post(Some(&s.admin), approve, json!({ "id": id })).await;
                if let Some(error) = body["errors"].get(0) {
                    codes.push(code(error).to_owned());
                }
            }
        }
    });
    let promoters = (0..3).map(|_| {
        let project = project.clone();
        async move {
            let mut codes = Vec::new();
            for _ in 0..15 {
                let current = s.admin(read, json!({ "p": project })).await;
                let expected = current["node"]["contextVersion"].clone();
                let (_, body) = s
                    .post(
                        Some(&s.admin),
                        promote,
                        json!({ "p": project, "e": expected }),
                    )
                    .await;
                if let Some(error) = body["errors"].get(0) {
                    codes.push(code(error).to_owned());
                }
            }
            codes
        }
    });
    let (a, p) = tokio::join!(
        futures::future::join_all(approvers),
        futures::future::join_all(promoters)
    );
    let unexpected: Vec<String> = a
        .into_iter()
        .chain(p)
        .flatten()
        .filter(|c| c != "CONFLICT" && c != "INVALID_TRANSITION")
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    let approved = s
        .admin(
            "query($p: ID!) { node(id: $p) { ... on Project { versions(status: [APPROVED]) { totalCount } } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(
        approved["node"]["versions"]["totalCount"], 16,
        "one APPROVED per key"
    );
}
