//! What differs between SQLite and PostgreSQL, in one place. Every backend
//! branch in Quire is a method of [`Dialect`]; the rest of the code asks it
//! what to write or whether a capability exists, and never matches on the
//! backend itself.

use rust_decimal::Decimal;
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Expr, ExprTrait, LockType, SimpleExpr, Value};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, QuerySelect, Statement};
use uuid::Uuid;

use super::SortKind;

/// The SQL dialect of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Dialect {
    /// SQLite: one writer at a time, no LISTEN/NOTIFY, `?` placeholders.
    Sqlite,
    /// PostgreSQL: concurrent writers, row and advisory locks, NOTIFY.
    Postgres,
}

impl Dialect {
    /// The dialect `conn` speaks.
    pub(crate) fn of(conn: &impl ConnectionTrait) -> Self {
        match conn.get_database_backend() {
            DbBackend::Postgres => Dialect::Postgres,
            _ => Dialect::Sqlite,
        }
    }

    /// sea-query's name for it.
    pub(crate) fn backend(self) -> DbBackend {
        match self {
            Dialect::Sqlite => DbBackend::Sqlite,
            Dialect::Postgres => DbBackend::Postgres,
        }
    }

    /// Whether the database runs one write transaction at a time (SQLite):
    /// the process then queues its writers at a gate instead of letting
    /// them wait on the database's busy timeout.
    pub(crate) fn serial_writers(self) -> bool {
        self == Dialect::Sqlite
    }

    /// Whether the request pool keeps one generic plan per statement
    /// (PostgreSQL; see `Db::options`), so that reads whose plan depends on
    /// their values need a pool of their own (`Db::value_planned`).
    pub(crate) fn plans_generically(self) -> bool {
        self == Dialect::Postgres
    }

    /// Whether commits can be announced to other processes (NOTIFY), so
    /// that event readers wake without polling.
    pub(crate) fn notifies(self) -> bool {
        self == Dialect::Postgres
    }

    /// Whether exact sums of integers and decimals come back as NUMERIC
    /// (PostgreSQL). SQLite's SUM fails on i64 overflow instead, so callers
    /// sum in parts (see `domain::runs::costs`).
    pub(crate) fn sums_are_exact(self) -> bool {
        self == Dialect::Postgres
    }

