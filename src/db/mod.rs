//! Connecting to the database (SQLite or PostgreSQL), migrating it, counting
//! the SQL statements it runs, and opening write transactions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use uuid::Uuid;

mod conn;
pub(crate) mod dialect;
pub(crate) mod json_path;
mod statement_pool;
pub(crate) mod template;
pub(crate) mod text_search;

pub use conn::Conn;
pub(crate) use dialect::Dialect;
use statement_pool::StatementPool;

/// What a sort expression yields, so that its values can be read back from
/// a row and out of a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    /// A timestamp.
    Time,
    /// Text.
    Text,
    /// An integer.
    Int,
    /// An exact decimal (PostgreSQL numeric).
    Decimal,
    /// A float (SQLite's view of a decimal kept as text).
    Real,
}

/// The file of a SQLite URL (`sqlite://PATH?...` or `sqlite:PATH`), None
/// for other databases and in-memory SQLite.
pub fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// Fails at once, naming the place, where the pool would retry for its
/// whole acquire timeout and then say only "pool timed out": a PostgreSQL
/// server that refuses connections, or a SQLite file in a missing folder.
async fn reachable(url: &str) -> Result<(), DbErr> {
    if let Some(path) = sqlite_file(url) {
        let folder = std::path::Path::new(&path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty());
        if let Some(folder) = folder
            && !folder.is_dir()
        {
            return Err(DbErr::Custom(format!(
                "cannot open the SQLite database {path}: the folder {} does not exist",
                folder.display()
            )));
        }
        return Ok(());
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(());
    };
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Ok(());
    }
    // A socket folder in `?host=/run/postgresql` is left to the driver.
    let host = match parsed.host_str() {
        Some(host) if !host.is_empty() => host.trim_matches(['[', ']']).to_owned(),
        _ => return Ok(()),
    };
    let port = parsed.port().unwrap_or(5432);
    let attempt = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(Duration::from_secs(5), attempt).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(DbErr::Custom(format!(
            "cannot reach PostgreSQL at {host}:{port}: {err}"
        ))),
        Err(_) => Err(DbErr::Custom(format!(
            "cannot reach PostgreSQL at {host}:{port}: no answer within 5 s"
        ))),
    }
}

/// Counts every SQL statement the server runs: read by /metrics and by the
/// tests that prove nested pages load in a fixed number of statements.
#[derive(Debug, Default)]
pub(crate) struct SqlStats {
    statements: AtomicU64,
}

impl SqlStats {
    pub(crate) fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

/// How the database is opened, beyond its URL.
#[derive(Debug, Clone, Default)]
pub struct DbOptions {
    /// SQLite: the largest the database file may grow, in bytes (a quota;
    /// writes past it fail as on a full disk). None: no limit.
    pub sqlite_max_bytes: Option<u64>,
}

impl From<&crate::config::DatabaseConfig> for DbOptions {
    fn from(config: &crate::config::DatabaseConfig) -> Self {
        DbOptions {
            sqlite_max_bytes: config.sqlite_max_bytes,
        }
    }
}

/// Whether writes are failing for want of storage (a full disk, an I/O
/// error): set when a write transaction fails so, cleared when one commits.
/// `/readyz` reports not ready while it is set.
#[derive(Debug, Default)]
pub(crate) struct WriteHealth {
    failing: AtomicBool,
}

impl WriteHealth {
    pub(crate) fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    fn note<T>(&self, result: &Result<T, DbErr>) {
        if let Err(err) = result
            && is_storage_failure(err)
            && !self.failing.swap(true, Ordering::Relaxed)
        {
            tracing::error!(error = %err, "writes are failing for want of storage");
        }
    }

