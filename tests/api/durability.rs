//! Running out of space on SQLite, through a size quota (`PRAGMA
//! max_page_count`, QUIRE_SQLITE_MAX_BYTES) and through a real full
//! filesystem (a small tmpfs): every write
//! acknowledged survives a restart, every refused one is absent, `/readyz`
//! says not ready while writes fail, and writes work again once space is
//! back, without a restart.

use std::collections::BTreeSet;

use entity::{ActorType, Role};
use quire::app::Server;
use quire::config::ServeConfig;
use quire::db::{Db, DbOptions};
use quire::domain::projects::tokens::{self, NewToken};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::sync::oneshot;

struct Running {
    base: String,
    http: reqwest::Client,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn serve(url: &str, max_bytes: Option<u64>) -> Running {
    let db = Db::connect_with(
        url,
        &DbOptions {
            sqlite_max_bytes: max_bytes,
        },
    )
    .await
    .expect("connect");
    let mut config = ServeConfig::with_database(url);
    config.database.sqlite_max_bytes = max_bytes;
    let (stop, rx) = oneshot::channel::<()>();
    let server = Server::start_with(db, &config, async {
        let _ = rx.await;
    })
    .await
    .expect("start");
    Running {
        base: format!("http://{}", server.addr),
        http: reqwest::Client::new(),
        stop,
        done: tokio::spawn(server.wait()),
    }
}

impl Running {
    async fn post(&self, token: &str, query: &str, variables: Value) -> Value {
        self.http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON")
    }

    async fn ready(&self) -> StatusCode {
        self.http
            .get(format!("{}/readyz", self.base))
            .send()
            .await
            .unwrap()
            .status()
    }

