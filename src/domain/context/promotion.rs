//! Promotion: APPROVED values into the project context, under optimistic
//! locking on `context_version` so that no promotion is ever lost.

use chrono::Utc;
use entity::{ReviewAction, Role, VersionStatus, artifact_version as version, project};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::WriteTxn;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::review::approvals::Entry;
use crate::domain::values::{below, parents_first, set_path, within};
use crate::domain::write::context_revisions::{advance, conflict, write_revision};
use crate::domain::write::idempotency::Idempotency;
use crate::domain::{Session, projects, review::approvals, schemas};

/// A request to promote approved versions into a project's context; see
/// [`promote`]. Serialized (without the key) as the idempotency input.
#[derive(Debug, Clone, Serialize)]
pub struct Promotion {
    /// The project's public ID.
    pub project_id: String,
    /// The context version the caller read: the optimistic lock.
    pub expected_context_version: i32,
    /// None: every APPROVED version not promoted yet.
    pub version_ids: Option<Vec<String>>,
    /// Makes a retried promotion return the first one's result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// What a promotion did.
#[derive(Debug, Clone)]
pub struct Promoted {
    /// The project with its new context.
    pub project: project::Model,
    /// The context version the promotion produced.
    pub context_version: i32,
    /// The versions promoted, in the order asked (or found), each now
    /// carrying `promoted_context_version`.
    pub promoted: Vec<version::Model>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    project: Uuid,
    context_version: i32,
    promoted: Vec<Uuid>,
}

/// Writes the chosen APPROVED versions' values into the project context at
/// their schema keys, and no other key (a superseded value stays until its
/// successor is promoted), as context version `expected_context_version + 1`: one
/// transaction with the audit entries, the context revision and the outbox
/// event. REVIEWER; CONFLICT (with the current version) when the context
/// moved on, INVALID_TRANSITION for a named version that is not APPROVED,
/// VALIDATION_FAILED for an empty `version_ids`. With nothing APPROVED left
/// to promote it changes nothing and answers the current context version.
/// Idempotent under `idempotency_key`.
pub async fn promote(s: Session<'_>, input: Promotion) -> DomainResult<Promoted> {
    s.principal.require_role(Role::Reviewer)?;
    let project = projects::require(s, &input.project_id).await?;
    if input.version_ids.as_ref().is_some_and(Vec::is_empty) {
        return Err(DomainError::validation(
            "versionIds names no version: name at least one, or omit it to promote every APPROVED version not promoted yet",
        ));
    }
    let mut wanted = Vec::new();
    for text in input.version_ids.iter().flatten() {
        let id = ids::decode(IdKind::Version, text)?;
        if !wanted.iter().any(|(w, _)| *w == id) {
            wanted.push((id, text.clone()));
        }
    }
    let idem = Idempotency::new(s, "promote", input.idempotency_key.as_deref(), &input)?;
    let (input, wanted) = (&input, &wanted);
    idem.run(
        s.db,
        move |txn| async move {
            let done = promote_in(s, &txn, project.id, input, wanted).await?;
            let record = Stored {
                project: done.project.id,
                context_version: done.context_version,
                promoted: done.promoted.iter().map(|v| v.id).collect(),
            };
            Ok((done, record))
        },
        move |txn, stored: Stored| async move {
            let project = project::Entity::find_by_id(stored.project)
                .one(&txn)
                .await?
                .ok_or_else(|| DomainError::not_found(IdKind::Project, &input.project_id))?;
            let promoted = version::Entity::find()
                .filter(version::Column::Id.is_in(stored.promoted.clone()))
                .all(&txn)
                .await?;
            Ok(Promoted {
                project,
                context_version: stored.context_version,
                promoted: in_order(promoted, &stored.promoted),
            })
        },
    )
    .await
}

fn in_order(mut rows: Vec<version::Model>, order: &[Uuid]) -> Vec<version::Model> {
    rows.sort_by_key(|v| order.iter().position(|id| *id == v.id));
    rows
}

/// The promotion, step by step, inside its transaction.
async fn promote_in(
    s: Session<'_>,
    txn: &WriteTxn,
    project_id: Uuid,
    input: &Promotion,
    wanted: &[(Uuid, String)],
) -> DomainResult<Promoted> {
    let project = lock_at_expected(s, txn, project_id, input).await?;
    let targets = match &input.version_ids {
        Some(_) => named_targets(txn, project_id, wanted).await?,
        None => unpromoted_approved(txn, project_id).await?,
    };
    // Nothing to promote changes nothing: no revision that would make
    // every other reviewer's expected version stale.
    if targets.is_empty() {
        let context_version = project.context_version;
        return Ok(Promoted {
            project,
            context_version,
            promoted: Vec::new(),
        });
    }
    // A promotion changes exactly the paths it promotes: a superseded value
    // stays in the context until its successor is promoted, and is then
    // marked as out of it, as is a value at a path below a promoted one
    // (promoting `brand` replaces what `brand.logo` had put there).
    let (dropped, in_context) = replaced_by(txn, project_id, &targets).await?;
    refuse_nesting(&targets, &in_context, &dropped)?;
    // The context holds each value in its key's newest schema's shape, so
    // that it never mixes schema versions (the versions stay as stored).
    let chains = schemas::chains(txn, targets.iter().map(|v| v.schema_key.clone())).await?;
    let mut values = Vec::with_capacity(targets.len());
    for v in &targets {
        let chain = chains.get(&v.schema_key).map_or(&[][..], Vec::as_slice);
        values.push(schemas::upgraded_to_newest(
            &crate::domain::values::tree(v)?,
            v.schema_version,
            chain,
        )?);
    }
    let context = next_context(&project.context, &targets, values);
    let next = project.context_version + 1;
    let now = Utc::now();
    advance(txn, &project, input.expected_context_version, &context, now).await?;
    mark_promoted(txn, &targets, &dropped, next).await?;
    record(s, txn, project_id, &targets, next, &context, now).await?;
    let promoted = targets
        .into_iter()
        .map(|mut v| {
            v.promoted_context_version = Some(next);
            v
        })
        .collect();
    Ok(Promoted {
        project: project::Model {
            context,
            context_version: next,
            updated_at: now,
            ..project
        },
        context_version: next,
        promoted,
    })
}

/// The project, locked for the promotion, if its context is still at the
/// version the caller read.
async fn lock_at_expected(
    s: Session<'_>,
    txn: &WriteTxn,
    project_id: Uuid,
    input: &Promotion,
) -> DomainResult<project::Model> {
    let query = project::Entity::find_by_id(project_id);
    let project =
        s.db.dialect()
            .locked_for_write(query)
            .one(txn)
            .await?
            .ok_or_else(|| DomainError::not_found(IdKind::Project, &input.project_id))?;
    if project.context_version != input.expected_context_version {
        return Err(conflict(
            project.context_version,
            input.expected_context_version,
        ));
    }
    Ok(project)
}

/// The versions in the context now whose paths the targets replace: the
/// same path, or one below it.
async fn replaced_by(
    txn: &WriteTxn,
    project_id: Uuid,
    targets: &[version::Model],
) -> DomainResult<(Vec<Uuid>, Vec<(Uuid, String)>)> {
    if targets.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let in_context: Vec<(Uuid, String)> = version::Entity::find()
        .select_only()
        .columns([version::Column::Id, version::Column::SchemaKey])
        .filter(version::Column::ProjectId.eq(project_id))
        .filter(version::Column::PromotedContextVersion.is_not_null())
        .into_tuple()
        .all(txn)
        .await?;
    let dropped = in_context
        .iter()
        .filter(|(id, path)| {
            !targets.iter().any(|t| t.id == *id)
                && targets.iter().any(|t| within(path, &t.schema_key))
        })
        .map(|(id, _)| *id)
        .collect();
    Ok((dropped, in_context))
}

/// A promoted value is one whole: a key may not be promoted below another
/// promoted key (promoting `x.y` while `x` is in the context would rewrite
/// `x`'s value behind its entry). CONFLICT naming the key above; promoting
/// a key above promoted ones replaces them (they leave the context).
fn refuse_nesting(
    targets: &[version::Model],
    in_context: &[(Uuid, String)],
    dropped: &[Uuid],
) -> DomainResult<()> {
    let staying = in_context
        .iter()
        .filter(|(id, _)| !dropped.contains(id) && !targets.iter().any(|t| t.id == *id))
        .map(|(_, path)| path.as_str());
    let above: Vec<&str> = staying
        .chain(targets.iter().map(|t| t.schema_key.as_str()))
        .collect();
    for target in targets {
        if let Some(parent) = above.iter().find(|a| below(&target.schema_key, a)) {
            return Err(DomainError::conflict(format!(
                "{} lies below {parent}, which is promoted (or being promoted): a promoted value is one whole, so promote a version of {parent} that holds it instead",
                target.schema_key
            )));
        }
    }
    Ok(())
}

/// The versions the caller named, in their order: each must be in the
/// project and APPROVED.
async fn named_targets(
    txn: &WriteTxn,
    project_id: Uuid,
    wanted: &[(Uuid, String)],
) -> DomainResult<Vec<version::Model>> {
    let found = version::Entity::find()
        .filter(version::Column::Id.is_in(wanted.iter().map(|(id, _)| *id)))
        .filter(version::Column::ProjectId.eq(project_id))
        .all(txn)
        .await?;
    let mut ordered = Vec::with_capacity(wanted.len());
    for (id, text) in wanted {
        let v = found
            .iter()
            .find(|v| v.id == *id)
            .ok_or_else(|| DomainError::not_found(IdKind::Version, text.clone()))?;
        if v.status != VersionStatus::Approved {
            return Err(DomainError::InvalidTransition {
                kind: "artifact version",
                action: "promote",
                from: v.status.to_value(),
            });
        }
        ordered.push(v.clone());
    }
    Ok(ordered)
}

/// Every APPROVED version of the project not yet in its context.
async fn unpromoted_approved(
    txn: &WriteTxn,
    project_id: Uuid,
) -> DomainResult<Vec<version::Model>> {
    Ok(version::Entity::find()
        .filter(version::Column::ProjectId.eq(project_id))
        .filter(version::Column::Status.eq(VersionStatus::Approved))
        .filter(version::Column::PromotedContextVersion.is_null())
        .all(txn)
        .await?)
}

/// The context after the promotion: the targets' `values` (one each, in
/// order) written, parents before children; every other key as it was.
fn next_context(
    current: &serde_json::Value,
    targets: &[version::Model],
    values: Vec<serde_json::Value>,
) -> serde_json::Value {
    let mut context = current.clone();
    let mut by_depth: Vec<(&version::Model, serde_json::Value)> =
        targets.iter().zip(values).collect();
    by_depth.sort_by_key(|(v, _)| parents_first(&v.schema_key));
    for (v, value) in by_depth {
        set_path(&mut context, &v.schema_key, value);
    }
    context
}

/// Marks the targets as in context version `next` and the dropped as out.
async fn mark_promoted(
    txn: &WriteTxn,
    targets: &[version::Model],
    dropped: &[Uuid],
    next: i32,
) -> DomainResult<()> {
    let targets: Vec<Uuid> = targets.iter().map(|v| v.id).collect();
    for (ids, value) in [(targets.as_slice(), Some(next)), (dropped, None)] {
        if ids.is_empty() {
            continue;
        }
        version::Entity::update_many()
            .col_expr(version::Column::PromotedContextVersion, Expr::value(value))
            .filter(version::Column::Id.is_in(ids.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The promotion's trail: an audit entry per version, the context
/// revision, and the outbox event.
async fn record(
    s: Session<'_>,
    txn: &WriteTxn,
    project_id: Uuid,
    targets: &[version::Model],
    next: i32,
    context: &serde_json::Value,
    now: chrono::DateTime<Utc>,
) -> DomainResult<()> {
    for v in targets {
        approvals::append(
            txn,
            &s.principal.actor,
            Entry {
                context_version: Some(next),
                ..Entry::of(v, ReviewAction::Promote)
            },
        )
        .await?;
    }
    write_revision(txn, project_id, next, context, now, targets).await
}
