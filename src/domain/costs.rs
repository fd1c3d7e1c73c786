//! Cost analytics: runs, tokens and exact cost per model, pipeline or day,
//! aggregated in SQL.
//!
//! PostgreSQL sums the numeric column. SQLite keeps money as decimal text
//! with exactly ten fractional digits (see `entity::money`), so it sums the
//! digits as a 64-bit integer of 1e-10 units: exact, with no float between.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{DbBackend, FromQueryResult, Statement, Value};
use uuid::Uuid;

use super::Session;
use super::error::DomainResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Model,
    Pipeline,
    Day,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub runs: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Decimal,
}

#[derive(FromQueryResult)]
struct PgRow {
    key: String,
    runs: i64,
    input_tokens: Option<Decimal>,
    output_tokens: Option<Decimal>,
    cost: Option<Decimal>,
}

#[derive(FromQueryResult)]
struct SqliteRow {
    key: String,
    runs: i64,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_units: Option<i64>,
}

/// Runs created in [from, to), grouped.
pub async fn summary(
    s: Session<'_>,
    project_id: Uuid,
    grouping: Grouping,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> DomainResult<Vec<Bucket>> {
    let backend = s.db.backend();
    let key = match (grouping, backend) {
        (Grouping::Model, _) => "COALESCE(model, '(none)')",
        (Grouping::Pipeline, _) => "pipeline",
        (Grouping::Day, DbBackend::Postgres) => {
            "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
        (Grouping::Day, _) => "substr(created_at, 1, 10)",
    };
    let (p1, p2, p3) = match backend {
        DbBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?", "?", "?"),
    };
    let mut filter = format!("project_id = {p1}");
    let mut values: Vec<Value> = vec![project_id.into()];
    if let Some(from) = from {
        filter.push_str(&format!(" AND created_at >= {p2}"));
        values.push(from.into());
    }
    if let Some(to) = to {
        let p = if values.len() == 2 { p3 } else { p2 };
        filter.push_str(&format!(" AND created_at < {p}"));
        values.push(to.into());
    }
    let buckets = if backend == DbBackend::Postgres {
        let sql = format!(
            "SELECT {key} AS key, COUNT(*) AS runs, SUM(input_tokens) AS input_tokens, \
             SUM(output_tokens) AS output_tokens, SUM(cost) AS cost \
             FROM runs WHERE {filter} GROUP BY 1 ORDER BY 1"
        );
        PgRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(&s.db.conn)
            .await?
            .into_iter()
            .map(|r| Bucket {
                key: r.key,
                runs: r.runs,
                input_tokens: r.input_tokens.and_then(|d| d.try_into().ok()).unwrap_or(0),
                output_tokens: r.output_tokens.and_then(|d| d.try_into().ok()).unwrap_or(0),
                cost: r.cost.unwrap_or_default().normalize(),
            })
            .collect()
    } else {
        let sql = format!(
            "SELECT {key} AS key, COUNT(*) AS runs, SUM(input_tokens) AS input_tokens, \
             SUM(output_tokens) AS output_tokens, \
             SUM(CAST(REPLACE(cost, '.', '') AS INTEGER)) AS cost_units \
             FROM runs WHERE {filter} GROUP BY 1 ORDER BY 1"
        );
        SqliteRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(&s.db.conn)
            .await?
            .into_iter()
            .map(|r| Bucket {
                key: r.key,
                runs: r.runs,
                input_tokens: r.input_tokens.unwrap_or(0),
                output_tokens: r.output_tokens.unwrap_or(0),
                cost: Decimal::new(r.cost_units.unwrap_or(0), entity::money::SCALE).normalize(),
            })
            .collect()
    };
    Ok(buckets)
}
