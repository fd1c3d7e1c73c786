//! Cost analytics: runs, tokens and exact cost per model, pipeline or day,
//! aggregated in SQL.
//!
//! Sums are exact or refused, never wrapped or clamped: a bucket whose token
//! sum exceeds an i64 is VALIDATION_FAILED (narrow `from`/`to`).
//!
//! PostgreSQL sums bigint and numeric into numeric, read as Decimal. SQLite's
//! SUM fails on i64 overflow, so it sums tokens in two parts (billions and
//! the rest), and money, kept as decimal text with exactly ten fractional
//! digits (see `entity::money`), as its whole and fractional digits: each
//! part fits an i64 for any realistic number of runs, and Rust adds them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::{Session, validate};

/// What [`summary`] groups runs by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// The run's model; runs without one fall in `"(none)"`.
    Model,
    /// The run's pipeline name.
    Pipeline,
    /// The UTC day the run was created, as `YYYY-MM-DD`.
    Day,
}

/// The totals of one group of runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// The group: a model, a pipeline or a day, per [`Grouping`].
    pub key: String,
    /// How many runs.
    pub runs: i64,
    /// Their input tokens, summed exactly.
    pub input_tokens: i64,
    /// Their output tokens, summed exactly.
    pub output_tokens: i64,
    /// Their cost, summed exactly (normalized: no trailing zeros).
    pub cost: Decimal,
    /// Runs that reported tokens but have no cost: no price for their model
    /// (or one of their steps') then. Their cost is not in `cost`.
    pub unpriced_runs: i64,
}

#[derive(FromQueryResult)]
struct PgRow {
    key: String,
    runs: i64,
    input_tokens: Option<Decimal>,
    output_tokens: Option<Decimal>,
    cost: Option<Decimal>,
    unpriced_runs: Option<i64>,
}

#[derive(FromQueryResult)]
struct SqliteRow {
    key: String,
    runs: i64,
    input_hi: Option<i64>,
    input_lo: Option<i64>,
    output_hi: Option<i64>,
    output_lo: Option<i64>,
    cost_whole: Option<i64>,
    cost_fraction: Option<i64>,
    unpriced_runs: Option<i64>,
}

/// Where SQLite splits a token count: sum(x / SPLIT) * SPLIT + sum(x % SPLIT).
const SPLIT: i64 = 1_000_000_000;

/// A token sum as an i64, or VALIDATION_FAILED naming the bucket.
fn token_total(field: &str, key: &str, total: Option<i128>) -> DomainResult<i64> {
    let total = total.unwrap_or(0);
    i64::try_from(total).map_err(|_| {
        DomainError::validation(format!(
            "the {field} of {key:?} sum to {total}, more than a 64-bit integer holds: narrow from/to"
        ))
    })
}

fn cost_overflow(key: &str) -> DomainError {
    DomainError::validation(format!(
        "the cost of {key:?} sums to more than Decimal holds: narrow from/to"
    ))
}

impl PgRow {
    fn bucket(self) -> DomainResult<Bucket> {
        let exact = |d: Option<Decimal>| d.map(|d| i128::try_from(d).unwrap_or(i128::MAX));
        Ok(Bucket {
            input_tokens: token_total("inputTokens", &self.key, exact(self.input_tokens))?,
            output_tokens: token_total("outputTokens", &self.key, exact(self.output_tokens))?,
            cost: self.cost.unwrap_or_default().normalize(),
            unpriced_runs: self.unpriced_runs.unwrap_or(0),
            runs: self.runs,
            key: self.key,
        })
    }
}

impl SqliteRow {
    fn bucket(self) -> DomainResult<Bucket> {
        let join = |hi: Option<i64>, lo: Option<i64>| {
            (hi.is_some() || lo.is_some()).then(|| {
                i128::from(hi.unwrap_or(0)) * i128::from(SPLIT) + i128::from(lo.unwrap_or(0))
            })
        };
        let cost = Decimal::from(self.cost_whole.unwrap_or(0))
            .checked_add(Decimal::new(
                self.cost_fraction.unwrap_or(0),
                entity::money::SCALE,
            ))
            .ok_or_else(|| cost_overflow(&self.key))?;
        Ok(Bucket {
            input_tokens: token_total(
                "inputTokens",
                &self.key,
                join(self.input_hi, self.input_lo),
            )?,
            output_tokens: token_total(
                "outputTokens",
                &self.key,
                join(self.output_hi, self.output_lo),
            )?,
            cost: cost.normalize(),
            unpriced_runs: self.unpriced_runs.unwrap_or(0),
            runs: self.runs,
            key: self.key,
        })
    }
}

/// How many runs reported tokens but have no cost (both backends).
const UNPRICED: &str = "SUM(CASE WHEN cost IS NULL AND \
     (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) THEN 1 ELSE 0 END) AS unpriced_runs";

/// The SQLite select list of the split sums.
fn sqlite_sums() -> String {
    let tokens = |column: &str, alias: &str| {
        format!("SUM({column} / {SPLIT}) AS {alias}_hi, SUM({column} % {SPLIT}) AS {alias}_lo")
    };
    format!(
        "{}, {}, \
         SUM(CAST(substr(cost, 1, instr(cost, '.') - 1) AS INTEGER)) AS cost_whole, \
         SUM(CAST(substr(cost, instr(cost, '.') + 1) AS INTEGER)) AS cost_fraction",
        tokens("input_tokens", "input"),
        tokens("output_tokens", "output")
    )
}

/// Totals of the project's runs created in [from, to), one bucket per group,
/// ordered by key. Any role; the caller has already checked the project is
/// visible. VALIDATION_FAILED for a date outside 2000..2100 or a sum over
/// an i64.
pub(crate) async fn summary(
    s: Session<'_>,
    project_id: Uuid,
    grouping: Grouping,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> DomainResult<Vec<Bucket>> {
    validate::date("from", from)?;
    validate::date("to", to)?;
    let dialect = s.db.dialect();
    let backend = dialect.backend();
    let key = match grouping {
        Grouping::Model => "COALESCE(model, '(none)')".to_owned(),
        Grouping::Pipeline => "pipeline".to_owned(),
        Grouping::Day => dialect.utc_day("created_at"),
    };
    let mut filter = format!("project_id = {}", dialect.placeholder(1));
    let mut values: Vec<Value> = vec![project_id.into()];
    for (bound, at) in [(">=", from), ("<", to)] {
        if let Some(at) = at {
            values.push(at.into());
            let p = dialect.placeholder(values.len());
            filter.push_str(&format!(" AND created_at {bound} {p}"));
        }
    }
    if dialect.sums_are_exact() {
        let sql = format!(
            "SELECT {key} AS key, COUNT(*) AS runs, SUM(input_tokens) AS input_tokens, \
             SUM(output_tokens) AS output_tokens, SUM(cost) AS cost, {UNPRICED} \
             FROM runs WHERE {filter} GROUP BY 1 ORDER BY 1"
        );
        PgRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(&s.db.conn)
            .await?
            .into_iter()
            .map(PgRow::bucket)
            .collect()
    } else {
        let sql = format!(
            "SELECT {key} AS key, COUNT(*) AS runs, {}, {UNPRICED} \
             FROM runs WHERE {filter} GROUP BY 1 ORDER BY 1",
            sqlite_sums()
        );
        SqliteRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(&s.db.conn)
            .await?
            .into_iter()
            .map(SqliteRow::bucket)
            .collect()
    }
}
