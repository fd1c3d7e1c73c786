//! Subscriptions: project events from the outbox, replayed after a cursor
//! and then live. Payload objects resolve their fields like queries do.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, SimpleObject, Subscription};
use entity::VersionStatus;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::context::{loaders, session};
use super::error::{ApiResult, to_graphql};
use super::loaders::{ApprovalById, Loaders, ProjectById, RunById, StepById, VersionById};
use super::types::{
    Approval, ArtifactVersion, Project, Run, RunStatusGql, RunStep, VersionStatusGql,
};
use crate::db::Db;
use crate::domain::ids::{self, IdKind};
use crate::domain::query::pagination::{PageArgs, text_cursor};
use crate::domain::write::events::{Change, QueueMove};
use crate::domain::{DomainError, projects, validate};
use crate::events::EventHub;
use crate::events::feed::feed;
use crate::events::reader::Event;

/// Whether an event is about a new object or a change to one.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The object was created: a run started, a version created (PENDING).
    Created,
    /// The object changed: a run's status changed or it recorded a step; a
    /// version's status changed.
    Updated,
}

impl ChangeKind {
    fn of(change: &Change) -> Self {
        if change.is_creation() {
            ChangeKind::Created
        } else {
            ChangeKind::Updated
        }
    }
}

/// How the review queue changed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueChange {
    /// A version was created, so it awaits review (PENDING).
    Added,
    /// A version left PENDING: approved, rejected or sent back for changes.
    Removed,
}

/// A run was created or changed.
#[derive(SimpleObject)]
pub(crate) struct RunEvent {
    /// Resumable position: pass it back as `after` to continue where this left off.
    pub cursor: String,
    /// Whether the run is new or changed.
    pub kind: ChangeKind,
    /// The status this event announces (the run may have moved on since).
    pub status: RunStatusGql,
    /// The run as it is when the event is delivered (which may be later than
    /// the change itself, say on a resumed subscription).
    pub run: Run,
    /// The step the change recorded or summarized (recordRunStep,
    /// recordStepSummary), as it is when the event is delivered.
    pub step: Option<RunStep>,
}

/// A version was created or changed status.
#[derive(SimpleObject)]
pub(crate) struct VersionEvent {
    /// Resumable position: pass it back as `after` to continue where this left off.
    pub cursor: String,
    /// CREATED for a new (PENDING) version, UPDATED for a status change.
    pub kind: ChangeKind,
    /// The status this event announces (the version may have moved on since).
    pub status: VersionStatusGql,
    /// The version as it is when the event is delivered, which may be later
    /// than the change: an APPROVED event's version may read SUPERSEDED.
    pub version: ArtifactVersion,
    /// The review that made the change, if one did.
    pub approval: Option<Approval>,
}

/// A version joined or left a project's review queue.
#[derive(SimpleObject)]
pub(crate) struct ReviewQueueEvent {
    /// Resumable position: pass it back as `after` to continue where this left off.
    pub cursor: String,
    /// Whether the version joined or left the queue.
    pub change: QueueChange,
    /// The version as it is when the event is delivered.
    pub version: ArtifactVersion,
}

/// A promotion into a project's context.
#[derive(SimpleObject)]
pub(crate) struct ContextEvent {
    /// Resumable position: pass it back as `after` to continue where this left off.
    pub cursor: String,
    /// The project, as it is when the event is delivered.
    pub project: Project,
    /// The context version the promotion produced.
    pub context_version: i32,
    /// The versions the promotion wrote into the context.
    pub promoted: Vec<ArtifactVersion>,
}

fn cursor_of(event: &Event) -> String {
    text_cursor(&event.position.to_string())
}

fn parse_cursor(after: Option<String>) -> async_graphql::Result<Option<i64>> {
    let Some(text) = after else { return Ok(None) };
    let args = PageArgs::new(Some(0), Some(text), false).api()?;
    let decoded = args.after_text().api()?.unwrap_or_default();
    decoded
        .parse::<i64>()
        .map(Some)
        .map_err(|_| to_graphql(DomainError::validation("the cursor is not valid")))
}

