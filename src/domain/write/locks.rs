//! Row and name locks a write takes so that concurrent writers of the same
//! thing queue up. They live here, below every capability, so that any
//! capability can take them without calling into the one that owns the row.

use entity::run;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::db::{Dialect, WriteTxn};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::IdKind;

/// A run of `project_id` (`text`: its public ID, for the error), locked
/// until the transaction ends so that it cannot close meanwhile; NOT_FOUND
/// when it is absent or of another project.
pub(crate) async fn run_in_project(
    txn: &WriteTxn,
    project_id: Uuid,
    id: Uuid,
    text: &str,
) -> DomainResult<run::Model> {
    let query = run::Entity::find_by_id(id);
    let found = Dialect::of(txn).locked_for_write(query).one(txn).await?;
    found
        .filter(|r| r.project_id == project_id)
        .ok_or_else(|| DomainError::not_found(IdKind::Run, text))
}

/// Serialises writers of one schema key until the transaction ends.
pub(crate) async fn schema_key(
    txn: &WriteTxn,
    project_id: Uuid,
    schema_key: &str,
) -> DomainResult<()> {
    let name = format!("artifact_versions/{project_id}/{schema_key}");
    Ok(Dialect::of(txn).lock_name(txn, &name).await?)
}
