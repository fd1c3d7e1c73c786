//! Files: uploads into the content-addressed blob store, one row per
//! project and SHA-256 (the blob is stored once), visibility through the
//! file's project, and collection of files no version links.

use bytes::Bytes;
use chrono::{Duration, Utc};
use entity::{Role, artifact_version_file as link, file};
use futures::stream::BoxStream;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::db::{Db, WriteTxn};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::IdKind;
use crate::domain::{Principal, Session, ids, projects, validate};
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
            StorageError::Full => DomainError::InsufficientStorage(
                "the file store is out of space: nothing was stored; try again later".into(),
            ),
            other => DomainError::Internal(other.to_string()),
        }
    }
}

/// What an upload says about its bytes; see [`upload`].
pub(crate) struct NewUpload {
    /// The media type the client declared, stored as given.
    pub content_type: String,
    /// The client's file name, if it sent one.
    pub filename: Option<String>,
    /// The public id of the project the file is for. A project-scoped token
    /// uploads for its project whether or not it names it; an unscoped one
    /// for the project it names, or for none.
    pub project_id: Option<String>,
}

/// Whether `principal` may see `f`: a file is seen by those who see its
/// project; a file of no project only by unscoped tokens.
pub(crate) fn can_see(principal: &Principal, f: &file::Model) -> bool {
    match f.project_id {
        Some(project) => principal.can_see(project),
        None => principal.project_scope.is_none(),
    }
}

/// Streams an upload into storage while hashing it. The same bytes uploaded
/// twice for one project give the same file; for another project, that
/// project's own file over the same stored blob. WRITER; PAYLOAD_TOO_LARGE
/// past `limit` bytes, NOT_FOUND for a project the caller cannot see.
pub(crate) async fn upload(
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
    let project_id = match &meta.project_id {
        Some(text) => Some(projects::require(s, text).await?.id),
        None => s.principal.project_scope,
    };
    let staged = store.stage(body, limit).await?;
    if let Some(existing) = by_sha(&s.db.conn, project_id, &staged.sha256).await? {
        store.discard(&staged).await;
        return Ok(existing);
    }
    // Moved into place even when another project's row already has these
    // bytes: the blob is the same, and this way the new row never depends on
    // a blob that gc may be deleting with the last other row.
    let key = match store.commit(&staged).await {
        Ok(key) => key,
        Err(err) => {
            store.discard(&staged).await;
            return Err(err.into());
        }
    };
    let actor = &s.principal.actor;
    let model = file::Model {
        id: ids::new_id(),
        project_id,
        sha256: staged.sha256.clone(),
        size: staged.size as i64,
        content_type: meta.content_type,
        filename: meta.filename,
        storage_key: key,
        uploaded_by_id: Some(actor.id),
        uploaded_by_name: Some(actor.name.clone()),
        uploaded_by_type: Some(actor.actor_type),
        created_at: Utc::now(),
    };
    match file::Entity::insert(file::ActiveModel::from(model.clone()))
        .exec(&s.db.conn)
        .await
    {
        Ok(_) => Ok(model),
        // A concurrent upload of the same bytes for the same project won the row.
        Err(err) if crate::domain::error::is_unique_violation(&err) => {
            by_sha(&s.db.conn, project_id, &staged.sha256)
                .await?
                .ok_or_else(|| DomainError::Internal("a deduplicated file vanished".into()))
        }
        Err(err) => Err(err.into()),
    }
}

/// The file of `project` (None: of no project) with these bytes.
async fn by_sha(
    conn: &impl ConnectionTrait,
    project: Option<Uuid>,
    sha256: &str,
) -> DomainResult<Option<file::Model>> {
    let in_project = match project {
        Some(p) => file::Column::ProjectId.eq(p),
        None => file::Column::ProjectId.is_null(),
    };
    Ok(file::Entity::find()
        .filter(in_project)
        .filter(file::Column::Sha256.eq(sha256))
        .one(conn)
        .await?)
}

/// A file as this caller may see it (see `can_see`); None exactly as for a
/// missing id.
pub(crate) async fn visible(s: Session<'_>, id: Uuid) -> DomainResult<Option<file::Model>> {
    let found = file::Entity::find_by_id(id).one(&s.db.conn).await?;
    Ok(found.filter(|f| can_see(s.principal, f)))
}

