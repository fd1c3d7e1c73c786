//! Projects, their tiers, and the tokens that reach them.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

use crate::domain::ids::{self, IdKind};
use crate::domain::{projects, projects::tokens};
use crate::graphql::types::{ActorTypeGql, Project, RoleGql};
use crate::token_cache::TokenCache;
use entity::Role;
use std::sync::Arc;

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[
    ("createProject", Role::Admin),
    ("setProjectTier", Role::Admin),
    ("createToken", Role::Admin),
    ("revokeToken", Role::Admin),
];

/// What createProject needs.
#[derive(InputObject)]
pub(crate) struct CreateProjectInput {
    /// The project's unique slug: 1 to 64 of a-z, 0-9 and -, not starting
    /// with -. A slug in use is CONFLICT.
    pub slug: String,
    /// The display name: 1 to 200 characters, not blank.
    pub name: String,
}

/// What setProjectTier needs.
#[derive(InputObject)]
pub(crate) struct SetProjectTierInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// One of the configured tiers (QUIRE_TIERS, lowest first; default core, business, strategic).
    pub tier: String,
}

/// What createToken needs.
#[derive(InputObject)]
pub(crate) struct CreateTokenInput {
    /// A name for the token (1 to 200 characters, not blank): the actor name
    /// recorded on its writes.
    pub name: String,
    /// What the token may do.
    pub role: RoleGql,
    /// What kind of actor it stands for.
    pub actor_type: ActorTypeGql,
    /// Limit the token to one project; default: all projects (for a
    /// project-scoped admin: its own project, the only one it may name).
    pub project_id: Option<ID>,
    /// Make a further token for the actor of this token (`tok_...`, one the
    /// caller may manage): it acts as that actor (Actor.id is the same, and
    /// quorums count the actor once) and must have its actorType. Omitted:
    /// the token is a new actor.
    pub actor_id: Option<ID>,
}

/// A new API token, with its secret.
#[derive(SimpleObject)]
pub(crate) struct CreatedToken {
    /// The token's ID (`tok_...`).
    pub id: ID,
    /// The secret to send as `Authorization: Bearer <secret>`; it starts with
    /// `qk_`. Shown once: only its SHA-256 is stored.
    pub secret: String,
    /// What the token may do.
    pub role: RoleGql,
}

#[derive(Default)]
pub(crate) struct ProjectMutations;

#[Object]
impl ProjectMutations {
    /// Creates a project with an empty context (contextVersion 0). Needs ADMIN
    /// and a token not scoped to a project (FORBIDDEN otherwise); a slug in use
    /// is CONFLICT.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's slug and name.")] input: CreateProjectInput,
    ) -> async_graphql::Result<Project> {
        let input = projects::NewProject {
            slug: input.slug,
            name: input.name,
        };
        Ok(Project(projects::create(session(ctx), input).await.api()?))
    }

    /// Sets a project's tier, kept in its tier audit trail; what its values, contexts and
    /// assembled contexts show follows at once. Needs ADMIN and a token not scoped to a project.
    async fn set_project_tier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and its new tier.")] input: SetProjectTierInput,
    ) -> async_graphql::Result<Project> {
        let project = projects::set_tier(session(ctx), &input.project_id, &input.tier)
            .await
            .api()?;
        Ok(Project(project))
    }

    /// Creates an API token and returns its secret, shown only this once.
    /// Needs ADMIN; a project-scoped admin makes tokens of its own project
    /// only (naming another is NOT_FOUND).
    async fn create_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's name, role, actor type and project.")]
        input: CreateTokenInput,
    ) -> async_graphql::Result<CreatedToken> {
        let request = tokens::TokenRequest {
            name: input.name,
            role: input.role.into(),
            actor_type: input.actor_type.into(),
            project_id: input.project_id.as_ref().map(|id| id.as_str()),
            actor_of: input.actor_id.as_ref().map(|id| id.as_str()),
        };
        let (token, secret) = tokens::create_for(session(ctx), request).await.api()?;
        Ok(CreatedToken {
            id: ID(ids::encode(IdKind::Token, token.id)),
            secret,
            role: token.role.into(),
        })
    }

    /// Revokes a token; it stops working on the next request. False when it was already revoked.
    /// Other Quire servers on the same database refuse it within
    /// QUIRE_TOKEN_CACHE_MS (2 s by default). Needs ADMIN; a project-scoped
    /// admin may revoke its project's tokens only (others are NOT_FOUND).
    async fn revoke_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's ID (`tok_...`).")] id: ID,
    ) -> async_graphql::Result<bool> {
        let revoked = tokens::revoke_for(session(ctx), &id).await.api()?;
        let token_id = ids::decode(IdKind::Token, &id).api()?;
        ctx.data_unchecked::<Arc<TokenCache>>().forget(token_id);
        Ok(revoked)
    }
}
