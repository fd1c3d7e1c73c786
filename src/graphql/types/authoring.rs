//! The authoring loop's objects: where a context path came from, and who is
//! generating a key.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

use super::enums::GenerationStateGql;
use super::version::visible_value;
use super::{Actor, ArtifactVersion, Run, load};
use crate::domain::artifacts::generations;
use crate::domain::context;
use crate::graphql::loaders::{RunById, SchemasOfKey};
use crate::graphql::scalars::Json;

pub(crate) struct ContextEntry(pub context::ContextEntry);

/// One path of the project context, with the version its value came from
/// and the promotion that wrote it.
#[Object]
impl ContextEntry {
    /// The path: the version's schema key (brand.logo).
    async fn path(&self) -> &str {
        &self.0.version.schema_key
    }
    /// The value promoted at the path: the version's value in its key's newest schema's shape
    /// (as the context holds it), without the fields above the project's tier.
    async fn value(&self, ctx: &Context<'_>) -> async_graphql::Result<Json> {
        let v = &self.0.version;
        let chain = load(ctx, SchemasOfKey(v.schema_key.clone()))
            .await?
            .unwrap_or_default();
        let newest = chain.last().map(|m| m.version);
        Ok(Json(visible_value(ctx, v, newest).await?))
    }
    /// The version the value came from.
    async fn version(&self) -> ArtifactVersion {
        ArtifactVersion(self.0.version.clone())
    }
    /// The context version that wrote this entry.
    async fn context_version(&self) -> i32 {
        self.0.context_version
    }
    /// When it was promoted.
    async fn promoted_at(&self) -> DateTime<Utc> {
        self.0.promoted_at
    }
    /// Who promoted it.
    async fn promoted_by(&self) -> Actor {
        (&self.0.promoted_by).into()
    }
}

pub(crate) struct Generation(pub generations::Generation);

/// Who is generating a schema key now, if anyone (startGeneration claims a
/// key, finishGeneration ends the claim).
#[Object]
impl Generation {
    /// The key.
    async fn schema_key(&self) -> &str {
        &self.0.schema_key
    }
    /// IDLE, GENERATING or FAILED; a claim whose lease has passed is IDLE.
    async fn state(&self) -> GenerationStateGql {
        self.0.state.into()
    }
    /// The run the claim generates for, if it named one (GENERATING, FAILED).
    async fn run(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Run>> {
        match self.0.run_id {
            Some(id) => Ok(load(ctx, RunById(id)).await?.map(Run)),
            None => Ok(None),
        }
    }
    /// The token that claimed the key (GENERATING, FAILED).
    async fn holder(&self) -> Option<Actor> {
        self.0.holder.as_ref().map(Into::into)
    }
    /// When the claim lapses unless finished first (GENERATING).
    async fn lease_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.lease_expires_at
    }
    /// Why the generation failed (FAILED).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// When the state last changed; null for a key never claimed.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at
    }
}
