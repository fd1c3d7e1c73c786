//! Files: uploads into the content-addressed blob store, one row per
//! distinct SHA-256, visibility through the versions that link them, and
//! collection of files no version links.

use bytes::Bytes;
use chrono::{Duration, Utc};
use entity::{Role, artifact_version as version, artifact_version_file as link, file};
use futures::stream::BoxStream;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::error::{DomainError, DomainResult};
use super::{Session, ids, validate};
use crate::db::Db;
use crate::storage::{BlobStore, StorageError};

impl From<StorageError> for DomainError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::TooLarge { limit } => DomainError::PayloadTooLarge {
                what: "upload",
                size: limit + 1,
                limit,
            },
            StorageError::Read(e) => {
                DomainError::validation(format!("the upload was cut off: {e}"))
            }
            other => DomainError::Internal(other.to_string()),
        }
    }
}

pub struct NewUpload {
    pub content_type: String,
    pub filename: Option<String>,
}

/// Streams an upload into storage while hashing it; the same bytes uploaded
/// twice give the same file.
pub async fn upload(
    s: Session<'_>,
    store: &dyn BlobStore,
    body: BoxStream<'static, Result<Bytes, std::io::Error>>,
    meta: NewUpload,
    limit: u64,
) -> DomainResult<file::Model> {
    s.principal.require_role(Role::Writer)?;
    validate::text(
        "content type",
        &meta.content_type,
        validate::MAX_FILE_META_CHARS,
    )?;
    if let Some(filename) = &meta.filename {
        validate::text("filename", filename, validate::MAX_FILE_META_CHARS)?;
    }
    let staged = store.stage(body, limit).await?;
    if let Some(existing) = by_sha(s.db, &staged.sha256).await? {
        store.discard(&staged).await;
        return Ok(existing);
    }
    let key = match store.commit(&staged).await {
        Ok(key) => key,
        Err(err) => {
            store.discard(&staged).await;
            return Err(err.into());
        }
    };
    let model = file::Model {
        id: ids::new_id(),
        sha256: staged.sha256.clone(),
        size: staged.size as i64,
        content_type: meta.content_type,
        filename: meta.filename,
        storage_key: key,
        created_at: Utc::now(),
    };
    match file::Entity::insert(file::ActiveModel::from(model.clone()))
        .exec(&s.db.conn)
        .await
    {
        Ok(_) => Ok(model),
        // A concurrent upload of the same bytes won the row; the blob is the same.
        Err(err) if super::error::is_unique_violation(&err) => by_sha(s.db, &staged.sha256)
            .await?
            .ok_or_else(|| DomainError::Internal("a deduplicated file vanished".into())),
        Err(err) => Err(err.into()),
    }
}

async fn by_sha(db: &Db, sha256: &str) -> DomainResult<Option<file::Model>> {
    Ok(file::Entity::find()
        .filter(file::Column::Sha256.eq(sha256))
        .one(&db.conn)
        .await?)
}

/// A file as this caller may see it: every file for an unscoped token; for a
/// project-scoped one, files that a version of its project links. (A primary
/// file is always among a version's linked files: see `versions::create`.)
pub async fn visible(s: Session<'_>, id: Uuid) -> DomainResult<Option<file::Model>> {
    let Some(found) = file::Entity::find_by_id(id).one(&s.db.conn).await? else {
        return Ok(None);
    };
    let Some(scope) = s.principal.project_scope else {
        return Ok(Some(found));
    };
    let linked = link::Entity::find()
        .inner_join(version::Entity)
        .filter(link::Column::FileId.eq(id))
        .filter(version::Column::ProjectId.eq(scope))
        .one(&s.db.conn)
        .await?
        .is_some();
    Ok(linked.then_some(found))
}

/// Files no version links, older than `grace`; deleted unless `dry_run`.
pub async fn collect_orphans(
    db: &Db,
    store: &dyn BlobStore,
    grace: std::time::Duration,
    dry_run: bool,
) -> DomainResult<Vec<file::Model>> {
    let cutoff = Utc::now() - Duration::from_std(grace).unwrap_or(Duration::hours(24));
    let linked: Vec<Uuid> = link::Entity::find()
        .select_only()
        .column(link::Column::FileId)
        .distinct()
        .into_tuple()
        .all(&db.conn)
        .await?;
    let in_use: std::collections::HashSet<Uuid> = linked.into_iter().collect();
    let orphans: Vec<file::Model> = file::Entity::find()
        .filter(file::Column::CreatedAt.lt(cutoff))
        .all(&db.conn)
        .await?
        .into_iter()
        .filter(|f| !in_use.contains(&f.id))
        .collect();
    if !dry_run {
        for f in &orphans {
            // The row goes first: a version created meanwhile that links the
            // file makes the delete fail on the foreign key, and the blob stays.
            let deleted = file::Entity::delete_by_id(f.id).exec(&db.conn).await;
            if deleted.is_ok() {
                store.delete(&f.storage_key).await?;
            }
        }
    }
    Ok(orphans)
}
