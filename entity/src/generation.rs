//! Generation claims: who is generating a schema key of a project now. One
//! row per key ever claimed; a GENERATING row whose lease has passed counts
//! as IDLE.
use sea_orm::entity::prelude::*;

use crate::{ActorType, GenerationState};

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "generations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub schema_key: String,
    pub state: GenerationState,
    /// The run the claim generates for, if it named one; closing that run
    /// ends the claim.
    pub run_id: Option<Uuid>,
    pub holder_id: Option<Uuid>,
    pub holder_name: Option<String>,
    pub holder_type: Option<ActorType>,
    pub lease_expires_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
