//! Generation claims: an agent claims a schema key before it generates a
//! value for it, so that two agents do not generate the same key at once.
//!
//! A claim holds for a lease; a claim whose lease has passed counts as
//! IDLE without anyone writing (see [`Generation::of`]). `finish` ends a
//! claim (IDLE, or FAILED with the error), and so does closing the run the
//! claim named (`end_for_run`, called in the run's own transaction).

use chrono::{DateTime, Duration, Utc};
use entity::{GenerationState, Role, RunStatus, generation};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::error::{DomainError, DomainResult};
use super::ids::{self, IdKind};
use super::write::transact;
use super::{Actor, Session, projects, runs, validate};
use crate::db::{Dialect, WriteTxn};

/// How long a claim holds when `startGeneration` names no lease.
pub const DEFAULT_LEASE_SECS: i64 = 600;

/// The longest lease a claim may ask for: a day.
pub const MAX_LEASE_SECS: i64 = 24 * 60 * 60;

/// A claim on a key; see [`start`].
pub struct Claim {
    /// The project's public ID.
    pub project_id: String,
    /// The key to generate.
    pub schema_key: String,
    /// The open run the generation is for, if any.
    pub run_id: Option<String>,
    /// How long the claim holds, 1 to [`MAX_LEASE_SECS`]; `None`:
    /// [`DEFAULT_LEASE_SECS`].
    pub lease_seconds: Option<i64>,
}

/// The end of a claim; see [`finish`].
pub struct Release {
    /// The project's public ID.
    pub project_id: String,
    /// The claimed key.
    pub schema_key: String,
    /// Set when the generation failed.
    pub error: Option<String>,
}

/// Where a key's generation stands, as a reader sees it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// The project.
    pub project_id: Uuid,
    /// The key.
    pub schema_key: String,
    /// IDLE, GENERATING (under an unexpired lease) or FAILED.
    pub state: GenerationState,
    /// The run of the claim (GENERATING, FAILED).
    pub run_id: Option<Uuid>,
    /// Who claimed the key (GENERATING, FAILED).
    pub holder: Option<Actor>,
    /// When the claim lapses (GENERATING).
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Why the generation failed (FAILED).
    pub error: Option<String>,
    /// When the state last changed; none for a key never claimed.
    pub updated_at: Option<DateTime<Utc>>,
}

impl Generation {
    /// The state of `schema_key` given its row (none: never claimed) at `now`:
    /// a GENERATING row whose lease has passed is IDLE since the lease ended.
    pub fn of(
        project_id: Uuid,
        schema_key: &str,
        row: Option<&generation::Model>,
        now: DateTime<Utc>,
    ) -> Generation {
        let idle = |updated_at| Generation {
            project_id,
            schema_key: schema_key.to_owned(),
            state: GenerationState::Idle,
            run_id: None,
            holder: None,
            lease_expires_at: None,
            error: None,
            updated_at,
        };
        let Some(row) = row else {
            return idle(None);
        };
        let lapsed = row.lease_expires_at.filter(|at| *at <= now);
        match (row.state, lapsed) {
            (GenerationState::Generating, Some(ended)) => idle(Some(ended)),
            (GenerationState::Idle, _) => idle(Some(row.updated_at)),
            _ => Generation {
                project_id,
                schema_key: row.schema_key.clone(),
                state: row.state,
                run_id: row.run_id,
                holder: holder(row),
                lease_expires_at: row.lease_expires_at,
                error: row.error.clone(),
                updated_at: Some(row.updated_at),
            },
        }
    }

    fn is_held(&self) -> bool {
        self.state == GenerationState::Generating
    }
}

fn holder(row: &generation::Model) -> Option<Actor> {
    match (row.holder_id, &row.holder_name, row.holder_type) {
        (Some(id), Some(name), Some(actor_type)) => Some(Actor {
            id,
            name: name.clone(),
            actor_type,
        }),
        _ => None,
    }
}

