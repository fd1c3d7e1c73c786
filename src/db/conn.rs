//! The connection requests use: SeaORM's pool for transactions and writes,
//! with single reads outside a transaction on PostgreSQL going through the
//! [`StatementPool`] (no release ping). Counts every statement it runs.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use super::SqlStats;
use super::statement_pool::StatementPool;

/// A handle on the request connections; cheap to clone.
#[derive(Clone)]
pub struct Conn {
    /// SeaORM's pool: transactions, writes, and every statement on SQLite.
    pool: DatabaseConnection,
    /// PostgreSQL: where reads outside a transaction run.
    reads: Option<Arc<StatementPool>>,
    /// Counts the statements `reads` runs (SeaORM's pool counts its own
    /// through its metric callback).
    stats: Arc<SqlStats>,
}

impl Conn {
    pub(crate) fn new(
        pool: DatabaseConnection,
        reads: Option<StatementPool>,
        stats: Arc<SqlStats>,
    ) -> Self {
        Conn {
            pool,
            reads: reads.map(Arc::new),
            stats,
        }
    }

    /// SeaORM's pool itself: to begin a transaction or ping the database.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// Closes the connections: SeaORM's pool, and the statement pool's
    /// idle ones (which then opens no more).
    pub async fn close(self) -> Result<(), DbErr> {
        if let Some(reads) = &self.reads {
            reads.close().await;
        }
        self.pool.close().await
    }

    fn counted(&self) {
        self.stats.statements.fetch_add(1, Ordering::Relaxed);
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Conn {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.pool.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.pool.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.reads {
            Some(reads) => {
                self.counted();
                reads.query_one(stmt).await
            }
            None => self.pool.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.reads {
            Some(reads) => {
                self.counted();
                reads.query_all(stmt).await
            }
            None => self.pool.query_all_raw(stmt).await,
        }
    }
}
