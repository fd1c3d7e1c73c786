//! Content-addressed blob storage. A blob's key is its SHA-256, so the same
//! bytes are stored once. Uploads stream into a staging object while they
//! are hashed and counted, then move to their key; nothing partial is left
//! behind when an upload fails or runs over the limit.
//!
//! Backed by `object_store`: the local disk by default, or any object store
//! it reaches by URL (s3://bucket/prefix, ...), for deployments past one machine.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the upload is over the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("reading the upload failed: {0}")]
    Read(std::io::Error),
    #[error("storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("storage configuration: {0}")]
    Config(String),
}

/// A blob written to its staging place, with its digest and size.
#[derive(Debug, Clone)]
pub struct Staged {
    path: Path,
    pub sha256: String,
    pub size: u64,
}

/// The part of a stored blob that was asked for.
pub struct Download {
    pub total_size: u64,
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, StorageError>>,
}

/// What Quire needs of a blob store.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Streams `body` to a staging place, refusing more than `limit` bytes.
    async fn stage(
        &self,
        body: BoxStream<'static, Result<Bytes, std::io::Error>>,
        limit: u64,
    ) -> Result<Staged, StorageError>;
    /// Moves a staged blob to its content key; returns the key.
    async fn commit(&self, staged: &Staged) -> Result<String, StorageError>;
    /// Drops a staged blob (a duplicate, or a failed upload).
    async fn discard(&self, staged: &Staged);
    /// Reads a blob, or the byte range `range` of it.
    async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<Download, StorageError>;
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
}

pub type SharedBlobStore = Arc<dyn BlobStore>;

pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
}

/// Where blobs live when nothing is configured: a folder beside the SQLite
/// database, or `quire-files` in the working folder for other databases.
pub fn default_location(database_url: &str) -> String {
    match crate::db::sqlite_file(database_url) {
        Some(path) => {
            let path = std::path::Path::new(&path);
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("quire");
            path.with_file_name(format!("{stem}-files"))
                .display()
                .to_string()
        }
        _ => "quire-files".to_owned(),
    }
}

impl ObjectBlobStore {
    /// `location` is a local folder (created if missing) or an object store URL.
    pub fn open(location: &str) -> Result<Self, StorageError> {
        if location.contains("://") && !location.starts_with("file://") {
            let url = url::Url::parse(location).map_err(|e| StorageError::Config(e.to_string()))?;
            let (store, prefix) = object_store::parse_url(&url)?;
            return Ok(ObjectBlobStore {
                store: Arc::from(store),
                prefix,
            });
        }
        let folder = location.strip_prefix("file://").unwrap_or(location);
        std::fs::create_dir_all(folder)
            .map_err(|e| StorageError::Config(format!("cannot create {folder}: {e}")))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(folder)?;
        Ok(ObjectBlobStore {
            store: Arc::new(store),
            prefix: Path::default(),
        })
    }

    fn blob_path(&self, sha256: &str) -> Path {
        self.prefix
            .clone()
            .join("blobs")
            .join(&sha256[..2])
            .join(sha256)
    }
}

/// After refusing an upload, read (and drop) up to this much more of it, so
/// that a client that overshoots by a little reads the 413 answer instead of
/// a connection reset (closing a socket with unread data resets it).
const DRAIN_PAST_LIMIT: u64 = 1024 * 1024;

async fn drain(body: &mut BoxStream<'static, Result<Bytes, std::io::Error>>, budget: u64) {
    let mut left = budget;
    while left > 0 {
        match body.next().await {
            Some(Ok(chunk)) => left = left.saturating_sub(chunk.len() as u64),
            _ => return,
        }
    }
}

/// Parts are buffered up to this size; at most `PARTS_IN_FLIGHT` at once, so
/// memory stays flat whatever the file size.
const PART_SIZE: usize = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

#[async_trait::async_trait]
impl BlobStore for ObjectBlobStore {
    async fn stage(
        &self,
        mut body: BoxStream<'static, Result<Bytes, std::io::Error>>,
        limit: u64,
    ) -> Result<Staged, StorageError> {
        let path = self
            .prefix
            .clone()
            .join("staging")
            .join(uuid::Uuid::now_v7().to_string());
        let upload = self.store.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let failure = loop {
            match body.next().await {
                None => break None,
                Some(Err(err)) => break Some(StorageError::Read(err)),
                Some(Ok(chunk)) => {
                    size += chunk.len() as u64;
                    if size > limit {
                        break Some(StorageError::TooLarge { limit });
                    }
                    hasher.update(&chunk);
                    if let Err(err) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                        break Some(err.into());
                    }
                    writer.write(&chunk);
                }
            }
        };
        if let Some(err) = failure {
            if matches!(err, StorageError::TooLarge { .. }) {
                drain(&mut body, DRAIN_PAST_LIMIT).await;
            }
            let _ = writer.abort().await;
            let _ = self.store.delete(&path).await;
            return Err(err);
        }
        writer.finish().await?;
        Ok(Staged {
            path,
            sha256: hex::encode(hasher.finalize()),
            size,
        })
    }

    async fn commit(&self, staged: &Staged) -> Result<String, StorageError> {
        let target = self.blob_path(&staged.sha256);
        self.store.rename(&staged.path, &target).await?;
        Ok(target.to_string())
    }

    async fn discard(&self, staged: &Staged) {
        let _ = self.store.delete(&staged.path).await;
    }

    async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<Download, StorageError> {
        let path = Path::parse(key).map_err(|e| StorageError::Config(e.to_string()))?;
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        let result = self.store.get_opts(&path, options).await?;
        let total_size = result.meta.size;
        let range = result.range.clone();
        let body = result.into_stream().map_err(StorageError::from).boxed();
        Ok(Download {
            total_size,
            range,
            body,
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = Path::parse(key).map_err(|e| StorageError::Config(e.to_string()))?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}

/// Adapts any byte stream for `BlobStore::stage`.
pub fn boxed<S, E>(stream: S) -> BoxStream<'static, Result<Bytes, std::io::Error>>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display,
{
    stream
        .map_err(|e| std::io::Error::other(e.to_string()))
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_location_is_beside_the_sqlite_file() {
        assert_eq!(
            default_location("sqlite://quire.db?mode=rwc"),
            "quire-files"
        );
        assert_eq!(
            default_location("sqlite:///var/lib/q/main.db"),
            "/var/lib/q/main-files"
        );
        assert_eq!(default_location("postgres://u@h/db"), "quire-files");
    }
}
