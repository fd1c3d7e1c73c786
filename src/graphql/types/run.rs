use crate::domain::bounds;
use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{RunArtifactDirection, run, run_step};
use rust_decimal::Decimal;

use super::{ArtifactVersion, Project, RunStatusGql, gid, load};
use crate::domain::ids::IdKind;
use crate::graphql::loaders::{
    ChildrenOfRun, ProjectById, RunById, RunOutput, RunVersions, StepOutput, StepsOfRun,
};

pub struct Run(pub run::Model);

#[Object]
impl Run {
    pub async fn id(&self) -> ID {
        gid(IdKind::Run, self.0.id)
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        load(ctx, ProjectById(self.0.project_id))
            .await?
            .map(Project)
            .ok_or_else(|| "the run's project is missing".into())
    }
    async fn pipeline(&self) -> &str {
        &self.0.pipeline
    }
    async fn status(&self) -> RunStatusGql {
        self.0.status.into()
    }
    async fn input(&self) -> Option<&str> {
        self.0.input.as_deref()
    }
    async fn variables(&self) -> Option<Json> {
        self.0.variables.clone().map(Json)
    }
    async fn output(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        match &self.0.output {
            Some(output) => Ok(Some(output.clone())),
            None => load(ctx, RunOutput(self.0.id)).await,
        }
    }
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn model(&self) -> Option<&str> {
        self.0.model.as_deref()
    }
    async fn input_tokens(&self) -> Option<i64> {
        self.0.input_tokens
    }
    async fn output_tokens(&self) -> Option<i64> {
        self.0.output_tokens
    }
    /// Computed from the model price table when the run completes, and stored.
    async fn cost(&self) -> Option<Decimal> {
        self.0.cost.map(|m| m.0.normalize())
    }
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Run>> {
        match self.0.parent_run_id {
            Some(id) => Ok(load(ctx, RunById(id)).await?.map(Run)),
            None => Ok(None),
        }
    }
    /// Runs started under this one: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Run>> {
        let rows = load(ctx, ChildrenOfRun(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(Run)
            .collect())
    }
    /// The run's steps in order: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RunStep>> {
        let rows = load(ctx, StepsOfRun(self.0.id)).await?.unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(RunStep)
            .collect())
    }
    /// Artifact versions this run read: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn inputs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ArtifactVersion>> {
        let rows = load(ctx, RunVersions(self.0.id, RunArtifactDirection::Input))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(ArtifactVersion)
            .collect())
    }
    /// Artifact versions this run produced: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn outputs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ArtifactVersion>> {
        let rows = load(ctx, RunVersions(self.0.id, RunArtifactDirection::Output))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(ArtifactVersion)
            .collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

pub struct RunStep(pub run_step::Model);

#[Object]
impl RunStep {
    pub async fn id(&self) -> ID {
        gid(IdKind::Step, self.0.id)
    }
    async fn run(&self, ctx: &Context<'_>) -> async_graphql::Result<Run> {
        load(ctx, RunById(self.0.run_id))
            .await?
            .map(Run)
            .ok_or_else(|| "the step's run is missing".into())
    }
    async fn order(&self) -> i32 {
        self.0.position
    }
    async fn agent_id(&self) -> &str {
        &self.0.agent_id
    }
    async fn agent_name(&self) -> &str {
        &self.0.agent_name
    }
    async fn output(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        match &self.0.output {
            Some(output) => Ok(Some(output.clone())),
            None => load(ctx, StepOutput(self.0.id)).await,
        }
    }
    async fn model(&self) -> Option<&str> {
        self.0.model.as_deref()
    }
    async fn input_tokens(&self) -> Option<i64> {
        self.0.input_tokens
    }
    async fn output_tokens(&self) -> Option<i64> {
        self.0.output_tokens
    }
    async fn cost(&self) -> Option<Decimal> {
        self.0.cost.map(|m| m.0.normalize())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