/// The feed of a project the caller may see.
async fn open(
    ctx: &Context<'_>,
    project_id: &ID,
    after: Option<String>,
) -> async_graphql::Result<(Loaders, BoxStream<'static, Result<Event, DomainError>>)> {
    let project = projects::require(session(ctx), project_id).await.api()?;
    let after = parse_cursor(after)?;
    let hub = ctx.data_unchecked::<Arc<EventHub>>().clone();
    let db = ctx.data_unchecked::<Db>().clone();
    let stream = feed(hub, db, project.id, after).await.api()?;
    Ok((loaders(ctx).clone(), stream.boxed()))
}

pub(crate) struct SubscriptionRoot;

/// Live events of one project, over the WebSocket at /graphql/ws
/// (graphql-transport-ws or subscriptions-transport-ws; the token goes in
/// connection_init). Events come in order, each with a cursor to resume
/// from. Needs READER or more.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Runs of a project (or one run) created, changing status or recording a step.
    async fn run_status_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (`prj_...`); NOT_FOUND if the token cannot see it.")]
        project_id: ID,
        #[graphql(
            desc = "Only events of this run (`run_...`); omitted: every run of the project."
        )]
        run_id: Option<ID>,
        #[graphql(
            desc = "Resume after this event cursor, with nothing lost or repeated; omitted: events from now on. A cursor older than QUIRE_EVENT_RETENTION_SECS (7 days by default) is NOT_FOUND: subscribe without it and re-read the state."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RunEvent>>> {
        let only: Option<Uuid> = run_id
            .map(|id| ids::decode(IdKind::Run, &id))
            .transpose()
            .api()?;
        let (loaders, events) = open(ctx, &project_id, after).await?;
        let hub = ctx.data_unchecked::<Arc<EventHub>>().clone();
        Ok(events
            .filter(move |e| {
                let keep = e.as_ref().map_or(true, |e| {
                    e.change.is_run() && only.is_none_or(|r| r == e.subject)
                });
                async move { keep }
            })
            .then(move |e| {
                let (loaders, hub) = (loaders.clone(), hub.clone());
                async move {
                    let e = e.api()?;
                    let run = hub
                        .load_once(e.position, loaders.load_one(RunById(e.subject)))
                        .await?
                        .ok_or("the run is gone")?;
                    let step = match e.change.step() {
                        Some(id) => loaders.load_one(StepById(id)).await?.map(RunStep),
                        None => None,
                    };
                    Ok(RunEvent {
                        cursor: cursor_of(&e),
                        kind: ChangeKind::of(&e.change),
                        status: e.change.announced_run_status().unwrap_or(run.status).into(),
                        run: Run(run),
                        step,
                    })
                }
            }))
    }

    /// Versions of a project created or changing status; filter by key prefix and new status.
    async fn version_status_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (`prj_...`); NOT_FOUND if the token cannot see it.")]
        project_id: ID,
        #[graphql(
            desc = "Only keys equal to this dot path or below it, by whole segments: `brand` matches `brand` and `brand.logo`, not `brandx`."
        )]
        schema_key_prefix: Option<String>,
        #[graphql(
            desc = "Only changes to one of these statuses (a new version counts as PENDING); omitted or empty: all."
        )]
        status: Option<Vec<VersionStatusGql>>,
        #[graphql(
            desc = "Resume after this event cursor, with nothing lost or repeated; omitted: events from now on. A cursor older than QUIRE_EVENT_RETENTION_SECS (7 days by default) is NOT_FOUND: subscribe without it and re-read the state."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<VersionEvent>>> {
        if let Some(prefix) = &schema_key_prefix {
            validate::schema_key_prefix(prefix).api()?;
        }
        let prefix = schema_key_prefix.map(|p| p.trim_end_matches('.').to_owned());
        let statuses: Vec<VersionStatus> = status
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let (loaders, events) = open(ctx, &project_id, after).await?;
        let hub = ctx.data_unchecked::<Arc<EventHub>>().clone();
        Ok(events
            .filter(move |e| {
                let keep = e.as_ref().map_or(true, |e| {
                    let Some(key) = e.change.version_key() else {
                        return false;
                    };
                    let new_status = e.change.announced_version_status();
                    let key_ok = prefix
                        .as_deref()
                        .is_none_or(|p| key == p || key.starts_with(&format!("{p}.")));
                    let status_ok =
                        statuses.is_empty() || new_status.is_some_and(|s| statuses.contains(&s));
                    key_ok && status_ok
                });
                async move { keep }
            })
            .then(move |e| {
                let (loaders, hub) = (loaders.clone(), hub.clone());
                async move {
                    let e = e.api()?;
                    let version = hub
                        .load_once(e.position, loaders.load_one(VersionById(e.subject)))
                        .await?
                        .ok_or("the version is gone")?;
                    let approval = match &e.change {
                        Change::VersionStatus {
                            approval: Some(approval),
                            ..
                        } => loaders
                            .load_one(ApprovalById(approval.id))
                            .await?
                            .map(Approval),
                        _ => None,
                    };
                    Ok(VersionEvent {
                        cursor: cursor_of(&e),
                        kind: ChangeKind::of(&e.change),
                        status: e
                            .change
                            .announced_version_status()
                            .unwrap_or(version.status)
                            .into(),
                        version: ArtifactVersion(version),
                        approval,
                    })
                }
            }))
    }

    /// The review queue of a project: ADDED when a version becomes PENDING,
    /// REMOVED when it leaves PENDING.
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (`prj_...`); NOT_FOUND if the token cannot see it.")]
        project_id: ID,
        #[graphql(
            desc = "Resume after this event cursor, with nothing lost or repeated; omitted: events from now on. A cursor older than QUIRE_EVENT_RETENTION_SECS (7 days by default) is NOT_FOUND: subscribe without it and re-read the state."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ReviewQueueEvent>>> {
        let (loaders, events) = open(ctx, &project_id, after).await?;
        let hub = ctx.data_unchecked::<Arc<EventHub>>().clone();
        Ok(events
            .filter_map(|e| async move {
                match e {
                    Err(err) => Some(Err(err)),
                    Ok(e) => e.change.queue_move().map(|m| {
                        let change = match m {
                            QueueMove::Joined => QueueChange::Added,
                            QueueMove::Left => QueueChange::Removed,
                        };
                        Ok((e, change))
                    }),
                }
            })
            .then(move |item| {
                let (loaders, hub) = (loaders.clone(), hub.clone());
                async move {
                    let (e, change) = item.api()?;
                    let version = hub
                        .load_once(e.position, loaders.load_one(VersionById(e.subject)))
                        .await?
                        .ok_or("the version is gone")?;
                    Ok(ReviewQueueEvent {
                        cursor: cursor_of(&e),
                        change,
                        version: ArtifactVersion(version),
                    })
                }
            }))
    }

    /// Promotions into a project's context.
    async fn context_promoted(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (`prj_...`); NOT_FOUND if the token cannot see it.")]
        project_id: ID,
        #[graphql(
            desc = "Resume after this event cursor, with nothing lost or repeated; omitted: events from now on. A cursor older than QUIRE_EVENT_RETENTION_SECS (7 days by default) is NOT_FOUND: subscribe without it and re-read the state."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ContextEvent>>> {
        let (loaders, events) = open(ctx, &project_id, after).await?;

        Ok(events
            .filter(|e| {
                let keep = e
                    .as_ref()
                    .map_or(true, |e| matches!(e.change, Change::ContextPromoted { .. }));
                async move { keep }
            })
            .then(move |e| {
                let loaders = loaders.clone();
                async move {
                    let e = e.api()?;
                    let Change::ContextPromoted {
                        context_version,
                        promoted,
                    } = &e.change
                    else {
                        unreachable!("only promotions pass the filter");
                    };
                    let project = loaders
                        .load_one(ProjectById(e.project_id))
                        .await?
                        .ok_or("the project is gone")?;
                    let promoted_ids: Vec<Uuid> = promoted.iter().map(|p| p.id).collect();
                    let found = loaders
                        .load_many(promoted_ids.iter().copied().map(VersionById))
                        .await?;
                    let promoted = promoted_ids
                        .iter()
                        .filter_map(|id| found.get(&VersionById(*id)).cloned().map(ArtifactVersion))
                        .collect();
                    Ok(ContextEvent {
                        cursor: cursor_of(&e),
                        project: Project(project),
                        context_version: *context_version,
                        promoted,
                    })
                }
            }))
    }
}
