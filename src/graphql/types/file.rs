use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::file;

use super::gid;
use crate::domain::ids::IdKind;

pub(crate) struct File(pub file::Model);

/// An uploaded file: its bytes (fetched from `url`, never changed) and what
/// the upload said about them. A file belongs to one project; one uploaded by
/// an unscoped token for no project joins the project of the first version
/// that links it. The same bytes uploaded again for the same project give the
/// same file.
#[Object]
impl File {
    /// The file's global ID (`fil_...`).
    pub async fn id(&self) -> ID {
        gid(IdKind::File, self.0.id)
    }
    /// The SHA-256 of the bytes, as 64 lowercase hex digits.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// The size in bytes.
    async fn size(&self) -> i64 {
        self.0.size
    }
    /// The media type the upload declared (application/octet-stream when it
    /// declared none), at most 255 characters. Downloads of active types
    /// (HTML, SVG, XML, JavaScript and others) are sent as attachments.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// The filename the upload gave, if any (at most 255 characters).
    async fn filename(&self) -> Option<&str> {
        self.0.filename.as_deref()
    }
    /// Where to GET the bytes: a path relative to the server (`/files/fil_...`),
    /// with the same `Authorization: Bearer` token as the API. Supports Range
    /// and ETag.
    async fn url(&self) -> String {
        format!(
            "/files/{}",
            crate::domain::ids::encode(IdKind::File, self.0.id)
        )
    }
    /// When the file was uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::graphql::plain::plain_fields!(File {
    "id" => id,
    "sha256" => sha256,
    "size" => size,
    "contentType" => content_type,
    "filename" => filename,
    "url" => url,
    "createdAt" => created_at,
});
