//! The test harness: a real Quire server on an ephemeral port, over a fresh
//! migrated database (a SQLite file in a temporary folder, or a new PostgreSQL
//! database on the server that QUIRE_TEST_DATABASE_URL points at; see
//! `databases`), and a real HTTP client.
#![allow(dead_code)]

use std::time::Duration;

use entity::{ActorType, Role};
use quire::app::Server;
use quire::config::ServeConfig;
use quire::db::Db;
use quire::domain::tokens::{self, NewToken};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use crate::databases::{fresh_database, migrated_database};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test server's file blobs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// A folder in the test's temporary folder.
    Folder,
    /// A fresh bucket on the S3-compatible server QUIRE_TEST_S3_ENDPOINT names.
    S3,
}

/// A test server's blob store, as `quire` is told of it.
#[derive(Debug, Clone)]
pub struct Storage {
    /// QUIRE_STORAGE_URL: a folder, or s3://bucket/prefix.
    pub url: String,
    /// The AWS_* settings of an S3 store (none for a folder): options for a
    /// server in this process, the environment of a `quire` child process.
    pub env: Vec<(String, String)>,
}

impl Storage {
    pub fn folder(path: &std::path::Path) -> Storage {
        Storage {
            url: path.display().to_string(),
            env: Vec::new(),
        }
    }

    /// A new, empty bucket on the S3-compatible server at
    /// QUIRE_TEST_S3_ENDPOINT (moto in CI); None when that is not set.
    pub async fn fresh_s3() -> Option<Storage> {
        let endpoint = std::env::var("QUIRE_TEST_S3_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())?;
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let bucket = format!("quire-t{}", uuid::Uuid::now_v7().simple());
        // moto checks no signatures: a plain PUT Bucket makes one.
        let res = reqwest::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .expect("the S3 server at QUIRE_TEST_S3_ENDPOINT answers");
        assert!(res.status().is_success(), "create bucket {bucket}: {res:?}");
        Some(Storage::s3(&endpoint, &format!("{bucket}/quire")))
    }

    /// `s3://{path}` at `endpoint`, with moto's test credentials.
    pub fn s3(endpoint: &str, path: &str) -> Storage {
        let env = [
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ALLOW_HTTP", "true"),
        ];
        Storage {
            url: format!("s3://{path}"),
            env: env
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// The folder, for a folder store.
    pub fn folder_path(&self) -> Option<std::path::PathBuf> {
        (!self.url.contains("://")).then(|| self.url.clone().into())
    }

    /// The store, opened as the server opens it.
    pub fn open(&self) -> quire::storage::ObjectBlobStore {
        quire::storage::ObjectBlobStore::open_with(&self.url, &self.env).expect("open the store")
    }
}

pub struct TestServer {
    pub backend: Backend,
    pub base: String,
    pub database_url: String,
    /// Where file blobs go.
    pub storage: Storage,
    pub admin: String,
    pub http: reqwest::Client,
    pub db: Db,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// Runs one async test body against SQLite and, when configured, PostgreSQL:
/// `backend_tests!(name, ...)` makes `name::sqlite` and `name::postgres`
/// calling `async fn name(server: TestServer)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            $crate::test_variants!($name: sqlite Sqlite Folder, postgres Postgres Folder);
        )*
    };
}

/// `backend_tests!`, and the same again with file blobs in S3 when
/// QUIRE_TEST_S3_ENDPOINT is set: `name::sqlite_s3` and `name::postgres_s3`.
#[macro_export]
macro_rules! storage_tests {
    ($($name:ident),* $(,)?) => {
        $(
            $crate::test_variants!($name: sqlite Sqlite Folder, postgres Postgres Folder,
                sqlite_s3 Sqlite S3, postgres_s3 Postgres S3);
        )*
    };
}

/// `mod name` with one test per `variant Backend Store`, each calling
/// `super::name` with a server of that backend and store, or skipping
/// (and passing) when the backend or store is not configured.
#[macro_export]
macro_rules! test_variants {
    ($name:ident: $($variant:ident $backend:ident $store:ident),+) => {
        mod $name {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $variant() {
                    let Some(server) = $crate::common::TestServer::variant(
                        $crate::common::Backend::$backend,
                        $crate::common::Store::$store,
                    )
                    .await
                    else {
                        return;
                    };
                    super::$name(server).await;
                }
            )+
        }
    };
}

