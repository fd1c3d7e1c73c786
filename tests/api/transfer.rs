//! Moving a store (issue 36): `quire copy` between SQLite and PostgreSQL and
//! back with every id and event position, backups taken while writes go on,
//! restores, and a copy killed midway that leaves nothing that serves.

use serde_json::{Value, json};

use crate::common::{Backend, TestServer};
use crate::databases::migrated_database;
use crate::live::Ws;
use crate::{server_tests, storage_tests};

storage_tests!(blobs_copy_to_another_store,);

server_tests!(
    a_store_copies_to_the_other_backend_and_back,
    a_backup_taken_during_writes_restores_every_acknowledged_write,
    a_copy_killed_midway_leaves_nothing_that_serves,
);

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
        // Every timestamp at microseconds, always six digits: PostgreSQL keeps
        // microseconds, and RFC 3339 output drops trailing zeros (a copied
        // .916000123 comes back as .916, which the original prints in full).
        Value::String(s)
            if s.contains('T')
                && let Ok(at) = chrono::DateTime::parse_from_rfc3339(&s) =>
        {
            Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, false))
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

fn quire_cli(args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_quire"));
    cmd.args(args);
    cmd
}

/// A backup taken while a writer goes on holds every write acknowledged
/// before it began, and restores into an empty database.
async fn a_backup_taken_during_writes_restores_every_acknowledged_write(s: TestServer) {
    let project = s.create_project("busy").await;
    let s = std::sync::Arc::new(s);
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (s, acked, stop, project) = (s.clone(), acked.clone(), stop.clone(), project.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let v = s
                    .create_version(&project, &format!("w.k{}", i % 7), json!({ "i": i }), None)
                    .await;
                acked
                    .lock()
                    .unwrap()
                    .push(v["id"].as_str().unwrap().to_owned());
                i += 1;
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before: Vec<String> = acked.lock().unwrap().clone();
    assert!(!before.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.db");
    let out = quire_cli(&[
        "backup",
        file.to_str().unwrap(),
        "--database-url",
        &s.database_url,
    ])
    .output()
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("digests recomputed"));
    // A second backup to the same file is refused.
    let again = quire_cli(&[
        "backup",
        file.to_str().unwrap(),
        "--database-url",
        &s.database_url,
    ])
    .output()
    .unwrap();
    assert!(!again.status.success());

    let Some((_dir, fresh)) = migrated_database(s.backend).await else {
        return;
    };
    let out = quire_cli(&["restore", file.to_str().unwrap(), "--database-url", &fresh])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = s.over(s.backend, &fresh).await;
    for id in &before {
        let found = restored
            .admin(
                "query($id: ID!) { artifactVersion(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            found["artifactVersion"]["id"],
            id.as_str(),
            "{id} was acknowledged before the backup"
        );
    }
}

/// A copy killed midway leaves a target that the server refuses to start
/// on and that `copy` refuses until it is emptied.
async fn a_copy_killed_midway_leaves_nothing_that_serves(s: TestServer) {
    let out = quire_cli(&[
        "seed",
        "--projects",
        "1",
        "--versions-per-project",
        "3000",
        "--runs-per-project",
        "100",
        "--database-url",
        &s.database_url,
    ])
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for delay_ms in [300u64, 600, 1200, 2400] {
        let Some((_dir, target)) = migrated_database(s.backend).await else {
            return;
        };
        let mut child = quire_cli(&["copy", "--from", &s.database_url, "--to", &target])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        let _ = child.kill();
        let _ = child.wait();
        let db = quire::db::Db::connect(&target).await.unwrap();
        if !quire::transfer::unfinished(&db).await.unwrap() {
            continue; // killed before it began, or it finished: try later
        }
        let again = quire_cli(&["copy", "--from", &s.database_url, "--to", &target])
            .output()
            .unwrap();
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("did not finish"));
        let config = quire::config::ServeConfig::with_database(target.clone());
        let served = quire::app::App::new(db, &config).await;
        let Err(refused) = served else {
            panic!("a server started on a half-copied store");
        };
        assert!(refused.to_string().contains("did not finish"), "{refused}");
        return;
    }
    panic!("no copy was caught midway");
}

/// `quire copy --storage-to`: every blob the rows name lands in the other
/// store at its key (a folder to S3 and back, when S3 is configured), and a
/// server over that store serves the same bytes.
async fn blobs_copy_to_another_store(s: TestServer) {
    use quire::storage::ObjectBlobStore;
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let res = s
        .http
        .post(s.url("/files"))
        .bearer_auth(&s.admin)
        .header("content-type", "application/pdf")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scratch = tempfile::tempdir().unwrap();
    let target = match (
        s.storage.folder_path(),
        crate::common::Storage::fresh_s3().await,
    ) {
        (Some(_), Some(s3)) => s3,
        _ => crate::common::Storage::folder(&scratch.path().join("moved")),
    };
    let from = ObjectBlobStore::open_with(&s.storage.url, &s.storage.env).unwrap();
    let to = ObjectBlobStore::open_with(&target.url, &target.env).unwrap();
    let (written, kept) = quire::transfer::copy_blobs(&s.db.conn, &from, &to, |_| {})
        .await
        .unwrap();
    assert_eq!((written, kept), (1, 0));
    let again = quire::transfer::copy_blobs(&s.db.conn, &from, &to, |_| {})
        .await
        .unwrap();
    assert_eq!(again, (0, 1), "a second copy keeps what is there");
    let moved = s
        .sibling(|c| {
            c.storage.storage_url = Some(target.url.clone());
            c.storage.storage_options = target.env.clone();
        })
        .await;
    let got = moved
        .http
        .get(moved.url(&format!("/files/{id}")))
        .bearer_auth(&moved.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), reqwest::StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());
}
