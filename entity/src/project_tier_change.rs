//! The audit trail of project tiers: one row per `setProjectTier`, with the
//! tiers before and after, who and when.
use sea_orm::entity::prelude::*;

use crate::ActorType;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_tier_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// The tier before (None: the default, the lowest).
    pub from_tier: Option<String>,
    pub to_tier: String,
    pub actor_id: Uuid,
    pub actor_name: String,
    pub actor_type: ActorType,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
