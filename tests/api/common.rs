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
use quire::domain::projects::tokens::{self, NewToken};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use crate::databases::{Scratch, fresh_database, migrated_database};

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

/// How a test reaches its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The router the server serves, called in this process: every layer
    /// and handler, but no socket and no HTTP parsing. For tests of what
    /// requests do.
    InProcess,
    /// A real server on an ephemeral port and a real HTTP client: for
    /// WebSockets, raw HTTP, child processes and connection behaviour.
    Tcp,
}

enum Reach {
    InProcess {
        router: axum::Router,
        /// The app's shutdown signal: open WebSockets close on it.
        shutdown: tokio_util::sync::CancellationToken,
        housekeeping: tokio::task::JoinHandle<()>,
    },
    Tcp {
        base: String,
        shutdown: Option<oneshot::Sender<()>>,
    },
}

pub struct TestServer {
    pub backend: Backend,
    pub database_url: String,
    /// Where file blobs go.
    pub storage: Storage,
    pub admin: String,
    /// A client for requests to `url(...)` (servers over TCP only).
    pub http: reqwest::Client,
    pub db: Db,
    reach: Reach,
    _scratch: Option<Scratch>,
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "a JSON body ({err}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("a text body")
    }
}

/// Runs one async test body against SQLite and, when configured, PostgreSQL,
/// with the app in-process: `backend_tests!(name, ...)` makes `name::sqlite`
/// and `name::postgres` calling `async fn name(server: TestServer)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            $crate::test_variants!($name, InProcess: sqlite Sqlite Folder, postgres Postgres Folder);
        )*
    };
}

/// One test on both backends, given what it runs on:
/// `each_backend!(name, |backend| make)` makes `mod name` with `sqlite` and
/// `postgres`, each awaiting `make` (an `Option`; None, when PostgreSQL is
/// not configured, skips and passes) and calling `super::name` with it.
/// For a server with settings of its own, a domain-tier `Domain`, or the
/// bare `Backend`.
#[macro_export]
macro_rules! each_backend {
    ($name:ident, |$backend:ident| $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let $backend = $crate::common::Backend::Sqlite;
                super::$name($make.await.expect("SQLite is always available")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let $backend = $crate::common::Backend::Postgres;
                match $make.await {
                    Some(made) => super::$name(made).await,
                    None => eprintln!("skipped: QUIRE_TEST_DATABASE_URL is not set"),
                }
            }
        }
    };
}

/// `backend_tests!` with a real server over TCP, for tests that need a
/// socket (WebSockets, raw HTTP, a `quire` process on the same database).
#[macro_export]
macro_rules! server_tests {
    ($($name:ident),* $(,)?) => {
        $(
            $crate::test_variants!($name, Tcp: sqlite Sqlite Folder, postgres Postgres Folder);
        )*
    };
}

/// `server_tests!`, and the same again with file blobs in S3 when
/// QUIRE_TEST_S3_ENDPOINT is set: `name::sqlite_s3` and `name::postgres_s3`.
#[macro_export]
macro_rules! storage_tests {
    ($($name:ident),* $(,)?) => {
        $(
            $crate::test_variants!($name, Tcp: sqlite Sqlite Folder, postgres Postgres Folder,
                sqlite_s3 Sqlite S3, postgres_s3 Postgres S3);
        )*
    };
}

