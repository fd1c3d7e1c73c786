use sea_orm::entity::prelude::*;

use crate::{ActorType, Money, RunStatus};

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub pipeline: String,
    pub status: RunStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub input: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub variables: Option<Json>,
    #[sea_orm(column_type = "Text", nullable)]
    pub output: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    #[sea_orm(column_type = "Decimal(Some((20, 10)))", nullable)]
    pub cost: Option<Money>,
    pub parent_run_id: Option<Uuid>,
    pub created_by_id: Uuid,
    pub created_by_name: String,
    pub created_by_type: ActorType,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentRunId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
