//! The authoring loop: context entries that say where they came from,
//! generation claims, revisions against a base, annotations that live,
//! idempotent completions and costs that say when they are unknown.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    context_entries_say_where_each_path_came_from,
    generation_claims_hold_until_finished_or_lapsed,
    closing_a_run_ends_its_claims,
    failed_runs_never_reach_the_review_queue,
    revisions_name_their_base,
    annotations_live_under_a_revision,
    two_agents_claiming_one_key,
    two_editors_revising_one_base,
    two_annotators_on_one_revision,
    retried_completions_and_steps,
    costs_say_how_many_runs_had_no_price,
);

const APPROVE: &str = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";
const CHANGES: &str = "mutation($id: ID!, $f: JSON) { requestChanges(input: {versionId: $id, reason: \"almost\", feedback: $f}) { status } }";
const PROMOTE: &str = "mutation($p: ID!, $v: Int!, $ids: [ID!]) { promote(input: {projectId: $p, expectedContextVersion: $v, versionIds: $ids}) { contextVersion } }";
const ENTRIES: &str = "query($prefix: String) { project(slug: \"ctx\") { contextVersion context contextEntries(pathPrefix: $prefix) { path value version { id versionNumber promoted } contextVersion promotedAt promotedBy { name type } } } }";
const CREATE: &str = "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id versionNumber annotations annotationsRevision createdBy { name type } base { id } } }";
const START: &str = "mutation($p: ID!, $k: String!, $r: ID, $l: Int) { startGeneration(input: {projectId: $p, schemaKey: $k, runId: $r, leaseSeconds: $l}) { schemaKey state run { id } holder { name } leaseExpiresAt error updatedAt } }";
const FINISH: &str = "mutation($p: ID!, $k: String!, $e: String) { finishGeneration(input: {projectId: $p, schemaKey: $k, error: $e}) { schemaKey state run { id } holder { name } leaseExpiresAt error } }";
const GENERATION: &str = "query($k: String!) { project(slug: \"gen\") { artifact(schemaKey: $k) { generation { state holder { name } run { id } error leaseExpiresAt } } } }";
const ANNOTATE: &str = "mutation($v: ID!, $a: JSON!, $r: Int!) { setAnnotations(input: {versionId: $v, annotations: $a, expectedRevision: $r}) { id annotations annotationsRevision } }";

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A token of `role` for an actor of `actor_type` named `name`.
async fn token_of(s: &TestServer, name: &str, role: &str, actor_type: &str) -> String {
    let data = s
        .admin(
            "mutation($input: CreateTokenInput!) { createToken(input: $input) { secret } }",
            json!({ "input": { "name": name, "role": role, "actorType": actor_type } }),
        )
        .await;
    data["createToken"]["secret"].as_str().unwrap().to_owned()
}

/// Creates a version as `token`, returning the whole reply.
async fn create(s: &TestServer, token: &str, input: Value) -> Value {
    s.post(Some(token), CREATE, json!({ "input": input }))
        .await
        .1
}

async fn approve(s: &TestServer, version: &str) {
    let data = s.admin(APPROVE, json!({ "id": version })).await;
    assert_eq!(data["approveVersion"]["status"], "APPROVED");
}

