use crate::graphql::scalars::Json;
use async_graphql::Object;
use chrono::{DateTime, Utc};
use entity::artifact_schema;

/// A registered JSON Schema (draft 2020-12) for one schema key.
pub struct ArtifactSchema(pub artifact_schema::Model);

#[Object]
impl ArtifactSchema {
    async fn schema_key(&self) -> &str {
        &self.0.schema_key
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn json_schema(&self) -> Json {
        Json(self.0.json_schema.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
