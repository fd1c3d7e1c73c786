//! Retention: old REJECTED and SUPERSEDED values move to the object store
//! (still readable, same digest), old run and step outputs are dropped;
//! promoted, APPROVED and latest values never move; dry runs change nothing;
//! re-runs are idempotent; a run killed midway loses nothing.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::common::TestServer;
use crate::storage_tests;

storage_tests!(
    retention_archives_old_values_and_keeps_them_readable,
    a_killed_retention_run_loses_nothing,
    retention_refuses_another_store_and_a_lost_archive_is_unavailable,
);

const APPROVE: &str = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";
const REJECT: &str = "mutation($id: ID!) { rejectVersion(input: {versionId: $id}) { status } }";
const SET: &str = "mutation($p: ID!, $r: Int, $s: Int, $o: Int) { setRetentionPolicy(input: {projectId: $p, rejectedDays: $r, supersededDays: $s, runOutputDays: $o}) { rejectedDays supersededDays runOutputDays } }";
const VERSIONS: &str = "{ project(slug: \"p\") { versions(first: 100) { edges { node { id schemaKey versionNumber status archived digest value promoted } } } } }";

/// Runs `quire retention` on the server's database and storage; its report.
fn retention(s: &TestServer, dry_run: bool) -> String {
    let mut cmd = s.quire(&["retention"]);
    if dry_run {
        cmd.arg("--dry-run");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every version of project `p` by id.
async fn versions(s: &TestServer) -> HashMap<String, Value> {
    let data = s.admin(VERSIONS, json!({})).await;
    data["project"]["versions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().unwrap().to_owned(),
                e["node"].clone(),
            )
        })
        .collect()
}

async fn decide(s: &TestServer, query: &str, v: &Value) {
    s.admin(query, json!({ "id": v["id"] })).await;
}

async fn retention_archives_old_values_and_keeps_them_readable(s: TestServer) {
    let project = s.create_project("p").await;
    let run = s.start_run(&project, "p").await;
    s.record_step(&run, 1).await;
    s.admin(
        "mutation($r: ID!) { recordRunStep(input: {runId: $r, order: 2, agentId: \"a\", agentName: \"A\", output: \"step output\"}) { id } }",
        json!({ "r": run }),
    )
    .await;
    s.admin(
        "mutation($r: ID!) { completeRun(input: {runId: $r, output: \"run output\"}) { id } }",
        json!({ "r": run }),
    )
    .await;
    // Per key: v1 SUPERSEDED, v2 APPROVED, v3 REJECTED, v4 PENDING (the latest).
    for key in ["brand.logo", "mvp.scope"] {
        let mut made = Vec::new();
        for n in 1..=4 {
            made.push(
                s.create_version(
                    &project,
                    key,
                    json!({ "key": key, "n": n, "text": "x".repeat(500) }),
                    None,
                )
                .await,
            );
        }
        decide(&s, APPROVE, &made[0]).await;
        decide(&s, APPROVE, &made[1]).await;
        decide(&s, REJECT, &made[2]).await;
    }
    // A superseded value still in the context, and a rejected version that is its key's latest.
    let ctx1 = s
        .create_version(&project, "ctx.a", json!({ "in": "context" }), None)
        .await;
    decide(&s, APPROVE, &ctx1).await;
    s.admin("mutation($p: ID!) { promote(input: {projectId: $p, expectedContextVersion: 0}) { contextVersion } }", json!({ "p": project }))
        .await;
    let ctx2 = s
        .create_version(&project, "ctx.a", json!({ "in": "next" }), None)
        .await;
    decide(&s, APPROVE, &ctx2).await;
    let only = s
        .create_version(&project, "risk.log", json!({ "only": true }), None)
        .await;
    decide(&s, REJECT, &only).await;

    let set = s
        .admin(SET, json!({ "p": project, "r": 0, "s": 0, "o": 0 }))
        .await;
    assert_eq!(
        set["setRetentionPolicy"],
        json!({ "rejectedDays": 0, "supersededDays": 0, "runOutputDays": 0 })
    );
    let before = versions(&s).await;

    let dry = retention(&s, true);
    assert!(dry.contains("would archive 4 version value(s)"), "{dry}");
    assert!(
        dry.contains("drop 1 run output(s) and 1 step output(s)"),
        "{dry}"
    );
    assert_eq!(versions(&s).await, before, "a dry run changes nothing");

    let done = retention(&s, false);
    assert!(done.contains("did archive 4 version value(s)"), "{done}");
    assert!(
        done.contains("drop 1 run output(s) and 1 step output(s)"),
        "{done}"
    );
    let after = versions(&s).await;
    for (id, was) in &before {
        let now = &after[id];
        assert_eq!(now["value"], was["value"], "{id}: the value reads back");
        assert_eq!(now["digest"], was["digest"], "{id}: the digest stays");
        let movable = (was["status"] == "REJECTED" || was["status"] == "SUPERSEDED")
            && was["promoted"] == false
            && was["schemaKey"] != "risk.log";
        assert_eq!(now["archived"], movable, "{id}: {was}");
    }
    assert_eq!(
        after[ctx1["id"].as_str().unwrap()]["archived"],
        false,
        "in the context"
    );
    let outputs = s
        .admin(
            "query($r: ID!) { run(id: $r) { output steps { output } } }",
            json!({ "r": run }),
        )
        .await;
    assert_eq!(
        outputs["run"],
        json!({ "output": null, "steps": [{ "output": null }, { "output": null }] })
    );
    // Archived values still serve diffs, and search no longer finds them.
    let v1 = after
        .values()
        .find(|v| v["schemaKey"] == "brand.logo" && v["versionNumber"] == 2)
        .unwrap();
    let diff = s
        .admin(
            "query($id: ID!) { artifactVersion(id: $id) { diff } }",
            json!({ "id": v1["id"] }),
        )
        .await;
    assert_eq!(
        diff["artifactVersion"]["diff"],
        json!([{ "op": "replace", "path": "/n", "value": 2 }])
    );
    // Run again: nothing left to do.
    let again = retention(&s, false);
    assert!(again.contains("did archive 0 version value(s)"), "{again}");
    assert_eq!(versions(&s).await, after);
    let policy = s
        .admin(
            "{ project(slug: \"p\") { retention { rejectedDays } } }",
            json!({}),
        )
        .await;
    assert_eq!(policy["project"]["retention"]["rejectedDays"], 0);
}