async fn context_entries_say_where_each_path_came_from(s: TestServer) {
    let project = s.create_project("ctx").await;
    let promoter = token_of(&s, "Dana", "REVIEWER", "HUMAN").await;
    let logo1 = id(&s
        .create_version(&project, "brand.logo", json!({"url": "logo-1.svg"}), None)
        .await);
    let font = id(&s
        .create_version(&project, "brand.font", json!("Inter"), None)
        .await);
    let scope = id(&s
        .create_version(&project, "mvp.scope", json!(["sign-up"]), None)
        .await);
    for v in [&logo1, &font, &scope] {
        approve(&s, v).await;
    }
    let data = s
        .as_token(&promoter, PROMOTE, json!({ "p": project, "v": 0 }))
        .await;
    assert_eq!(data["promote"]["contextVersion"], 1);

    let data = s.admin(ENTRIES, json!({})).await;
    let entries = &data["project"]["contextEntries"];
    let paths: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["brand.font", "brand.logo", "mvp.scope"]);
    let logo = &entries[1];
    assert_eq!(logo["value"], json!({"url": "logo-1.svg"}));
    assert_eq!(logo["version"]["id"], logo1.as_str());
    assert_eq!(logo["version"]["promoted"], true);
    assert_eq!(logo["contextVersion"], 1);
    assert_eq!(logo["promotedBy"], json!({"name": "Dana", "type": "HUMAN"}));
    assert!(logo["promotedAt"].is_string());

    // Only the prefix and below it, by whole segments.
    let data = s.admin(ENTRIES, json!({ "prefix": "brand" })).await;
    assert_eq!(
        data["project"]["contextEntries"].as_array().unwrap().len(),
        2
    );
    let data = s.admin(ENTRIES, json!({ "prefix": "bran" })).await;
    assert_eq!(data["project"]["contextEntries"], json!([]));
    let data = s.admin(ENTRIES, json!({ "prefix": "mvp.scope" })).await;
    assert_eq!(data["project"]["contextEntries"][0]["path"], "mvp.scope");
    let (_, body) = s
        .post(Some(&s.admin), ENTRIES, json!({ "prefix": "Brand..x" }))
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");

    // A new logo promoted alone: its entry moves on, the others stay.
    let logo2 = id(&s
        .create_version(&project, "brand.logo", json!({"url": "logo-2.svg"}), None)
        .await);
    approve(&s, &logo2).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 1, "ids": [logo2] }))
        .await;
    let data = s.admin(ENTRIES, json!({ "prefix": "brand" })).await;
    let entries = &data["project"]["contextEntries"];
    assert_eq!(entries[0]["path"], "brand.font");
    assert_eq!(entries[0]["contextVersion"], 1);
    assert_eq!(entries[1]["version"]["id"], logo2.as_str());
    assert_eq!(entries[1]["value"], json!({"url": "logo-2.svg"}));
    assert_eq!(entries[1]["contextVersion"], 2);

    // Promoting a parent path replaces what the paths below it put there.
    let brand = id(&s
        .create_version(&project, "brand", json!({"tagline": "Ship it"}), None)
        .await);
    approve(&s, &brand).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 2, "ids": [brand] }))
        .await;
    let data = s.admin(ENTRIES, json!({})).await;
    let p = &data["project"];
    let paths: Vec<&str> = p["contextEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["brand", "mvp.scope"]);
    assert_eq!(p["context"]["brand"], json!({"tagline": "Ship it"}));
    // Every entry's value is what the context holds at its path.
    for e in p["contextEntries"].as_array().unwrap() {
        let mut at = &p["context"];
        for segment in e["path"].as_str().unwrap().split('.') {
            at = &at[segment];
        }
        assert_eq!(at, &e["value"], "{e}");
    }
    // contextAt keeps working.
    let data = s
        .admin(
            "{ project(slug: \"ctx\") { contextAt(version: 1, path: \"brand.logo\") } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["contextAt"], json!({"url": "logo-1.svg"}));
}

async fn generation_claims_hold_until_finished_or_lapsed(s: TestServer) {
    let project = s.create_project("gen").await;
    s.create_version(&project, "brand.logo", json!(1), None)
        .await;
    let agent = token_of(&s, "logo-agent", "WRITER", "AI").await;
    let rival = token_of(&s, "rival-agent", "WRITER", "AI").await;
    let run = s.start_run(&project, "brand").await;

    let data = s
        .as_token(
            &agent,
            START,
            json!({ "p": project, "k": "brand.logo", "r": run }),
        )
        .await;
    let g = &data["startGeneration"];
    assert_eq!(g["state"], "GENERATING");
    assert_eq!(g["holder"]["name"], "logo-agent");
    assert_eq!(g["run"]["id"], run.as_str());
    let lease: chrono::DateTime<chrono::Utc> =
        g["leaseExpiresAt"].as_str().unwrap().parse().unwrap();
    let left = lease - chrono::Utc::now();
    assert!(
        left > chrono::Duration::seconds(590) && left <= chrono::Duration::seconds(600),
        "the default lease is 600 s: {left}"
    );
    let data = s.admin(GENERATION, json!({ "k": "brand.logo" })).await;
    assert_eq!(
        data["project"]["artifact"]["generation"]["state"],
        "GENERATING"
    );

    // A second claim while the lease holds: CONFLICT.
    let (_, body) = s
        .post(
            Some(&rival),
            START,
            json!({ "p": project, "k": "brand.logo" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");
    // Only the holder (or an admin) finishes it.
    let (_, body) = s
        .post(
            Some(&rival),
            FINISH,
            json!({ "p": project, "k": "brand.logo" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");
    let data = s
        .as_token(&agent, FINISH, json!({ "p": project, "k": "brand.logo" }))
        .await;
    assert_eq!(
        data["finishGeneration"],
        json!({"schemaKey": "brand.logo", "state": "IDLE", "run": null, "holder": null, "leaseExpiresAt": null, "error": null})
    );
    let (_, body) = s
        .post(
            Some(&agent),
            FINISH,
            json!({ "p": project, "k": "brand.logo" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "INVALID_TRANSITION", "{body}");

    // A failed generation says why; the key may be claimed again.
    s.as_token(&rival, START, json!({ "p": project, "k": "brand.logo" }))
        .await;
    let data = s
        .as_token(
            &rival,
            FINISH,
            json!({ "p": project, "k": "brand.logo", "e": "the image model timed out" }),
        )
        .await;
    assert_eq!(data["finishGeneration"]["state"], "FAILED");
    assert_eq!(
        data["finishGeneration"]["error"],
        "the image model timed out"
    );
    let data = s.admin(GENERATION, json!({ "k": "brand.logo" })).await;
    let g = &data["project"]["artifact"]["generation"];
    assert_eq!(g["state"], "FAILED");
    assert_eq!(g["holder"]["name"], "rival-agent");

    // A lease that passes returns the key to IDLE by itself.
    let data = s
        .as_token(
            &agent,
            START,
            json!({ "p": project, "k": "brand.logo", "l": 1 }),
        )
        .await;
    assert_eq!(data["startGeneration"]["state"], "GENERATING");
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let data = s.admin(GENERATION, json!({ "k": "brand.logo" })).await;
    assert_eq!(
        data["project"]["artifact"]["generation"],
        json!({"state": "IDLE", "holder": null, "run": null, "error": null, "leaseExpiresAt": null})
    );
    let data = s
        .as_token(&rival, START, json!({ "p": project, "k": "brand.logo" }))
        .await;
    assert_eq!(data["startGeneration"]["holder"]["name"], "rival-agent");
    // The admin may end anyone's claim.
    let data = s
        .admin(FINISH, json!({ "p": project, "k": "brand.logo" }))
        .await;
    assert_eq!(data["finishGeneration"]["state"], "IDLE");

    // Bad claims.
    let other = s.create_project("gen-other").await;
    let foreign_run = s.start_run(&other, "p").await;
    let reader = s.token("READER", None).await;
    for (token, vars, expected) in [
        (
            &agent,
            json!({ "p": project, "k": "x", "l": 0 }),
            "VALIDATION_FAILED",
        ),
        (
            &agent,
            json!({ "p": project, "k": "x", "l": 86401 }),
            "VALIDATION_FAILED",
        ),
        (
            &agent,
            json!({ "p": project, "k": "Bad Key" }),
            "VALIDATION_FAILED",
        ),
        (
            &agent,
            json!({ "p": project, "k": "x", "r": foreign_run }),
            "NOT_FOUND",
        ),
        (&reader, json!({ "p": project, "k": "x" }), "FORBIDDEN"),
    ] {
        let (_, body) = s.post(Some(token), START, vars.clone()).await;
        assert_eq!(code(&body["errors"][0]), expected, "{vars}: {body}");
    }
    let (_, body) = s
        .post(
            Some(&agent),
            FINISH,
            json!({ "p": project, "k": "brand.logo", "e": "  " }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");
}

async fn closing_a_run_ends_its_claims(s: TestServer) {
    let project = s.create_project("gen").await;
    for key in ["a", "b", "c"] {
        s.create_version(&project, key, json!(0), None).await;
    }
    let state = |data: &Value| data["project"]["artifact"]["generation"].clone();
    let close = [
        (
            "a",
            "mutation($r: ID!) { completeRun(input: {runId: $r}) { status } }",
            json!({"state": "IDLE", "holder": null, "run": null, "error": null, "leaseExpiresAt": null}),
        ),
        (
            "b",
            "mutation($r: ID!) { failRun(input: {runId: $r, error: \"out of tokens\"}) { status } }",
            Value::Null,
        ),
        (
            "c",
            "mutation($r: ID!) { cancelRun(input: {runId: $r}) { status } }",
            json!({"state": "IDLE", "holder": null, "run": null, "error": null, "leaseExpiresAt": null}),
        ),
    ];
    for (key, mutation, expected) in close {
        let run = s.start_run(&project, "p").await;
        s.admin(START, json!({ "p": project, "k": key, "r": run }))
            .await;
        s.admin(mutation, json!({ "r": run })).await;
        let data = s.admin(GENERATION, json!({ "k": key })).await;
        if expected.is_null() {
            let g = state(&data);
            assert_eq!(g["state"], "FAILED", "{key}: {g}");
            assert_eq!(g["error"], "out of tokens");
            assert_eq!(g["run"]["id"], run.as_str());
        } else {
            assert_eq!(state(&data), expected, "{key}");
        }
        // The closed run cannot claim again.
        let (_, body) = s
            .post(
                Some(&s.admin),
                START,
                json!({ "p": project, "k": key, "r": run }),
            )
            .await;
        assert_eq!(code(&body["errors"][0]), "INVALID_TRANSITION", "{body}");
    }
}

async fn failed_runs_never_reach_the_review_queue(s: TestServer) {
    let project = s.create_project("failing").await;
    let queue = "{ project(slug: \"failing\") { reviewQueue { totalCount edges { node { id } } } pending: versions(status: [PENDING]) { totalCount } } }";
    let kept = s.start_run(&project, "p").await;
    let kept_version = id(&s.create_version(&project, "k", json!(0), Some(&kept)).await);
    for (close, status) in [
        (
            "mutation($r: ID!) { failRun(input: {runId: $r, error: \"model refused\"}) { status } }",
            "FAILED",
        ),
        (
            "mutation($r: ID!) { cancelRun(input: {runId: $r, reason: \"stopped\"}) { status } }",
            "CANCELLED",
        ),
    ] {
        let run = s.start_run(&project, "p").await;
        let made = id(&s.create_version(&project, "k", json!(1), Some(&run)).await);
        s.admin(close, json!({ "r": run })).await;
        // Its pending version left the queue, rejected with the reason.
        let data = s
            .admin(
                "query($v: ID!) { artifactVersion(id: $v) { status rejectionReason approvals { action reason } } }",
                json!({ "v": made }),
            )
            .await;
        let v = &data["artifactVersion"];
        assert_eq!(v["status"], "REJECTED", "{status}: {v}");
        assert!(
            v["rejectionReason"]
                .as_str()
                .unwrap()
                .contains(&status.to_lowercase()),
            "{v}"
        );
        assert_eq!(v["approvals"][0]["action"], "REJECT");
        // And the run can make no more.
        let (_, body) = s
            .post(
                Some(&s.admin),
                "mutation($p: ID!, $r: ID!) { createArtifactVersion(input: {projectId: $p, schemaKey: \"k\", value: 2, sourceRunId: $r}) { id } }",
                json!({ "p": project, "r": run }),
            )
            .await;
        assert_eq!(
            code(&body["errors"][0]),
            "INVALID_TRANSITION",
            "{status}: {body}"
        );
    }
    let data = s.admin(queue, json!({})).await;
    let p = &data["project"];
    assert_eq!(p["reviewQueue"]["totalCount"], 1, "{data}");
    assert_eq!(
        p["reviewQueue"]["edges"][0]["node"]["id"],
        kept_version.as_str()
    );
    assert_eq!(p["pending"]["totalCount"], 1);
}

async fn revisions_name_their_base(s: TestServer) {
    let project = s.create_project("rev").await;
    let editor = token_of(&s, "Eve", "REVIEWER", "HUMAN").await;
    let v1 = id(&s
        .create_version(&project, "mvp.scope", json!(["a"]), None)
        .await);
    s.admin(CHANGES, json!({ "id": v1, "f": {"add": "b"} }))
        .await;
    // A person edits what the agent made.
    let body = create(
        &s,
        &editor,
        json!({ "projectId": project, "schemaKey": "mvp.scope", "value": ["a", "b"], "baseVersionId": v1 }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let v2 = &body["data"]["createArtifactVersion"];
    assert_eq!(v2["versionNumber"], 2);
    assert_eq!(v2["createdBy"], json!({"name": "Eve", "type": "HUMAN"}));
    assert_eq!(v2["base"]["id"], v1.as_str());
    let v2 = id(v2);

    // A second revision of v1: v2 is newer, so CONFLICT and nothing written.
    let body = create(
        &s,
        &s.admin,
        json!({ "projectId": project, "schemaKey": "mvp.scope", "value": ["a", "c"], "baseVersionId": v1 }),
    )
    .await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");
    let data = s
        .admin(
            "query($v1: ID!) { v1: artifactVersion(id: $v1) { revisions { id versionNumber base { id } } approvals { action feedback } } project(slug: \"rev\") { versions { totalCount } } }",
            json!({ "v1": v1 }),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 2);
    let revisions = &data["v1"]["revisions"];
    assert_eq!(revisions.as_array().unwrap().len(), 1);
    assert_eq!(revisions[0]["id"], v2.as_str());
    // The reviewer sees which feedback the revision answers.
    assert_eq!(data["v1"]["approvals"][0]["feedback"], json!({"add": "b"}));

    // Bad bases; and a reviewer without a base may not create.
    let other = s.create_project("rev-other").await;
    let foreign = id(&s.create_version(&other, "mvp.scope", json!(1), None).await);
    let elsewhere = id(&s.create_version(&project, "brand", json!(1), None).await);
    for (token, input, expected) in [
        (
            &s.admin,
            json!({ "projectId": project, "schemaKey": "mvp.scope", "value": 1, "baseVersionId": foreign }),
            "NOT_FOUND",
        ),
        (
            &s.admin,
            json!({ "projectId": project, "schemaKey": "mvp.scope", "value": 1, "baseVersionId": elsewhere }),
            "VALIDATION_FAILED",
        ),
        (
            &s.admin,
            json!({ "projectId": project, "schemaKey": "mvp.scope", "value": 1, "baseVersionId": "run_0" }),
            "VALIDATION_FAILED",
        ),
        (
            &editor,
            json!({ "projectId": project, "schemaKey": "mvp.scope", "value": 1 }),
            "FORBIDDEN",
        ),
    ] {
        let body = create(&s, token, input.clone()).await;
        assert_eq!(code(&body["errors"][0]), expected, "{input}: {body}");
    }
    let reader = s.token("READER", None).await;
    let body = create(
        &s,
        &reader,
        json!({ "projectId": project, "schemaKey": "mvp.scope", "value": 1, "baseVersionId": v2 }),
    )
    .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
}

async fn annotations_live_under_a_revision(s: TestServer) {
    let project = s.create_project("notes").await;
    let annotator = token_of(&s, "Ann", "REVIEWER", "HUMAN").await;
    let body = create(
        &s,
        &s.admin,
        json!({ "projectId": project, "schemaKey": "brand.palette", "value": ["#fff"], "annotations": {"source": "moodboard"} }),
    )
    .await;
    let v1 = &body["data"]["createArtifactVersion"];
    assert_eq!(v1["annotationsRevision"], 1);
    let v1 = id(v1);

    let data = s
        .as_token(
            &annotator,
            ANNOTATE,
            json!({ "v": v1, "a": {"source": "moodboard", "score": 4}, "r": 1 }),
        )
        .await;
    assert_eq!(
        data["setAnnotations"]["annotations"],
        json!({"source": "moodboard", "score": 4})
    );
    assert_eq!(data["setAnnotations"]["annotationsRevision"], 2);
    // A stale revision: CONFLICT, nothing changes.
    let (_, body) = s
        .post(
            Some(&annotator),
            ANNOTATE,
            json!({ "v": v1, "a": {"lost": true}, "r": 1 }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");

    // Regeneration without annotations inherits the latest's…
    let body = create(
        &s,
        &s.admin,
        json!({ "projectId": project, "schemaKey": "brand.palette", "value": ["#000"] }),
    )
    .await;
    let v2 = &body["data"]["createArtifactVersion"];
    assert_eq!(
        v2["annotations"],
        json!({"source": "moodboard", "score": 4})
    );
    assert_eq!(v2["annotationsRevision"], 1);
    let v2 = id(v2);
    s.as_token(
        &annotator,
        ANNOTATE,
        json!({ "v": v2, "a": {"v2": true}, "r": 1 }),
    )
    .await;
    // …a revision the base's, and explicit ones stay as sent.
    let body = create(
        &s,
        &s.admin,
        json!({ "projectId": project, "schemaKey": "brand.palette", "value": ["#111"], "baseVersionId": v2 }),
    )
    .await;
    assert_eq!(
        body["data"]["createArtifactVersion"]["annotations"],
        json!({"v2": true})
    );
    let body = create(
        &s,
        &s.admin,
        json!({ "projectId": project, "schemaKey": "brand.palette", "value": ["#222"], "annotations": {"fresh": 1} }),
    )
    .await;
    assert_eq!(
        body["data"]["createArtifactVersion"]["annotations"],
        json!({"fresh": 1})
    );
    // Annotations of any JSON; a reader may not set them; a version out of
    // the token's scope is NOT_FOUND.
    let data = s
        .as_token(&annotator, ANNOTATE, json!({ "v": v1, "a": [], "r": 2 }))
        .await;
    assert_eq!(data["setAnnotations"]["annotations"], json!([]));
    assert_eq!(data["setAnnotations"]["annotationsRevision"], 3);
    let reader = s.token("READER", None).await;
    let (_, body) = s
        .post(Some(&reader), ANNOTATE, json!({ "v": v1, "a": {}, "r": 3 }))
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    let other = s.create_project("notes-other").await;
    let scoped = s.token("WRITER", Some(&other)).await;
    let (_, body) = s
        .post(Some(&scoped), ANNOTATE, json!({ "v": v1, "a": {}, "r": 3 }))
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{body}");
}

async fn two_agents_claiming_one_key(s: TestServer) {
    let project = s.create_project("gen").await;
    s.create_version(&project, "brand.logo", json!(0), None)
        .await;
    let mut agents = Vec::new();
    for i in 0..8 {
        agents.push(token_of(&s, &format!("agent-{i}"), "WRITER", "AI").await);
    }
    let claims = agents.iter().map(|token| {
        let (s, project) = (&s, &project);
        async move {
            s.post(
                Some(token),
                START,
                json!({ "p": project, "k": "brand.logo" }),
            )
            .await
            .1
        }
    });
    let answers = futures::future::join_all(claims).await;
    let mut winners = Vec::new();
    for body in &answers {
        match body["errors"].get(0) {
            None => winners.push(body["data"]["startGeneration"]["holder"]["name"].clone()),
            Some(err) => assert_eq!(code(err), "CONFLICT", "{body}"),
        }
    }
    assert_eq!(winners.len(), 1, "{answers:?}");
    let data = s.admin(GENERATION, json!({ "k": "brand.logo" })).await;
    assert_eq!(
        data["project"]["artifact"]["generation"]["holder"]["name"],
        winners[0]
    );
}

async fn two_editors_revising_one_base(s: TestServer) {
    let project = s.create_project("rev").await;
    let base = id(&s
        .create_version(&project, "mvp.scope", json!(0), None)
        .await);
    let mut editors = Vec::new();
    for i in 0..6 {
        editors.push(token_of(&s, &format!("editor-{i}"), "REVIEWER", "HUMAN").await);
    }
    let edits = editors.iter().enumerate().map(|(i, token)| {
        let (s, project, base) = (&s, &project, &base);
        async move {
            create(
                s,
                token,
                json!({ "projectId": project, "schemaKey": "mvp.scope", "value": i, "baseVersionId": base }),
            )
            .await
        }
    });
    let answers = futures::future::join_all(edits).await;
    let mut won = 0;
    for body in &answers {
        match body["errors"].get(0) {
            None => won += 1,
            Some(err) => assert_eq!(code(err), "CONFLICT", "{body}"),
        }
    }
    assert_eq!(won, 1, "{answers:?}");
    let data = s
        .admin(
            "query($b: ID!) { artifactVersion(id: $b) { revisions { versionNumber } } project(slug: \"rev\") { versions { totalCount } } }",
            json!({ "b": base }),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 2);
    assert_eq!(
        data["artifactVersion"]["revisions"],
        json!([{"versionNumber": 2}])
    );
}

async fn two_annotators_on_one_revision(s: TestServer) {
    let project = s.create_project("notes").await;
    let v = id(&s.create_version(&project, "k", json!(0), None).await);
    let mut annotators = Vec::new();
    for i in 0..6 {
        annotators.push(token_of(&s, &format!("annotator-{i}"), "REVIEWER", "HUMAN").await);
    }
    let writes = annotators.iter().enumerate().map(|(i, token)| {
        let (s, v) = (&s, &v);
        async move {
            s.post(
                Some(token),
                ANNOTATE,
                json!({ "v": v, "a": {"by": i}, "r": 1 }),
            )
            .await
            .1
        }
    });
    let answers = futures::future::join_all(writes).await;
    let mut winners = Vec::new();
    for body in &answers {
        match body["errors"].get(0) {
            None => winners.push(body["data"]["setAnnotations"]["annotations"].clone()),
            Some(err) => assert_eq!(code(err), "CONFLICT", "{body}"),
        }
    }
    assert_eq!(winners.len(), 1, "{answers:?}");
    let data = s
        .admin(
            "query($v: ID!) { artifactVersion(id: $v) { annotations annotationsRevision } }",
            json!({ "v": v }),
        )
        .await;
    assert_eq!(data["artifactVersion"]["annotations"], winners[0]);
    assert_eq!(data["artifactVersion"]["annotationsRevision"], 2);
}

async fn retried_completions_and_steps(s: TestServer) {
    let project = s.create_project("retry").await;
    let run = s.start_run(&project, "p").await;
    let step = "mutation($r: ID!, $k: String, $o: Int!) { recordRunStep(input: {runId: $r, order: $o, agentId: \"a\", agentName: \"A\", inputTokens: 10, idempotencyKey: $k}) { id order } }";
    let first = s
        .admin(step, json!({ "r": run, "k": "step-1", "o": 1 }))
        .await;
    let again = s
        .admin(step, json!({ "r": run, "k": "step-1", "o": 1 }))
        .await;
    assert_eq!(first, again);
    let (_, body) = s
        .post(
            Some(&s.admin),
            step,
            json!({ "r": run, "k": "step-1", "o": 2 }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "IDEMPOTENCY_KEY_REUSED", "{body}");

    let complete = "mutation($r: ID!, $k: String, $out: String) { completeRun(input: {runId: $r, output: $out, idempotencyKey: $k}) { id status output completedAt inputTokens } }";
    let done = s
        .admin(complete, json!({ "r": run, "k": "done-1", "out": "ok" }))
        .await;
    assert_eq!(done["completeRun"]["status"], "COMPLETED");
    assert_eq!(done["completeRun"]["inputTokens"], 10);
    // The retry returns the same run, not INVALID_TRANSITION.
    let retried = s
        .admin(complete, json!({ "r": run, "k": "done-1", "out": "ok" }))
        .await;
    assert_eq!(done, retried);
    let (_, body) = s
        .post(
            Some(&s.admin),
            complete,
            json!({ "r": run, "k": "done-1", "out": "other" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "IDEMPOTENCY_KEY_REUSED", "{body}");
    let (_, body) = s
        .post(Some(&s.admin), complete, json!({ "r": run, "out": "ok" }))
        .await;
    assert_eq!(code(&body["errors"][0]), "INVALID_TRANSITION", "{body}");
    let data = s
        .admin(
            "query($r: ID!) { run(id: $r) { steps { order } } }",
            json!({ "r": run }),
        )
        .await;
    assert_eq!(data["run"]["steps"], json!([{"order": 1}]));
}

async fn costs_say_how_many_runs_had_no_price(s: TestServer) {
    let project = s.create_project("unpriced").await;
    let complete = "mutation($p: ID!, $m: String!) { startRun(input: {projectId: $p, pipeline: \"p\", model: $m}) { id } }";
    for model in ["gpt-4o", "house-model", "house-model"] {
        let data = s.admin(complete, json!({ "p": project, "m": model })).await;
        let run = data["startRun"]["id"].as_str().unwrap().to_owned();
        s.admin(
            "mutation($r: ID!) { completeRun(input: {runId: $r, inputTokens: 1000, outputTokens: 100}) { id } }",
            json!({ "r": run }),
        )
        .await;
    }
    // A run that reported no tokens has nothing to price.
    s.start_run(&project, "p").await;
    let data = s
        .admin(
            "{ project(slug: \"unpriced\") { costSummary(groupBy: MODEL) { key runs cost unpricedRuns } all: costSummary(groupBy: PIPELINE) { runs unpricedRuns } } }",
            json!({}),
        )
        .await;
    let p = &data["project"];
    assert_eq!(
        p["costSummary"],
        json!([
            {"key": "gpt-4o", "runs": 2, "cost": "0.0035", "unpricedRuns": 0},
            {"key": "house-model", "runs": 2, "cost": "0", "unpricedRuns": 2}
        ])
    );
    assert_eq!(p["all"], json!([{"runs": 4, "unpricedRuns": 2}]));
}
