use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Upload};

use super::context::session;
use super::error::ApiResult;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::UploadLimit;
use super::types::{
    ActorTypeGql, ArtifactSchema, ArtifactVersion, File, ModelPrice, Project, RoleGql, Run, RunStep,
};
use crate::domain::ids::{self, IdKind};
use crate::domain::promotion::{self, Promotion};
use crate::domain::review::{self, Decision, Review};
use crate::domain::{files, pricing, projects, runs, schemas, tokens, versions};
use crate::storage::SharedBlobStore;
use crate::token_cache::TokenCache;
use std::sync::Arc;

pub struct MutationRoot;

#[derive(InputObject)]
pub struct CreateProjectInput {
    pub slug: String,
    pub name: String,
}

#[derive(InputObject)]
pub struct StartRunInput {
    pub project_id: ID,
    pub pipeline: String,
    pub input: Option<String>,
    pub variables: Option<Json>,
    pub model: Option<String>,
    pub parent_run_id: Option<ID>,
    /// Artifact versions the run reads (lineage).
    pub input_version_ids: Option<Vec<ID>>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RecordRunStepInput {
    pub run_id: ID,
    pub order: i32,
    pub agent_id: String,
    pub agent_name: String,
    pub output: Option<String>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
}

#[derive(InputObject)]
pub struct CompleteRunInput {
    pub run_id: ID,
    pub output: Option<String>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
}

#[derive(InputObject)]
pub struct FailRunInput {
    pub run_id: ID,
    pub error: String,
}

#[derive(InputObject)]
pub struct CreateArtifactVersionInput {
    pub project_id: ID,
    pub schema_key: String,
    pub value: Json,
    pub file_ids: Option<Vec<ID>>,
    pub primary_file_id: Option<ID>,
    pub source_run_id: Option<ID>,
    pub source_step_id: Option<ID>,
    pub annotations: Option<Json>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct CancelRunInput {
    pub run_id: ID,
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct ModelPriceInput {
    pub model: String,
    pub input_per_million: Decimal,
    pub output_per_million: Decimal,
    /// Default: now.
    pub effective_from: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct ReviewInput {
    pub version_id: ID,
    pub reason: Option<String>,
    pub feedback: Option<Json>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct PromoteInput {
    pub project_id: ID,
    /// The contextVersion the caller last read; a mismatch fails with CONFLICT and changes nothing.
    pub expected_context_version: i32,
    /// Default: every APPROVED version of the project that is not promoted yet.
    pub version_ids: Option<Vec<ID>>,
    pub idempotency_key: Option<String>,
}

#[derive(SimpleObject)]
pub struct PromotePayload {
    pub project: Project,
    pub context_version: i32,
    pub promoted: Vec<ArtifactVersion>,
}

#[derive(InputObject)]
pub struct RegisterSchemaInput {
    pub schema_key: String,
    pub json_schema: Json,
}

#[derive(InputObject)]
pub struct CreateTokenInput {
    pub name: String,
    pub role: RoleGql,
    pub actor_type: ActorTypeGql,
    /// Limit the token to one project; default: all projects.
    pub project_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct CreatedToken {
    pub id: ID,
    /// Shown once; only a hash is stored.
    pub secret: String,
    pub role: RoleGql,
}

async fn decide(
    ctx: &Context<'_>,
    decision: Decision,
    input: ReviewInput,
) -> async_graphql::Result<ArtifactVersion> {
    let review = Review {
        decision,
        version_id: input.version_id.0,
        reason: input.reason,
        feedback: input.feedback.map(|j| j.0),
        idempotency_key: input.idempotency_key,
    };
    Ok(ArtifactVersion(
        review::decide(session(ctx), review).await.api()?,
    ))
}

fn strings(ids: Option<Vec<ID>>) -> Vec<String> {
    ids.unwrap_or_default().into_iter().map(|id| id.0).collect()
}

#[Object(name = "Mutation")]
impl MutationRoot {
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> async_graphql::Result<Project> {
        let input = projects::NewProject {
            slug: input.slug,
            name: input.name,
        };
        Ok(Project(projects::create(session(ctx), input).await.api()?))
    }

    async fn start_run(
        &self,
        ctx: &Context<'_>,
        input: StartRunInput,
    ) -> async_graphql::Result<Run> {
        let input = runs::NewRun {
            project_id: input.project_id.0,
            pipeline: input.pipeline,
            input: input.input,
            variables: input.variables.map(|j| j.0),
            model: input.model,
            parent_run_id: input.parent_run_id.map(|id| id.0),
            input_version_ids: strings(input.input_version_ids),
            idempotency_key: input.idempotency_key,
        };
        Ok(Run(runs::start(session(ctx), input).await.api()?))
    }

    async fn record_run_step(
        &self,
        ctx: &Context<'_>,
        input: RecordRunStepInput,
    ) -> async_graphql::Result<RunStep> {
        let input = runs::NewStep {
            run_id: input.run_id.0,
            order: input.order,
            agent_id: input.agent_id,
            agent_name: input.agent_name,
            output: input.output,
            model: input.model,
            input_tokens: input.input_tokens,
            output_tokens: input.output_tokens,
        };
        Ok(RunStep(runs::record_step(session(ctx), input).await.api()?))
    }

    async fn complete_run(
        &self,
        ctx: &Context<'_>,
        input: CompleteRunInput,
    ) -> async_graphql::Result<Run> {
        let input = runs::Completion {
            run_id: input.run_id.0,
            output: input.output,
            model: input.model,
            input_tokens: input.input_tokens,
            output_tokens: input.output_tokens,
        };
        Ok(Run(runs::complete(session(ctx), input).await.api()?))
    }

    async fn fail_run(&self, ctx: &Context<'_>, input: FailRunInput) -> async_graphql::Result<Run> {
        let input = runs::Failure {
            run_id: input.run_id.0,
            error: input.error,
        };
        Ok(Run(runs::fail(session(ctx), input).await.api()?))
    }

    /// Uploads a file (GraphQL multipart request) for a project: a project-scoped
    /// token's own, or `projectId`, or (unscoped tokens only) none until a version
    /// links it. The same bytes for the same project give the same file.
    async fn upload_file(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        project_id: Option<ID>,
    ) -> async_graphql::Result<File> {
        let value = file.value(ctx)?;
        let meta = files::NewUpload {
            content_type: value
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            filename: Some(value.filename.clone()).filter(|f| !f.is_empty()),
            project_id: project_id.map(|id| id.0),
        };
        let stream = crate::storage::boxed(tokio_util::io::ReaderStream::new(
            tokio::fs::File::from_std(value.content),
        ));
        let store = ctx.data_unchecked::<SharedBlobStore>();
        let limit = ctx.data_unchecked::<UploadLimit>().0;
        Ok(File(
            files::upload(session(ctx), store.as_ref(), stream, meta, limit)
                .await
                .api()?,
        ))
    }

    /// PENDING/RUNNING -> CANCELLED; the reason is kept as the run's error.
    async fn cancel_run(
        &self,
        ctx: &Context<'_>,
        input: CancelRunInput,
    ) -> async_graphql::Result<Run> {
        Ok(Run(runs::cancel(session(ctx), &input.run_id, input.reason)
            .await
            .api()?))
    }

    /// Adds a price for a model; earlier prices stay, and stored costs never change.
    async fn set_model_price(
        &self,
        ctx: &Context<'_>,
        input: ModelPriceInput,
    ) -> async_graphql::Result<ModelPrice> {
        let price = pricing::NewPrice {
            model: input.model,
            input_per_million: input.input_per_million,
            output_per_million: input.output_per_million,
            effective_from: input.effective_from,
        };
        Ok(ModelPrice(
            pricing::set_price(session(ctx), price).await.api()?,
        ))
    }

    async fn create_artifact_version(
        &self,
        ctx: &Context<'_>,
        input: CreateArtifactVersionInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        let input = versions::NewVersion {
            project_id: input.project_id.0,
            schema_key: input.schema_key,
            value: input.value.0,
            file_ids: strings(input.file_ids),
            primary_file_id: input.primary_file_id.map(|id| id.0),
            source_run_id: input.source_run_id.map(|id| id.0),
            source_step_id: input.source_step_id.map(|id| id.0),
            annotations: input.annotations.map(|j| j.0),
            idempotency_key: input.idempotency_key,
        };
        Ok(ArtifactVersion(
            versions::create(session(ctx), input).await.api()?,
        ))
    }

    /// PENDING -> APPROVED; the key's previously APPROVED version becomes SUPERSEDED.
    async fn approve_version(
        &self,
        ctx: &Context<'_>,
        input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::Approve, input).await
    }

    /// PENDING -> REJECTED; the reason is kept as rejectionReason.
    async fn reject_version(
        &self,
        ctx: &Context<'_>,
        input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::Reject, input).await
    }

    /// PENDING -> CHANGES_REQUESTED, with feedback for the next attempt.
    async fn request_changes(
        &self,
        ctx: &Context<'_>,
        input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::RequestChanges, input).await
    }

    /// Writes APPROVED values into the project context if expectedContextVersion is current.
    async fn promote(
        &self,
        ctx: &Context<'_>,
        input: PromoteInput,
    ) -> async_graphql::Result<PromotePayload> {
        let promotion = Promotion {
            project_id: input.project_id.0,
            expected_context_version: input.expected_context_version,
            version_ids: input
                .version_ids
                .map(|ids| ids.into_iter().map(|id| id.0).collect()),
            idempotency_key: input.idempotency_key,
        };
        let done = promotion::promote(session(ctx), promotion).await.api()?;
        Ok(PromotePayload {
            project: Project(done.project),
            context_version: done.context_version,
            promoted: done.promoted.into_iter().map(ArtifactVersion).collect(),
        })
    }

    /// Registers a new version of the JSON Schema (draft 2020-12) of a key.
    async fn register_schema(
        &self,
        ctx: &Context<'_>,
        input: RegisterSchemaInput,
    ) -> async_graphql::Result<ArtifactSchema> {
        let model = schemas::register(session(ctx), input.schema_key, input.json_schema.0)
            .await
            .api()?;
        Ok(ArtifactSchema(model))
    }

    async fn create_token(
        &self,
        ctx: &Context<'_>,
        input: CreateTokenInput,
    ) -> async_graphql::Result<CreatedToken> {
        let project_id = input.project_id.as_ref().map(|id| id.as_str());
        let (token, secret) = tokens::create_for(
            session(ctx),
            input.name,
            input.role.into(),
            input.actor_type.into(),
            project_id,
        )
        .await
        .api()?;
        Ok(CreatedToken {
            id: ID(ids::encode(IdKind::Token, token.id)),
            secret,
            role: token.role.into(),
        })
    }

    /// Revokes a token; it stops working on the next request. False when it was already revoked.
    async fn revoke_token(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let revoked = tokens::revoke_for(session(ctx), &id).await.api()?;
        let token_id = ids::decode(IdKind::Token, &id).api()?;
        ctx.data_unchecked::<Arc<TokenCache>>().forget(token_id);
        Ok(revoked)
    }
}