/// The files a new version of `project_id` will link, for the requested ids
/// (with their public text, for errors), in the same order. Each must be one
/// the caller sees and of the version's project, or it is NOT_FOUND as if
/// missing: a version never links another project's file.
///
/// A file of no project (uploaded by an unscoped token, which alone sees it)
/// joins the version's project here, so that the project's readers see the
/// files of its versions. If the project has its own file of those bytes
/// already, that one is linked instead (one row per project and sha256).
pub(in crate::domain) async fn for_version(
    txn: &WriteTxn,
    principal: &Principal,
    project_id: Uuid,
    requested: &[(Uuid, String)],
) -> DomainResult<Vec<file::Model>> {
    if requested.is_empty() {
        return Ok(Vec::new());
    }
    let found = file::Entity::find()
        .filter(file::Column::Id.is_in(requested.iter().map(|(id, _)| *id)))
        .all(txn)
        .await?;
    let mut out = Vec::with_capacity(requested.len());
    for (id, text) in requested {
        let not_found = || DomainError::not_found(IdKind::File, text.clone());
        let f = found
            .iter()
            .find(|f| f.id == *id && can_see(principal, f))
            .ok_or_else(not_found)?;
        let linked = match f.project_id {
            Some(p) if p == project_id => f.clone(),
            Some(_) => return Err(not_found()),
            None => claim(txn, f, project_id).await?.ok_or_else(not_found)?,
        };
        out.push(linked);
    }
    Ok(out)
}

/// Gives a file of no project to `project_id`, or finds the project's own
/// file of the same bytes; None if another project claimed it meanwhile.
async fn claim(
    txn: &WriteTxn,
    f: &file::Model,
    project_id: Uuid,
) -> DomainResult<Option<file::Model>> {
    if let Some(own) = by_sha(txn, Some(project_id), &f.sha256).await? {
        return Ok(Some(own));
    }
    let claimed = file::Entity::update_many()
        .col_expr(file::Column::ProjectId, Expr::value(project_id))
        .filter(file::Column::Id.eq(f.id))
        .filter(file::Column::ProjectId.is_null())
        .exec(txn)
        .await?;
    if claimed.rows_affected == 1 {
        return Ok(Some(file::Model {
            project_id: Some(project_id),
            ..f.clone()
        }));
    }
    let now = file::Entity::find_by_id(f.id).one(txn).await?;
    Ok(now.filter(|n| n.project_id == Some(project_id)))
}

/// Files no version links, older than `grace`; deleted unless `dry_run`.
/// A blob goes with the last row that uses it: rows of other projects may
/// share it.
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
            if deleted.is_err() {
                continue;
            }
            // The blob goes under its lock, which retention holds from
            // checking its archived copy to pointing a value at it.
            let txn = db.begin_write().await?;
            lock_blob(&txn, &f.storage_key).await?;
            if !blob_in_use(&txn, &f.storage_key).await? {
                store.delete(&f.storage_key).await?;
            }
            txn.commit().await?;
        }
    }
    Ok(orphans)
}

/// Holds the lock of the blob at `key` until the transaction ends: whoever
/// deletes a blob, or points a row at one, holds it.
pub(crate) async fn lock_blob(txn: &WriteTxn, key: &str) -> DomainResult<()> {
    Ok(crate::db::Dialect::of(txn)
        .lock_name(txn, &format!("blobs/{key}"))
        .await?)
}

/// Whether a file row (of any project) or an archived value still stores its bytes at `key`.
async fn blob_in_use(conn: &impl ConnectionTrait, key: &str) -> DomainResult<bool> {
    let files = file::Entity::find()
        .filter(file::Column::StorageKey.eq(key))
        .count(conn)
        .await?;
    // An archived value with the same bytes shares the content key.
    let values = entity::artifact_version::Entity::find()
        .filter(entity::artifact_version::Column::ArchivedKey.eq(key))
        .count(conn)
        .await?;
    Ok(files + values > 0)
}
