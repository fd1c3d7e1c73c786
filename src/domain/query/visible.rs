//! Rows by id, if the caller may see them: the one scope check every
//! capability's point read and write goes through.

use entity::artifact_version as version;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::domain::Session;
use crate::domain::error::DomainResult;

/// A version by id through `conn` (a transaction, say), if the caller may see it.
pub(crate) async fn version(
    s: Session<'_>,
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> DomainResult<Option<version::Model>> {
    let found = version::Entity::find_by_id(id).one(conn).await?;
    Ok(found.filter(|v| s.principal.can_see(v.project_id)))
}
