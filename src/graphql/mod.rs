//! The GraphQL API: schema assembly, roots, object types, loaders and the
//! mapping of domain errors. Thin: the rules live in `domain`.

pub mod connection;
pub mod context;
pub mod error;
pub mod guard;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod shape;
pub mod subscription;
pub mod types;

use std::sync::Arc;

use async_graphql::{SDLExportOptions, Schema};

use crate::db::Db;
use crate::domain::Limits;
use crate::events::EventHub;
use crate::storage::SharedBlobStore;
use crate::token_cache::TokenCache;
use guard::Guarded;

pub type QuireSchema = Schema<
    Guarded<query::QueryRoot>,
    Guarded<mutation::MutationRoot>,
    Guarded<subscription::SubscriptionRoot>,
>;

/// Limits the engine enforces on every query.
#[derive(Debug, Clone)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub introspection: bool,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_depth: 10,
            max_complexity: 50_000,
            introspection: true,
        }
    }
}

/// The largest upload accepted through `uploadFile`.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub u64);

pub fn build_schema(
    db: Db,
    limits: Limits,
    query_limits: &QueryLimits,
    store: SharedBlobStore,
    upload_limit: UploadLimit,
    hub: Arc<EventHub>,
    token_cache: Arc<TokenCache>,
) -> QuireSchema {
    let mut builder = scalars::describe(Schema::build(
        Guarded(query::QueryRoot),
        Guarded(mutation::MutationRoot),
        Guarded(subscription::SubscriptionRoot),
    ))
    .data(db)
    .data(hub)
    .data(token_cache)
    .data(limits)
    .data(store)
    .data(upload_limit)
    // Data depth is checked by `shape` (introspection apart); the engine's
    // own limit, which counts both, stays as a backstop above both bounds.
    .limit_depth(query_limits.max_depth.max(shape::MAX_INTROSPECTION_DEPTH))
    .limit_complexity(query_limits.max_complexity);
    if !query_limits.introspection {
        builder = builder
            .disable_introspection()
            // "Did you mean ...?" would name fields introspection hides.
            .disable_suggestions()
            .extension(guard::IntrospectionOff);
    }
    builder.finish()
}

/// The SDL of the schema: what `quire schema` prints and schema.graphql holds,
/// with each scalar's `@specifiedBy` (introspection has them as specifiedByURL).
pub fn sdl() -> String {
    scalars::describe(Schema::build(
        query::QueryRoot,
        mutation::MutationRoot,
        subscription::SubscriptionRoot,
    ))
    .finish()
    .sdl_with_options(SDLExportOptions::new().include_specified_by())
}
