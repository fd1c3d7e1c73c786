//! Registering artifact schemas and their upgrades.

use crate::graphql::scalars::Json;
use async_graphql::{Context, InputObject, Object};

use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

use crate::domain::schemas;
use crate::graphql::types::ArtifactSchema;
use entity::Role;

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[("registerSchema", Role::Admin)];

/// What registerSchema needs.
#[derive(InputObject)]
pub(crate) struct RegisterSchemaInput {
    /// The key the schema applies to, in every project: a dot path of a-z,
    /// 0-9, _ and - segments, at most 200 characters.
    pub schema_key: String,
    /// A JSON Schema (draft 2020-12), at most 256 KiB; one that does not
    /// compile is VALIDATION_FAILED. A property marked `"x-quire-tier": "<tier>"`
    /// (one of QUIRE_TIERS) is shown only to projects at that tier or above.
    pub json_schema: Json,
    /// RFC 6902 patch from the previous version's values to this version's; required when existing values would not validate.
    /// Registering applies it (after the chain before it) to the latest version of the key in every project and
    /// validates the result: any failure is VALIDATION_FAILED listing the versions, and nothing is stored.
    pub upgrade: Option<Json>,
}

#[derive(Default)]
pub(crate) struct SchemaMutations;

#[Object]
impl SchemaMutations {
    /// Registers a new version of the JSON Schema (draft 2020-12) of a key.
    /// New values of the key, in every project, must then match it; the latest
    /// existing version of the key in every project must match it too once
    /// upgraded (`upgrade`), else nothing is registered. Needs ADMIN and a token not scoped to
    /// a project (FORBIDDEN otherwise).
    async fn register_schema(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key and its JSON Schema.")] input: RegisterSchemaInput,
    ) -> async_graphql::Result<ArtifactSchema> {
        let upgrade = input.upgrade.map(|u| u.0);
        let model = schemas::register(session(ctx), input.schema_key, input.json_schema.0, upgrade)
            .await
            .api()?;
        Ok(ArtifactSchema(model))
    }
}
