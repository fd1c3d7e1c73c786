//! Retention: keeping the database small without losing history.
//!
//! Per project, the values of REJECTED or SUPERSEDED versions older than
//! their policy's days move out of the database into the object store
//! (gzip-compressed, content-addressed like files): the row keeps its
//! digest and audit trail, `archived` becomes true, and reads fetch the
//! value back. Run and step outputs older than `run_output_days` are
//! dropped for good. Promoted and APPROVED values and the latest version of
//! every key never move.
//!
//! [`apply`] works in bounded batches, each its own short transaction. A
//! value leaves the database only after its blob is stored and read back
//! equal, so a run stopped at any point loses nothing: what it stored but
//! did not record is stored again (the same key) by the next run.

use std::io::{Read, Write};

use bytes::Bytes;
use chrono::{Duration, Utc};
use entity::{Role, VersionStatus, artifact_version as version, retention_policy, run, run_step};
use futures::StreamExt;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::Value;
use uuid::Uuid;

use crate::db::Db;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::write::transact;
use crate::domain::{Session, projects};
use crate::storage::{BlobStore, boxed};

/// Versions (or outputs) handled per transaction.
pub const BATCH: u64 = 100;
/// The most days a policy may keep something (100 years).
pub const MAX_DAYS: i32 = 36_500;

/// What [`set_policy`] needs; a day count of None keeps for ever.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    /// The project's public ID.
    pub project_id: String,
    /// Archive REJECTED versions' values older than this.
    pub rejected_days: Option<i32>,
    /// Archive SUPERSEDED versions' values older than this.
    pub superseded_days: Option<i32>,
    /// Drop run and step outputs older than this.
    pub run_output_days: Option<i32>,
}

/// Sets a project's retention policy, replacing the one it had. ADMIN;
/// NOT_FOUND for a project the caller cannot see, VALIDATION_FAILED for a
/// day count outside 0..=36500.
pub async fn set_policy(s: Session<'_>, input: NewPolicy) -> DomainResult<retention_policy::Model> {
    s.principal.require_role(Role::Admin)?;
    for (name, days) in [
        ("rejectedDays", input.rejected_days),
        ("supersededDays", input.superseded_days),
        ("runOutputDays", input.run_output_days),
    ] {
        if let Some(d) = days
            && !(0..=MAX_DAYS).contains(&d)
        {
            return Err(DomainError::validation(format!(
                "{name} is {d}, outside 0..={MAX_DAYS}"
            )));
        }
    }
    let project = projects::require(s, &input.project_id).await?;
    let actor = &s.principal.actor;
    let input = &input;
    transact(s.db, move |txn| async move {
        let row = retention_policy::Model {
            project_id: project.id,
            rejected_days: input.rejected_days,
            superseded_days: input.superseded_days,
            run_output_days: input.run_output_days,
            updated_by_id: actor.id,
            updated_by_name: actor.name.clone(),
            updated_at: Utc::now(),
        };
        retention_policy::Entity::delete_by_id(project.id)
            .exec(&txn)
            .await?;
        retention_policy::Entity::insert(retention_policy::ActiveModel::from(row.clone()))
            .exec(&txn)
            .await?;
        Ok(row)
    })
    .await
}

/// A project's retention policy, if it has one.
pub async fn policy_of(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> DomainResult<Option<retention_policy::Model>> {
    Ok(retention_policy::Entity::find_by_id(project_id)
        .one(conn)
        .await?)
}

/// What a retention run did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Versions whose values moved to the object store.
    pub versions_archived: u64,
    /// Their compressed bytes.
    pub bytes_moved: u64,
    /// Run outputs dropped.
    pub run_outputs_dropped: u64,
    /// Step outputs dropped.
    pub step_outputs_dropped: u64,
}

/// Applies every project's policy; with `dry_run`, only counts.
pub async fn apply(db: &Db, store: &dyn BlobStore, dry_run: bool) -> DomainResult<Report> {
    let policies = retention_policy::Entity::find()
        .order_by_asc(retention_policy::Column::ProjectId)
        .all(&db.conn)
        .await?;
    let mut report = Report::default();
    for policy in policies {
        let now = Utc::now();
        for (status, days) in [
            (VersionStatus::Rejected, policy.rejected_days),
            (VersionStatus::Superseded, policy.superseded_days),
        ] {
            if let Some(days) = days {
                let cutoff = now - Duration::days(days as i64);
                archive(
                    db,
                    store,
                    policy.project_id,
                    status,
                    cutoff,
                    dry_run,
                    &mut report,
                )
                .await?;
            }
        }
        if let Some(days) = policy.run_output_days {
            let cutoff = now - Duration::days(days as i64);
            drop_outputs(db, policy.project_id, cutoff, dry_run, &mut report).await?;
        }
    }
    Ok(report)
}

