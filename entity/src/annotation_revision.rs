//! The audit trail of a version's annotations: one row per `setAnnotations`,
//! with the revision it made, what it set, who and when.
use sea_orm::entity::prelude::*;

use crate::ActorType;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annotation_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub version_id: Uuid,
    /// The version's `annotations_revision` after this change.
    pub revision: i32,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub annotations: Option<Json>,
    pub actor_id: Uuid,
    pub actor_name: String,
    pub actor_type: ActorType,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
