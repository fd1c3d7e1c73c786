//! PostgreSQL connections for single statements outside a transaction,
//! taken back without a round trip.
//!
//! sqlx's pool pings every connection it takes back (a Sync message and its
//! ReadyForQuery), in case a cancelled statement left it halfway through
//! the protocol. On PostgreSQL that ping is a second round trip, and a
//! second wake-up of the server process, for every statement a request
//! runs outside a transaction: in a run detail page's profile, a fifth of
//! the server's CPU went to socket writes, half of them pings. Here a
//! connection goes back to the idle list only when its statement ran to
//! the end and its answer was read whole; one whose statement failed, or
//! whose caller stopped waiting, is closed instead. The pool opens
//! connections as they are needed, up to its size.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sea_query::Values;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};
use sea_orm::{ConnAcquireErr, DbErr, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(crate) struct StatementPool {
    /// How each connection is opened (the request pool's settings).
    options: PgConnectOptions,
    /// Connections whose last statement finished cleanly, with when it
    /// did, newest last.
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    /// One permit per connection open or opening: the pool's size.
    permits: Arc<Semaphore>,
    /// How long a statement waits for a connection before it fails.
    acquire_timeout: Duration,
}

/// A connection idle this long is pinged before it serves a statement: a
/// server restart, a proxy or a firewall may have dropped it meanwhile (the
/// request pool's `test_before_acquire_if_idle_for`).
const CHECK_IF_IDLE_FOR: Duration = Duration::from_secs(10);

impl StatementPool {
    /// A pool of at most `size` connections opened with `options`.
    pub(crate) fn new(options: PgConnectOptions, size: u32, acquire_timeout: Duration) -> Self {
        StatementPool {
            options: options.disable_statement_logging(),
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size as usize)),
            acquire_timeout,
        }
    }

    /// Runs `statement` and returns all its rows.
    pub(crate) async fn query_all(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut conn = self.checkout().await?;
        let rows = query(&statement.sql, statement.values)
            .fetch_all(conn.connection())
            .await
            .map_err(query_error)?;
        conn.finished();
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }

    /// Runs `statement` and returns its first row, if any.
    pub(crate) async fn query_one(
        &self,
        statement: Statement,
    ) -> Result<Option<QueryResult>, DbErr> {
        let mut conn = self.checkout().await?;
        let row = query(&statement.sql, statement.values)
            .fetch_optional(conn.connection())
            .await
            .map_err(query_error)?;
        conn.finished();
        Ok(row.map(QueryResult::from))
    }

    /// Closes the idle connections and refuses statements from now on.
    pub(crate) async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.idle.lock().expect("the idle list is never poisoned"));
        for (conn, _) in idle {
            let _ = conn.close().await;
        }
    }

    /// An idle connection, or a new one while the pool has room; waits up
    /// to the acquire timeout for either.
    async fn checkout(&self) -> Result<Checkout<'_>, DbErr> {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
                .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        let conn = loop {
            let idle = self
                .idle
                .lock()
                .expect("the idle list is never poisoned")
                .pop();
            match idle {
                Some((conn, since)) if since.elapsed() < CHECK_IF_IDLE_FOR => break conn,
                Some((mut conn, _)) => {
                    let ping = tokio::time::timeout(self.acquire_timeout, conn.ping()).await;
                    if matches!(ping, Ok(Ok(()))) {
                        break conn;
                    }
                }
                // A server that does not answer fails the statement after
                // the acquire timeout, as the request pool's would.
                None => {
                    let connect = PgConnection::connect_with(&self.options);
                    break tokio::time::timeout(self.acquire_timeout, connect)
                        .await
                        .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
                        .map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?;
                }
            }
        };
        Ok(Checkout {
            pool: self,
            conn: Some(conn),
            clean: false,
            _permit: permit,
        })
    }
}

/// A connection lent to one statement. Dropped before `finished`, it is
/// closed: its statement failed or was abandoned midway, and what is left
/// on the wire is unknown.
struct Checkout<'p> {
    pool: &'p StatementPool,
    conn: Option<PgConnection>,
    clean: bool,
    _permit: OwnedSemaphorePermit,
}

impl Checkout<'_> {
    fn connection(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a checkout holds its connection")
    }

    /// The statement ran to its end: the connection may serve another.
    fn finished(&mut self) {
        self.clean = true;
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && self.clean
            && !self.pool.permits.is_closed()
        {
            self.pool
                .idle
                .lock()
                .expect("the idle list is never poisoned")
                .push((conn, Instant::now()));
        }
    }
}

/// A statement's text as a prepared sqlx query with its values bound
/// (moved, not copied: a page's id lists ride in them).
fn query(sql: &str, values: Option<Values>) -> sqlx::query::Query<'_, sqlx::Postgres, SqlxValues> {
    let values = values.unwrap_or(Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(sql), SqlxValues(values))
}

/// A failed statement as SeaORM reports one.
fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))
}