    fn recovered(&self) {
        if self.failing.swap(false, Ordering::Relaxed) {
            tracing::info!("writes succeed again");
        }
    }
}

/// The database's own code for an error: SQLite's (extended) result code
/// in decimal, or PostgreSQL's SQLSTATE.
fn error_code(err: &DbErr) -> Option<String> {
    let (DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    Some(e.as_database_error()?.code()?.into_owned())
}

/// Whether the connection to the database was lost or refused (the server
/// went away, was shut down or restarted, or a backend was terminated):
/// sqlx's I/O, protocol and closed-pool errors, PostgreSQL's connection
/// exceptions (class 08) and operator interventions that end a session
/// (57P01-57P03), and SeaORM's closed connections.
pub(crate) fn is_connection_failure(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    if matches!(
        err,
        DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::ConnectionClosed)
    ) {
        return true;
    }
    if let Some(code) = error_code(err) {
        return code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03");
    }
    let (DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    matches!(
        &**e,
        Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::Protocol(_) | Sqlx::PoolClosed | Sqlx::WorkerCrashed
    )
}

/// Whether PostgreSQL ended a transaction for a concurrent one's sake and
/// running it again may succeed: a serialization failure (40001) or a
/// deadlock (40P01). SQLite's writers are serial and never see either.
pub(crate) fn is_concurrency_failure(err: &DbErr) -> bool {
    matches!(error_code(err).as_deref(), Some("40001" | "40P01"))
}

/// Whether the database refused a statement for want of storage rather than
/// because of the statement: SQLite's FULL, IOERR and READONLY (extended
/// codes share the low byte), PostgreSQL's disk_full, insufficient
/// resources and io_error.
pub(crate) fn is_storage_failure(err: &DbErr) -> bool {
    let Some(code) = error_code(err) else {
        return false;
    };
    match code.parse::<i64>() {
        Ok(sqlite) if !code.starts_with('5') || code.len() < 5 => {
            matches!(sqlite & 0xff, 8 | 10 | 13)
        }
        _ => matches!(code.as_ref(), "53100" | "53000" | "58030"),
    }
}

/// Whether a pooled SQLite connection may be handed out again: not inside
/// a transaction, by sqlx's count or by SQLite's own word. A COMMIT that
/// failed (SQLITE_FULL) can leave SQLite in its transaction or sqlx's count
/// off by one; such a connection would hold the write lock, or turn the
/// next BEGIN into a SAVEPOINT whose writes are never made durable. It is
/// closed instead, and the pool opens a fresh one.
async fn sqlite_connection_is_clean(
    conn: &mut sea_orm::sqlx::SqliteConnection,
) -> Result<bool, sea_orm::sqlx::Error> {
    use sea_orm::sqlx::Connection;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // A rollback may still be queued on the connection's worker: taking the
    // handle waits for it.
    let mut handle = conn.lock_handle().await?;
    // SAFETY: the handle is a live sqlite3 connection, locked for us.
    let autocommit =
        unsafe { libsqlite3_sys::sqlite3_get_autocommit(handle.as_raw_handle().as_ptr()) } != 0;
    drop(handle);
    let clean = autocommit && !conn.is_in_transaction();
    if !clean {
        tracing::warn!("closing a database connection left inside a failed transaction");
    }
    Ok(clean)
}

/// PostgreSQL connections for requests' statements: SeaORM's pool (now
/// transactions and writes) has this many, and so has the statement pool
/// beside it (reads). 12 each: with 20 each, two test servers at once
/// could exceed PostgreSQL's default 100 connections, and 12 reads at once
/// already keep 2 cores busy.
const REQUEST_CONNECTIONS: u32 = 12;

/// How long a statement waits for a pooled connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// How requests' PostgreSQL connections plan. Every execution of a
/// prepared statement was planned afresh (the cost model kept preferring
/// custom plans): 0.3 ms per statement, more than most of them take to run.
/// Quire's statements are few and keyed by indexed columns, so one generic
/// plan per statement and connection serves: PostgreSQL CPU per review page
/// 3.4-4.8 -> 2.9-3.2 ms, per point read 0.62-0.79 -> 0.36-0.51 ms (see
/// BENCHMARKS.md). No parallel workers: at 1M versions a run's outputs and
/// inputs (a UNION ALL) got a parallel plan that started two worker
/// processes per execution, 7 ms for what one process reads in 0.4 ms; a
/// request server with a connection per client has no idle cores to lend.
fn generic_plans(opts: PgConnectOptions) -> PgConnectOptions {
    opts.options([
        ("plan_cache_mode", "force_generic_plan"),
        ("max_parallel_workers_per_gather", "0"),
    ])
}

/// The database: the pool requests use, with the server's own small pool
/// beside it; cheap to clone (handles to shared pools).
#[derive(Clone)]
pub struct Db {
    /// The pool of requests' statements, counted in the SQL statistics.
    pub conn: Conn,
    pub(crate) stats: Arc<SqlStats>,
    pub(crate) write_health: Arc<WriteHealth>,
    /// A small pool for the server's own work (the event reader,
    /// housekeeping), whose statements are not counted as requests'.
    background: DatabaseConnection,
    /// Requests' statements whose best plan depends on their values (see
    /// [`Db::value_planned`]); on SQLite the request pool itself.
    value_planned: Conn,
    /// SQLite only: write transactions of this process take turns here, in
    /// order, before asking SQLite for its write lock. Left to SQLite, a
    /// writer that finds the lock taken sleeps and polls (up to 100 ms a
    /// time), and under load some writers lose many rounds: p99 near 1 s.
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl Db {
    /// Connects with default options.
    pub async fn connect(url: &str) -> Result<Db, DbErr> {
        Self::connect_with(url, &DbOptions::default()).await
    }

    /// Connects to `url` as `opts` say: fails at once when the server is not
    /// reachable.
    pub async fn connect_with(url: &str, opts: &DbOptions) -> Result<Db, DbErr> {
        reachable(url).await?;
        let sqlite = sqlite_file(url);
        let mut conn = sea_orm::Database::connect(Self::options(
            url,
            if url.starts_with("sqlite:") {
                8
            } else {
                REQUEST_CONNECTIONS
            },
            opts,
        ))
        .await
        .map_err(|err| match &sqlite {
            Some(path) => DbErr::Custom(format!("cannot open the SQLite database {path}: {err}")),
            None => err,
        })?;
        let background = sea_orm::Database::connect(Self::options(url, 3, opts)).await?;
        let stats = Arc::new(SqlStats::default());
        let count = |conn: &mut DatabaseConnection| {
            let counter = stats.clone();
            conn.set_metric_callback(move |_info| {
                counter.statements.fetch_add(1, Ordering::Relaxed);
            });
        };
        count(&mut conn);
        let value_planned = match Dialect::of(&conn).plans_generically() {
            true => {
                let mut options = Self::options(url, 8, opts);
                options.map_sqlx_postgres_opts(|opts| {
                    opts.options([("plan_cache_mode", "force_custom_plan")])
                });
                let mut planned = sea_orm::Database::connect(options).await?;
                count(&mut planned);
                Some(planned)
            }
            false => None,
        };
        let write_gate = Dialect::of(&conn)
            .serial_writers()
            .then(|| Arc::new(tokio::sync::Mutex::new(())));
        let reads = match conn.get_database_backend() {
            DbBackend::Postgres => Some(StatementPool::new(
                generic_plans(
                    url.parse()
                        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(Arc::new(e))))?,
                ),
                REQUEST_CONNECTIONS,
                ACQUIRE_TIMEOUT,
            )),
            _ => None,
        };
        let conn = Conn::new(conn, reads, stats.clone());
        let value_planned = match value_planned {
            Some(planned) => Conn::new(planned, None, stats.clone()),
            None => conn.clone(),
        };
        Ok(Db {
            conn,
            stats,
            write_health: Default::default(),
            background,
            value_planned,
            write_gate,
        })
    }

    /// The same database through the background pool, with its own counter.
    pub(crate) fn for_background(&self) -> Db {
        let stats = Arc::new(SqlStats::default());
        let conn = Conn::new(self.background.clone(), None, stats.clone());
        Db {
            conn: conn.clone(),
            stats,
            write_health: self.write_health.clone(),
            background: self.background.clone(),
            value_planned: conn.clone(),
            write_gate: self.write_gate.clone(),
        }
    }

    /// The pool for reads whose best plan depends on their bound values: a
    /// JSON containment or full-text condition matches six rows for one
    /// operand and a sixth of the table for another, and the request pool's
    /// generic plans (one per statement, blind to values) pick one plan for
    /// both: at 1M versions a selective filter walked the whole key index
    /// (0.37 s) where a GIN lookup takes 0.4 ms. On PostgreSQL its
    /// connections plan each execution with its values; elsewhere it is the
    /// request pool. Its statements count as requests'.
    pub(crate) fn value_planned(&self) -> &Conn {
        &self.value_planned
    }

    fn options(url: &str, max_connections: u32, opts: &DbOptions) -> ConnectOptions {
        // SQLite's default page size.
        const PAGE_BYTES: u64 = 4096;
        let max_pages = opts.sqlite_max_bytes.map(|b| Ord::max(b / PAGE_BYTES, 1));
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A ping before every acquire was a round trip (and, on
            // PostgreSQL, a wake-up of the server process) before each
            // statement outside a transaction. Only a connection idle long
            // enough to have been dropped by a server restart, a proxy or a
            // firewall is checked now; a busy one that breaks fails its
            // statement and is discarded.
            .test_before_acquire_if_idle_for(Duration::from_secs(10))
            .map_sqlx_sqlite_opts(move |opts| {
                let opts = opts
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                match max_pages {
                    Some(pages) => opts.pragma("max_page_count", pages.to_string()),
                    None => opts,
                }
            })
            .map_sqlx_postgres_opts(generic_plans)
            .map_sqlx_sqlite_pool_opts(|pool| {
                pool.after_release(|conn, _| Box::pin(sqlite_connection_is_clean(conn)))
            });
        options.max_connections(max_connections);
        options
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(self.conn.pool(), None).await
    }

    /// SQLite or PostgreSQL.
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// What differs on this database (see `dialect`).
    pub(crate) fn dialect(&self) -> Dialect {
        Dialect::of(&self.conn)
    }

    /// Begins a transaction that will write. On SQLite it first waits its
    /// turn at the process's write gate, then takes the write lock at BEGIN
    /// (IMMEDIATE), so that a reader never has to upgrade to a writer
    /// mid-transaction (which fails rather than waits).
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let txn = self
            .conn
            .pool()
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await;
        self.write_health.note(&txn);
        Ok(WriteTxn(Arc::new(OpenWrite {
            txn: txn?,
            health: self.write_health.clone(),
            _gate: gate,
            tallies: Default::default(),
        })))
    }

    /// Whether the database takes writes: while writes are failing for want
    /// of storage, a test write that needs new pages (inserted and deleted
    /// in one committed transaction) says whether space is back.
    pub(crate) async fn writable(&self) -> bool {
        if !self.write_health.is_failing() {
            return true;
        }
        let probe = async {
            let txn = self.begin_write().await?;
            let pad = vec![0u8; 64 * 1024];
            let sql = format!(
                "INSERT INTO write_probe (id, pad) VALUES (1, {})",
                self.dialect().placeholder(1)
            );
            txn.execute_raw(Statement::from_sql_and_values(
                self.backend(),
                sql,
                [pad.into()],
            ))
            .await?;
            txn.execute_unprepared("DELETE FROM write_probe").await?;
            txn.commit().await
        };
        probe.await.is_ok()
    }
}

/// A write transaction, holding its turn at the write gate (SQLite) until it
/// commits, rolls back or is dropped. Cloning it gives another handle on the
/// same transaction (so that `domain::write::transact` can lend it to an
/// operation's future); it commits only once every other handle is gone.
#[derive(Clone)]
pub struct WriteTxn(Arc<OpenWrite>);

struct OpenWrite {
    txn: DatabaseTransaction,
    health: Arc<WriteHealth>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Counter changes to write just before commit, by (subject, counter).
    tallies: std::sync::Mutex<BTreeMap<(Uuid, String), i64>>,
}

impl WriteTxn {
    /// Commits; a write is acknowledged only when this succeeded. A failed
    /// commit rolls back as the transaction drops, and a connection left
    /// inside it is not reused (see `sqlite_connection_is_clean`).
    pub async fn commit(self) -> Result<(), DbErr> {
        let open = self.sole()?;
        let health = open.health.clone();
        let result = open.txn.commit().await;
        health.note(&result);
        if result.is_ok() {
            health.recovered();
        }
        result
    }

