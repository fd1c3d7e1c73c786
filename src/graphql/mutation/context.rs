//! Promoting approved values into a project's context.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

use crate::domain::context::promotion::{self, Promotion};
use crate::graphql::types::{ArtifactVersion, Project};
use entity::Role;

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[("promote", Role::Reviewer)];

/// What promote needs.
#[derive(InputObject)]
pub(crate) struct PromoteInput {
    /// The project (`prj_...`); NOT_FOUND if the token cannot see it.
    pub project_id: ID,
    /// The contextVersion the caller last read; a mismatch fails with CONFLICT and changes nothing.
    pub expected_context_version: i32,
    /// The versions to promote: APPROVED versions of the project (another
    /// status is INVALID_TRANSITION, an unknown one NOT_FOUND). Default: every
    /// APPROVED version of the project that is not promoted yet.
    pub version_ids: Option<Vec<ID>>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What promote did.
#[derive(SimpleObject)]
pub(crate) struct PromotePayload {
    /// The project, with its new context.
    pub project: Project,
    /// The context version this promotion produced (expectedContextVersion + 1).
    pub context_version: i32,
    /// The versions whose values it wrote into the context.
    pub promoted: Vec<ArtifactVersion>,
}

#[derive(Default)]
pub(crate) struct ContextMutations;

#[Object]
impl ContextMutations {
    /// Writes APPROVED values into the project context if expectedContextVersion is current.
    /// Each value goes at its schema key's path, and no other key changes: a
    /// value whose version was superseded stays until its successor is
    /// promoted. Needs REVIEWER; CONFLICT (with extensions.currentContextVersion)
    /// when expectedContextVersion is stale, and then nothing changes. With
    /// nothing APPROVED left to promote nothing changes either: the answer is
    /// the current contextVersion and an empty `promoted`. An empty
    /// `versionIds` is VALIDATION_FAILED.
    async fn promote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the context version last read, and which versions.")]
        input: PromoteInput,
    ) -> async_graphql::Result<PromotePayload> {
        let promotion = Promotion {
            project_id: input.project_id.0,
            expected_context_version: input.expected_context_version,
            version_ids: input
                .version_ids
                .map(|ids| ids.into_iter().map(|id| id.0).collect()),
            idempotency_key: input.idempotency_key,
        };
        let done = promotion::promote(session(ctx), promotion).await.api()?;
        Ok(PromotePayload {
            project: Project(done.project),
            context_version: done.context_version,
            promoted: done.promoted.into_iter().map(ArtifactVersion).collect(),
        })
    }
}
