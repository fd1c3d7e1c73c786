//! Moving a store (issue 36): `quire copy` between SQLite and PostgreSQL and
//! back with every id and event position, backups taken while writes go on,
//! restores, and a copy killed midway that leaves nothing that serves.

use serde_json::{Value, json};

use crate::common::{Backend, TestServer};
use crate::databases::migrated_database;
use crate::live::Ws;
use crate::server_tests;

server_tests!(a_store_copies_to_the_other_backend_and_back,);

const APPROVE: &str = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";

/// What the test compares before and after: ids, numbers, statuses,
/// digests, values, the audit trail, runs with steps and costs, the context.
const READ: &str = "{ projects(first: 2) { totalCount edges { node { id slug contextVersion context
    contextEntries { path value }
    versions(first: 20) { totalCount edges { cursor node { id schemaKey versionNumber status digest value createdAt
        approvals { action actor { id name type } createdAt } files { id sha256 } sourceRun { id } } } }
    runs(first: 5) { edges { node { id status cost inputTokens steps { order agentName cost } } } } } } } }";

/// A store with some of everything, made through the API.
async fn workload(s: &TestServer) -> String {
    let project = s.create_project("moved").await;
    let run = s.start_run(&project, "pipe").await;
    s.record_step(&run, 1).await;
    s.record_step(&run, 2).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let v = s
            .create_version(
                &project,
                &format!("k.k{}", i % 4),
                json!({ "i": i, "word": "stored" }),
                Some(&run),
            )
            .await;
        ids.push(v["id"].clone());
    }
    for id in ids.iter().take(6) {
        s.admin(APPROVE, json!({ "id": id })).await;
    }
    s.admin(
        "mutation($p: ID!) { promote(input: {projectId: $p, expectedContextVersion: 0}) { contextVersion } }",
        json!({ "p": project }),
    )
    .await;
    project
}

/// Times cut to microseconds: PostgreSQL keeps no finer (a copy from SQLite,
/// which keeps nanoseconds, rounds them down; everything else is equal).
fn micros(v: Value) -> Value {
    match v {
        Value::String(s) if s.len() > 30 && s.contains('T') && s.ends_with("+00:00") => {
            let (head, _) = s.split_once('+').unwrap();
            let trimmed = match head.split_once('.') {
                Some((whole, frac)) => format!("{whole}.{}", &frac[..frac.len().min(6)]),
                None => head.to_owned(),
            };
            Value::String(format!("{trimmed}+00:00"))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(micros).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, micros(v))).collect()),
        other => other,
    }
}

async fn copy(from: &str, to: &str) -> quire::transfer::Report {
    let (from, to) = (
        quire::db::Db::connect(from).await.unwrap(),
        quire::db::Db::connect(to).await.unwrap(),
    );
    quire::transfer::copy(&from, &to, |_, _| {}).await.unwrap()
}

/// SQLite to PostgreSQL and back (PostgreSQL to SQLite and back when the
/// test starts on PostgreSQL): every read equal, search and kept counts
/// rebuilt, a subscription resumes from a cursor taken before the copy, the
/// copied tokens authenticate, and a target that is not empty is refused.
async fn a_store_copies_to_the_other_backend_and_back(s: TestServer) {
    let other = match s.backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let project = workload(&s).await;
    let before = s.admin(READ, json!({})).await;
    // A subscriber's cursor, taken before the copy: the fourth event.
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe(
        "v",
        "subscription($p: ID!, $after: String) { versionStatusChanged(projectId: $p, after: $after) { cursor version { id } } }",
        json!({ "p": project }),
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen.push(ws.next_data("v").await["versionStatusChanged"].clone());
    }
    drop(ws);

    let Some((_there_dir, there)) = migrated_database(other).await else {
        eprintln!("skipped: the other backend is not configured");
        return;
    };
    let report = copy(&s.database_url, &there).await;
    assert!(report.rows() > 50, "{report:?}");
    assert!(report.digests_checked >= 1);
    let moved = s.over(other, &there).await;
    assert_eq!(
        micros(moved.admin(READ, json!({})).await),
        micros(before.clone()),
        "every read after the copy"
    );
    let found = moved
        .admin(
            "query($p: ID!) { search(query: \"stored\", projectId: $p) { edges { node { id } } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(
        found["search"]["edges"].as_array().unwrap().len(),
        12,
        "search rebuilt"
    );
    let counted = moved
        .admin("{ project(slug: \"moved\") { versions(status: [APPROVED, SUPERSEDED]) { totalCount } } }", json!({}))
        .await;
    assert_eq!(
        counted["project"]["versions"]["totalCount"], 6,
        "kept counts copied"
    );
    // Resume after the third event: the same fourth, fifth and sixth.
    let mut ws = Ws::connect(&moved, &moved.admin).await;
    ws.subscribe(
        "v",
        "subscription($p: ID!, $after: String) { versionStatusChanged(projectId: $p, after: $after) { cursor version { id } } }",
        json!({ "p": project, "after": seen[2]["cursor"] }),
    )
    .await;
    for expected in &seen[3..] {
        let got = ws.next_data("v").await["versionStatusChanged"].clone();
        assert_eq!(&got, expected);
    }
    drop(ws);
    // New writes after the copy take new, later positions.
    moved
        .create_version(&project, "k.after", json!({ "n": 1 }), None)
        .await;

    // And back again, into a third database of the first backend.
    let Some((_back_dir, back)) = migrated_database(s.backend).await else {
        return;
    };
    copy(&there, &back).await;
    let home = s.over(s.backend, &back).await;
    let after: Value = home.admin(READ, json!({})).await;
    assert_eq!(
        after["projects"]["edges"][0]["node"]["versions"]["totalCount"],
        13
    );
    // A target that holds data is refused.
    let refused = quire::transfer::copy(
        &quire::db::Db::connect(&s.database_url).await.unwrap(),
        &quire::db::Db::connect(&back).await.unwrap(),
        |_, _| {},
    )
    .await;
    assert!(
        matches!(refused, Err(quire::transfer::CopyError::NotEmpty(_))),
        "{refused:?}"
    );
}
