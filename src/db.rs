//! Connecting to the database (SQLite or PostgreSQL), migrating it, counting
//! the SQL statements it runs, and opening write transactions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

/// Counts every SQL statement the server runs: read by /metrics and by the
/// tests that prove nested pages load in a fixed number of statements.
#[derive(Debug, Default)]
pub struct SqlStats {
    statements: AtomicU64,
}

impl SqlStats {
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub stats: Arc<SqlStats>,
    /// A small pool for the server's own work (the event reader,
    /// housekeeping), whose statements are not counted as requests'.
    background: DatabaseConnection,
    /// SQLite only: write transactions of this process take turns here, in
    /// order, before asking SQLite for its write lock. Left to SQLite, a
    /// writer that finds the lock taken sleeps and polls (up to 100 ms a
    /// time), and under load some writers lose many rounds: p99 near 1 s.
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl Db {
    /// Connects and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Db, DbErr> {
        let mut conn = sea_orm::Database::connect(Self::options(
            url,
            if url.starts_with("sqlite:") { 8 } else { 20 },
        ))
        .await?;
        let background = sea_orm::Database::connect(Self::options(url, 3)).await?;
        let stats = Arc::new(SqlStats::default());
        let counter = stats.clone();
        conn.set_metric_callback(move |_info| {
            counter.statements.fetch_add(1, Ordering::Relaxed);
        });
        let write_gate = (conn.get_database_backend() == DbBackend::Sqlite)
            .then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Db {
            conn,
            stats,
            background,
            write_gate,
        })
    }

    /// The same database through the background pool, with its own counter.
    pub fn for_background(&self) -> Db {
        Db {
            conn: self.background.clone(),
            stats: Arc::new(SqlStats::default()),
            background: self.background.clone(),
            write_gate: self.write_gate.clone(),
        }
    }

    fn options(url: &str, max_connections: u32) -> ConnectOptions {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10))
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        options.max_connections(max_connections);
        options
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
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
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTxn { txn, _gate: gate })
    }
}

/// A write transaction, holding its turn at the write gate (SQLite) until it
/// commits, rolls back or is dropped.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// `column IN (ids)`, written as `column = ANY($1)` on PostgreSQL: one
/// statement text whatever the number of ids, so each connection prepares
/// it once and PostgreSQL can keep a generic plan, where an IN list of each
/// new length is parsed and planned again (profiled: planning cost as much
/// as executing on the review page's batched loads).
pub fn uuid_in<C: ColumnTrait>(
    backend: DbBackend,
    column: C,
    ids: impl IntoIterator<Item = uuid::Uuid>,
) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => {
            let ids: Vec<uuid::Uuid> = ids.into_iter().collect();
            Expr::col(column.as_column_ref()).eq(PgFunc::any(Expr::val(ids)))
        }
        _ => column.is_in(ids),
    }
}
