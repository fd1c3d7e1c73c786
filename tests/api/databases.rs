//! Test databases, migrated once per run and copied for each test.
//!
//! PostgreSQL: the first test that needs a database creates
//! `{base}_tmpl_{run}` beside the database QUIRE_TEST_DATABASE_URL names
//! (`{base}`) and migrates it; every test then gets its own
//! `CREATE DATABASE {base}_t{id} TEMPLATE {base}_tmpl_{run}`, a copy of
//! files instead of every migration's statements. Both names start with
//! `{base}_t`, which `.ci/run` drops after its run. A test's database is
//! dropped when the test passes (a failed one's is kept to look into), so
//! a run leaves its template and little else. The statements go over a few
//! connections kept for the whole run, on a runtime of their own.
//!
//! SQLite: one migrated file, read into memory once and written out as each
//! test's database file.
//!
//! A test that exercises the migrations themselves asks for an empty
//! database (`fresh_database`) instead.

use std::sync::LazyLock;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::OnceCell;

use crate::common::Backend;

/// QUIRE_TEST_DATABASE_URL, split into the server part, the database name
/// and the query string (`?…`, or empty); None when it is not set.
fn postgres_base() -> Option<(String, String, String)> {
    let base = std::env::var("QUIRE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let (server, rest) = base
        .rsplit_once('/')
        .expect("QUIRE_TEST_DATABASE_URL ends in /DATABASE");
    let (name, query) = match rest.split_once('?') {
        Some((name, query)) => (name, format!("?{query}")),
        None => (rest, String::new()),
    };
    Some((server.to_owned(), name.to_owned(), query))
}

/// A name no other database of this or any concurrent run has.
fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()[20..].to_owned()
}

/// The runtime that makes and drops PostgreSQL databases: one for the whole
/// run, where each test has its own (a pool cannot outlive the runtime it
/// was made on, and connecting costs more than a statement).
fn factory() -> &'static tokio::runtime::Runtime {
    static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("test-databases")
            .enable_all()
            .build()
            .expect("a runtime for the test databases")
    });
    &RUNTIME
}

/// Runs `statement` on the factory, over a few connections to the database
/// QUIRE_TEST_DATABASE_URL names, kept for the whole run.
async fn administer(statement: String) -> Result<(), sea_orm::DbErr> {
    static ADMIN: OnceCell<DatabaseConnection> = OnceCell::const_new();
    let admin = ADMIN
        .get_or_init(|| async {
            let (server, base, query) = postgres_base().expect("QUIRE_TEST_DATABASE_URL is set");
            let mut options = sea_orm::ConnectOptions::new(format!("{server}/{base}{query}"));
            options.max_connections(4).sqlx_logging(false);
            Database::connect(options)
                .await
                .expect("connect to QUIRE_TEST_DATABASE_URL")
        })
        .await;
    admin.execute_unprepared(&statement).await.map(|_| ())
}

/// `CREATE DATABASE "name"`, with `TEMPLATE "template"` if any; returns the
/// new database's URL.
async fn create_postgres_database(name: String, template: Option<String>) -> String {
    let template = template.map_or(String::new(), |t| format!(" TEMPLATE \"{t}\""));
    administer(format!("CREATE DATABASE \"{name}\"{template}"))
        .await
        .expect("create a test database");
    let (server, _, query) = postgres_base().expect("QUIRE_TEST_DATABASE_URL is set");
    format!("{server}/{name}{query}")
}

/// Runs every migration on `url` over one connection, then closes it.
async fn migrate(url: &str) {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    let conn = Database::connect(options)
        .await
        .expect("connect to the template");
    Migrator::up(&conn, None)
        .await
        .expect("migrate the template");
    conn.close().await.expect("close the template");
}

/// A new PostgreSQL database beside QUIRE_TEST_DATABASE_URL's, a copy of
/// this run's migrated template when `migrated`, else empty: its URL and
/// name; None when PostgreSQL is not configured.
async fn postgres_database(migrated: bool) -> Option<(String, String)> {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    let (_, base, _) = postgres_base()?;
    let name = format!("{base}_t{}", unique());
    Some(
        factory()
            .spawn(async move {
                let template = if migrated {
                    let template = TEMPLATE
                        .get_or_init(|| async {
                            let name = format!("{base}_tmpl_{}", unique());
                            // PostgreSQL copies no database that has a
                            // connection open: `migrate` closes its own.
                            migrate(&create_postgres_database(name.clone(), None).await).await;
                            name
                        })
                        .await;
                    Some(template.clone())
                } else {
                    None
                };
                (create_postgres_database(name.clone(), template).await, name)
            })
            .await
            .expect("the test database factory"),
    )
}

