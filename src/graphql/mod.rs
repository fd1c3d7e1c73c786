//! The GraphQL API: schema assembly, roots, object types, loaders and the
//! mapping of domain errors. Thin: the rules live in `domain`.

pub(crate) mod connection;
pub(crate) mod context;
pub(crate) mod error;
pub(crate) mod filters;
pub(crate) mod guard;
pub(crate) mod phase_spans;
pub(crate) mod plain;
pub(crate) use error::engine_error;
pub use guard::required_role;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod output;
pub(crate) mod query;
pub(crate) mod scalars;
pub(crate) mod shape;
pub(crate) mod subscription;
pub(crate) mod types;

use std::sync::Arc;

use async_graphql::{SDLExportOptions, Schema};

use crate::config::LimitsConfig;
use crate::db::Db;
use crate::domain::Limits;
use crate::events::EventHub;
use crate::storage::SharedBlobStore;
use crate::token_cache::TokenCache;
use guard::Guarded;

pub(crate) type QuireSchema = Schema<
    Guarded<query::QueryRoot>,
    Guarded<mutation::MutationRoot>,
    Guarded<subscription::SubscriptionRoot>,
>;

/// The largest upload accepted through `uploadFile`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UploadLimit(pub u64);

/// The executable schema, with what resolvers read from their context, under
/// `limits` (query depth, complexity and introspection; value, output and
/// upload sizes).
pub(crate) fn build_schema(
    db: Db,
    limits: &LimitsConfig,
    store: SharedBlobStore,
    hub: Arc<EventHub>,
    token_cache: Arc<TokenCache>,
    private_webhooks: bool,
) -> QuireSchema {
    let mut builder = scalars::describe(Schema::build(
        Guarded(query::QueryRoot),
        Guarded(mutation::MutationRoot::default()),
        Guarded(subscription::SubscriptionRoot),
    ))
    .data(db)
    .data(hub)
    .data(token_cache)
    .data(mutation::PrivateWebhookAddresses(private_webhooks))
    .data(Limits::from(limits))
    .data(store)
    .data(UploadLimit(limits.max_upload_bytes))
    // Data depth is checked by `shape` (introspection apart); the engine's
    // own limit, which counts both, stays as a backstop above both bounds.
    .limit_depth(limits.max_query_depth.max(shape::MAX_INTROSPECTION_DEPTH))
    .limit_complexity(limits.max_query_complexity);
    // Any engine extension puts every field through a slower path, so the
    // phase spans are there only when spans are exported.
    if crate::telemetry::exporting() {
        builder = builder.extension(phase_spans::PhaseSpans);
    }
    if !limits.introspection {
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
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    ))
    .finish()
    .sdl_with_options(SDLExportOptions::new().include_specified_by())
}
