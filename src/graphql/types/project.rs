use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::project;
use sea_orm::Order;

use super::{
    Approval, Artifact, ArtifactVersion, CostBucket, CostGroupingGql, ReviewActionGql, Run,
    RunStatusGql, VersionStatusGql, gid,
};
use crate::domain::ids::IdKind;
use crate::domain::runs::RunFilter;
use crate::domain::versions::VersionFilter;
use crate::domain::{approvals, context, costs, runs, versions};
use crate::graphql::connection::{Connection, page_args, page_complexity};
use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

pub struct Project(pub project::Model);

#[Object]
impl Project {
    pub async fn id(&self) -> ID {
        gid(IdKind::Project, self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Approved artifact values promoted into one nested JSON object, keyed by
    /// schema key path (brand.logo -> {brand: {logo: ...}}). `path` selects a sub-tree.
    async fn context(&self, path: Option<String>) -> async_graphql::Result<Option<Json>> {
        Ok(context::subtree(&self.0.context, path.as_deref())
            .api()?
            .map(Json))
    }

    async fn context_version(&self) -> i32 {
        self.0.context_version
    }

    /// The context as it was after promotion number `version` (0 is the empty
    /// context the project started with); null when there is no such version.
    async fn context_at(
        &self,
        ctx: &Context<'_>,
        version: i32,
        path: Option<String>,
    ) -> async_graphql::Result<Option<Json>> {
        let Some(value) = context::at_version(session(ctx), self.0.id, version)
            .await
            .api()?
        else {
            return Ok(None);
        };
        Ok(context::subtree(&value, path.as_deref()).api()?.map(Json))
    }

    /// The project's runs, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<RunStatusGql>>,
        pipeline: Option<String>,
    ) -> async_graphql::Result<Connection<Run>> {
        let args = page_args(ctx, first, after)?;
        let filter = RunFilter {
            statuses: status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            pipeline,
        };
        let page = runs::list(session(ctx), self.0.id, &filter, &args)
            .await
            .api()?;
        Ok(Connection::from_page(page, Run))
    }

    /// One entry per schema key that has at least one version.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn artifacts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        schema_key_prefix: Option<String>,
    ) -> async_graphql::Result<Connection<Artifact>> {
        let args = page_args(ctx, first, after)?;
        let page = versions::keys(session(ctx), self.0.id, schema_key_prefix.as_deref(), &args)
            .await
            .api()?;
        let project_id = self.0.id;
        Ok(Connection::from_page(page, |schema_key| Artifact {
            project_id,
            schema_key,
        }))
    }

    async fn artifact(
        &self,
        ctx: &Context<'_>,
        schema_key: String,
    ) -> async_graphql::Result<Option<Artifact>> {
        crate::domain::validate::schema_key(&schema_key).api()?;
        let exists = versions::latest(session(ctx), self.0.id, &schema_key)
            .await
            .api()?
            .is_some();
        Ok(exists.then_some(Artifact {
            project_id: self.0.id,
            schema_key,
        }))
    }

    /// Every version of the project, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<VersionStatusGql>>,
        schema_key_prefix: Option<String>,
    ) -> async_graphql::Result<Connection<ArtifactVersion>> {
        let args = page_args(ctx, first, after)?;
        let filter = VersionFilter {
            statuses: status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            schema_key_prefix,
            schema_key: None,
        };
        let page = versions::list(session(ctx), self.0.id, &filter, Order::Desc, &args)
            .await
            .api()?;
        Ok(Connection::from_page(page, ArtifactVersion))
    }

    /// PENDING versions, oldest first: what a reviewer works through.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        schema_key_prefix: Option<String>,
    ) -> async_graphql::Result<Connection<ArtifactVersion>> {
        let args = page_args(ctx, first, after)?;
        let filter = VersionFilter {
            statuses: vec![entity::VersionStatus::Pending],
            schema_key_prefix,
            schema_key: None,
        };
        let page = versions::list(session(ctx), self.0.id, &filter, Order::Asc, &args)
            .await
            .api()?;
        Ok(Connection::from_page(page, ArtifactVersion))
    }

    /// Runs created in [from, to), grouped, with exact cost sums.
    #[graphql(complexity = "crate::domain::bounds::LIST_ITEMS * child_complexity")]
    async fn cost_summary(
        &self,
        ctx: &Context<'_>,
        group_by: CostGroupingGql,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<CostBucket>> {
        let buckets = costs::summary(session(ctx), self.0.id, group_by.into(), from, to)
            .await
            .api()?;
        Ok(buckets.into_iter().map(CostBucket::from).collect())
    }

    /// The audit trail of every review and promotion in this project, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn approvals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        action: Option<Vec<ReviewActionGql>>,
    ) -> async_graphql::Result<Connection<Approval>> {
        let args = page_args(ctx, first, after)?;
        let actions: Vec<entity::ReviewAction> = action
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let page = approvals::list(session(ctx), self.0.id, &actions, &args)
            .await
            .api()?;
        Ok(Connection::from_page(page, Approval))
    }
}
