//! Content-addressed blob storage. A blob's key is its SHA-256, so the same
//! bytes are stored once. Uploads stream into a staging object while they
//! are hashed and counted, then move to their key; nothing partial is left
//! behind when an upload fails or runs over the limit.
//!
//! Backed by `object_store`: the local disk by default, or S3 or an
//! S3-compatible server by URL (s3://bucket/prefix, see `remote`), for
//! deployments past one machine.

mod remote;

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

/// Why a blob store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The upload went past its size limit; what was staged is dropped.
    #[error("the upload is over the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The client's body could not be read to its end.
    #[error("reading the upload failed: {0}")]
    Read(std::io::Error),
    /// The object store refused or failed.
    #[error("storage: {0}")]
    Store(#[from] object_store::Error),
    /// The storage URL, its options or a key are not usable.
    #[error("storage configuration: {0}")]
    Config(String),
    /// The startup check failed: the store cannot be reached, written or read.
    #[error("{0}")]
    Unusable(String),
    /// The store has no room for the blob (a full disk, a quota); nothing
    /// of it was kept.
    #[error("the file store is out of space")]
    Full,
}

/// Whether an error of the store comes from a full disk or a quota (ENOSPC,
/// EDQUOT), at any depth of its causes.
fn is_out_of_space(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && (io.kind() == std::io::ErrorKind::StorageFull
                || io.kind() == std::io::ErrorKind::QuotaExceeded
                || matches!(io.raw_os_error(), Some(28 | 122)))
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// A blob written to its staging place, with its digest and size.
#[derive(Debug, Clone)]
pub struct Staged {
    path: Path,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// How many bytes.
    pub size: u64,
}

/// The part of a stored blob that was asked for.
pub struct Download {
    /// The size of the whole blob.
    pub total_size: u64,
    /// The bytes `body` holds, within `0..total_size`.
    pub range: Range<u64>,
    /// The bytes, streamed.
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
    /// Deletes a blob (one no file row names any more).
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Whether the store takes writes: false from a write refused for want
    /// of space until a write succeeds again (tried again at most every
    /// [`SPACE_RECHECK`]).
    async fn has_space(&self) -> bool {
        true
    }
}

/// How often a store that ran out of space is tried again by readiness checks.
pub const SPACE_RECHECK: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) type SharedBlobStore = Arc<dyn BlobStore>;