    /// Adds `delta` to a counter of `subject` that the transaction writes
    /// only at its end (see `domain::write::version_counts`): a row that every
    /// writer updates is then locked for the commit alone, and always after
    /// everything else the transaction locks.
    pub(crate) fn tally(&self, subject: Uuid, counter: String, delta: i64) {
        let mut tallies = self.0.tallies.lock().unwrap_or_else(|e| e.into_inner());
        *tallies.entry((subject, counter)).or_default() += delta;
    }

    /// The counter changes tallied so far, in key order, leaving none; the
    /// ones that cancelled out are left out.
    pub(crate) fn take_tallies(&self) -> Vec<(Uuid, String, i64)> {
        let mut tallies = self.0.tallies.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *tallies)
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .map(|((subject, counter), delta)| (subject, counter, delta))
            .collect()
    }

    /// Undoes everything the transaction wrote.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.sole()?.txn.rollback().await
    }

    /// The transaction, when this is its last handle.
    fn sole(self) -> Result<OpenWrite, DbErr> {
        Arc::try_unwrap(self.0).map_err(|_| {
            DbErr::Custom("a write transaction ended while another handle still held it".into())
        })
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.0.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let result = self.0.txn.execute_raw(stmt).await;
        self.0.health.note(&result);
        result
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let result = self.0.txn.execute_unprepared(sql).await;
        self.0.health.note(&result);
        result
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let result = self.0.txn.query_one_raw(stmt).await;
        self.0.health.note(&result);
        result
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let result = self.0.txn.query_all_raw(stmt).await;
        self.0.health.note(&result);
        result
    }

    fn support_returning(&self) -> bool {
        self.0.txn.support_returning()
    }
}
