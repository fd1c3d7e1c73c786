use async_graphql::{Context, Object};
use sea_orm::Order;
use uuid::Uuid;

use super::{ArtifactVersion, Project, VersionStatusGql, load};
use crate::domain::versions::{self, VersionFilter};
use crate::graphql::connection::{Connection, page_args, page_complexity};
use crate::graphql::context::session;
use crate::graphql::error::ApiResult;
use crate::graphql::loaders::{
    CurrentOfKey, KeyRef, LatestNumberOfKey, ProjectById, VersionByNumber,
};

/// All versions that share one schema key in one project.
pub struct Artifact {
    pub project_id: Uuid,
    pub schema_key: String,
}

impl Artifact {
    fn key(&self) -> KeyRef {
        KeyRef {
            project_id: self.project_id,
            schema_key: self.schema_key.clone(),
        }
    }
}

#[Object]
impl Artifact {
    async fn schema_key(&self) -> &str {
        &self.schema_key
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        load(ctx, ProjectById(self.project_id))
            .await?
            .map(Project)
            .ok_or_else(|| "the artifact's project is missing".into())
    }
    /// The APPROVED version, if any.
    async fn current(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactVersion>> {
        Ok(load(ctx, CurrentOfKey(self.key()))
            .await?
            .map(ArtifactVersion))
    }
    async fn latest(&self, ctx: &Context<'_>) -> async_graphql::Result<ArtifactVersion> {
        let number = load(ctx, LatestNumberOfKey(self.key()))
            .await?
            .ok_or("the artifact has no versions")?;
        load(ctx, VersionByNumber(self.key(), number))
            .await?
            .map(ArtifactVersion)
            .ok_or_else(|| "the artifact's latest version is missing".into())
    }
    /// The key's versions, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<VersionStatusGql>>,
    ) -> async_graphql::Result<Connection<ArtifactVersion>> {
        let args = page_args(ctx, first, after)?;
        let filter = VersionFilter {
            statuses: status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            schema_key_prefix: None,
            schema_key: Some(self.schema_key.clone()),
        };
        let page = versions::list(session(ctx), self.project_id, &filter, Order::Desc, &args)
            .await
            .api()?;
        Ok(Connection::from_page(page, ArtifactVersion))
    }
}
