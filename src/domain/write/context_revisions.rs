//! The one writer of a project's context: moving it on under its optimistic
//! lock, and writing the revision and its outbox event. Promotion and a
//! reshaping schema upgrade both write through it.

use chrono::Utc;
use entity::{artifact_version as version, context_revision, project};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::db::WriteTxn;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::IdKind;
use crate::domain::write::events::{self, Change, PublicId};

/// CONFLICT: the context is at `current`, not the `expected` version.
pub(crate) fn conflict(current: i32, expected: i32) -> DomainError {
    DomainError::Conflict {
        message: format!(
            "the context is at version {current}, not {expected}: read it again and retry"
        ),
        current_context_version: Some(current),
    }
}

/// The optimistic lock itself: only the transaction that still sees the
/// expected version moves the context on.
pub(crate) async fn advance(
    txn: &WriteTxn,
    project: &project::Model,
    expected: i32,
    context: &serde_json::Value,
    now: chrono::DateTime<Utc>,
) -> DomainResult<()> {
    let updated = project::Entity::update_many()
        .col_expr(project::Column::Context, Expr::value(context.clone()))
        .col_expr(project::Column::ContextVersion, Expr::value(expected + 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(now))
        .filter(project::Column::Id.eq(project.id))
        .filter(project::Column::ContextVersion.eq(expected))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        let current = project::Entity::find_by_id(project.id)
            .one(txn)
            .await?
            .map_or(project.context_version, |p| p.context_version);
        return Err(conflict(current, expected));
    }
    Ok(())
}

/// Writes `context` as the project's next context revision, with no
/// version promoted: a registered upgrade reshaping what is there (see
/// `schemas::register`). CONFLICT when the context moved meanwhile.
pub(crate) async fn reshape(
    txn: &WriteTxn,
    project: &project::Model,
    context: &serde_json::Value,
) -> DomainResult<i32> {
    let now = Utc::now();
    let next = project.context_version + 1;
    advance(txn, project, project.context_version, context, now).await?;
    write_revision(txn, project.id, next, context, now, &[]).await?;
    Ok(next)
}

/// The context revision `next` and its outbox event, naming the versions
/// it promoted (none for a reshaping upgrade).
pub(crate) async fn write_revision(
    txn: &WriteTxn,
    project_id: Uuid,
    next: i32,
    context: &serde_json::Value,
    now: chrono::DateTime<Utc>,
    promoted: &[version::Model],
) -> DomainResult<()> {
    context_revision::Entity::insert(context_revision::ActiveModel {
        project_id: Set(project_id),
        context_version: Set(next),
        context: Set(context.clone()),
        created_at: Set(now),
    })
    .exec(txn)
    .await?;
    events::append(
        txn,
        project_id,
        project_id,
        Change::ContextPromoted {
            context_version: next,
            promoted: promoted
                .iter()
                .map(|v| PublicId::new(IdKind::Version, v.id))
                .collect(),
        },
    )
    .await?;
    Ok(())
}