    /// The `n`th (1-based) bind parameter.
    pub(crate) fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// The UTC calendar day (`YYYY-MM-DD`) of a timestamp column.
    pub(crate) fn utc_day(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("substr({column}, 1, 10)"),
            Dialect::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        }
    }

    /// `column >= min` for a money column, exactly: numeric on PostgreSQL;
    /// on SQLite money is decimal text with exactly `SCALE` fractional
    /// digits and never negative, so a longer text is a larger amount and
    /// texts of one length compare as text.
    pub(crate) fn money_at_least(self, column: &'static str, min: Decimal) -> SimpleExpr {
        match self {
            Dialect::Postgres => Expr::cust_with_values(format!("{column} >= $1"), [min]),
            Dialect::Sqlite if min <= Decimal::ZERO => Expr::cust(format!("{column} IS NOT NULL")),
            Dialect::Sqlite => {
                let mut exact = min;
                exact.rescale(entity::money::SCALE);
                let text = exact.to_string();
                Expr::cust_with_values(
                    format!("(length({column}) > ? OR (length({column}) = ? AND {column} >= ?))"),
                    [
                        sea_orm::Value::from(text.len() as i64),
                        (text.len() as i64).into(),
                        text.into(),
                    ],
                )
            }
        }
    }

    /// A money column as a sort expression (NULL first, as -1): numeric on
    /// PostgreSQL, a float of the decimal text on SQLite.
    pub(crate) fn money_sort(self, column: &'static str) -> (SimpleExpr, SortKind) {
        match self {
            Dialect::Postgres => (
                Expr::cust(format!("COALESCE({column}, -1)")),
                SortKind::Decimal,
            ),
            Dialect::Sqlite => (
                Expr::cust(format!("COALESCE(CAST({column} AS REAL), -1.0)")),
                SortKind::Real,
            ),
        }
    }

    /// The statement that refreshes planner statistics after a bulk load
    /// (on PostgreSQL also the visibility map, so that counts can use
    /// index-only scans, as autovacuum would leave a live database).
    pub(crate) fn refresh_statistics(self) -> &'static str {
        match self {
            Dialect::Sqlite => "ANALYZE",
            Dialect::Postgres => "VACUUM ANALYZE",
        }
    }

    /// `column IN (ids)`, written as `column = ANY($1)` on PostgreSQL: one
    /// statement text whatever the number of ids, so each connection
    /// prepares it once and PostgreSQL can keep a generic plan, where an IN
    /// list of each new length is parsed and planned again (profiled:
    /// planning cost as much as executing on the review page's batched loads).
    pub(crate) fn uuid_in<C: ColumnTrait>(
        self,
        column: C,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> SimpleExpr {
        self.in_list(column, ids)
    }

    /// `column IN (values)` for any type of value, as [`Self::uuid_in`] writes it.
    pub(crate) fn in_list<C: ColumnTrait, V>(
        self,
        column: C,
        values: impl IntoIterator<Item = V>,
    ) -> SimpleExpr
    where
        V: Into<Value>,
        Vec<V>: Into<Value>,
    {
        match self {
            Dialect::Postgres => {
                let values: Vec<V> = values.into_iter().collect();
                Expr::col(column.as_column_ref()).eq(PgFunc::any(Expr::val(values)))
            }
            Dialect::Sqlite => column.is_in(values),
        }
    }

    /// Locks the rows a select reads until the transaction ends, so that
    /// concurrent writers of those rows queue up. On PostgreSQL it is FOR NO
    /// KEY UPDATE, not FOR UPDATE: inserts elsewhere that reference the row
    /// (an approval naming its project) take FOR KEY SHARE for their foreign
    /// key, which FOR UPDATE would block, making a lock cycle with any
    /// writer that holds one of the inserter's rows. SQLite's writers are
    /// serial.
    pub(crate) fn locked_for_write<S: QuerySelect>(self, select: S) -> S {
        match self {
            Dialect::Postgres => select.lock(LockType::NoKeyUpdate),
            Dialect::Sqlite => select,
        }
    }

    /// Serialises the transactions that take the lock `name` until they
    /// end: an advisory lock on PostgreSQL; SQLite's writers are serial.
    pub(crate) async fn lock_name(
        self,
        txn: &impl ConnectionTrait,
        name: &str,
    ) -> Result<(), DbErr> {
        if self == Dialect::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                [name.into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Announces on `channel` when the transaction commits (PostgreSQL).
    pub(crate) async fn notify(
        self,
        txn: &impl ConnectionTrait,
        channel: &str,
    ) -> Result<(), DbErr> {
        if self.notifies() {
            txn.execute_unprepared(&format!("NOTIFY {channel}")).await?;
        }
        Ok(())
    }

    /// Reads one bigint, `n`, from a PostgreSQL-only query; None elsewhere
    /// or on failure.
    async fn postgres_number(self, conn: &impl ConnectionTrait, sql: &str) -> Option<i64> {
        if self != Dialect::Postgres {
            return None;
        }
        let row = conn
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
            .await
            .ok()??;
        row.try_get("", "n").ok()
    }

    /// A new transaction id, above every id assigned before (PostgreSQL;
    /// None on SQLite, whose writers commit in order).
    pub(crate) async fn new_transaction_id(self, conn: &impl ConnectionTrait) -> Option<i64> {
        self.postgres_number(conn, "SELECT pg_current_xact_id()::text::bigint AS n")
            .await
    }

    /// The oldest transaction id still running (PostgreSQL). A snapshot's
    /// xmin counts only transactions below its xmax, which is one past the
    /// latest *completed* id, so it says nothing of running transactions
    /// above that.
    pub(crate) async fn oldest_running_transaction(
        self,
        conn: &impl ConnectionTrait,
    ) -> Option<i64> {
        self.postgres_number(
            conn,
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS n",
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_days() {
        assert_eq!(Dialect::Postgres.placeholder(2), "$2");
        assert_eq!(Dialect::Sqlite.placeholder(2), "?");
        assert_eq!(
            Dialect::Sqlite.utc_day("created_at"),
            "substr(created_at, 1, 10)"
        );
    }
}