/// The versions of one status whose values may move: older than `cutoff`,
/// not archived, not in the context, not the latest of their key; a page of
/// them after `after`.
fn movable(
    project_id: Uuid,
    status: VersionStatus,
    cutoff: chrono::DateTime<Utc>,
    after: Option<Uuid>,
) -> sea_orm::Select<version::Entity> {
    let newer = Query::select()
        .expr(Expr::cust("1"))
        .from_as(version::Entity, "newer")
        .and_where(Expr::cust(
            "\"newer\".\"project_id\" = \"artifact_versions\".\"project_id\"",
        ))
        .and_where(Expr::cust(
            "\"newer\".\"schema_key\" = \"artifact_versions\".\"schema_key\"",
        ))
        .and_where(Expr::cust(
            "\"newer\".\"version_number\" > \"artifact_versions\".\"version_number\"",
        ))
        .to_owned();
    let mut select = version::Entity::find()
        .filter(version::Column::ProjectId.eq(project_id))
        .filter(version::Column::Status.eq(status))
        .filter(version::Column::CreatedAt.lt(cutoff))
        .filter(version::Column::ArchivedKey.is_null())
        .filter(version::Column::PromotedContextVersion.is_null())
        .filter(Expr::exists(newer));
    if let Some(after) = after {
        select = select.filter(version::Column::Id.gt(after));
    }
    select.order_by_asc(version::Column::Id).limit(BATCH)
}

#[allow(clippy::too_many_arguments)]
async fn archive(
    db: &Db,
    store: &dyn BlobStore,
    project_id: Uuid,
    status: VersionStatus,
    cutoff: chrono::DateTime<Utc>,
    dry_run: bool,
    report: &mut Report,
) -> DomainResult<()> {
    let mut after = None;
    loop {
        let batch = movable(project_id, status, cutoff, after)
            .all(&db.conn)
            .await?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = Some(last.id);
        let mut stored = Vec::with_capacity(batch.len());
        for v in &batch {
            let value = crate::domain::values::tree(v)?;
            let compressed = compress(&value)?;
            let size = compressed.len() as u64;
            if dry_run {
                report.versions_archived += 1;
                report.bytes_moved += size;
                continue;
            }
            let key = put_verified(store, compressed, &value).await?;
            stored.push((v.id, key, size, value));
        }
        if dry_run {
            continue;
        }
        // One short transaction per batch; a row that changed meanwhile (a
        // promotion, say) is left as it is.
        let txn = db.begin_write().await?;
        for (id, key, size, value) in stored {
            // `quire gc` deletes a blob only under this lock and when nothing
            // points at it: under it, the blob written above is either still
            // there or written again, and then pointed at.
            crate::domain::artifacts::files::lock_blob(&txn, &key).await?;
            if read_value(store, &key).await.ok().as_ref() != Some(&value) {
                put_verified(store, compress(&value)?, &value).await?;
            }
            let moved = version::Entity::update_many()
                .col_expr(version::Column::Value, Expr::value(Value::Null))
                .col_expr(version::Column::ArchivedKey, Expr::value(key))
                .filter(version::Column::Id.eq(id))
                .filter(version::Column::Status.eq(status))
                .filter(version::Column::ArchivedKey.is_null())
                .filter(version::Column::PromotedContextVersion.is_null())
                .exec(&txn)
                .await?;
            // Counted only when the row moved (not when it changed meanwhile).
            if moved.rows_affected == 1 {
                report.versions_archived += 1;
                report.bytes_moved += size;
            }
        }
        txn.commit().await?;
    }
}