/// A [`BlobStore`] over `object_store`: a local directory, or S3 or an
/// S3-compatible server.
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    /// The store the startup check uses (see `remote::Remote::probe`).
    probe: Arc<dyn ObjectStore>,
    prefix: Path,
    /// Where the store is, as configured (less any password), for messages.
    location: String,
    hint: Option<&'static str>,
    /// When a write was last refused for want of space, until one succeeds.
    out_of_space: std::sync::Mutex<Option<std::time::Instant>>,
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
    /// `location` is a local folder (created if missing) or an object store
    /// URL, configured from the environment. Cheap: nothing is sent until
    /// `check` or the first use.
    pub fn open(location: &str) -> Result<Self, StorageError> {
        Self::open_with(location, &[])
    }

    /// The store `config` names, by default beside the database at
    /// `database_url` (see `default_location`).
    pub fn configured(
        config: &crate::config::StorageConfig,
        database_url: &str,
    ) -> Result<Self, StorageError> {
        let location = config
            .storage_url
            .clone()
            .unwrap_or_else(|| default_location(database_url));
        Self::open_with(&location, &config.storage_options)
    }

    /// `open`, with settings over the environment's: for S3, by the names of
    /// the `AWS_*` variables (`AWS_ENDPOINT_URL`, ...). Ignored for a folder.
    pub fn open_with(location: &str, options: &[(String, String)]) -> Result<Self, StorageError> {
        if location.contains("://") && !location.starts_with("file://") {
            let url = url::Url::parse(location).map_err(|e| StorageError::Config(e.to_string()))?;
            let remote = remote::open(&url, options)?;
            let mut shown = url;
            let _ = shown.set_password(None);
            return Ok(ObjectBlobStore {
                store: remote.store,
                probe: remote.probe,
                prefix: remote.prefix,
                location: shown.to_string(),
                hint: remote.hint,
                out_of_space: Default::default(),
            });
        }
        let folder = location.strip_prefix("file://").unwrap_or(location);
        std::fs::create_dir_all(folder)
            .map_err(|e| StorageError::Config(format!("cannot create {folder}: {e}")))?;
        // One folder, one name, however it was written (relative, linked).
        let named = std::fs::canonicalize(folder)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| folder.to_owned());
        let store: Arc<dyn ObjectStore> = Arc::new(
            object_store::local::LocalFileSystem::new_with_prefix(folder)?,
        );
        Ok(ObjectBlobStore {
            probe: store.clone(),
            store,
            prefix: Path::default(),
            location: named,
            hint: None,
            out_of_space: Default::default(),
        })
    }

    /// Where the store is (a folder's canonical path, or the URL less any
    /// password): what the server records for `quire retention` to check.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// `err`, as [`StorageError::Full`] when it is for want of space (and
    /// then remembered for [`BlobStore::has_space`]).
    fn noted(&self, err: StorageError) -> StorageError {
        let full = match &err {
            StorageError::Store(e) => is_out_of_space(e),
            StorageError::Full => true,
            _ => false,
        };
        if !full {
            return err;
        }
        tracing::error!(error = %with_causes(&err), "the file store is out of space");
        *self.out_of_space.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::time::Instant::now());
        StorageError::Full
    }

    /// A write succeeded: the store has room again.
    fn noted_success(&self) {
        *self.out_of_space.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Writes a small object under the prefix, reads it back and deletes
    /// it, so that a store that cannot be used fails at start, naming the
    /// place and the cause, instead of at the first upload.
    pub async fn check(&self) -> Result<(), StorageError> {
        const PROBE: &[u8] = b"quire storage check";
        const LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
        let path = self
            .prefix
            .clone()
            .join("staging")
            .join(format!("check-{}", uuid::Uuid::now_v7()));
        let fail = |action: &str, cause: String| {
            let hint = self.hint.map(|h| format!(" ({h})")).unwrap_or_default();
            StorageError::Unusable(format!(
                "cannot {action} the file store {}: {cause}{hint}",
                self.location
            ))
        };
        let steps = async {
            self.probe
                .put(&path, Bytes::from_static(PROBE).into())
                .await
                .map_err(|e| {
                    let mut cause = with_causes(&e);
                    if matches!(e, object_store::Error::NotFound { .. }) {
                        cause.push_str(" (does the bucket exist?)");
                    }
                    fail("write to", cause)
                })?;
            let read = async { self.probe.get(&path).await?.bytes().await };
            let got = read.await.map_err(|e| fail("read from", with_causes(&e)))?;
            if got.as_ref() != PROBE {
                return Err(fail(
                    "read from",
                    "it gave back other bytes than written".into(),
                ));
            }
            self.probe
                .delete(&path)
                .await
                .map_err(|e| fail("delete from", with_causes(&e)))
        };
        tokio::time::timeout(LIMIT, steps)
            .await
            .unwrap_or_else(|_| Err(fail("reach", format!("no answer in {LIMIT:?}"))))
    }

    /// The keys of every object under the prefix (blobs and staging
    /// leftovers), relative to it.
    pub async fn list(&self) -> Result<Vec<String>, StorageError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let metas: Vec<_> = self.store.list(prefix).try_collect().await?;
        Ok(metas
            .into_iter()
            .map(|m| match m.location.prefix_match(&self.prefix) {
                Some(parts) => Path::from_iter(parts).to_string(),
                None => m.location.to_string(),
            })
            .collect())
    }

    /// Writes `body` at `key` as it is (a blob copied from another store
    /// keeps the key its rows name); nothing when the key is already there.
    pub async fn put_at(
        &self,
        key: &str,
        mut body: BoxStream<'static, Result<Bytes, StorageError>>,
    ) -> Result<bool, StorageError> {
        let path = Path::parse(key).map_err(|e| StorageError::Config(e.to_string()))?;
        if self.store.head(&path).await.is_ok() {
            return Ok(false);
        }
        let upload = self.store.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            };
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            writer.write(&chunk);
        }
        writer.finish().await?;
        Ok(true)
    }

    fn blob_path(&self, sha256: &str) -> Path {
        self.prefix
            .clone()
            .join("blobs")
            .join(&sha256[..2])
            .join(sha256)
    }
}

/// An error and the causes under it that its message does not already say
/// (object_store's says "error sending request", its cause "Connection refused").
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        source = cause.source();
    }
    text
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
        let failure = match failure {
            Some(err) => {
                let _ = writer.abort().await;
                Some(err)
            }
            None => writer.finish().await.err().map(StorageError::from),
        };
        if let Some(err) = failure {
            if matches!(err, StorageError::TooLarge { .. }) {
                drain(&mut body, DRAIN_PAST_LIMIT).await;
            }
            let _ = self.store.delete(&path).await;
            return Err(self.noted(err));
        }
        self.noted_success();
        Ok(Staged {
            path,
            sha256: hex::encode(hasher.finalize()),
            size,
        })
    }

    async fn has_space(&self) -> bool {
        let since = *self.out_of_space.lock().unwrap_or_else(|e| e.into_inner());
        match since {
            None => true,
            Some(at) if at.elapsed() < SPACE_RECHECK => false,
            Some(_) => match self.check().await {
                Ok(()) => {
                    self.noted_success();
                    true
                }
                Err(_) => {
                    *self.out_of_space.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(std::time::Instant::now());
                    false
                }
            },
        }
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
pub(crate) fn boxed<S, E>(stream: S) -> BoxStream<'static, Result<Bytes, std::io::Error>>
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
