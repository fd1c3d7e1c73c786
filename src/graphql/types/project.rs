use crate::graphql::output::{budget_of, in_turn};
use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::project;
use sea_orm::Order;

use super::prime_page;
use super::run::prime_runs;
use super::{
    Approval, Artifact, ArtifactVersion, ContextEntry, CostBucket, CostGroupingGql, Generation,
    ReviewActionGql, Run, RunStatusGql, TierChange, VersionStatusGql, gid,
};
use crate::domain::artifacts::versions::VersionFilter;
use crate::domain::ids::IdKind;
use crate::domain::{artifacts::versions, context, review::approvals, runs, runs::costs};
use crate::graphql::connection::{Connection, page_args, page_complexity, relay_args};
use crate::graphql::context::session;
use crate::graphql::error::ApiResult;
use crate::graphql::filters::{RunFilterInput, RunOrder, VersionFilterInput, VersionOrder};

pub(crate) struct Project(pub project::Model);

impl Project {
    /// A context of this project as its tier reads it.
    async fn visible(
        &self,
        ctx: &Context<'_>,
        value: &serde_json::Value,
    ) -> async_graphql::Result<serde_json::Value> {
        let s = session(ctx);
        let tier = crate::domain::tiers::tier_of(&self.0, &s.limits.tiers);
        context::visible(s, tier, value).await.api()
    }
}

