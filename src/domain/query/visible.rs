//! Rows by id, if the caller may see them: the one scope check every
//! capability's point read and write goes through.

use std::sync::LazyLock;

use entity::artifact_version as version;
use entity::rows::FromColumns;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait};
use uuid::Uuid;

use crate::db::Dialect;
use crate::db::template::{Slot, Templates};
use crate::domain::Session;
use crate::domain::error::DomainResult;

/// A version by id through `conn` (a transaction, say), if the caller may see it.
pub(crate) async fn version(
    s: Session<'_>,
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> DomainResult<Option<version::Model>> {
    static TEMPLATES: LazyLock<Templates<()>> = LazyLock::new(Templates::new);
    let ids = [id];
    let statement = TEMPLATES.statement(Dialect::of(conn), (), &[Slot::Uuids(&ids)], |markers| {
        version::Entity::find()
            .filter(version::Column::Id.is_in(markers.uuids(0)))
            .into_query()
    });
    let found = match conn.query_one_raw(statement).await? {
        Some(row) => Some(version::Model::from_columns(&row, 0)?),
        None => None,
    };
    Ok(found.filter(|v| s.principal.can_see(v.project_id)))
}
