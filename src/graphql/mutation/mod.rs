//! The Mutation root, one file per capability (its inputs, conversions,
//! resolvers and the roles they need), merged into one type.

use async_graphql::{ID, MergedObject};
use entity::Role;

mod artifacts;
mod context;
mod projects;
mod retention;
mod review;
mod runs;
mod schemas;
mod webhooks;

use artifacts::ArtifactMutations;
use context::ContextMutations;
use projects::ProjectMutations;
use retention::RetentionMutations;
use review::ReviewMutations;
use runs::RunMutations;
use schemas::SchemaMutations;
pub(crate) use webhooks::PrivateWebhookAddresses;
use webhooks::WebhookMutations;

/// Writes. Each names the role it needs (a token without it gets FORBIDDEN)
/// and the error codes (`extensions.code`) it may fail with besides the
/// common ones (UNAUTHENTICATED, VALIDATION_FAILED for malformed IDs and
/// arguments, UNAVAILABLE, INTERNAL). A mutation's writes happen in one
/// transaction: a failed mutation changes nothing.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub(crate) struct MutationRoot(
    ProjectMutations,
    RunMutations,
    ArtifactMutations,
    ReviewMutations,
    ContextMutations,
    SchemaMutations,
    RetentionMutations,
    WebhookMutations,
);

/// The role the mutation `field` needs; `None` for a field no capability
/// declares (the guard refuses it to everyone).
pub(crate) fn required_role(field: &str) -> Option<Role> {
    [
        projects::ROLES,
        runs::ROLES,
        artifacts::ROLES,
        review::ROLES,
        context::ROLES,
        schemas::ROLES,
        retention::ROLES,
        webhooks::ROLES,
    ]
    .into_iter()
    .flatten()
    .find(|(name, _)| *name == field)
    .map(|(_, role)| *role)
}

pub(super) fn strings(ids: Option<Vec<ID>>) -> Vec<String> {
    ids.unwrap_or_default().into_iter().map(|id| id.0).collect()
}