/// A project: the runs, artifact versions, files and audit trail of one
/// pipeline effort, and the context its approved values are promoted into.
/// A project-scoped token sees its own project only.
#[Object]
impl Project {
    /// The project's global ID (`prj_...`).
    pub async fn id(&self) -> ID {
        gid(IdKind::Project, self.0.id)
    }
    /// The unique, URL-friendly name: 1 to 64 of a-z, 0-9 and -, not starting with -.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The display name (1 to 200 characters).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When the project was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Approved artifact values promoted into one nested JSON object, keyed by
    /// schema key path (brand.logo -> {brand: {logo: ...}}). `path` selects a sub-tree.
    async fn context(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A dot path into the context, e.g. `brand.logo` (segments as in a schema key); omitted or empty: the whole context. The field is null when nothing is there."
        )]
        path: Option<String>,
    ) -> async_graphql::Result<Option<Json>> {
        let shown = self.visible(ctx, &self.0.context).await?;
        Ok(crate::domain::values::subtree(&shown, path.as_deref())
            .api()?
            .map(Json))
    }

    /// Each path in the context with the version it came from, who promoted
    /// it and when, in path order (the first 500).
    #[graphql(complexity = "crate::domain::bounds::CONTEXT_ENTRIES * child_complexity")]
    async fn context_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only this path and the paths below it (`brand` lists brand and brand.logo, not brandx); omitted or empty: every path."
        )]
        path_prefix: Option<String>,
    ) -> async_graphql::Result<Vec<ContextEntry>> {
        let entries = context::entries(session(ctx), self.0.id, path_prefix.as_deref())
            .await
            .api()?;
        Ok(entries.into_iter().map(ContextEntry).collect())
    }

    /// How many promotions the context has had: 0 for a new project, one
    /// more after each promote. Pass it to promote as expectedContextVersion.
    async fn context_version(&self) -> i32 {
        self.0.context_version
    }

    /// The context as it was after promotion number `version` (0 is the empty
    /// context the project started with); null when there is no such version.
    async fn context_at(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The context version to read: 0 to contextVersion.")] version: i32,
        #[graphql(desc = "A dot path into that context; omitted or empty: all of it.")]
        path: Option<String>,
    ) -> async_graphql::Result<Option<Json>> {
        let Some(value) = context::at_version(session(ctx), self.0.id, version)
            .await
            .api()?
        else {
            return Ok(None);
        };
        let shown = self.visible(ctx, &value).await?;
        Ok(crate::domain::values::subtree(&shown, path.as_deref())
            .api()?
            .map(Json))
    }

    /// The project's retention policy; null: everything is kept.
    async fn retention(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::RetentionPolicy>> {
        let found = crate::domain::retention::policy_of(&session(ctx).db.conn, self.0.id)
            .await
            .api()?;
        Ok(found.map(super::RetentionPolicy))
    }

    /// Approval policies, in the order they are evaluated.
    /// The most specific pattern first: exact keys, then longer prefixes, then `*`; only those in force.
    async fn approval_policies(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::ApprovalPolicy>> {
        let rows = crate::domain::review::policies::in_force(&session(ctx).db.conn, self.0.id)
            .await
            .api()?;
        Ok(rows.into_iter().map(super::ApprovalPolicy).collect())
    }

    /// The project's webhooks, oldest first (at most 20). Needs ADMIN (FORBIDDEN otherwise).
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::Webhook>> {
        let rows = crate::domain::webhooks::of_project(session(ctx), self.0.id)
            .await
            .api()?;
        Ok(rows.into_iter().map(super::Webhook).collect())
    }

    /// The project's tier (one of the configured, ordered tiers): fields of a schema marked for a higher tier are left out of what this project's values show.
    /// The lowest configured tier (QUIRE_TIERS) until setProjectTier changes it.
    async fn tier(&self, ctx: &Context<'_>) -> String {
        crate::domain::tiers::tier_of(&self.0, &session(ctx).limits.tiers).to_owned()
    }

    /// The project's runs: newest first, or in `orderBy`'s order (ties by
    /// creation); `first`/`after` page forward, `last`/`before` backward.
    #[graphql(complexity = "page_complexity(first.or(last), child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Page backward: the last items (0 to 100) before `before`, or of the list; not with first or after."
        )]
        last: Option<i32>,
        #[graphql(desc = "Page backward from this cursor (a page's startCursor).")] before: Option<
            String,
        >,
        #[graphql(desc = "Only runs in one of these statuses; omitted or empty: all.")]
        status: Option<Vec<RunStatusGql>>,
        #[graphql(desc = "Only runs of this pipeline (exact name, at most 200 characters).")]
        pipeline: Option<String>,
        #[graphql(
            name = "where",
            desc = "Conditions on the runs; each must hold (with status and pipeline)."
        )]
        filter: Option<RunFilterInput>,
        #[graphql(desc = "The order; default newest first. Cursors belong to one order.")]
        order_by: Option<RunOrder>,
    ) -> async_graphql::Result<Connection<Run>> {
        let args = relay_args(ctx, first, after, last, before)?;
        let filter = filter.unwrap_or_default().into_filter(status, pipeline)?;
        let (field, order) = match order_by {
            Some(o) => (Some(o.field.into()), o.direction.into()),
            None => (None, Order::Desc),
        };
        let page = runs::list(session(ctx), self.0.id, &filter, field, order, &args)
            .await
            .api()?;
        let look = ctx.look_ahead();
        let items: Vec<&entity::run::Model> = page.items.iter().map(|(_, r)| r).collect();
        prime_runs(ctx, &items, &[look.field("edges").field("node")]).await?;
        Ok(Connection::from_page(page, Run))
    }

    /// One entry per schema key that has at least one version, in key order.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn artifacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Only keys equal to this dot path or below it, by whole segments: `brand` matches `brand` and `brand.logo`, not `brandx`."
        )]
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

    /// One schema key of the project; null when it has no version. A malformed
    /// key is VALIDATION_FAILED.
    async fn artifact(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A schema key: a dot path of a-z, 0-9, _ and - segments, at most 200 characters."
        )]
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

    /// Every setProjectTier of the project, oldest first (the latest 100):
    /// the tier before and after, who and when.
    #[graphql(complexity = "crate::domain::bounds::LIST_ITEMS * child_complexity")]
    async fn tier_changes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TierChange>> {
        let rows = super::load(
            ctx,
            crate::graphql::loaders::TierChangesOfProject(self.0.id),
        )
        .await?
        .unwrap_or_default();
        let skip = rows.len().saturating_sub(crate::domain::bounds::LIST_ITEMS);
        Ok(rows.into_iter().skip(skip).map(TierChange).collect())
    }

    /// Where the generation of a key stands (startGeneration), whether or
    /// not the key has a version yet: a claim on a new key is visible before
    /// its first version (Artifact.generation shows the same for keys with
    /// versions). IDLE for a key never claimed; a malformed key is
    /// VALIDATION_FAILED.
    async fn generation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A schema key: a dot path of a-z, 0-9, _ and - segments.")]
        schema_key: String,
    ) -> async_graphql::Result<Generation> {
        let found =
            crate::domain::artifacts::generations::of_key(session(ctx), self.0.id, &schema_key)
                .await
                .api()?;
        Ok(Generation(found))
    }

    /// Every version of the project, of every key: newest first, or in
    /// `orderBy`'s order (ties by creation); `first`/`after` page forward,
    /// `last`/`before` backward.
    #[graphql(complexity = "page_complexity(first.or(last), child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Page backward: the last items (0 to 100) before `before`, or of the list; not with first or after."
        )]
        last: Option<i32>,
        #[graphql(desc = "Page backward from this cursor (a page's startCursor).")] before: Option<
            String,
        >,
        #[graphql(desc = "Only versions in one of these statuses; omitted or empty: all.")]
        status: Option<Vec<VersionStatusGql>>,
        #[graphql(
            desc = "Only keys equal to this dot path or below it, by whole segments: `brand` matches `brand` and `brand.logo`, not `brandx`."
        )]
        schema_key_prefix: Option<String>,
        #[graphql(
            name = "where",
            desc = "Conditions on the versions, value paths included; each must hold (with status and schemaKeyPrefix)."
        )]
        filter: Option<VersionFilterInput>,
        #[graphql(desc = "The order; default newest first. Cursors belong to one order.")]
        order_by: Option<VersionOrder>,
    ) -> async_graphql::Result<Connection<ArtifactVersion>> {
        let args = relay_args(ctx, first, after, last, before)?;
        let filter = filter
            .unwrap_or_default()
            .into_filter(status, schema_key_prefix)?;
        let (field, order) = match order_by {
            Some(o) => (Some(o.field.into()), o.direction.into()),
            None => (None, Order::Desc),
        };
        let page = in_turn(budget_of(ctx), async {
            versions::list(session(ctx), self.0.id, &filter, field, order, &args)
                .await
                .api()
        })
        .await?;
        prime_page(ctx, &page).await?;
        Ok(Connection::from_page(page, ArtifactVersion))
    }

    /// PENDING versions, oldest first: what a reviewer works through.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Only keys equal to this dot path or below it, by whole segments: `brand` matches `brand` and `brand.logo`, not `brandx`."
        )]
        schema_key_prefix: Option<String>,
    ) -> async_graphql::Result<Connection<ArtifactVersion>> {
        let args = page_args(ctx, first, after)?;
        let filter = VersionFilter {
            statuses: vec![entity::VersionStatus::Pending],
            schema_key_prefix,
            ..Default::default()
        };
        let page = in_turn(budget_of(ctx), async {
            versions::list(session(ctx), self.0.id, &filter, None, Order::Asc, &args)
                .await
                .api()
        })
        .await?;
        prime_page(ctx, &page).await?;
        Ok(Connection::from_page(page, ArtifactVersion))
    }

    /// The project's runs created in [from, to), grouped, with exact sums of
    /// their tokens and costs; one bucket per key, in key order.
    #[graphql(complexity = "crate::domain::bounds::LIST_ITEMS * child_complexity")]
    async fn cost_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What a bucket is: a model, a pipeline or a UTC day.")]
        group_by: CostGroupingGql,
        #[graphql(
            desc = "Runs created at or after this; omitted: no lower bound. Years 2000 to 2100, else VALIDATION_FAILED."
        )]
        from: Option<DateTime<Utc>>,
        #[graphql(
            desc = "Runs created before this; omitted: no upper bound. Years 2000 to 2100, else VALIDATION_FAILED."
        )]
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
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(desc = "Only entries of these actions; omitted or empty: all.")] action: Option<
            Vec<ReviewActionGql>,
        >,
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

crate::graphql::plain::plain_fields!(Project {
    "id" => id,
    "slug" => slug,
    "name" => name,
    "createdAt" => created_at,
    "contextVersion" => context_version,
    "tier" => tier,
});
