use crate::graphql::scalars::Json;
use async_graphql::Object;
use chrono::{DateTime, Utc};
use entity::artifact_schema;

/// A registered JSON Schema (draft 2020-12) for one schema key.
pub(crate) struct ArtifactSchema(pub artifact_schema::Model);

/// A JSON Schema (draft 2020-12) registered for one schema key, as one
/// numbered version. New artifact values of the key are validated against its
/// newest schema; VALIDATION_FAILED lists every violation with its JSON
/// pointer in `extensions.violations`.
#[Object]
impl ArtifactSchema {
    /// The schema key it applies to, in every project.
    async fn schema_key(&self) -> &str {
        &self.0.schema_key
    }
    /// 1, 2, 3, ... per schema key: the Nth schema registered for it.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The JSON Schema document itself.
    async fn json_schema(&self) -> Json {
        Json(self.0.json_schema.clone())
    }
    /// RFC 6902 patch that turns a value valid under the previous version into one valid under this one.
    /// Null: values of the previous version are valid as they are.
    async fn upgrade(&self) -> Option<Json> {
        self.0.upgrade.clone().map(Json)
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
