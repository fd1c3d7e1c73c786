use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::approval;

use super::{Actor, ArtifactVersion, Project, ReviewActionGql, Run, gid, load};
use crate::domain::ids::IdKind;
use crate::graphql::loaders::{ProjectById, RunById, VersionById};
use crate::graphql::plain::Plain;

/// One entry of the append-only audit trail.
pub(crate) struct Approval(pub approval::Model);

/// One entry of a project's append-only audit trail: a review decision
/// (APPROVE, REJECT, REQUEST_CHANGES), a supersession that an approval caused,
/// or a promotion, with who did it and when. Entries are never changed.
#[Object]
impl Approval {
    /// The entry's global ID (`apv_...`).
    pub async fn id(&self) -> ID {
        gid(IdKind::Approval, self.0.id)
    }
    /// The artifact version the entry is about.
    async fn version(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactVersion>> {
        match self.0.version_id {
            Some(id) => Ok(load(ctx, VersionById(id)).await?.map(ArtifactVersion)),
            None => Ok(None),
        }
    }
    /// The project of the version.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        load(ctx, ProjectById(self.0.project_id))
            .await?
            .map(Project)
            .ok_or_else(|| "the approval's project is missing".into())
    }
    /// The run that produced the version (its sourceRun), if any.
    async fn run(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Run>> {
        match self.0.run_id {
            Some(id) => Ok(load(ctx, RunById(id)).await?.map(Run)),
            None => Ok(None),
        }
    }
    /// What happened.
    async fn action(&self) -> ReviewActionGql {
        self.0.action.into()
    }
    /// Who did it. For SUPERSEDE, the reviewer whose approval superseded the version.
    async fn actor(&self) -> Plain<Actor> {
        Plain(Actor::new(
            self.0.actor_id,
            &self.0.actor_name,
            self.0.actor_type,
        ))
    }
    /// The reviewer's reason, as sent with the review; for SUPERSEDE,
    /// "superseded by version N"; null for PROMOTE and when none was given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The structured feedback sent with the review (ReviewInput.feedback), if any.
    async fn feedback(&self) -> Option<Json> {
        self.0.feedback.clone().map(Json)
    }
    /// The context version a PROMOTE produced; null for other actions.
    async fn context_version(&self) -> Option<i32> {
        self.0.context_version
    }
    /// When the entry was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::graphql::plain::plain_fields!(Approval {
    "id" => id,
    "action" => action,
    "actor" => actor,
    "reason" => reason,
    "feedback" => feedback,
    "contextVersion" => context_version,
    "createdAt" => created_at,
});
