use crate::domain::bounds;
use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::artifact_version as version;
use serde_json::Value;

use super::{
    Actor, Approval, File, LineageEntry, Project, Run, RunStep, VersionStatusGql, gid, load,
};
use crate::domain::ids::{self, IdKind};
use crate::domain::{files, versions};
use crate::graphql::context::{loaders, session};
use crate::graphql::error::ApiResult;
use crate::graphql::loaders::{
    ApprovalsOfVersion, ConsumersOfVersion, FileById, FilesOfVersion, KeyRef, ProjectById, RunById,
    RunWithSteps, StepById, StepsOfRun, VersionByNumber,
};

pub struct ArtifactVersion(pub version::Model);

impl ArtifactVersion {
    async fn load_previous(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<version::Model>> {
        if self.0.version_number <= 1 {
            return Ok(None);
        }
        let key = KeyRef {
            project_id: self.0.project_id,
            schema_key: self.0.schema_key.clone(),
        };
        load(ctx, VersionByNumber(key, self.0.version_number - 1)).await
    }
}

#[Object]
impl ArtifactVersion {
    pub async fn id(&self) -> ID {
        gid(IdKind::Version, self.0.id)
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        load(ctx, ProjectById(self.0.project_id))
            .await?
            .map(Project)
            .ok_or_else(|| "the version's project is missing".into())
    }
    async fn schema_key(&self) -> &str {
        &self.0.schema_key
    }
    /// 1, 2, 3, ... per (project, schemaKey), with no gaps and no duplicates.
    async fn version_number(&self) -> i32 {
        self.0.version_number
    }
    async fn status(&self) -> VersionStatusGql {
        self.0.status.into()
    }
    async fn value(&self) -> Json {
        Json(self.0.value.clone())
    }
    /// The version of the JSON schema the value was validated against, if one was registered.
    async fn schema_version(&self) -> Option<i32> {
        self.0.schema_version
    }
    async fn annotations(&self) -> Option<Json> {
        self.0.annotations.clone().map(Json)
    }
    /// SHA-256 over the canonical value and the file digests: equal content, equal digest.
    async fn digest(&self) -> &str {
        &self.0.digest
    }
    // A version links files of its own project only (`files::for_version`);
    // `can_see` keeps it so should a row ever say otherwise.
    async fn primary_file(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<File>> {
        let Some(id) = self.0.primary_file_id else {
            return Ok(None);
        };
        let principal = session(ctx).principal;
        Ok(load(ctx, FileById(id))
            .await?
            .filter(|f| files::can_see(principal, f))
            .map(File))
    }
    #[graphql(complexity = "bounds::FILES_PER_VERSION * child_complexity")]
    async fn files(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<File>> {
        let principal = session(ctx).principal;
        let rows = load(ctx, FilesOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::FILES_PER_VERSION)
            .into_iter()
            .filter(|f| files::can_see(principal, f))
            .map(File)
            .collect())
    }
    async fn source_run(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Run>> {
        let Some(id) = self.0.source_run_id else {
            return Ok(None);
        };
        if !ctx.look_ahead().field("steps").exists() {
            return Ok(load(ctx, RunById(id)).await?.map(Run));
        }
        // The steps are asked for too: load them with the run, and hand them
        // to the steps loader so that `Run.steps` costs no statement.
        let Some((run, steps)) = load(ctx, RunWithSteps(id)).await? else {
            return Ok(None);
        };
        loaders(ctx).feed_one(StepsOfRun(id), steps).await;
        Ok(Some(Run(run)))
    }
    async fn source_step(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RunStep>> {
        match self.0.source_step_id {
            Some(id) => Ok(load(ctx, StepById(id)).await?.map(RunStep)),
            None => Ok(None),
        }
    }
    async fn created_by(&self) -> Actor {
        Actor::new(
            self.0.created_by_id,
            &self.0.created_by_name,
            self.0.created_by_type,
        )
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn reviewed_by(&self) -> Option<Actor> {
        match (
            self.0.reviewed_by_id,
            &self.0.reviewed_by_name,
            self.0.reviewed_by_type,
        ) {
            (Some(id), Some(name), Some(t)) => Some(Actor::new(id, name, t)),
            _ => None,
        }
    }
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }
    /// Whether this version's value is in the project's context now.
    async fn promoted(&self) -> bool {
        self.0.promoted_context_version.is_some()
    }
    async fn previous(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactVersion>> {
        Ok(self.load_previous(ctx).await?.map(ArtifactVersion))
    }
    /// RFC 6902 JSON Patch from `against` (default: the previous version) to this version.
    async fn diff(&self, ctx: &Context<'_>, against: Option<ID>) -> async_graphql::Result<Json> {
        let base = match against {
            Some(id) => {
                let uuid = ids::decode(IdKind::Version, &id).api()?;
                let found = versions::by_id(session(ctx), uuid).await.api()?;
                let found = found.ok_or_else(|| {
                    crate::graphql::error::to_graphql(crate::domain::DomainError::not_found(
                        "artifact version",
                        id.to_string(),
                    ))
                })?;
                Some(found.value)
            }
            None => self.load_previous(ctx).await?.map(|v| v.value),
        };
        let patch = json_patch::diff(&base.unwrap_or(Value::Null), &self.0.value);
        Ok(Json(serde_json::to_value(patch)?))
    }
    #[graphql(complexity = "bounds::APPROVALS_PER_VERSION * child_complexity")]
    async fn approvals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Approval>> {
        let rows = load(ctx, ApprovalsOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::APPROVALS_PER_VERSION)
            .into_iter()
            .map(Approval)
            .collect())
    }
    /// What this version came from: the versions its source run read, and
    /// what theirs read, up to `depth` runs upstream (one query per level).
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn lineage(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 3)] depth: i32,
    ) -> async_graphql::Result<Vec<LineageEntry>> {
        let s = session(ctx);
        let upstream = crate::domain::lineage::upstream(s, &self.0, depth)
            .await
            .api()?;
        let mut out = Vec::with_capacity(upstream.len());
        for u in bounds::first(upstream, bounds::LIST_ITEMS) {
            let run = load(ctx, RunById(u.via_run))
                .await?
                .ok_or("a lineage run is missing")?;
            out.push(LineageEntry {
                depth: u.depth,
                run: Run(run),
                version: ArtifactVersion(u.version),
            });
        }
        Ok(out)
    }

    /// Runs that read this version: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn consumers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Run>> {
        let rows = load(ctx, ConsumersOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(Run)
            .collect())
    }
}
