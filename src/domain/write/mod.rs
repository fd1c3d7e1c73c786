//! The one way a domain operation writes: a write transaction that commits
//! all of the operation or none of it, run again from the start when it lost
//! a race, and, for mutations that take an idempotency key, answered from the
//! key's stored record when the same call was made before.
//!
//! Every mutation goes through [`transact`] or [`Idempotency::run`], so none
//! can forget to retry, to roll back, or to store its key in the same
//! transaction as its effect.
//!
//! The work is a closure that takes a handle on the transaction and returns
//! a future (`move |txn| async move { … }`, with what it reads from the
//! caller bound to references first). Edition 2024's async closures would
//! read better, but the compiler cannot yet prove their futures `Send`
//! inside async-graphql's resolvers (rust-lang/rust#145127, #149407).

/// The one writer of a project's context and its revisions.
pub(crate) mod context_revisions;
/// Outbox events: the one typed event enum, appended in the writing transaction.
pub mod events;
/// Idempotency keys: a repeated call answered from its stored record.
pub(crate) mod idempotency;
/// Row and name locks that serialise writers of one thing.
pub(crate) mod locks;
/// Per-key version counts by status, kept in step with every write.
pub(crate) mod version_counts;

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::{Db, WriteTxn};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::write::idempotency::Idempotency;

/// How many times an operation is run before its last race is reported: a
/// concurrent twin stored the key first, took a unique number, or PostgreSQL
/// chose it as a deadlock or serialization victim.
const ATTEMPTS: usize = 8;

/// Runs `work` in one write transaction and commits it. When `work` (or the
/// commit) fails with a retryable error, the transaction is rolled back and
/// `work` runs again in a new one, up to [`ATTEMPTS`] times.
pub(crate) async fn transact<T, Work, Done>(db: &Db, mut work: Work) -> DomainResult<T>
where
    Work: FnMut(WriteTxn) -> Done,
    Done: Future<Output = DomainResult<T>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = db.begin_write().await?;
        let failed = match work(txn.clone()).await {
            Ok(value) => match finish(txn).await {
                Ok(()) => return Ok(value),
                Err(err) => err,
            },
            Err(err) => {
                txn.rollback().await?;
                err
            }
        };
        if !(failed.is_retryable() && attempt < ATTEMPTS) {
            return Err(failed);
        }
    }
}

/// Writes the transaction's tallied counters (last, see `version_counts`)
/// and commits; a failure rolls back as the transaction drops.
async fn finish(txn: WriteTxn) -> DomainResult<()> {
    crate::domain::write::version_counts::flush(&txn).await?;
    match txn.commit().await {
        Ok(()) => Ok(()),
        // The COMMIT was sent, and no answer came back.
        Err(err) if crate::db::is_connection_failure(&err) => {
            tracing::error!(error = %err, "the connection was lost while committing");
            Err(DomainError::OutcomeUnknown(
                "the connection to the database was lost while the change committed: it may or may not have been applied; read it back before trying again, or retry with the same idempotencyKey".into(),
            ))
        }
        Err(err) => Err(err.into()),
    }
}

impl Idempotency {
    /// Runs a keyed mutation in one transaction (see [`transact`]).
    ///
    /// `work` makes the change and returns the answer together with the
    /// `Record` to remember under the key; `replay` rebuilds the answer from
    /// a remembered record, inside the transaction, when the key was used
    /// before with the same input. Without a key, `work` simply runs.
    pub(crate) async fn run<T, Record, Work, Done, Replay, Replayed>(
        &self,
        db: &Db,
        work: Work,
        replay: Replay,
    ) -> DomainResult<T>
    where
        Record: Serialize + DeserializeOwned,
        Work: Fn(WriteTxn) -> Done,
        Done: Future<Output = DomainResult<(T, Record)>>,
        Replay: Fn(WriteTxn, Record) -> Replayed,
        Replayed: Future<Output = DomainResult<T>>,
    {
        let (work, replay) = (&work, &replay);
        transact(db, move |txn| async move {
            if let Some(record) = self.replay::<Record>(&txn).await? {
                return replay(txn, record).await;
            }
            let (answer, record) = work(txn.clone()).await?;
            self.store(&txn, &record).await?;
            Ok(answer)
        })
        .await
    }
}
