//! A file as uploaded for one project: its own id, filename, content type
//! and uploader, over a content-addressed blob that rows of other projects
//! with the same bytes share (`storage_key`). Unique per (project, sha256).
use sea_orm::entity::prelude::*;

use crate::ActorType;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// None: uploaded by an unscoped token for no project (visible to
    /// unscoped tokens only), until a version links it.
    pub project_id: Option<Uuid>,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub filename: Option<String>,
    pub storage_key: String,
    /// The token that uploaded it (None for files older than this column).
    pub uploaded_by_id: Option<Uuid>,
    pub uploaded_by_name: Option<String>,
    pub uploaded_by_type: Option<ActorType>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
