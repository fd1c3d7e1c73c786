//! Reading the audit trail of reviews and promotions.

use entity::{ReviewAction, approval};
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter};
use uuid::Uuid;

use super::Session;
use super::error::DomainResult;
use super::pagination::{self, Page, PageArgs};

/// A project's audit trail, newest first, optionally of some actions only.
pub async fn list(
    s: Session<'_>,
    project_id: Uuid,
    actions: &[ReviewAction],
    args: &PageArgs,
) -> DomainResult<Page<approval::Model>> {
    let mut select = approval::Entity::find().filter(approval::Column::ProjectId.eq(project_id));
    if !actions.is_empty() {
        select = select.filter(approval::Column::Action.is_in(actions.to_vec()));
    }
    pagination::by_uuid(
        &s.db.conn,
        select,
        approval::Column::Id,
        Order::Desc,
        |a| a.id,
        args,
    )
    .await
}

pub async fn by_id(s: Session<'_>, id: Uuid) -> DomainResult<Option<approval::Model>> {
    let found = approval::Entity::find_by_id(id).one(&s.db.conn).await?;
    Ok(found.filter(|a| s.principal.can_see(a.project_id)))
}

/// Appends one entry to the audit trail.
#[allow(clippy::too_many_arguments)]
pub async fn append(
    txn: &impl sea_orm::ConnectionTrait,
    actor: &super::Actor,
    project_id: Uuid,
    version_id: Option<Uuid>,
    run_id: Option<Uuid>,
    action: ReviewAction,
    reason: Option<String>,
    feedback: Option<serde_json::Value>,
    context_version: Option<i32>,
) -> DomainResult<approval::Model> {
    let row = approval::Model {
        id: super::ids::new_id(),
        version_id,
        project_id,
        run_id,
        action,
        actor_id: actor.id,
        actor_name: actor.name.clone(),
        actor_type: actor.actor_type,
        reason,
        feedback,
        context_version,
        created_at: chrono::Utc::now(),
    };
    approval::Entity::insert(approval::ActiveModel::from(row.clone()))
        .exec(txn)
        .await?;
    Ok(row)
}