/// `mod name` with one test per `variant Backend Store`, each calling
/// `super::name` with a server of that backend and store, reached over
/// `Transport`, or skipping (and passing) when the backend or store is not
/// configured.
#[macro_export]
macro_rules! test_variants {
    ($name:ident, $transport:ident: $($variant:ident $backend:ident $store:ident),+) => {
        mod $name {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $variant() {
                    let Some(server) = $crate::common::TestServer::variant(
                        $crate::common::Backend::$backend,
                        $crate::common::Store::$store,
                        $crate::common::Transport::$transport,
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
    /// A server over TCP.
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, |_| {}).await
    }

    /// A server of `backend` and `store`, or None (saying why) when either
    /// is not configured.
    pub async fn variant(
        backend: Backend,
        store: Store,
        transport: Transport,
    ) -> Option<TestServer> {
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
        let server = Self::start_on(backend, transport, storage, |_| {}).await;
        if server.is_none() {
            skip("QUIRE_TEST_DATABASE_URL");
        }
        server
    }

    /// Starts a server over TCP whose configuration `adjust` may change
    /// (limits, say).
    pub async fn start_with(
        backend: Backend,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> Option<TestServer> {
        Self::start_on(backend, Transport::Tcp, None, adjust).await
    }

    /// `start_with`, with the app in-process.
    pub async fn in_process(
        backend: Backend,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> Option<TestServer> {
        Self::start_on(backend, Transport::InProcess, None, adjust).await
    }

    /// A server reached over `transport` (over TCP whatever it says when
    /// QUIRE_TEST_TRANSPORT=tcp), over `storage` (None: a folder in the
    /// test's folder).
    pub async fn start_on(
        backend: Backend,
        transport: Transport,
        storage: Option<Storage>,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> Option<TestServer> {
        let transport = match std::env::var("QUIRE_TEST_TRANSPORT").as_deref() {
            // Every test over a socket: shows the in-process tier equivalent.
            Ok("tcp") => Transport::Tcp,
            _ => transport,
        };
        let (scratch, database_url) = migrated_database(backend).await?;
        let db = Db::connect(&database_url).await.expect("connect");
        let (_, admin) = tokens::create(
            &db.conn,
            NewToken {
                name: "test-admin".into(),
                role: Role::Admin,
                actor_type: ActorType::Human,
                project_id: None,
                actor_id: None,
            },
        )
        .await
        .expect("an admin token");
        let storage = storage.unwrap_or_else(|| Storage::folder(&scratch.path().join("files")));
        let server = Self::serve(backend, transport, database_url, storage, db, admin, adjust);
        Some(server.await.with_scratch(scratch))
    }

    fn with_scratch(mut self, scratch: Scratch) -> TestServer {
        self._scratch = Some(scratch);
        self
    }

    /// How this server is reached.
    pub fn transport(&self) -> Transport {
        match self.reach {
            Reach::InProcess { .. } => Transport::InProcess,
            Reach::Tcp { .. } => Transport::Tcp,
        }
    }

    /// A server over the existing database at `database_url` (a copy of
    /// another's, say), with this one's admin secret and blob store.
    pub async fn over(&self, backend: Backend, database_url: &str) -> TestServer {
        let db = Db::connect(database_url).await.expect("connect");
        let storage = self.storage.clone();
        Self::serve(
            backend,
            self.transport(),
            database_url.to_owned(),
            storage,
            db,
            self.admin.clone(),
            |_| {},
        )
        .await
    }

    /// A second server on the same database (another process behind a load
    /// balancer), reached as this one is.
    pub async fn sibling(&self, adjust: impl FnOnce(&mut ServeConfig)) -> TestServer {
        let db = Db::connect(&self.database_url).await.expect("connect");
        let url = self.database_url.clone();
        let storage = self.storage.clone();
        let (backend, transport, admin) = (self.backend, self.transport(), self.admin.clone());
        Self::serve(backend, transport, url, storage, db, admin, adjust).await
    }

    async fn serve(
        backend: Backend,
        transport: Transport,
        database_url: String,
        storage: Storage,
        db: Db,
        admin: String,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> TestServer {
        let mut config = ServeConfig::with_database(database_url.clone());
        config.storage.storage_url = Some(storage.url.clone());
        config.storage.storage_options = storage.env.clone();
        // Long enough that a token used in a test is still cached when the
        // test revokes it: revocation must work through the cache.
        config.tokens.token_cache_ms = 60_000;
        adjust(&mut config);
        let reach = match transport {
            Transport::InProcess => {
                let app = quire::app::App::new(db.clone(), &config)
                    .await
                    .expect("build the app");
                Reach::InProcess {
                    router: app.router,
                    shutdown: app.shutdown.clone(),
                    housekeeping: app.housekeeping,
                }
            }
            Transport::Tcp => {
                let (tx, rx) = oneshot::channel::<()>();
                let server = Server::start_with(db.clone(), &config, async {
                    let _ = rx.await;
                })
                .await
                .expect("start the server");
                let base = format!("http://{}", server.addr);
                tokio::spawn(server.wait());
                Reach::Tcp {
                    base,
                    shutdown: Some(tx),
                }
            }
        };
        TestServer {
            backend,
            database_url,
            storage,
            admin,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            db,
            reach,
            _scratch: None,
        }
    }

    /// The URL of `path` on a server over TCP.
    pub fn url(&self, path: &str) -> String {
        match &self.reach {
            Reach::Tcp { base, .. } => format!("{base}{path}"),
            Reach::InProcess { .. } => panic!(
                "{path}: an in-process server has no address; run this test over TCP \
                 (server_tests!, TestServer::start)"
            ),
        }
    }

    /// Sends `request`, whose URI is a path, to the server; reads the whole
    /// response.
    pub async fn send(&self, request: axum::http::Request<Vec<u8>>) -> Reply {
        match &self.reach {
            Reach::InProcess { router, .. } => {
                use tower::ServiceExt;
                let (mut parts, body) = request.into_parts();
                // What a connection gives every request: the peer's address,
                // and the length an HTTP client states.
                let peer = std::net::SocketAddr::from(([127, 0, 0, 1], 40_000));
                parts.extensions.insert(axum::extract::ConnectInfo(peer));
                if !body.is_empty() {
                    parts
                        .headers
                        .entry(axum::http::header::CONTENT_LENGTH)
                        .or_insert(body.len().into());
                }
                let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body));
                let response = router.clone().oneshot(request).await.expect("infallible");
                let (parts, body) = response.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .expect("the whole body");
                Reply {
                    status: parts.status,
                    headers: parts.headers,
                    body,
                }
            }
            Reach::Tcp { base, .. } => {
                let (mut parts, body) = request.into_parts();
                parts.uri = format!("{base}{}", parts.uri).parse().expect("a URL");
                let request =
                    reqwest::Request::try_from(axum::http::Request::from_parts(parts, body))
                        .expect("a request reqwest can send");
                let res = self
                    .http
                    .execute(request)
                    .await
                    .expect("the server answers");
                let (status, headers) = (res.status(), res.headers().clone());
                let body = res.bytes().await.expect("the whole body");
                Reply {
                    status,
                    headers,
                    body,
                }
            }
        }
    }

    /// POSTs a GraphQL request with `token`; returns the status and the body.
    pub async fn post(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let body = json!({ "query": query, "variables": variables });
        self.post_json(token, &body).await
    }

    /// As `post`, with the body as the server wrote it (to see its order).
    pub async fn post_text(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, String) {
        let body = json!({ "query": query, "variables": variables });
        let reply = self.send(graphql_request(token, &body)).await;
        (reply.status, reply.text())
    }

    /// POSTs `body` (a request, or a batch of them) to /graphql as JSON with
    /// `token`; returns the status and the body.
    pub async fn post_json(&self, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let reply = self.send(graphql_request(token, body)).await;
        (reply.status, reply.json())
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
        let request = axum::http::Request::get(path).body(Vec::new());
        self.send(request.expect("a request")).await.text()
    }

    /// A `quire` process with `args`, on this server's database and storage.
    pub fn quire(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_quire"));
        cmd.args(args)
            .env("QUIRE_DATABASE_URL", &self.database_url)
            .env("QUIRE_STORAGE_URL", &self.storage.url)
            .envs(self.storage.env.iter().cloned());
        cmd
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

/// A POST of `body` to /graphql as JSON with `token`, accepting what current
/// clients accept (request errors then come as 4xx).
fn graphql_request(token: Option<&str>, body: &Value) -> axum::http::Request<Vec<u8>> {
    let mut request = axum::http::Request::post("/graphql")
        .header(
            "accept",
            "application/graphql-response+json, application/json;q=0.9",
        )
        .header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = serde_json::to_vec(body).expect("JSON");
    request.body(body).expect("a request")
}

impl TestServer {
    /// Begins the server's graceful shutdown, as SIGTERM does.
    pub fn shut_down(&mut self) {
        match &mut self.reach {
            Reach::Tcp { shutdown, .. } => {
                if let Some(tx) = shutdown.take() {
                    let _ = tx.send(());
                }
            }
            Reach::InProcess { shutdown, .. } => shutdown.cancel(),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shut_down();
        if let Reach::InProcess { housekeeping, .. } = &self.reach {
            housekeeping.abort();
        }
    }
}

/// A multipart/form-data body of `parts` (name, file name, content), in
/// order, as an HTTP client writes one; returns its content type and bytes.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "quire-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file_name, content) in parts {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some(file_name) = file_name {
            body.extend_from_slice(format!("; filename=\"{file_name}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The `extensions.code` of an error value.
pub fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or("<no code>")
}