async fn a_killed_retention_run_loses_nothing(s: TestServer) {
    let project = s.create_project("p").await;
    for k in 0..30 {
        let key = format!("bulk.k{k}");
        let a = s
            .create_version(
                &project,
                &key,
                json!({ "k": k, "n": 1, "pad": "y".repeat(2000) }),
                None,
            )
            .await;
        decide(&s, APPROVE, &a).await;
        let b = s
            .create_version(&project, &key, json!({ "k": k, "n": 2 }), None)
            .await;
        decide(&s, APPROVE, &b).await;
        s.create_version(&project, &key, json!({ "k": k, "n": 3 }), None)
            .await;
    }
    s.admin(SET, json!({ "p": project, "s": 0 })).await;
    let before = versions(&s).await;
    for delay_ms in [5u64, 40] {
        let mut child = s
            .quire(&["retention"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        // Wherever it stopped, every value reads back as it was.
        let now = versions(&s).await;
        for (id, was) in &before {
            assert_eq!(
                now[id]["value"], was["value"],
                "{id} after a kill at {delay_ms} ms"
            );
            assert_eq!(now[id]["digest"], was["digest"]);
        }
    }
    let done = retention(&s, false);
    assert!(done.contains("did archive"), "{done}");
    let after = versions(&s).await;
    let archived = after.values().filter(|v| v["archived"] == true).count();
    assert_eq!(archived, 30, "every superseded value, and nothing else");
    for (id, was) in &before {
        assert_eq!(after[id]["value"], was["value"], "{id}");
        assert_eq!(after[id]["archived"], was["status"] == "SUPERSEDED", "{id}");
    }
}

/// `quire retention` given another file store than the server's would
/// archive values the server cannot read back: it refuses. And a value
/// whose archive is gone answers UNAVAILABLE saying so, never INTERNAL.
async fn retention_refuses_another_store_and_a_lost_archive_is_unavailable(s: TestServer) {
    use quire::storage::BlobStore;
    use sea_orm::{ConnectionTrait, Statement};
    let project = s.create_project("p").await;
    let a = s
        .create_version(&project, "k", json!({ "n": 1 }), None)
        .await;
    decide(&s, APPROVE, &a).await;
    let b = s
        .create_version(&project, "k", json!({ "n": 2 }), None)
        .await;
    decide(&s, APPROVE, &b).await;
    s.admin(SET, json!({ "p": project, "s": 0 })).await;

    let elsewhere = tempfile::tempdir().unwrap();
    let out = s
        .quire(&["retention"])
        .env("QUIRE_STORAGE_URL", elsewhere.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("keeps files at"), "{said}");
    assert!(
        versions(&s).await.values().all(|v| v["archived"] == false),
        "nothing moved"
    );

    retention(&s, false);
    let archived = versions(&s).await[a["id"].as_str().unwrap()].clone();
    assert_eq!(archived["archived"], true, "{archived}");
    let row =
        s.db.conn
            .query_one_raw(Statement::from_string(
                s.db.conn.get_database_backend(),
                "SELECT archived_key FROM artifact_versions WHERE archived_key IS NOT NULL",
            ))
            .await
            .unwrap()
            .unwrap();
    let key: String = row.try_get("", "archived_key").unwrap();
    s.storage.open().delete(&key).await.unwrap();
    let (_, body) = s
        .post(
            Some(&s.admin),
            "query($id: ID!) { artifactVersion(id: $id) { digest value } }",
            json!({ "id": a["id"] }),
        )
        .await;
    let error = &body["errors"][0];
    assert_eq!(crate::common::code(error), "UNAVAILABLE", "{body}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("archived value"),
        "{body}"
    );
}