impl TestServer {
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, |_| {}).await
    }

    /// A server of `backend` and `store`, or None (saying why) when either
    /// is not configured.
    pub async fn variant(backend: Backend, store: Store) -> Option<TestServer> {
        let skip = |variable: &str| eprintln!("skipped: {variable} is not set");
        let storage = match store {
            Store::Folder => None,
            Store::S3 => match Storage::fresh_s3().await {
                Some(s) => Some(s),
                None => {
                    skip("QUIRE_TEST_S3_ENDPOINT");
                    return None;
                }
            },
        };
        let server = Self::start_on(backend, storage, |_| {}).await;
        if server.is_none() {
            skip("QUIRE_TEST_DATABASE_URL");
        }
        server
    }

    /// Starts a server whose configuration `adjust` may change (limits, say).
    pub async fn start_with(
        backend: Backend,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> Option<TestServer> {
        Self::start_on(backend, None, adjust).await
    }

    /// `start_with`, over `storage` (None: a folder in the test's folder).
    pub async fn start_on(
        backend: Backend,
        storage: Option<Storage>,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> Option<TestServer> {
        let (dir, database_url) = migrated_database(backend).await?;
        let db = Db::connect(&database_url).await.expect("connect");
        let (_, admin) = tokens::create(
            &db.conn,
            NewToken {
                name: "test-admin".into(),
                role: Role::Admin,
                actor_type: ActorType::Human,
                project_id: None,
            },
        )
        .await
        .expect("an admin token");
        let storage = storage.unwrap_or_else(|| Storage::folder(&dir.path().join("files")));
        Some(Self::serve(backend, database_url, storage, db, admin, Some(dir), adjust).await)
    }

    /// A second server on the same database (another process behind a load balancer).
    pub async fn sibling(&self, adjust: impl FnOnce(&mut ServeConfig)) -> TestServer {
        let db = Db::connect(&self.database_url).await.expect("connect");
        let url = self.database_url.clone();
        let storage = self.storage.clone();
        Self::serve(
            self.backend,
            url,
            storage,
            db,
            self.admin.clone(),
            None,
            adjust,
        )
        .await
    }

    async fn serve(
        backend: Backend,
        database_url: String,
        storage: Storage,
        db: Db,
        admin: String,
        dir: Option<tempfile::TempDir>,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> TestServer {
        let mut config = ServeConfig::with_database(database_url.clone());
        config.storage_url = Some(storage.url.clone());
        config.storage_options = storage.env.clone();
        // Long enough that a token used in a test is still cached when the
        // test revokes it: revocation must work through the cache.
        config.token_cache_ms = 60_000;
        adjust(&mut config);
        let (tx, rx) = oneshot::channel::<()>();
        let server = Server::start_with(db.clone(), &config, async {
            let _ = rx.await;
        })
        .await
        .expect("start the server");
        let base = format!("http://{}", server.addr);
        tokio::spawn(server.wait());
        TestServer {
            backend,
            base,
            database_url,
            storage,
            admin,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            db,
            shutdown: Some(tx),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs a GraphQL request with `token`; returns the status and the body.
    pub async fn post(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(self.url("/graphql"))
            // As current clients ask: request errors then come as 4xx.
            .header(
                "accept",
                "application/graphql-response+json, application/json;q=0.9",
            )
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("the server answers");
        let status = res.status();
        let body = res.json().await.expect("a JSON body");
        (status, body)
    }

    /// Runs a request as admin and returns `data`, failing the test on any error.
    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        self.as_token(&self.admin, query, variables).await
    }

    pub async fn as_token(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(Some(token), query, variables).await;
        assert_eq!(status, StatusCode::OK, "unexpected status, body: {body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs a request as admin that must fail; returns its first error.
    pub async fn admin_error(&self, query: &str, variables: Value) -> Value {
        let (_, body) = self.post(Some(&self.admin), query, variables).await;
        body["errors"][0].clone()
    }

    /// The body of an unauthenticated GET of `path`, as text.
    pub async fn get_text(&self, path: &str) -> String {
        let res = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers");
        res.text().await.expect("a text body")
    }

    /// The server's count of SQL statements, read from /metrics.
    pub async fn statements(&self) -> u64 {
        let text = self.get_text("/metrics").await;
        text.lines()
            .find_map(|l| l.strip_prefix("quire_sql_statements_total "))
            .and_then(|n| n.trim().parse().ok())
            .expect("the statements counter in /metrics")
    }

    /// A token of `role`, optionally scoped to a project id.
    pub async fn token(&self, role: &str, project_id: Option<&str>) -> String {
        let data = self
            .admin(
                "mutation($input: CreateTokenInput!) { createToken(input: $input) { secret } }",
                json!({ "input": { "name": format!("{role}-token"), "role": role, "actorType": "AI", "projectId": project_id } }),
            )
            .await;
        data["createToken"]["secret"].as_str().unwrap().to_owned()
    }

    // --- fixtures -------------------------------------------------------

    pub async fn create_project(&self, slug: &str) -> String {
        let data = self
            .admin(
                "mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }",
                json!({ "input": { "slug": slug, "name": format!("Project {slug}") } }),
            )
            .await;
        data["createProject"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn start_run(&self, project_id: &str, pipeline: &str) -> String {
        let data = self
            .admin(
                "mutation($input: StartRunInput!) { startRun(input: $input) { id status } }",
                json!({ "input": { "projectId": project_id, "pipeline": pipeline, "model": "gpt-4o" } }),
            )
            .await;
        assert_eq!(data["startRun"]["status"], "RUNNING");
        data["startRun"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn record_step(&self, run_id: &str, order: i32) -> String {
        let data = self
            .admin(
                "mutation($input: RecordRunStepInput!) { recordRunStep(input: $input) { id } }",
                json!({ "input": { "runId": run_id, "order": order, "agentId": format!("agent-{order}"),
                    "agentName": format!("Agent {order}"), "inputTokens": 100 * order, "outputTokens": 10 * order } }),
            )
            .await;
        data["recordRunStep"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_version(
        &self,
        project_id: &str,
        key: &str,
        value: Value,
        run_id: Option<&str>,
    ) -> Value {
        let data = self
            .admin(
                "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id versionNumber status digest } }",
                json!({ "input": { "projectId": project_id, "schemaKey": key, "value": value, "sourceRunId": run_id } }),
            )
            .await;
        data["createArtifactVersion"].clone()
    }
}

impl TestServer {
    /// Begins the server's graceful shutdown, as SIGTERM does.
    pub fn shut_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The `extensions.code` of an error value.
pub fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or("<no code>")
}
