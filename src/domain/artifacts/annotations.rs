//! Annotations that live: a version's value never changes, but its
//! annotations (notes, scores, tags) may, under optimistic locking on
//! `annotations_revision`, each change kept in `annotation_revisions`.

use chrono::Utc;
use entity::{Role, annotation_revision, artifact_version as version};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::write::transact;
use crate::domain::{Session, check_size};

/// New annotations for a version; see [`set`].
pub struct NewAnnotations {
    /// The version's public ID.
    pub version_id: String,
    /// What replaces the annotations.
    pub annotations: Value,
    /// The `annotations_revision` the caller read.
    pub expected_revision: i32,
}

/// Replaces a version's annotations and counts the revision up, in one
/// transaction with its audit row. WRITER or REVIEWER; NOT_FOUND for a
/// version the caller cannot see; CONFLICT (naming the current revision)
/// when the version is no longer at `expected_revision`.
pub async fn set(s: Session<'_>, input: NewAnnotations) -> DomainResult<version::Model> {
    s.principal
        .require_one_of(&[Role::Writer, Role::Reviewer])?;
    let size = serde_json::to_string(&input.annotations)
        .map(|t| t.len())
        .unwrap_or(0);
    check_size("annotations", size, s.limits.max_value_bytes)?;
    let id = ids::decode(IdKind::Version, &input.version_id)?;
    let annotations = Some(input.annotations.clone());
    let (input, annotations) = (&input, &annotations);
    transact(s.db, move |txn| async move {
        let missing = || DomainError::not_found(IdKind::Version, &input.version_id);
        let current = crate::domain::query::visible::version(s, &txn, id)
            .await?
            .ok_or_else(missing)?;
        let stale = || {
            DomainError::conflict(format!(
                "the annotations of {} are at revision {}, not {}: read them again and retry",
                input.version_id, current.annotations_revision, input.expected_revision
            ))
        };
        if current.annotations_revision != input.expected_revision {
            return Err(stale());
        }
        let next = input.expected_revision + 1;
        // The optimistic lock itself: only a writer that still sees the
        // expected revision moves it on.
        let updated = version::Entity::update_many()
            .col_expr(
                version::Column::Annotations,
                Expr::value(annotations.clone()),
            )
            .col_expr(version::Column::AnnotationsRevision, Expr::value(next))
            .filter(version::Column::Id.eq(id))
            .filter(version::Column::AnnotationsRevision.eq(input.expected_revision))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(DomainError::conflict(format!(
                "the annotations of {} changed meanwhile: read them again and retry",
                input.version_id
            )));
        }
        let actor = &s.principal.actor;
        annotation_revision::Entity::insert(annotation_revision::ActiveModel::from(
            annotation_revision::Model {
                id: ids::new_id(),
                version_id: id,
                revision: next,
                annotations: annotations.clone(),
                actor_id: actor.id,
                actor_name: actor.name.clone(),
                actor_type: actor.actor_type,
                created_at: Utc::now(),
            },
        ))
        .exec(&txn)
        .await?;
        Ok(version::Model {
            annotations: annotations.clone(),
            annotations_revision: next,
            ..current
        })
    })
    .await
}
