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
    ColumnTrait, ConnectOptions, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
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
        Ok(Db {
            conn,
            stats,
            background,
        })
    }

    /// The same database through the background pool, with its own counter.
    pub fn for_background(&self) -> Db {
        Db {
            conn: self.background.clone(),
            stats: Arc::new(SqlStats::default()),
            background: self.background.clone(),
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

    /// Begins a transaction that will write. On SQLite it takes the write lock
    /// at BEGIN (IMMEDIATE), so two writers queue on the busy timeout instead
    /// of failing when a reader upgrades to a writer mid-transaction.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
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
