//! The project context: approved values placed at their schema-key paths
//! (`brand.logo` -> `{"brand": {"logo": ...}}`), and reading parts of it.

use chrono::{DateTime, Utc};
use entity::{ReviewAction, approval, artifact_version as version, context_revision};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::error::DomainResult;
use crate::domain::values::{parents_first, set_path, subtree};
use crate::domain::{Actor, Session, artifacts::versions, bounds};

/// One path of a project's context and where its value came from.
#[derive(Debug, Clone)]
pub struct ContextEntry {
    /// The promoted version: its schema key is the path, its value the value.
    pub version: version::Model,
    /// The context version whose promotion wrote the path.
    pub context_version: i32,
    /// When that promotion committed.
    pub promoted_at: DateTime<Utc>,
    /// Who promoted it.
    pub promoted_by: Actor,
}

/// Every path in a project's context (the first [`bounds::CONTEXT_ENTRIES`],
/// in path order), or those equal to `path_prefix` or below it, each with
/// the version it came from and its promotion (from the audit trail).
pub async fn entries(
    s: Session<'_>,
    project_id: Uuid,
    path_prefix: Option<&str>,
) -> DomainResult<Vec<ContextEntry>> {
    let mut select = version::Entity::find()
        .filter(version::Column::ProjectId.eq(project_id))
        .filter(version::Column::PromotedContextVersion.is_not_null());
    if let Some(prefix) = path_prefix.filter(|p| !p.is_empty()) {
        select = select.filter(versions::key_prefix_condition(prefix)?);
    }
    let promoted = select
        .order_by_asc(version::Column::SchemaKey)
        .limit(bounds::CONTEXT_ENTRIES as u64)
        .all(&s.db.conn)
        .await?;
    if promoted.is_empty() {
        return Ok(Vec::new());
    }
    let audit = approval::Entity::find()
        .filter(approval::Column::VersionId.is_in(promoted.iter().map(|v| v.id)))
        .filter(approval::Column::Action.eq(ReviewAction::Promote))
        .all(&s.db.conn)
        .await?;
    Ok(promoted
        .into_iter()
        .filter_map(|v| {
            let context_version = v.promoted_context_version?;
            let promotion = audit.iter().find(|a| {
                a.version_id == Some(v.id) && a.context_version == Some(context_version)
            })?;
            Some(ContextEntry {
                context_version,
                promoted_at: promotion.created_at,
                promoted_by: Actor {
                    id: promotion.actor_id,
                    name: promotion.actor_name.clone(),
                    actor_type: promotion.actor_type,
                },
                version: v,
            })
        })
        .collect())
}

/// `context` as a project at `tier` reads it: the value at each key whose
/// schemas gate by tier, without what any of the key's schema versions
/// gates above the tier (a value promoted before an upgrade keeps its old
/// shape, whose gated fields may have other names). One statement, for the
/// gated keys' schemas.
pub(crate) async fn visible(s: Session<'_>, tier: &str, context: &Value) -> DomainResult<Value> {
    let gated = crate::domain::schemas::gated_chains(&s.db.conn).await?;
    let mut context = context.clone();
    let mut keys: Vec<(&String, &Vec<entity::artifact_schema::Model>)> = gated.iter().collect();
    // A child key's gates apply to what its parent's left.
    keys.sort_by_key(|(k, _)| parents_first(k));
    for (key, chain) in keys {
        let Ok(Some(value)) = subtree(&context, Some(key)) else {
            continue;
        };
        let shown = crate::domain::schemas::gated(&s.limits.tiers, tier, chain, &value);
        set_path(&mut context, key, shown);
    }
    Ok(context)
}

/// The context as it was at `version`, if the project had that version.
pub async fn at_version(
    s: Session<'_>,
    project_id: Uuid,
    version: i32,
) -> DomainResult<Option<Value>> {
    let found = context_revision::Entity::find_by_id((project_id, version))
        .one(&s.db.conn)
        .await?;
    Ok(found.map(|r| r.context))
}