/// Claims a key: GENERATING, held by the caller, for the lease. WRITER;
/// CONFLICT while another unexpired claim holds the key; NOT_FOUND for a
/// project or run the caller cannot see; INVALID_TRANSITION for a run that
/// is no longer open. One transaction.
pub async fn start(s: Session<'_>, claim: Claim) -> DomainResult<Generation> {
    s.principal.require_role(Role::Writer)?;
    validate::schema_key(&claim.schema_key)?;
    let lease = claim.lease_seconds.unwrap_or(DEFAULT_LEASE_SECS);
    if !(1..=MAX_LEASE_SECS).contains(&lease) {
        return Err(DomainError::validation(format!(
            "leaseSeconds must be 1 to {MAX_LEASE_SECS}; got {lease}"
        )));
    }
    let project = projects::require(s, &claim.project_id).await?;
    let run_id = claim
        .run_id
        .as_deref()
        .map(|text| ids::decode(IdKind::Run, text).map(|id| (id, text)))
        .transpose()?;
    let claim = &claim;
    transact(s.db, move |txn| async move {
        if let Some((id, text)) = run_id {
            open_run(&txn, project.id, id, text).await?;
        }
        lock(&txn, project.id, &claim.schema_key).await?;
        let now = Utc::now();
        let current = read(&txn, project.id, &claim.schema_key, now).await?;
        if current.is_held() {
            let by = current.holder.as_ref().map_or("another caller", |h| &h.name);
            return Err(DomainError::conflict(format!(
                "{} is being generated by {by} until {}: wait for it to finish or its lease to pass",
                claim.schema_key,
                current
                    .lease_expires_at
                    .map_or_else(String::new, |at| at.to_rfc3339())
            )));
        }
        let actor = &s.principal.actor;
        let row = generation::Model {
            project_id: project.id,
            schema_key: claim.schema_key.clone(),
            state: GenerationState::Generating,
            run_id: run_id.map(|(id, _)| id),
            holder_id: Some(actor.id),
            holder_name: Some(actor.name.clone()),
            holder_type: Some(actor.actor_type),
            lease_expires_at: Some(now + Duration::seconds(lease)),
            error: None,
            updated_at: now,
        };
        save(&txn, &row, current.updated_at.is_some()).await?;
        Ok(Generation::of(project.id, &row.schema_key, Some(&row), now))
    })
    .await
}

/// Ends the caller's claim on a key: IDLE, or FAILED with `error`. WRITER;
/// INVALID_TRANSITION when the key is not being generated (never claimed,
/// finished, or its lease passed); CONFLICT when another actor holds it
/// (an ADMIN may end any claim). One transaction.
pub async fn finish(s: Session<'_>, release: Release) -> DomainResult<Generation> {
    s.principal.require_role(Role::Writer)?;
    validate::schema_key(&release.schema_key)?;
    if let Some(error) = &release.error {
        validate::non_blank("error", error)?;
        validate::text("error", error, validate::MAX_TEXT_CHARS)?;
    }
    let project = projects::require(s, &release.project_id).await?;
    let release = &release;
    transact(s.db, move |txn| async move {
        lock(&txn, project.id, &release.schema_key).await?;
        let now = Utc::now();
        let current = read(&txn, project.id, &release.schema_key, now).await?;
        if !current.is_held() {
            return Err(DomainError::InvalidTransition {
                kind: "generation",
                action: "finish",
                from: current.state.to_value(),
            });
        }
        let actor = &s.principal.actor;
        let holder = current.holder.as_ref();
        if holder.is_none_or(|h| h.id != actor.id) && s.principal.role != Role::Admin {
            return Err(DomainError::conflict(format!(
                "{} is being generated by {}, not by this token",
                release.schema_key,
                holder.map_or("another caller", |h| &h.name)
            )));
        }
        let row = ended(&current, release.error.clone(), now);
        save(&txn, &row, true).await?;
        Ok(Generation::of(project.id, &row.schema_key, Some(&row), now))
    })
    .await
}

