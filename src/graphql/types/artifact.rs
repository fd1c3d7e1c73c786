use crate::graphql::output::{budget_of, in_turn};
use async_graphql::{Context, Object};
use sea_orm::Order;
use uuid::Uuid;

use super::{ArtifactVersion, Generation, Project, VersionStatusGql, load, prime_page};
use crate::domain::artifacts::generations;
use crate::domain::artifacts::versions::{self, VersionFilter};
use crate::graphql::connection::{Connection, page_args, page_complexity};
use crate::graphql::context::session;
use crate::graphql::error::ApiResult;
use crate::graphql::loaders::{
    CurrentOfKey, GenerationOfKey, KeyRef, LatestNumberOfKey, ProjectById, VersionByNumber,
};

/// All versions that share one schema key in one project.
pub(crate) struct Artifact {
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

/// One schema key of one project and all its versions: the key's current
/// (APPROVED) version, its latest one, and its history.
#[Object]
impl Artifact {
    /// The schema key, a dot path such as `brand.palette`.
    async fn schema_key(&self) -> &str {
        &self.schema_key
    }
    /// The project the key belongs to.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        load(ctx, ProjectById(self.project_id))
            .await?
            .map(Project)
            .ok_or_else(|| "the artifact's project is missing".into())
    }
    /// The key's APPROVED version, if it has one (there is at most one).
    async fn current(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactVersion>> {
        Ok(load(ctx, CurrentOfKey(self.key()))
            .await?
            .map(ArtifactVersion))
    }
    /// The key's newest version (the highest versionNumber), whatever its status.
    async fn latest(&self, ctx: &Context<'_>) -> async_graphql::Result<ArtifactVersion> {
        let number = load(ctx, LatestNumberOfKey(self.key()))
            .await?
            .ok_or("the artifact has no versions")?;
        load(ctx, VersionByNumber(self.key(), number))
            .await?
            .map(ArtifactVersion)
            .ok_or_else(|| "the artifact's latest version is missing".into())
    }
    /// Who is generating this key now, if anyone (startGeneration).
    async fn generation(&self, ctx: &Context<'_>) -> async_graphql::Result<Generation> {
        let row = load(ctx, GenerationOfKey(self.key())).await?;
        Ok(Generation(generations::Generation::of(
            self.project_id,
            &self.schema_key,
            row.as_ref(),
            chrono::Utc::now(),
        )))
    }
    /// The key's versions, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(desc = "Only versions in one of these statuses; omitted or empty: all.")]
        status: Option<Vec<VersionStatusGql>>,
    ) -> async_graphql::Result<Connection<ArtifactVersion>> {
        let args = page_args(ctx, first, after)?;
        let filter = VersionFilter {
            statuses: status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            schema_key: Some(self.schema_key.clone()),
            ..Default::default()
        };
        let page = in_turn(budget_of(ctx), async {
            versions::list(
                session(ctx),
                self.project_id,
                &filter,
                None,
                Order::Desc,
                &args,
            )
            .await
            .api()
        })
        .await?;
        prime_page(ctx, &page).await?;
        Ok(Connection::from_page(page, ArtifactVersion))
    }
}

crate::graphql::plain::plain_fields!(Artifact {
    "schemaKey" => schema_key,
});
