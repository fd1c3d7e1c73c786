//! The append-only audit log of reviews and promotions.
use sea_orm::entity::prelude::*;

use crate::{ActorType, ReviewAction};

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approvals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub version_id: Option<Uuid>,
    pub project_id: Uuid,
    pub run_id: Option<Uuid>,
    pub action: ReviewAction,
    pub actor_id: Uuid,
    pub actor_name: String,
    pub actor_type: ActorType,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub feedback: Option<Json>,
    pub context_version: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::artifact_version::Entity",
        from = "Column::VersionId",
        to = "super::artifact_version::Column::Id"
    )]
    Version,
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
}

impl ActiveModelBehavior for ActiveModel {}