/// The row of a claim that ended at `now`: IDLE, or FAILED with `error`
/// (keeping who held it and for which run).
fn ended(current: &Generation, error: Option<String>, now: DateTime<Utc>) -> generation::Model {
    let failed = error.is_some();
    let holder = current.holder.as_ref().filter(|_| failed);
    generation::Model {
        project_id: current.project_id,
        schema_key: current.schema_key.clone(),
        state: if failed {
            GenerationState::Failed
        } else {
            GenerationState::Idle
        },
        run_id: current.run_id.filter(|_| failed),
        holder_id: holder.map(|h| h.id),
        holder_name: holder.map(|h| h.name.clone()),
        holder_type: holder.map(|h| h.actor_type),
        lease_expires_at: None,
        error,
        updated_at: now,
    }
}

/// Ends every live claim of a run that is closing, in the run's
/// transaction: FAILED with the run's error when it failed, IDLE when it
/// completed or was cancelled.
pub(crate) async fn end_for_run(
    txn: &WriteTxn,
    run_id: Uuid,
    status: RunStatus,
    error: Option<&str>,
) -> DomainResult<()> {
    let now = Utc::now();
    let failed =
        (status == RunStatus::Failed).then(|| error.unwrap_or("the run failed").to_owned());
    let live = generation::Entity::find()
        .filter(generation::Column::RunId.eq(run_id))
        .filter(generation::Column::State.eq(GenerationState::Generating))
        .filter(generation::Column::LeaseExpiresAt.gt(now))
        .all(txn)
        .await?;
    for row in live {
        // Read again under the key's lock: the holder may have finished it.
        lock(txn, row.project_id, &row.schema_key).await?;
        let current = read(txn, row.project_id, &row.schema_key, now).await?;
        if current.is_held() && current.run_id == Some(run_id) {
            save(txn, &ended(&current, failed.clone(), now), true).await?;
        }
    }
    Ok(())
}

/// The run a claim names, locked (so that it cannot close while the claim
/// is made): in the project and still open.
async fn open_run(txn: &WriteTxn, project_id: Uuid, id: Uuid, text: &str) -> DomainResult<()> {
    let run = runs::lock_in_project(txn, project_id, id, text).await?;
    if !runs::is_open(run.status) {
        return Err(DomainError::InvalidTransition {
            kind: "run",
            action: "generate for",
            from: run.status.to_value(),
        });
    }
    Ok(())
}

/// Serialises the claims on one key until the transaction ends.
async fn lock(txn: &WriteTxn, project_id: Uuid, schema_key: &str) -> DomainResult<()> {
    let name = format!("generations/{project_id}/{schema_key}");
    Ok(Dialect::of(txn).lock_name(txn, &name).await?)
}

async fn read(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    schema_key: &str,
    now: DateTime<Utc>,
) -> DomainResult<Generation> {
    let row = generation::Entity::find_by_id((project_id, schema_key.to_owned()))
        .one(conn)
        .await?;
    Ok(Generation::of(project_id, schema_key, row.as_ref(), now))
}

async fn save(txn: &WriteTxn, row: &generation::Model, exists: bool) -> DomainResult<()> {
    let active = generation::ActiveModel {
        project_id: Set(row.project_id),
        schema_key: Set(row.schema_key.clone()),
        state: Set(row.state),
        run_id: Set(row.run_id),
        holder_id: Set(row.holder_id),
        holder_name: Set(row.holder_name.clone()),
        holder_type: Set(row.holder_type),
        lease_expires_at: Set(row.lease_expires_at),
        error: Set(row.error.clone()),
        updated_at: Set(row.updated_at),
    };
    if exists {
        generation::Entity::update(active).exec(txn).await?;
    } else {
        generation::Entity::insert(active).exec(txn).await?;
    }
    Ok(())
}
