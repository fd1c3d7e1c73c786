use crate::graphql::output::{budget_of, in_turn};
use crate::graphql::plain::Plain;
use async_graphql::{Context, ID, Object};

use super::connection::{Connection, page_args, page_complexity};
use super::context::session;
use super::error::ApiResult;
use super::filters::ProjectFilterInput;
use super::types::{
    Actor, ApiToken, Approval, ApprovalPolicy, ArtifactSchema, ArtifactVersion, AssembledContext,
    File, ModelPrice, Node, Project, Run, RunStep, prime_page, prime_version,
};

use crate::domain::ids::{self, IdKind};
use crate::domain::{
    artifacts::search, artifacts::versions, context::assembly, projects, projects::tokens,
    review::approvals, review::policies, runs, runs::pricing, schemas,
};

pub(crate) struct QueryRoot;

/// Reads. Every field needs a token (READER or more; `tokens` needs ADMIN).
/// Objects outside a project-scoped token's project read as null.
#[Object(name = "Query")]
impl QueryRoot {
    /// Any object by its global ID; null when it does not exist or is out of the token's scope.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A global ID: `prj_`, `run_`, `stp_`, `ver_`, `apv_` or `fil_` and 32 hex digits. Anything else (including `tok_` IDs) gives null."
        )]
        id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let Some((kind, uuid)) = ids::parse_any(&id) else {
            return Ok(None);
        };
        let s = session(ctx);
        Ok(match kind {
            IdKind::Project => projects::by_id(s, uuid)
                .await
                .api()?
                .map(|m| Node::Project(Project(m))),
            IdKind::Run => runs::by_id(s, uuid).await.api()?.map(|m| Node::Run(Run(m))),
            IdKind::Step => runs::step_by_id(s, uuid)
                .await
                .api()?
                .map(|m| Node::RunStep(RunStep(m))),
            IdKind::Version => versions::by_id(s, uuid)
                .await
                .api()?
                .map(|m| Node::ArtifactVersion(ArtifactVersion(m))),
            IdKind::Approval => approvals::by_id(s, uuid)
                .await
                .api()?
                .map(|m| Node::Approval(Approval(m))),
            IdKind::File => crate::domain::artifacts::files::visible(s, uuid)
                .await
                .api()?
                .map(|m| Node::File(File(m))),
            IdKind::Policy => policies::visible(s, uuid)
                .await
                .api()?
                .map(|m| Node::ApprovalPolicy(ApprovalPolicy(m))),
            IdKind::Token | IdKind::Event | IdKind::Webhook | IdKind::Delivery => None,
        })
    }

    /// The actor of the token this request came with.
    async fn viewer(&self, ctx: &Context<'_>) -> Actor {
        Actor::from(&session(ctx).principal.actor)
    }

    /// The projects the token may see (a scoped token: its own), oldest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(
            name = "where",
            desc = "Conditions on the projects, their contexts included; each must hold."
        )]
        filter: Option<ProjectFilterInput>,
    ) -> async_graphql::Result<Connection<Project>> {
        let args = page_args(ctx, first, after)?;
        let filter = filter.unwrap_or_default().into();
        let page = projects::list(session(ctx), &filter, &args).await.api()?;
        Ok(Connection::from_page(page, Project))
    }

    /// API tokens this admin may manage, oldest first: all of them, or a
    /// project-scoped admin's project's. Needs ADMIN.
    #[graphql(complexity = "crate::domain::bounds::LIST_ITEMS * child_complexity")]
    async fn tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiToken>> {
        let rows = tokens::list_for(session(ctx)).await.api()?;
        Ok(rows.into_iter().map(ApiToken).collect())
    }

    /// The price in force now of every model that has one, by model name.
    #[graphql(complexity = "crate::domain::bounds::LIST_ITEMS * child_complexity")]
    async fn model_prices(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ModelPrice>> {
        let rows = pricing::prices_in_force(session(ctx)).await.api()?;
        Ok(rows.into_iter().map(ModelPrice).collect())
    }

    /// The newest JSON Schema registered for a key; null when none is.
    async fn artifact_schema(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A schema key: a dot path of a-z, 0-9, _ and - segments, at most 200 characters; malformed: VALIDATION_FAILED."
        )]
        schema_key: String,
    ) -> async_graphql::Result<Option<ArtifactSchema>> {
        crate::domain::validate::schema_key(&schema_key).api()?;
        let found = schemas::newest(&session(ctx).db.conn, &schema_key)
            .await
            .api()?;
        Ok(found.map(ArtifactSchema))
    }

    /// A project by its slug; null when there is none the token may see.
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's slug (at most 64 characters, else VALIDATION_FAILED).")]
        slug: String,
    ) -> async_graphql::Result<Option<Project>> {
        Ok(projects::by_slug(session(ctx), &slug)
            .await
            .api()?
            .map(Project))
    }

    /// A run by its ID; null when it does not exist, is out of the token's
    /// scope, or the ID is not a run ID.
    async fn run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A run ID (`run_...`).")] id: ID,
    ) -> async_graphql::Result<Option<Plain<Run>>> {
        let Ok(uuid) = ids::decode(IdKind::Run, &id) else {
            return Ok(None);
        };
        // Shown steps come with the run, in the same statement (the columns
        // the fields show).
        let (run, steps) = match ctx.look_ahead().field("steps").exists() {
            true => {
                let shape = super::types::run::run_shape([ctx.field()]);
                match runs::by_id_with_steps(session(ctx), uuid, shape)
                    .await
                    .api()?
                {
                    Some((run, steps)) => (run, Some(steps)),
                    None => return Ok(None),
                }
            }
            false => match runs::by_id(session(ctx), uuid).await.api()? {
                Some(run) => (run, None),
                None => return Ok(None),
            },
        };
        super::types::run::prime_run(ctx, &run, steps).await?;
        Ok(Some(Plain(Run(run))))
    }

    /// Full-text search over artifact values (and schema keys), best match first.
    /// Only the projects the token may see; every word must occur (stemmed).
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The words to find: letters and digits, at most 256 characters and 16 words; anything else separates words."
        )]
        query: String,
        #[graphql(
            desc = "Only this project's versions (`prj_...`); NOT_FOUND when the token cannot see it."
        )]
        project_id: Option<ID>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor; omit for the first page.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<Connection<ArtifactVersion>> {
        let args = page_args(ctx, first, after)?;
        let page = in_turn(budget_of(ctx), async {
            search::versions(
                session(ctx),
                &query,
                project_id.as_ref().map(|id| id.as_str()),
                &args,
            )
            .await
            .api()
        })
        .await?;
        prime_page(ctx, &page).await?;
        Ok(Connection::from_page(page, ArtifactVersion))
    }

    /// The context an agent of this run gets: persistent (promoted values), long-term
    /// (summaries of earlier steps), short-term (the latest steps' outputs verbatim),
    /// cut to the token budget by dropping whole items: long-term oldest first, then
    /// short-term items other than the newest, then persistent ones from the end;
    /// the newest short-term item is never dropped (over the budget alone, it keeps
    /// its end). A fixed number of SQL statements whatever the number of steps and paths.
    async fn assemble_context(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run (`run_...`); NOT_FOUND when the token cannot see it.")]
        run_id: ID,
        #[graphql(desc = "The most tokens the items may add up to: 1 to 10,000,000.")]
        budget_tokens: i64,
        #[graphql(
            desc = "Context paths to include, most wanted first (at most 500, none repeated); omitted: every promoted path."
        )]
        paths: Option<Vec<String>>,
        #[graphql(desc = "How many of the latest steps go in verbatim: 0 to 100, default 2.")]
        short_term_steps: Option<i32>,
    ) -> async_graphql::Result<AssembledContext> {
        let request = assembly::Request {
            run_id: run_id.0,
            budget_tokens,
            paths,
            short_term_steps,
        };
        let assembled = assembly::assemble(session(ctx), &request).await.api()?;
        Ok(AssembledContext(assembled))
    }

    /// An artifact version by its ID; null when it does not exist, is out of
    /// the token's scope, or the ID is not a version ID.
    async fn artifact_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An artifact version ID (`ver_...`).")] id: ID,
    ) -> async_graphql::Result<Option<Plain<ArtifactVersion>>> {
        let Ok(uuid) = ids::decode(IdKind::Version, &id) else {
            return Ok(None);
        };
        let Some(version) = versions::by_id(session(ctx), uuid).await.api()? else {
            return Ok(None);
        };
        prime_version(ctx, &version).await?;
        Ok(Some(Plain(ArtifactVersion(version))))
    }
}
