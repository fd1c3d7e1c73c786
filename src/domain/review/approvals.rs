//! Reading the audit trail of reviews and promotions.

use entity::{ReviewAction, approval, artifact_version as version};
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter};
use uuid::Uuid;

use crate::domain::Session;
use crate::domain::error::DomainResult;
use crate::domain::query::pagination::{self, Page, PageArgs, Total};

/// A project's audit trail, newest first, optionally of some actions only.
pub(crate) async fn list(
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
        Total::Rows,
        approval::Column::Id,
        Order::Desc,
        |a| a.id,
        args,
    )
    .await
}

/// One audit entry, or `None` when it is missing or outside the caller's
/// project scope.
pub(crate) async fn by_id(s: Session<'_>, id: Uuid) -> DomainResult<Option<approval::Model>> {
    let found = approval::Entity::find_by_id(id).one(&s.db.conn).await?;
    Ok(found.filter(|a| s.principal.can_see(a.project_id)))
}

/// One entry of the audit trail: an action taken on a version.
pub(crate) struct Entry<'a> {
    /// The version acted on (its project and source run are recorded too).
    pub version: &'a version::Model,
    /// What was done.
    pub action: ReviewAction,
    /// Why, in the actor's words (or the rule's).
    pub reason: Option<String>,
    /// Structured feedback for the version's author.
    pub feedback: Option<serde_json::Value>,
    /// The context version a promotion produced.
    pub context_version: Option<i32>,
}

impl<'a> Entry<'a> {
    /// `action` on `version`, with nothing else said.
    pub(crate) fn of(version: &'a version::Model, action: ReviewAction) -> Self {
        Entry {
            version,
            action,
            reason: None,
            feedback: None,
            context_version: None,
        }
    }
}

/// Appends `entry`, taken by `actor`, to the audit trail.
pub(crate) async fn append(
    txn: &impl sea_orm::ConnectionTrait,
    actor: &crate::domain::Actor,
    entry: Entry<'_>,
) -> DomainResult<approval::Model> {
    let row = approval::Model {
        id: crate::domain::ids::new_id(),
        version_id: Some(entry.version.id),
        project_id: entry.version.project_id,
        run_id: entry.version.source_run_id,
        action: entry.action,
        actor_id: actor.id,
        actor_name: actor.name.clone(),
        actor_type: actor.actor_type,
        reason: entry.reason,
        feedback: entry.feedback,
        context_version: entry.context_version,
        created_at: chrono::Utc::now(),
    };
    approval::Entity::insert(approval::ActiveModel::from(row.clone()))
        .exec(txn)
        .await?;
    Ok(row)
}
