use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::api_token;

use super::{ActorTypeGql, Project, RoleGql, gid, load};
use crate::domain::ids::IdKind;
use crate::graphql::loaders::ProjectById;

/// An API token as admins see it: never its secret.
pub struct ApiToken(pub api_token::Model);

#[Object]
impl ApiToken {
    async fn id(&self) -> ID {
        gid(IdKind::Token, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn role(&self) -> RoleGql {
        self.0.role.into()
    }
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
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the token was last used; recorded within the usage flush interval.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}
