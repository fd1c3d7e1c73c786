//! GraphQL object types. Each wraps an entity row and resolves nested fields
//! through the request's DataLoader.

pub(crate) mod actor;
mod approval;
mod artifact;
mod assembly;
mod audit;
mod authoring;
mod enums;
mod file;
mod lineage;
mod node;
mod policy;
mod pricing;
mod project;
pub(crate) mod run;
mod schema;
mod token;
pub(crate) mod version;
mod webhook;

pub(crate) use actor::Actor;
pub(crate) use approval::Approval;
pub(crate) use artifact::Artifact;
pub(crate) use assembly::AssembledContext;
pub(crate) use audit::{AnnotationRevision, ApprovalProgress, TierChange};
pub(crate) use authoring::{ContextEntry, Generation};
pub(crate) use enums::{ActorTypeGql, ReviewActionGql, RoleGql, RunStatusGql, VersionStatusGql};
pub(crate) use file::File;
pub(crate) use lineage::LineageEntry;
pub(crate) use node::Node;
pub(crate) use policy::{ApprovalPolicy, RetentionPolicy};
pub(crate) use pricing::{CostBucket, CostGroupingGql, ModelPrice};
pub(crate) use project::Project;
pub(crate) use run::{Run, RunStep};
pub(crate) use schema::ArtifactSchema;
pub(crate) use token::ApiToken;
pub(crate) use version::ArtifactVersion;
pub(crate) use version::{prime_page, prime_version};
pub(crate) use webhook::{Webhook, WebhookDelivery, WebhookEventGql};

use async_graphql::{Context, ID};
use uuid::Uuid;

use super::context::loaders;
use crate::domain::ids::{IdKind, encode};

pub(crate) fn gid(kind: IdKind, id: Uuid) -> ID {
    ID(encode(kind, id))
}

/// Loads a row by id key through the request's loader.
pub(crate) async fn load<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<
    Option<<super::loaders::GraphLoader as async_graphql::dataloader::Loader<K>>::Value>,
>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    super::loaders::GraphLoader: async_graphql::dataloader::Loader<K, Error = async_graphql::Error>,
{
    loaders(ctx).load_one(key).await
}

/// Whether any of `nodes` (the selections a list's items resolve under, as
/// a page primes their children) selects `field`.
pub(crate) fn selects(nodes: &[async_graphql::Lookahead<'_>], field: &str) -> bool {
    nodes.iter().any(|n| n.field(field).exists())
}

/// The columns of model `M` that the fields of a selection read of their
/// object's row, each field's by `of_field` (None for a field that may read
/// any: the whole row): what a lean read of the rows must select, and the
/// set their loader key names (see `loaders::Showing`).
pub(crate) fn columns_shown<'a, M, C>(
    fields: impl IntoIterator<Item = async_graphql::SelectionField<'a>>,
    of_field: fn(&str) -> Option<&'static [C]>,
) -> entity::rows::ColumnSet
where
    M: entity::rows::FromColumns,
    C: sea_orm::IdenStatic,
{
    use entity::rows::ColumnSet;
    let mut shown = ColumnSet::NONE;
    for field in fields {
        let Some(columns) = of_field(field.name()) else {
            return ColumnSet::ALL;
        };
        for column in columns {
            shown = shown.with(ColumnSet::of::<M>(&[column.as_str()]));
        }
    }
    shown
}
