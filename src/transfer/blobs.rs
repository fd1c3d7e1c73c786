//! Copying the blobs a store's rows name (files and archived values) from
//! one object store to another, at the same keys: `quire copy
//! --storage-to` (a folder to S3 and back).

use std::collections::BTreeSet;

use entity::{artifact_version as version, file};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::storage::{BlobStore, ObjectBlobStore, StorageError};

/// Every blob key the rows of `db` name.
async fn keys(db: &impl ConnectionTrait) -> Result<BTreeSet<String>, sea_orm::DbErr> {
    let files: Vec<String> = file::Entity::find()
        .select_only()
        .column(file::Column::StorageKey)
        .into_tuple()
        .all(db)
        .await?;
    let archived: Vec<Option<String>> = version::Entity::find()
        .select_only()
        .column(version::Column::ArchivedKey)
        .filter(version::Column::ArchivedKey.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(files
        .into_iter()
        .chain(archived.into_iter().flatten())
        .collect())
}

/// Why blobs could not be copied.
#[derive(Debug, thiserror::Error)]
pub enum BlobCopyError {
    /// The rows could not be read.
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    /// A store refused (or a blob is missing from the source).
    #[error("blob {key}: {error}")]
    Store {
        /// The blob's key.
        key: String,
        /// What went wrong.
        error: StorageError,
    },
}

/// Copies every blob the rows of `db` name from `from` to `to`, streamed,
/// each at its key (one already there is kept); the blobs written and
/// skipped.
pub async fn copy_blobs(
    db: &impl ConnectionTrait,
    from: &ObjectBlobStore,
    to: &ObjectBlobStore,
    mut progress: impl FnMut(u64),
) -> Result<(u64, u64), BlobCopyError> {
    let (mut written, mut kept) = (0, 0);
    for key in keys(db).await? {
        let failed = |error| BlobCopyError::Store {
            key: key.clone(),
            error,
        };
        let download = from.read(&key, None).await.map_err(failed)?;
        if to.put_at(&key, download.body).await.map_err(failed)? {
            written += 1;
        } else {
            kept += 1;
        }
        progress(written + kept);
    }
    Ok((written, kept))
}
