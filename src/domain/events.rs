//! The transactional outbox: each state change appends one row in the
//! transaction that makes the change, so that subscribers see exactly the
//! changes that committed.

use chrono::Utc;
use entity::{RunStatus, VersionStatus};
use sea_orm::{ActiveEnum, ActiveValue::NotSet, ConnectionTrait, EntityTrait, Set};
use serde_json::Value;
use uuid::Uuid;

use super::error::DomainResult;
use super::ids::new_id;

pub const RUN_CREATED: &str = "run.created";
pub const RUN_UPDATED: &str = "run.updated";
pub const VERSION_CREATED: &str = "version.created";
pub const VERSION_STATUS: &str = "version.status";
pub const CONTEXT_PROMOTED: &str = "context.promoted";

/// The version status an event announces, from the event's own payload (not
/// the version as it is now, which may have moved on): PENDING for a new
/// version, the `to` of a status change; None for other events.
pub fn announced_version_status(event: &entity::event::Model) -> Option<VersionStatus> {
    match event.kind.as_str() {
        VERSION_CREATED => Some(VersionStatus::Pending),
        VERSION_STATUS => stored_word(event, "to"),
        _ => None,
    }
}

/// The run status a run event announces, from its payload's `status`.
pub fn announced_run_status(event: &entity::event::Model) -> Option<RunStatus> {
    match event.kind.as_str() {
        RUN_CREATED | RUN_UPDATED => stored_word(event, "status"),
        _ => None,
    }
}

/// A status written into a payload as its stored word ("APPROVED").
fn stored_word<E: ActiveEnum<Value = String>>(
    event: &entity::event::Model,
    key: &str,
) -> Option<E> {
    let word = event.payload.get(key)?.as_str()?;
    E::try_from_value(&word.to_owned()).ok()
}

pub async fn append(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    kind: &str,
    entity_id: Uuid,
    payload: Value,
) -> DomainResult<()> {
    let row = entity::event::ActiveModel {
        position: NotSet,
        id: Set(new_id()),
        project_id: Set(project_id),
        kind: Set(kind.to_owned()),
        entity_id: Set(entity_id),
        payload: Set(payload),
        created_at: Set(Utc::now()),
    };
    entity::event::Entity::insert(row).exec(txn).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Delivered at commit, to the readers of every process.
        txn.execute_unprepared(&format!("NOTIFY {}", crate::events::CHANNEL))
            .await?;
    }
    Ok(())
}

/// Deletes events older than `retention` and records how far it went, so
/// that resuming from a pruned cursor fails clearly. Returns how many.
pub async fn prune(db: &crate::db::Db, retention: std::time::Duration) -> DomainResult<u64> {
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let cutoff =
        Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(7));
    super::write::transact(db, |txn| async move {
        let highest: Option<Option<i64>> = entity::event::Entity::find()
            .select_only()
            .column_as(entity::event::Column::Position.max(), "highest")
            .filter(entity::event::Column::CreatedAt.lt(cutoff))
            .into_tuple()
            .one(&txn)
            .await?;
        let Some(through) = highest.flatten() else {
            return Ok(0);
        };
        let deleted = entity::event::Entity::delete_many()
            .filter(entity::event::Column::Position.lte(through))
            .exec(&txn)
            .await?;
        entity::outbox_state::Entity::update_many()
            .col_expr(
                entity::outbox_state::Column::PrunedThrough,
                sea_orm::sea_query::Expr::value(through),
            )
            .filter(entity::outbox_state::Column::Id.eq(1))
            .filter(entity::outbox_state::Column::PrunedThrough.lt(through))
            .exec(&txn)
            .await?;
        Ok(deleted.rows_affected)
    })
    .await
}