/// The bytes of a migrated SQLite database file, made on first use.
async fn sqlite_template() -> &'static [u8] {
    static TEMPLATE: OnceCell<Vec<u8>> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let path = dir.path().join("template.db");
            let url = format!("sqlite://{}?mode=rwc", path.display());
            // Closed, the file holds everything (no write-ahead log is left).
            migrate(&url).await;
            std::fs::read(&path).expect("read the template")
        })
        .await
}

/// The URL of a SQLite file in `dir`.
fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("quire.db").display()
    )
}

/// A test's scratch space: a temporary folder (with the SQLite database, if
/// any) and, on PostgreSQL, the test's database, dropped when the test is
/// done with it. A failed test's database is kept, to look into.
pub struct Scratch {
    dir: tempfile::TempDir,
    database: Option<String>,
}

impl Scratch {
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(name) = self.database.take()
            && !std::thread::panicking()
        {
            // Not awaited: the test is over. FORCE ends the connections its
            // servers may still hold while they shut down.
            factory().spawn(async move {
                if let Err(err) = administer(format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await
                {
                    eprintln!("could not drop the test database {name}: {err}");
                }
            });
        }
    }
}

/// Scratch space and the URL of a new, empty database of `backend` (a
/// SQLite file in the folder); None when PostgreSQL is not configured.
pub async fn fresh_database(backend: Backend) -> Option<(Scratch, String)> {
    new_database(backend, false).await
}

/// `fresh_database`, with every migration applied: a copy of this run's
/// template.
pub async fn migrated_database(backend: Backend) -> Option<(Scratch, String)> {
    new_database(backend, true).await
}

async fn new_database(backend: Backend, migrated: bool) -> Option<(Scratch, String)> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (url, database) = match backend {
        Backend::Sqlite => {
            if migrated {
                std::fs::write(dir.path().join("quire.db"), sqlite_template().await)
                    .expect("write the test database");
            }
            (sqlite_url(&dir), None)
        }
        Backend::Postgres => {
            let (url, name) = postgres_database(migrated).await?;
            (url, Some(name))
        }
    };
    Some((Scratch { dir, database }, url))
}

/// The server's own startup migration finds nothing to do on a copy, and
/// each test's copy is its own: what one test writes, the next never sees.
async fn copies_are_migrated_and_separate(backend: Backend) {
    let Some((_a, first)) = migrated_database(backend).await else {
        eprintln!("skipped: QUIRE_TEST_DATABASE_URL is not set");
        return;
    };
    let (_b, second) = migrated_database(backend).await.unwrap();
    let first = quire::db::Db::connect(&first).await.unwrap();
    let pending = Migrator::get_pending_migrations(&first.conn).await.unwrap();
    assert!(
        pending.is_empty(),
        "pending on a copy: {:?}",
        pending
            .iter()
            .map(|m| m.name().to_owned())
            .collect::<Vec<_>>()
    );
    let applied: Vec<String> = Migrator::get_applied_migrations(&first.conn)
        .await
        .unwrap()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let all: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(applied, all);

    let admin = quire::domain::projects::tokens::NewToken {
        name: "first".into(),
        role: entity::Role::Admin,
        actor_type: entity::ActorType::Human,
        project_id: None,
        actor_id: None,
    };
    quire::domain::projects::tokens::create(&first.conn, admin)
        .await
        .unwrap();
    let second = quire::db::Db::connect(&second).await.unwrap();
    let names = |tokens: Vec<entity::api_token::Model>| -> Vec<String> {
        tokens.into_iter().map(|t| t.name).collect()
    };
    let in_first = quire::domain::projects::tokens::list(&first.conn)
        .await
        .unwrap();
    let in_second = quire::domain::projects::tokens::list(&second.conn)
        .await
        .unwrap();
    assert_eq!(names(in_first), ["first"]);
    assert_eq!(names(in_second), Vec::<String>::new());
}

// The test makes its own databases (and skips PostgreSQL when it is not
// configured): it is given only the backend.
crate::each_backend!(copies_are_migrated_and_separate, |backend| {
    std::future::ready(Some(backend))
});
