//! Approval policies of a project, as set: rows are never edited; a policy
//! replaced or deleted gets `ended_at`, and versions keep the one they were
//! created under.
use sea_orm::entity::prelude::*;

use crate::ActorType;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// An exact schema key, a prefix ending in `.*`, or `*`.
    pub schema_key_pattern: String,
    /// A JSONLogic rule over `{value, version, run, actor}`.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub auto_approve_when: Option<Json>,
    pub required_approvals: i32,
    /// Actor types (stored words) that must be among the approvers.
    #[sea_orm(column_type = "JsonBinary")]
    pub required_actor_types: Json,
    pub created_by_id: Uuid,
    pub created_by_name: String,
    pub created_by_type: ActorType,
    pub created_at: DateTimeUtc,
    /// When it was replaced or deleted; None while it is in force.
    pub ended_at: Option<DateTimeUtc>,
    pub ended_by_id: Option<Uuid>,
    pub ended_by_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