/// Stores `compressed` and reads it back: its key once the bytes read are
/// the value again.
async fn put_verified(
    store: &dyn BlobStore,
    compressed: Vec<u8>,
    value: &Value,
) -> DomainResult<String> {
    let size = compressed.len() as u64;
    let body =
        futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(compressed)) });
    let staged = store.stage(boxed(body), size).await?;
    let key = store.commit(&staged).await?;
    let back = read_value(store, &key).await?;
    if &back != value {
        return Err(DomainError::Internal(format!(
            "the archived value at {key} does not read back equal"
        )));
    }
    Ok(key)
}

/// An archived value, read back from the object store. A value that cannot
/// be read (a store moved or misconfigured) is UNAVAILABLE with why, never
/// INTERNAL: the row and its digest are intact.
pub(crate) async fn read_value(store: &dyn BlobStore, key: &str) -> DomainResult<Value> {
    read_archived(store, key).await.map_err(|e| {
        tracing::error!(key, error = %e, "an archived value cannot be read back");
        DomainError::Unavailable(format!(
            "the archived value at {key} cannot be read from this server's file store ({e}); the version's row and digest are intact"
        ))
    })
}

async fn read_archived(store: &dyn BlobStore, key: &str) -> DomainResult<Value> {
    let mut download = store.read(key, None).await?;
    let mut bytes = Vec::with_capacity(download.total_size as usize);
    while let Some(chunk) = download.body.next().await {
        bytes.extend_from_slice(&chunk?);
    }
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_end(&mut json)
        .map_err(|e| DomainError::Internal(format!("archived value {key} is not gzip: {e}")))?;
    serde_json::from_slice(&json)
        .map_err(|e| DomainError::Internal(format!("archived value {key} is not JSON: {e}")))
}

fn compress(value: &Value) -> DomainResult<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(|e| DomainError::Internal(e.to_string()))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&json)
        .and_then(|_| encoder.finish())
        .map_err(|e| DomainError::Internal(format!("compressing a value: {e}")))
}

/// Drops run and step outputs older than `cutoff`, a batch per statement.
async fn drop_outputs(
    db: &Db,
    project_id: Uuid,
    cutoff: chrono::DateTime<Utc>,
    dry_run: bool,
    report: &mut Report,
) -> DomainResult<()> {
    let runs_of_project = || {
        run::Entity::find()
            .select_only()
            .column(run::Column::Id)
            .filter(run::Column::ProjectId.eq(project_id))
            .into_query()
    };
    let old_runs = || {
        run::Entity::find()
            .select_only()
            .column(run::Column::Id)
            .filter(run::Column::ProjectId.eq(project_id))
            .filter(run::Column::CreatedAt.lt(cutoff))
            .filter(run::Column::Output.is_not_null())
    };
    let old_steps = || {
        run_step::Entity::find()
            .select_only()
            .column(run_step::Column::Id)
            .filter(run_step::Column::RunId.in_subquery(runs_of_project()))
            .filter(run_step::Column::CreatedAt.lt(cutoff))
            .filter(run_step::Column::Output.is_not_null())
    };
    if dry_run {
        use sea_orm::PaginatorTrait;
        report.run_outputs_dropped += old_runs().count(&db.conn).await?;
        report.step_outputs_dropped += old_steps().count(&db.conn).await?;
        return Ok(());
    }
    loop {
        let ids: Vec<Uuid> = old_runs().limit(BATCH).into_tuple().all(&db.conn).await?;
        if ids.is_empty() {
            break;
        }
        let done = run::Entity::update_many()
            .col_expr(run::Column::Output, Expr::value(Option::<String>::None))
            .filter(run::Column::Id.is_in(ids))
            .exec(&db.conn)
            .await?;
        report.run_outputs_dropped += done.rows_affected;
    }
    loop {
        let ids: Vec<Uuid> = old_steps().limit(BATCH).into_tuple().all(&db.conn).await?;
        if ids.is_empty() {
            break;
        }
        let done = run_step::Entity::update_many()
            .col_expr(
                run_step::Column::Output,
                Expr::value(Option::<String>::None),
            )
            .filter(run_step::Column::Id.is_in(ids))
            .exec(&db.conn)
            .await?;
        report.step_outputs_dropped += done.rows_affected;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_compress_and_come_back() {
        let v = json!({ "a": [1, 2, 3], "b": "x".repeat(1000) });
        let packed = compress(&v).unwrap();
        assert!(packed.len() < 200, "{}", packed.len());
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(packed.as_slice())
            .read_to_end(&mut json)
            .unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&json).unwrap(), v);
    }
}
