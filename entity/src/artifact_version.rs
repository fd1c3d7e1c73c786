use sea_orm::entity::prelude::*;

use crate::{ActorType, JsonText, VersionStatus};

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "artifact_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// A dot path of `[a-z0-9_-]+` segments, e.g. `brand.palette`.
    pub schema_key: String,
    pub version_number: i32,
    pub status: VersionStatus,
    /// The value as its JSON text (see `JsonText`).
    #[sea_orm(column_type = "JsonBinary")]
    pub value: JsonText,
    pub schema_version: Option<i32>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub annotations: Option<Json>,
    /// Hex SHA-256 over the canonical value and the file digests.
    pub digest: String,
    pub primary_file_id: Option<Uuid>,
    pub source_run_id: Option<Uuid>,
    pub source_step_id: Option<Uuid>,
    pub created_by_id: Uuid,
    pub created_by_name: String,
    pub created_by_type: ActorType,
    pub created_at: DateTimeUtc,
    pub reviewed_by_id: Option<Uuid>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_by_type: Option<ActorType>,
    pub reviewed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    /// The context version whose promotion put this value into the context.
    pub promoted_context_version: Option<i32>,
    /// The version this one revises, of the same key, if any.
    pub base_version_id: Option<Uuid>,
    /// 1, then one more for each `setAnnotations`: its optimistic lock.
    pub annotations_revision: i32,
    /// The approval policy that governed the version when it was created.
    pub approval_policy_id: Option<Uuid>,
    /// Where retention moved the value (then `value` is null).
    pub archived_key: Option<String>,
    /// What the governing policy's rule came to when the version was
    /// created ("held", "did not hold", or why it did not run); none when
    /// no rule applied.
    #[sea_orm(column_type = "Text", nullable)]
    pub rule_outcome: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
    #[sea_orm(
        belongs_to = "super::run::Entity",
        from = "Column::SourceRunId",
        to = "super::run::Column::Id"
    )]
    SourceRun,
    #[sea_orm(
        belongs_to = "super::run_step::Entity",
        from = "Column::SourceStepId",
        to = "super::run_step::Column::Id"
    )]
    SourceStep,
    #[sea_orm(
        belongs_to = "super::file::Entity",
        from = "Column::PrimaryFileId",
        to = "super::file::Column::Id"
    )]
    PrimaryFile,
}

impl ActiveModelBehavior for ActiveModel {}
