//! Moving a whole store between databases: `quire copy` (SQLite to
//! PostgreSQL and back, or same to same), `quire backup` (a consistent
//! snapshot into a SQLite file, while the server runs) and `quire restore`
//! (a snapshot into an empty database). One mechanism serves all three: every
//! table is read in one read-only snapshot of the source, in key order and in
//! batches, and written to the target with every id, number, timestamp,
//! digest, status and event position as it was; search indexes rebuild
//! themselves on the target (PostgreSQL's generated column, SQLite's
//! triggers), kept counts are copied, and the target's event sequence is set
//! past the last position so that subscribers resume by their cursors.
//!
//! A target must be empty. While a copy runs, the target holds a marker
//! (`copy_in_progress`) that the server refuses to start on, so a copy killed
//! midway never leaves a half store that serves; `copy` refuses such a target
//! until it is emptied. Blobs stay in the object store; file rows point at
//! them by key.

mod blobs;
mod tables;

pub use blobs::{BlobCopyError, copy_blobs};

use std::time::Instant;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, IsolationLevel,
    PaginatorTrait, Statement, TransactionTrait,
};

use crate::db::Db;

/// Rows read and written at a time.
pub const BATCH: u64 = 500;

/// The `deployment_settings` name of the marker a running copy leaves.
pub const IN_PROGRESS: &str = "copy_in_progress";

/// What a copy did and checked.
#[derive(Debug, Default)]
pub struct Report {
    /// Rows copied, per table, in the order copied.
    pub tables: Vec<(&'static str, u64)>,
    /// Versions whose digest was recomputed on the target and matched.
    pub digests_checked: usize,
    /// How long it took.
    pub seconds: f64,
}

impl Report {
    /// Every row copied.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Why a store could not be copied.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target already holds data (or a copy that did not finish).
    #[error("the target database is not empty ({0}): copy into an empty, migrated database")]
    NotEmpty(String),
    /// The copy's own checks found a difference.
    #[error("the copy does not match its source: {0}")]
    Mismatch(String),
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

/// The source's snapshot: one read-only transaction (repeatable read on
/// PostgreSQL; on SQLite, a read transaction sees one WAL snapshot).
async fn snapshot(from: &Db) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    let (isolation, access) = match from.backend() {
        DbBackend::Postgres => (
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        ),
        _ => (None, None),
    };
    from.conn.pool().begin_with_config(isolation, access).await
}

/// Copies every table of `from` into the empty, migrated `to`, calling
/// `progress` (table, rows so far) after each batch; then checks row counts
/// per table and recomputes a sample of version digests on the target.
pub async fn copy(
    from: &Db,
    to: &Db,
    mut progress: impl FnMut(&str, u64),
) -> Result<Report, CopyError> {
    let started = Instant::now();
    refuse_unless_empty(to).await?;
    mark(to, true).await?;
    // A migrated database starts with the outbox's state row: the source's
    // replaces it.
    to.conn
        .execute_unprepared("DELETE FROM outbox_state")
        .await?;
    let source = snapshot(from).await?;
    let mut report = Report::default();
    for table in tables::ALL {
        let copied = (table.copy)(&source, to, &mut progress).await?;
        report.tables.push((table.name, copied));
    }
    tables::copy_version_counts(&source, to).await?;
    if to.backend() == DbBackend::Postgres {
        // The next event takes the position after the last copied one.
        to.conn
            .execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('events', 'position'), \
                 GREATEST((SELECT COALESCE(MAX(position), 0) FROM events), 1))",
            )
            .await?;
    }
    for (name, copied) in &report.tables {
        let there = count(to, name).await?;
        if there != *copied {
            return Err(CopyError::Mismatch(format!(
                "{name}: {copied} rows read, {there} in the target"
            )));
        }
    }
    report.digests_checked = tables::check_digests(&source, to).await?;
    source.commit().await?;
    mark(to, false).await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

async fn count(db: &Db, table: &str) -> Result<u64, sea_orm::DbErr> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?;
    Ok(row.map_or(0, |r| r.try_get::<i64>("", "n").unwrap_or(0)) as u64)
}

/// NOT_EMPTY unless the target holds no data (a migrated database holds
/// only the outbox's one state row) and no unfinished copy.
async fn refuse_unless_empty(to: &Db) -> Result<(), CopyError> {
    if crate::domain::settings::get(&to.conn, IN_PROGRESS)
        .await
        .ok()
        .flatten()
        .is_some()
    {
        return Err(CopyError::NotEmpty(
            "a copy into it did not finish: empty it (drop and migrate it again) first".into(),
        ));
    }
    for table in [
        "projects",
        "api_tokens",
        "artifact_schemas",
        "model_prices",
        "events",
        "files",
    ] {
        let n = count(to, table).await?;
        if n > 0 {
            return Err(CopyError::NotEmpty(format!("{table} holds {n} rows")));
        }
    }
    Ok(())
}

/// Sets or clears the marker of a running copy in the target.
async fn mark(to: &Db, running: bool) -> Result<(), sea_orm::DbErr> {
    if running {
        crate::domain::settings::put(&to.conn, IN_PROGRESS, "started").await
    } else {
        entity::deployment_setting::Entity::delete_by_id(IN_PROGRESS.to_owned())
            .exec(&to.conn)
            .await
            .map(|_| ())
    }
}

/// Whether a copy into `db` started and did not finish.
pub async fn unfinished(db: &Db) -> Result<bool, sea_orm::DbErr> {
    Ok(
        entity::deployment_setting::Entity::find_by_id(IN_PROGRESS.to_owned())
            .count(&db.conn)
            .await?
            > 0,
    )
}
