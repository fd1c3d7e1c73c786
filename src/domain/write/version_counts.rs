//! How many versions each project has in each status, so that a page's
//! totalCount (the review queue's above all) is a sum of a few rows rather
//! than a count of every matching version: at 1M versions that count read
//! 166k index entries for every review page.
//!
//! The rows (table `version_counts`) are kept by the writes themselves:
//! every change that creates a version or moves its status is announced by
//! an outbox event, and [`crate::domain::write::events::append`] tallies it here. The
//! transaction writes its tallies in one statement just before it commits
//! ([`flush`], called by `write::transact`), so the rows every writer of a
//! project updates are locked only for the commit, always last and in key
//! order: they add no deadlock and little waiting. Each (project, status)
//! total is spread over [`SHARDS`] rows, one picked at random per
//! transaction, so that concurrent writers seldom queue on one row.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::VersionStatus;

use crate::db::WriteTxn;
use crate::domain::error::DomainResult;

const TABLE: &str = "version_counts";

/// How many rows one (project, status) total is spread over.
const SHARDS: u128 = 8;

/// The column holding a row's share of its (project, status) total.
const COUNT: &str = "versions";

/// The columns that make a row's key.
fn key() -> [Alias; 3] {
    ["project_id", "status", "shard"].map(Alias::new)
}

/// Every column, in the order the writes below give them: the key, then COUNT.
fn columns() -> impl Iterator<Item = Alias> {
    key().into_iter().chain([Alias::new(COUNT)])
}

/// Notes in `txn` that a version of `project_id` moved from `from` (None:
/// it is new) to `to`.
pub(crate) fn moved(
    txn: &WriteTxn,
    project_id: Uuid,
    from: Option<VersionStatus>,
    to: VersionStatus,
) {
    if let Some(from) = from {
        txn.tally(project_id, from.to_value(), -1);
    }
    txn.tally(project_id, to.to_value(), 1);
}

/// Writes what `txn` tallied, in one statement; nothing when it tallied
/// nothing.
pub(crate) async fn flush(txn: &WriteTxn) -> DomainResult<()> {
    let tallies = txn.take_tallies();
    if tallies.is_empty() {
        return Ok(());
    }
    let shard = (Uuid::now_v7().as_u128() % SHARDS) as i16;
    let versions = Alias::new(COUNT);
    let mut insert = Query::insert();
    insert.into_table(Alias::new(TABLE)).columns(columns());
    for (project_id, status, delta) in tallies {
        insert.values_panic([project_id.into(), status.into(), shard.into(), delta.into()]);
    }
    insert.on_conflict(
        OnConflict::columns(key())
            .value(
                versions.clone(),
                Expr::col((Alias::new(TABLE), versions.clone()))
                    .add(Expr::col((Alias::new("excluded"), versions))),
            )
            .to_owned(),
    );
    txn.execute(&insert).await?;
    Ok(())
}

/// How many versions of `project_id` are in one of `statuses` (any status
/// when empty), as a one-row, one-column statement.
pub(crate) fn total(project_id: Uuid, statuses: &[VersionStatus]) -> SelectStatement {
    let mut select = Query::select();
    select
        // SUM of a BIGINT is NUMERIC on PostgreSQL.
        .expr(Expr::cust(format!(
            "CAST(COALESCE(SUM({COUNT}), 0) AS BIGINT)"
        )))
        .from(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("project_id")).eq(project_id));
    if !statuses.is_empty() {
        select.and_where(
            Expr::col(Alias::new("status")).is_in(statuses.iter().map(|s| s.to_value())),
        );
    }
    select
}

/// Counts a project's versions afresh, for writers that bypass the tallies
/// (the seeder's bulk inserts).
pub(crate) async fn recount(db: &impl ConnectionTrait, project_id: Uuid) -> Result<(), DbErr> {
    let project = Expr::col(Alias::new("project_id")).eq(project_id);
    db.execute(
        Query::delete()
            .from_table(Alias::new(TABLE))
            .and_where(project.clone()),
    )
    .await?;
    let counted = Query::select()
        .column(Alias::new("project_id"))
        .column(Alias::new("status"))
        .expr(Expr::val(0i16))
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new("artifact_versions"))
        .and_where(project)
        .group_by_columns([Alias::new("project_id"), Alias::new("status")])
        .to_owned();
    db.execute(
        Query::insert()
            .into_table(Alias::new(TABLE))
            .columns(columns())
            .select_from(counted)
            .map_err(|e| DbErr::Custom(e.to_string()))?,
    )
    .await?;
    Ok(())
}
