//! API tokens. Only the SHA-256 of a secret is stored. A token acts for an
//! actor (a person or an agent), which may hold several tokens.
use sea_orm::entity::prelude::*;

use crate::{ActorType, Role};

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub secret_sha256: String,
    pub role: Role,
    pub actor_type: ActorType,
    /// When set, the token sees this project only.
    pub project_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    /// The actor the token acts for: the id of that actor's first token
    /// (none: this token is its own actor's first).
    pub actor_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
}

impl ActiveModelBehavior for ActiveModel {}