    /// The `n` of every version of the project, read through the API.
    async fn stored(&self, token: &str) -> BTreeSet<i64> {
        let mut seen = BTreeSet::new();
        let mut after: Option<String> = None;
        loop {
            let body = self
                .post(
                    token,
                    "query($after: String) { project(slug: \"disk\") { versions(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { value } } } } }",
                    json!({ "after": after }),
                )
                .await;
            let page = &body["data"]["project"]["versions"];
            for edge in page["edges"].as_array().expect("a page") {
                seen.insert(edge["node"]["value"]["n"].as_i64().unwrap());
            }
            if page["pageInfo"]["hasNextPage"] != true {
                return seen;
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.done.await.unwrap().unwrap();
    }
}

const CREATE: &str =
    "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id } }";

/// Attempts a version holding `n`; true when acknowledged.
async fn attempt(server: &Running, token: &str, project: &str, n: i64) -> bool {
    let body = server
        .post(
            token,
            CREATE,
            json!({ "input": { "projectId": project, "schemaKey": format!("k{}", n % 7),
                "value": { "n": n, "pad": "x".repeat(3000) } } }),
        )
        .await;
    match body["errors"][0]["extensions"]["code"].as_str() {
        None => {
            assert!(
                body["data"]["createArtifactVersion"]["id"].is_string(),
                "{body}"
            );
            true
        }
        Some(code) => {
            assert_eq!(code, "UNAVAILABLE", "{body}");
            false
        }
    }
}

/// How the test runs out of space, and frees it again.
enum Disk {
    /// A size quota (`PRAGMA max_page_count`) over ballast rows: SQLite
    /// refuses to grow the file, at the statement that needs a new page.
    Quota,
    /// A real 6 MiB filesystem (tmpfs) over a ballast file: the write of the
    /// WAL fails, at COMMIT, as on a full disk.
    Tmpfs,
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Mount(std::path::PathBuf);

impl Mount {
    fn tiny() -> Option<Mount> {
        let path =
            std::env::temp_dir().join(format!("quire-disk-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path).ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=6m", "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            let _ = std::fs::remove_dir(&path);
            return None;
        }
        Some(Mount(path))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Lazily: the servers' pools may still hold the database open.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn size_quota_on_sqlite_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    out_of_space(dir.path(), Disk::Quota).await;
}

/// Needs permission to mount a tmpfs (root, as in CI); says so otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn full_disk_on_sqlite_loses_no_acknowledged_write() {
    let Some(mount) = Mount::tiny() else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    out_of_space(&mount.0, Disk::Tmpfs).await;
}

async fn out_of_space(dir: &std::path::Path, disk: Disk) {
    let url = format!("sqlite://{}?mode=rwc", dir.join("quire.db").display());
    let ballast_file = dir.join("ballast");
    let setup = Db::connect(&url).await.unwrap();
    setup.migrate().await.unwrap();
    let (_, admin) = tokens::create(
        &setup.conn,
        NewToken {
            name: "admin".into(),
            role: Role::Admin,
            actor_type: ActorType::Human,
            project_id: None,
            actor_id: None,
        },
    )
    .await
    .unwrap();
    let quota = match disk {
        Disk::Quota => {
            // Ballast the operator can free later: 512 KiB of rows.
            setup
                .conn
                .execute_unprepared("CREATE TABLE ballast (b BLOB)")
                .await
                .unwrap();
            setup
                .conn
                .execute_unprepared("INSERT INTO ballast VALUES (zeroblob(524288))")
                .await
                .unwrap();
            let pages = setup
                .conn
                .query_one_raw(Statement::from_string(
                    setup.backend(),
                    "SELECT page_count FROM pragma_page_count()",
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap() as u64;
            // Room for a few dozen versions, then the quota is reached.
            Some((pages + 60) * 4096)
        }
        Disk::Tmpfs => {
            // Fill the filesystem but for ~1 MiB, with a file to delete later.
            let free = 6 * 1024 * 1024 - dir_bytes(dir);
            std::fs::write(&ballast_file, vec![0u8; (free - 1024 * 1024) as usize]).unwrap();
            None
        }
    };
    setup.conn.close().await.unwrap();

    let server = serve(&url, quota).await;
    let project = server
        .post(
            &admin,
            "mutation { createProject(input: { slug: \"disk\", name: \"Disk\" }) { id } }",
            json!({}),
        )
        .await["data"]["createProject"]["id"]
        .as_str()
        .expect("a project")
        .to_owned();
    assert_eq!(server.ready().await, StatusCode::OK);

    let mut acknowledged = BTreeSet::new();
    let mut refused = BTreeSet::new();
    let mut n = 0;
    while refused.len() < 30 {
        n += 1;
        assert!(n < 2_000, "the disk never filled");
        if attempt(&server, &admin, &project, n).await {
            acknowledged.insert(n);
        } else {
            refused.insert(n);
        }
    }
    assert!(acknowledged.len() > 5, "{acknowledged:?}");
    assert_eq!(server.ready().await, StatusCode::SERVICE_UNAVAILABLE);
    // Every read, on whichever pooled connection, sees exactly the
    // acknowledged writes.
    for _ in 0..8 {
        assert_eq!(server.stored(&admin).await, acknowledged);
    }

    // The operator frees space: writes work again, with no restart.
    match disk {
        Disk::Quota => {
            let operator = Db::connect(&url).await.unwrap();
            operator
                .conn
                .execute_unprepared("DELETE FROM ballast")
                .await
                .unwrap();
            operator.conn.close().await.unwrap();
        }
        Disk::Tmpfs => std::fs::remove_file(&ballast_file).unwrap(),
    }
    n += 1;
    assert!(
        attempt(&server, &admin, &project, n).await,
        "writes did not resume once space was back"
    );
    acknowledged.insert(n);
    assert_eq!(server.ready().await, StatusCode::OK);
    server.stop().await;

    // After a restart: every acknowledged write, no refused one.
    let server = serve(&url, None).await;
    let stored = server.stored(&admin).await;
    assert_eq!(stored, acknowledged);
    assert!(stored.is_disjoint(&refused));
    assert!(attempt(&server, &admin, &project, n + 1).await);
    server.stop().await;
}

/// Bytes the files directly in `dir` take.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// One value read through the request connections, as text.
async fn read_one(db: &Db, sql: &str) -> Result<String, sea_orm::DbErr> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(db.backend(), sql))
        .await?
        .expect("a row");
    row.try_get_by_index::<String>(0)
}

/// Reads outside a transaction hand their connection back without a ping
/// (`db::statement_pool`): a read whose caller stopped waiting midway, or
/// that failed, must not leave a connection that answers the next read
/// wrongly; a clean one is reused.
async fn abandoned_and_failed_reads_spoil_no_connection(backend: crate::common::Backend) {
    let Some((_scratch, url)) = crate::databases::migrated_database(backend).await else {
        eprintln!("skipped: QUIRE_TEST_DATABASE_URL is not set");
        return;
    };
    let db = Db::connect(&url).await.unwrap();
    let postgres = backend == crate::common::Backend::Postgres;
    let (slow, failing, whoami) = match postgres {
        true => (
            "SELECT pg_sleep(2)::text || 'slept'",
            "SELECT (1 / (SELECT count(*) - count(*) FROM projects))::text",
            "SELECT pg_backend_pid()::text",
        ),
        false => (
            // A recursive count long enough to be cut off midway.
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000000) SELECT count(*) || 'counted' FROM c",
            "SELECT abs(-9223372036854775807 - 1) || ''",
            "SELECT 'one'",
        ),
    };
    // Every connection of the pool starts a read and is abandoned midway.
    let abandoned = (0..25)
        .map(|_| tokio::time::timeout(std::time::Duration::from_millis(50), read_one(&db, slow)));
    for outcome in futures::future::join_all(abandoned).await {
        assert!(outcome.is_err(), "the slow read was cut off: {outcome:?}");
    }
    // A read that fails in the database.
    assert!(read_one(&db, failing).await.is_err());
    // Every connection answers its own read next, at once and in turn.
    let reads = (0..40).map(|i| {
        let db = db.clone();
        async move { read_one(&db, &format!("SELECT '{i}'")).await }
    });
    let answers = futures::future::join_all(reads).await;
    for (i, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.unwrap(), i.to_string());
    }
    // Read after read, one connection serves.
    let first = read_one(&db, whoami).await.unwrap();
    for _ in 0..5 {
        assert_eq!(read_one(&db, whoami).await.unwrap(), first);
    }
}

crate::each_backend!(abandoned_and_failed_reads_spoil_no_connection, |backend| {
    std::future::ready(Some(backend))
});
