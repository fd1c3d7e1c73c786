use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::file;

use super::gid;
use crate::domain::ids::IdKind;

pub struct File(pub file::Model);

#[Object]
impl File {
    pub async fn id(&self) -> ID {
        gid(IdKind::File, self.0.id)
    }
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn size(&self) -> i64 {
        self.0.size
    }
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    async fn filename(&self) -> Option<&str> {
        self.0.filename.as_deref()
    }
    /// Where to GET the bytes (same authentication as the API).
    async fn url(&self) -> String {
        format!(
            "/files/{}",
            crate::domain::ids::encode(IdKind::File, self.0.id)
        )
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
