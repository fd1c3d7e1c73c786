use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::api_token;

use super::{ActorTypeGql, Project, RoleGql, gid, load};
use crate::domain::ids::IdKind;
use crate::graphql::loaders::ProjectById;

/// An API token as admins see it: never its secret.
pub(crate) struct ApiToken(pub api_token::Model);

/// An API token as admins see it: never its secret (only its SHA-256 is
/// stored). A token is one actor: its name and type are recorded on every
/// write it makes.
#[Object]
impl ApiToken {
    /// The token's ID (`tok_...`); revokeToken takes it.
    async fn id(&self) -> ID {
        gid(IdKind::Token, self.0.id)
    }
    /// The name given when it was created.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the token may do.
    async fn role(&self) -> RoleGql {
        self.0.role.into()
    }
    /// What kind of actor the token stands for.
    async fn actor_type(&self) -> ActorTypeGql {
        self.0.actor_type.into()
    }
    /// The one project the token may see; null for all projects.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.0.project_id {
            Some(id) => Ok(load(ctx, ProjectById(id)).await?.map(Project)),
            None => Ok(None),
        }
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the token was last used; null if never. Written every
    /// QUIRE_TOKEN_USAGE_FLUSH_MS (30 s by default), so it may lag that much.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When it was revoked; null while it is live. A revoked token is refused
    /// with UNAUTHENTICATED.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}
