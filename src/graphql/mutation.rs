use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Upload};

use super::context::session;
use super::error::ApiResult;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::UploadLimit;
use super::types::{
    ActorTypeGql, ApprovalPolicy, ArtifactSchema, ArtifactVersion, File, Generation, ModelPrice,
    Project, RetentionPolicy, RoleGql, Run, RunStep,
};
use crate::domain::ids::{self, IdKind};
use crate::domain::promotion::{self, Promotion};
use crate::domain::review::{self, Decision, Review};
use crate::domain::{
    annotations, files, generations, policies, pricing, projects, retention, runs, schemas,
    step_summaries, tokens, versions,
};
use crate::storage::SharedBlobStore;
use crate::token_cache::TokenCache;
use std::sync::Arc;

pub(crate) struct MutationRoot;

/// What createProject needs.
#[derive(InputObject)]
pub(crate) struct CreateProjectInput {
    /// The project's unique slug: 1 to 64 of a-z, 0-9 and -, not starting
    /// with -. A slug in use is CONFLICT.
    pub slug: String,
    /// The display name: 1 to 200 characters, not blank.
    pub name: String,
}

/// What startRun needs.
#[derive(InputObject)]
pub(crate) struct StartRunInput {
    /// The project to run in (`prj_...`); NOT_FOUND if the token cannot see it.
    pub project_id: ID,
    /// The pipeline's name: 1 to 200 characters, not blank. Runs are filtered
    /// and costs grouped by it.
    pub pipeline: String,
    /// The run's input text, at most QUIRE_MAX_OUTPUT_BYTES (1 MiB by
    /// default), else PAYLOAD_TOO_LARGE.
    pub input: Option<String>,
    /// Any JSON the run starts with (parameters, settings), kept as given.
    pub variables: Option<Json>,
    /// The model the run uses (at most 200 characters): its price costs the
    /// run, and steps that name no model use it.
    pub model: Option<String>,
    /// A run of the same project to start this one under (it lists this run
    /// among its children); NOT_FOUND otherwise.
    pub parent_run_id: Option<ID>,
    /// Artifact versions of the same project that the run reads, for lineage
    /// (each counted once); an unknown one is NOT_FOUND.
    pub input_version_ids: Option<Vec<ID>>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What recordStepSummary needs.
#[derive(InputObject)]
pub(crate) struct RecordStepSummaryInput {
    /// The step (`stp_...`); one that has a summary already is INVALID_TRANSITION.
    pub step_id: ID,
    /// The summary: not blank, at most QUIRE_MAX_OUTPUT_BYTES (1 MiB by default), else PAYLOAD_TOO_LARGE.
    pub summary: String,
    /// The summary's tokens are always counted by the server with the configured tokenizer
    /// (QUIRE_TOKENIZER): budgets are kept with that count. A count given here is only checked
    /// against it: one that differs is VALIDATION_FAILED (the message says the server's count).
    pub token_count: Option<i64>,
}

/// What recordRunStep needs.
#[derive(InputObject)]
pub(crate) struct RecordRunStepInput {
    /// The run (`run_...`); it must be PENDING or RUNNING, else INVALID_TRANSITION.
    pub run_id: ID,
    /// The step's position in the run: 0 or more, unique in the run (one in
    /// use is CONFLICT); gaps are allowed.
    pub order: i32,
    /// The agent's identifier: 1 to 200 characters, not blank.
    pub agent_id: String,
    /// The agent's display name: 1 to 200 characters, not blank.
    pub agent_name: String,
    /// The step's output text, at most QUIRE_MAX_OUTPUT_BYTES (1 MiB by
    /// default), else PAYLOAD_TOO_LARGE.
    pub output: Option<String>,
    /// The model the step used (at most 200 characters); default: the run's.
    /// Its price now costs the step.
    pub model: Option<String>,
    /// Input tokens the step used: 0 to 10^12 (Quire's Int carries 64-bit
    /// integers).
    pub input_tokens: Option<i64>,
    /// Output tokens the step used: 0 to 10^12.
    pub output_tokens: Option<i64>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What completeRun needs.
#[derive(InputObject)]
pub(crate) struct CompleteRunInput {
    /// The run (`run_...`); it must be PENDING or RUNNING, else INVALID_TRANSITION.
    pub run_id: ID,
    /// The run's output text, at most QUIRE_MAX_OUTPUT_BYTES (1 MiB by
    /// default), else PAYLOAD_TOO_LARGE.
    pub output: Option<String>,
    /// The model that ran (at most 200 characters), replacing the run's;
    /// default: the run's.
    pub model: Option<String>,
    /// The run's input tokens: 0 to 10^12. When either count is given, the
    /// run's usage is the counts given, priced at its model now; when neither
    /// is, it is the sum of its steps' tokens and costs.
    pub input_tokens: Option<i64>,
    /// The run's output tokens: 0 to 10^12 (see inputTokens).
    pub output_tokens: Option<i64>,
    /// Makes the completion safe to retry: the same key with the same input
    /// returns the completed run (instead of INVALID_TRANSITION) and does
    /// nothing more; with a different input it is IDEMPOTENCY_KEY_REUSED. 1 to
    /// 200 characters; kept per token for QUIRE_IDEMPOTENCY_TTL_SECS.
    pub idempotency_key: Option<String>,
}

/// What failRun needs.
#[derive(InputObject)]
pub(crate) struct FailRunInput {
    /// The run (`run_...`); it must be PENDING or RUNNING, else INVALID_TRANSITION.
    pub run_id: ID,
    /// What went wrong: not blank, at most 8192 characters (longer
    /// diagnostics belong in an output). Kept as the run's error.
    pub error: String,
}

/// What createArtifactVersion needs.
#[derive(InputObject)]
pub(crate) struct CreateArtifactVersionInput {
    /// The project (`prj_...`); NOT_FOUND if the token cannot see it.
    pub project_id: ID,
    /// The key to add a version to: a dot path of a-z, 0-9, _ and - segments
    /// (e.g. `brand.palette`), at most 200 characters. The version gets the
    /// key's next number.
    pub schema_key: String,
    /// The value: any JSON, at most QUIRE_MAX_VALUE_BYTES (256 KiB by default,
    /// else PAYLOAD_TOO_LARGE), and valid against the key's newest registered
    /// JSON Schema if it has one (else VALIDATION_FAILED, each violation with
    /// its JSON pointer in extensions.violations).
    pub value: Json,
    /// Files to link, in order (`fil_...`): files of this project, or files
    /// an unscoped token uploaded for no project (they join this one). At
    /// most 20 with the primary file (else VALIDATION_FAILED); a file of
    /// another project is NOT_FOUND.
    pub file_ids: Option<Vec<ID>>,
    /// The version's main file; linked first when it is not among fileIds.
    pub primary_file_id: Option<ID>,
    /// The run of this project that produced the version (it lists the
    /// version among its outputs); NOT_FOUND otherwise.
    pub source_run_id: Option<ID>,
    /// The run step that produced the version; its run becomes the source
    /// run (a different sourceRunId is VALIDATION_FAILED).
    pub source_step_id: Option<ID>,
    /// Free-form JSON notes kept with the version, not part of its digest;
    /// at most 256 KiB like the value. Omitted: the base version's (or else
    /// the key's latest version's) annotations carry over.
    pub annotations: Option<Json>,
    /// The version this one revises (`ver_...`, same project and key): an
    /// edit, or a new attempt after CHANGES_REQUESTED. If the key has a newer
    /// version than the base, CONFLICT and nothing is written. With a base, a
    /// REVIEWER token may create the version too (people edit what agents
    /// made); the version records that token as its creator.
    pub base_version_id: Option<ID>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What setAnnotations needs.
#[derive(InputObject)]
pub(crate) struct SetAnnotationsInput {
    /// The version (`ver_...`); NOT_FOUND if the token cannot see it.
    pub version_id: ID,
    /// The new annotations, replacing the old: any JSON up to 256 KiB.
    pub annotations: Json,
    /// The annotationsRevision the caller read; a mismatch fails with CONFLICT.
    pub expected_revision: i32,
}

/// What startGeneration needs.
#[derive(InputObject)]
pub(crate) struct StartGenerationInput {
    /// The project (`prj_...`); NOT_FOUND if the token cannot see it.
    pub project_id: ID,
    /// The key about to be generated (a dot path, as in createArtifactVersion).
    pub schema_key: String,
    /// The open run of this project that generates it: completing, failing or
    /// cancelling the run ends the claim. A closed run is INVALID_TRANSITION.
    pub run_id: Option<ID>,
    /// How long the claim holds without finishGeneration (default 600): 1 to
    /// 86400 seconds. After it the key is IDLE again by itself.
    pub lease_seconds: Option<i64>,
}

/// What finishGeneration needs.
#[derive(InputObject)]
pub(crate) struct FinishGenerationInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// The claimed key.
    pub schema_key: String,
    /// Set when the generation failed: the state becomes FAILED with this
    /// error (not blank, at most 8192 characters).
    pub error: Option<String>,
}

/// What cancelRun needs.
#[derive(InputObject)]
pub(crate) struct CancelRunInput {
    /// The run (`run_...`); it must be PENDING or RUNNING, else INVALID_TRANSITION.
    pub run_id: ID,
    /// Why, at most 8192 characters; kept as the run's error.
    pub reason: Option<String>,
}

/// What setModelPrice needs.
#[derive(InputObject)]
pub(crate) struct ModelPriceInput {
    /// The model name (1 to 200 characters), as runs and steps name it.
    pub model: String,
    /// The price of one million input tokens: 0 to 1000000, at most 10
    /// decimal places. Send it as a string, e.g. "2.50".
    pub input_per_million: Decimal,
    /// The price of one million output tokens, likewise.
    pub output_per_million: Decimal,
    /// When the price takes effect (years 2000 to 2100); default: now. A
    /// later time schedules it.
    pub effective_from: Option<DateTime<Utc>>,
}

/// What approveVersion, rejectVersion and requestChanges need.
#[derive(InputObject)]
pub(crate) struct ReviewInput {
    /// The version (`ver_...`); it must be PENDING, else INVALID_TRANSITION.
    pub version_id: ID,
    /// Why, at most 8192 characters: kept on the audit entry, and as
    /// rejectionReason when rejecting.
    pub reason: Option<String>,
    /// Structured feedback, any JSON up to 256 KiB (say, what to change),
    /// kept on the audit entry.
    pub feedback: Option<Json>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What promote needs.
#[derive(InputObject)]
pub(crate) struct PromoteInput {
    /// The project (`prj_...`); NOT_FOUND if the token cannot see it.
    pub project_id: ID,
    /// The contextVersion the caller last read; a mismatch fails with CONFLICT and changes nothing.
    pub expected_context_version: i32,
    /// The versions to promote: APPROVED versions of the project (another
    /// status is INVALID_TRANSITION, an unknown one NOT_FOUND). Default: every
    /// APPROVED version of the project that is not promoted yet.
    pub version_ids: Option<Vec<ID>>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What promote did.
#[derive(SimpleObject)]
pub(crate) struct PromotePayload {
    /// The project, with its new context.
    pub project: Project,
    /// The context version this promotion produced (expectedContextVersion + 1).
    pub context_version: i32,
    /// The versions whose values it wrote into the context.
    pub promoted: Vec<ArtifactVersion>,
}

/// What registerSchema needs.
#[derive(InputObject)]
pub(crate) struct RegisterSchemaInput {
    /// The key the schema applies to, in every project: a dot path of a-z,
    /// 0-9, _ and - segments, at most 200 characters.
    pub schema_key: String,
    /// A JSON Schema (draft 2020-12), at most 256 KiB; one that does not
    /// compile is VALIDATION_FAILED. A property marked `"x-quire-tier": "<tier>"`
    /// (one of QUIRE_TIERS) is shown only to projects at that tier or above.
    pub json_schema: Json,
    /// RFC 6902 patch from the previous version's values to this version's; required when existing values would not validate.
    /// Registering applies it (after the chain before it) to the latest version of the key in every project and
    /// validates the result: any failure is VALIDATION_FAILED listing the versions, and nothing is stored.
    pub upgrade: Option<Json>,
}

/// What setApprovalPolicy needs.
#[derive(InputObject)]
pub(crate) struct ApprovalPolicyInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// Schema keys it governs: an exact key, or a prefix ending in .* (brand.*), or *.
    /// Setting a pattern again replaces the project's policy for it.
    pub schema_key_pattern: String,
    /// A JSONLogic rule over {value, version, run, actor}; when it holds for a new version, the version is approved by this policy (actor type RULE).
    /// Variables read `value.…`, `version.schemaKey|versionNumber|schemaVersion|createdByType`, `run.pipeline|model|status|inputTokens|outputTokens` (null without a run)
    /// and `actor.name|type`; at most 8 KiB and 256 JSON values; anything else is VALIDATION_FAILED.
    pub auto_approve_when: Option<Json>,
    /// Approvals needed before the version becomes APPROVED (default 1).
    /// 1 to 10 distinct actors; one actor counts once.
    pub required_approvals: Option<i32>,
    /// Actor types that must be among the approvers (e.g. [HUMAN]).
    /// No more of them than requiredApprovals.
    pub required_actor_types: Option<Vec<ActorTypeGql>>,
}

/// What setRetentionPolicy needs.
#[derive(InputObject)]
pub(crate) struct RetentionPolicyInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// Drop the values of REJECTED versions older than this many days (null: keep).
    /// 0 to 36500; the value moves to the object store and stays readable.
    pub rejected_days: Option<i32>,
    /// Drop the values of SUPERSEDED versions older than this many days (null: keep).
    /// 0 to 36500; promoted values and the latest version of a key never move.
    pub superseded_days: Option<i32>,
    /// Drop run and step outputs older than this many days (null: keep).
    /// 0 to 36500; dropped for good.
    pub run_output_days: Option<i32>,
}

/// What setProjectTier needs.
#[derive(InputObject)]
pub(crate) struct SetProjectTierInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// One of the configured tiers (QUIRE_TIERS, lowest first; default core, business, strategic).
    pub tier: String,
}

/// What createToken needs.
#[derive(InputObject)]
pub(crate) struct CreateTokenInput {
    /// A name for the token (1 to 200 characters, not blank): the actor name
    /// recorded on its writes.
    pub name: String,
    /// What the token may do.
    pub role: RoleGql,
    /// What kind of actor it stands for.
    pub actor_type: ActorTypeGql,
    /// Limit the token to one project; default: all projects (for a
    /// project-scoped admin: its own project, the only one it may name).
    pub project_id: Option<ID>,
    /// Make a further token for the actor of this token (`tok_...`, one the
    /// caller may manage): it acts as that actor (Actor.id is the same, and
    /// quorums count the actor once) and must have its actorType. Omitted:
    /// the token is a new actor.
    pub actor_id: Option<ID>,
}

/// A new API token, with its secret.
#[derive(SimpleObject)]
pub(crate) struct CreatedToken {
    /// The token's ID (`tok_...`).
    pub id: ID,
    /// The secret to send as `Authorization: Bearer <secret>`; it starts with
    /// `qk_`. Shown once: only its SHA-256 is stored.
    pub secret: String,
    /// What the token may do.
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

/// Writes. Each names the role it needs (a token without it gets FORBIDDEN)
/// and the error codes (`extensions.code`) it may fail with besides the
/// common ones (UNAUTHENTICATED, VALIDATION_FAILED for malformed IDs and
/// arguments, UNAVAILABLE, INTERNAL). A mutation's writes happen in one
/// transaction: a failed mutation changes nothing.
#[Object(name = "Mutation")]
impl MutationRoot {
    /// Creates a project with an empty context (contextVersion 0). Needs ADMIN
    /// and a token not scoped to a project (FORBIDDEN otherwise); a slug in use
    /// is CONFLICT.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's slug and name.")] input: CreateProjectInput,
    ) -> async_graphql::Result<Project> {
        let input = projects::NewProject {
            slug: input.slug,
            name: input.name,
        };
        Ok(Project(projects::create(session(ctx), input).await.api()?))
    }

    /// Starts a run of a pipeline in a project: it is RUNNING at once. Needs
    /// WRITER; NOT_FOUND for a project, parent run or input version the token
    /// cannot see; PAYLOAD_TOO_LARGE for an input over the output limit.
    async fn start_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run to start.")] input: StartRunInput,
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

    /// Records one step of an open run, costed at its model's price now.
    /// Needs WRITER; INVALID_TRANSITION when the run is closed, CONFLICT when
    /// the order is taken, PAYLOAD_TOO_LARGE for an output over the limit.
    async fn record_run_step(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The step to record.")] input: RecordRunStepInput,
    ) -> async_graphql::Result<RunStep> {
        let input = runs::NewStep {
            run_id: input.run_id.0,
            order: input.order,
            agent_id: input.agent_id,
            agent_name: input.agent_name,
            output: input.output,
            usage: runs::Usage {
                model: input.model,
                input_tokens: input.input_tokens,
                output_tokens: input.output_tokens,
            },
            idempotency_key: input.idempotency_key,
        };
        Ok(RunStep(runs::record_step(session(ctx), input).await.api()?))
    }

    /// Writes a step's summary, once, for the long-term tier of the next
    /// agents' context (assembleContext); published on the run's live events.
    /// Needs WRITER; INVALID_TRANSITION when the step has a summary already.
    async fn record_step_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The step and its summary.")] input: RecordStepSummaryInput,
    ) -> async_graphql::Result<RunStep> {
        let input = step_summaries::NewSummary {
            step_id: input.step_id.0,
            summary: input.summary,
            token_count: input.token_count,
        };
        let step = step_summaries::record(session(ctx), input).await.api()?;
        Ok(RunStep(step))
    }

    /// PENDING/RUNNING -> COMPLETED, storing the output, model, token counts
    /// and exact cost. Needs WRITER; INVALID_TRANSITION when the run is already
    /// closed, PAYLOAD_TOO_LARGE for an output over the limit.
    async fn complete_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run and what it produced and used.")] input: CompleteRunInput,
    ) -> async_graphql::Result<Run> {
        let input = runs::Completion {
            run_id: input.run_id.0,
            output: input.output,
            usage: runs::Usage {
                model: input.model,
                input_tokens: input.input_tokens,
                output_tokens: input.output_tokens,
            },
            idempotency_key: input.idempotency_key,
        };
        Ok(Run(runs::complete(session(ctx), input).await.api()?))
    }

    /// PENDING/RUNNING -> FAILED, keeping the error. Needs WRITER;
    /// INVALID_TRANSITION when the run is already closed.
    async fn fail_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run and what went wrong.")] input: FailRunInput,
    ) -> async_graphql::Result<Run> {
        let input = runs::Failure {
            run_id: input.run_id.0,
            error: input.error,
        };
        Ok(Run(runs::fail(session(ctx), input).await.api()?))
    }

    /// Uploads a file (GraphQL multipart request) for a project: a project-scoped
    /// token's own, or `projectId`, or (unscoped tokens only) none until a version
    /// links it. The same bytes for the same project give the same file.
    /// Needs WRITER; PAYLOAD_TOO_LARGE over QUIRE_MAX_UPLOAD_BYTES; NOT_FOUND
    /// for a project the token cannot see.
    async fn upload_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The file: a part of the multipart request. Its filename and content type (each at most 255 characters) are kept."
        )]
        file: Upload,
        #[graphql(
            desc = "The project the file is for (`prj_...`); default: a project-scoped token's project, or none for an unscoped token."
        )]
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
    /// Needs WRITER; INVALID_TRANSITION when the run is already closed.
    async fn cancel_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run and why.")] input: CancelRunInput,
    ) -> async_graphql::Result<Run> {
        Ok(Run(runs::cancel(session(ctx), &input.run_id, input.reason)
            .await
            .api()?))
    }

    /// Adds a price for a model; earlier prices stay, and stored costs never change.
    /// Needs ADMIN and a token not scoped to a project (prices apply to every
    /// project; FORBIDDEN otherwise).
    async fn set_model_price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The model, its prices and when they take effect.")]
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

    /// Adds the next version of a schema key to a project, PENDING review,
    /// with its files and the run and step that made it. Needs WRITER (or
    /// REVIEWER with baseVersionId); INVALID_TRANSITION for a run that failed
    /// or was cancelled; CONFLICT when the key has a version newer than
    /// baseVersionId;
    /// VALIDATION_FAILED for a malformed key, a value its key's JSON Schema
    /// refuses (see extensions.violations) or more than 20 files;
    /// PAYLOAD_TOO_LARGE for a value or annotations over QUIRE_MAX_VALUE_BYTES;
    /// NOT_FOUND for a project, file, run or step the token cannot see.
    async fn create_artifact_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version to create.")] input: CreateArtifactVersionInput,
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
            base_version_id: input.base_version_id.map(|id| id.0),
            idempotency_key: input.idempotency_key,
        };
        let created = versions::create(session(ctx), input).await.api()?;
        // Its children are read at once, not after the loaders' batch window.
        crate::graphql::types::version::prime_version(ctx, &created).await?;
        Ok(ArtifactVersion(created))
    }

    /// PENDING -> APPROVED; the key's previously APPROVED version becomes SUPERSEDED.
    /// Needs REVIEWER; INVALID_TRANSITION when the version is not PENDING.
    async fn approve_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version and an optional reason and feedback.")] input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::Approve, input).await
    }

    /// PENDING -> REJECTED; the reason is kept as rejectionReason.
    /// Needs REVIEWER; INVALID_TRANSITION when the version is not PENDING.
    async fn reject_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version and an optional reason and feedback.")] input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::Reject, input).await
    }

    /// PENDING -> CHANGES_REQUESTED, with feedback for the next attempt.
    /// Needs REVIEWER; INVALID_TRANSITION when the version is not PENDING.
    async fn request_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version, and the reason and feedback for the next attempt.")]
        input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::RequestChanges, input).await
    }

    /// Writes APPROVED values into the project context if expectedContextVersion is current.
    /// Each value goes at its schema key's path, and no other key changes: a
    /// value whose version was superseded stays until its successor is
    /// promoted. Needs REVIEWER; CONFLICT (with extensions.currentContextVersion)
    /// when expectedContextVersion is stale, and then nothing changes.
    async fn promote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the context version last read, and which versions.")]
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
    /// New values of the key, in every project, must then match it; the latest
    /// existing version of the key in every project must match it too once
    /// upgraded (`upgrade`), else nothing is registered. Needs ADMIN and a token not scoped to
    /// a project (FORBIDDEN otherwise).
    async fn register_schema(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key and its JSON Schema.")] input: RegisterSchemaInput,
    ) -> async_graphql::Result<ArtifactSchema> {
        let upgrade = input.upgrade.map(|u| u.0);
        let model = schemas::register(session(ctx), input.schema_key, input.json_schema.0, upgrade)
            .await
            .api()?;
        Ok(ArtifactSchema(model))
    }

    /// Sets the project's approval policy for a pattern (replacing the one it had); it applies
    /// to versions created from now on. Needs ADMIN.
    async fn set_approval_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the pattern and what the policy asks.")]
        input: ApprovalPolicyInput,
    ) -> async_graphql::Result<ApprovalPolicy> {
        let input = policies::NewPolicy {
            project_id: input.project_id.0,
            schema_key_pattern: input.schema_key_pattern,
            auto_approve_when: input.auto_approve_when.map(|j| j.0),
            required_approvals: input.required_approvals,
            required_actor_types: input
                .required_actor_types
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        };
        Ok(ApprovalPolicy(
            policies::set(session(ctx), input).await.api()?,
        ))
    }

    /// Ends an approval policy: versions created from now on are not governed by it (those
    /// created before keep it). Needs ADMIN; NOT_FOUND for a policy not in force.
    async fn delete_approval_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy (`pol_...`).")] id: ID,
    ) -> async_graphql::Result<bool> {
        policies::delete(session(ctx), &id).await.api()
    }

    /// Sets a project's retention policy (replacing the one it had). `quire retention` applies it,
    /// and the server does once a day. Needs ADMIN.
    async fn set_retention_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and how long it keeps what.")] input: RetentionPolicyInput,
    ) -> async_graphql::Result<RetentionPolicy> {
        let input = retention::NewPolicy {
            project_id: input.project_id.0,
            rejected_days: input.rejected_days,
            superseded_days: input.superseded_days,
            run_output_days: input.run_output_days,
        };
        Ok(RetentionPolicy(
            retention::set_policy(session(ctx), input).await.api()?,
        ))
    }

    /// Sets a project's tier, kept in its tier audit trail; what its values, contexts and
    /// assembled contexts show follows at once. Needs ADMIN and a token not scoped to a project.
    async fn set_project_tier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and its new tier.")] input: SetProjectTierInput,
    ) -> async_graphql::Result<Project> {
        let project = projects::set_tier(session(ctx), &input.project_id, &input.tier)
            .await
            .api()?;
        Ok(Project(project))
    }

    /// Replaces a version's annotations (its value never changes) and adds
    /// one to annotationsRevision; the change is kept in the audit trail.
    /// Needs WRITER or REVIEWER; CONFLICT when expectedRevision is not the
    /// version's annotationsRevision, and then nothing changes.
    async fn set_annotations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version, its new annotations and the revision read.")]
        input: SetAnnotationsInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        let input = annotations::NewAnnotations {
            version_id: input.version_id.0,
            annotations: input.annotations.0,
            expected_revision: input.expected_revision,
        };
        Ok(ArtifactVersion(
            annotations::set(session(ctx), input).await.api()?,
        ))
    }

    /// Claims a key for generation; CONFLICT while another unexpired claim holds it.
    /// The key is GENERATING, held by this token, until finishGeneration, the
    /// end of the named run, or the lease. Needs WRITER; NOT_FOUND for a
    /// project or run the token cannot see; INVALID_TRANSITION for a closed run.
    async fn start_generation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the key, the run and the lease.")]
        input: StartGenerationInput,
    ) -> async_graphql::Result<Generation> {
        let claim = generations::Claim {
            project_id: input.project_id.0,
            schema_key: input.schema_key,
            run_id: input.run_id.map(|id| id.0),
            lease_seconds: input.lease_seconds,
        };
        Ok(Generation(
            generations::start(session(ctx), claim).await.api()?,
        ))
    }

    /// Ends this token's claim on a key: IDLE, or FAILED with the error. Needs
    /// WRITER; INVALID_TRANSITION when the key is not being generated (its
    /// lease passed, say); CONFLICT when another token holds it (an ADMIN may
    /// end any claim).
    async fn finish_generation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the key, and the error if it failed.")]
        input: FinishGenerationInput,
    ) -> async_graphql::Result<Generation> {
        let release = generations::Release {
            project_id: input.project_id.0,
            schema_key: input.schema_key,
            error: input.error,
        };
        Ok(Generation(
            generations::finish(session(ctx), release).await.api()?,
        ))
    }

    /// Creates an API token and returns its secret, shown only this once.
    /// Needs ADMIN; a project-scoped admin makes tokens of its own project
    /// only (naming another is NOT_FOUND).
    async fn create_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's name, role, actor type and project.")]
        input: CreateTokenInput,
    ) -> async_graphql::Result<CreatedToken> {
        let request = tokens::TokenRequest {
            name: input.name,
            role: input.role.into(),
            actor_type: input.actor_type.into(),
            project_id: input.project_id.as_ref().map(|id| id.as_str()),
            actor_of: input.actor_id.as_ref().map(|id| id.as_str()),
        };
        let (token, secret) = tokens::create_for(session(ctx), request).await.api()?;
        Ok(CreatedToken {
            id: ID(ids::encode(IdKind::Token, token.id)),
            secret,
            role: token.role.into(),
        })
    }

    /// Revokes a token; it stops working on the next request. False when it was already revoked.
    /// Other Quire servers on the same database refuse it within
    /// QUIRE_TOKEN_CACHE_MS (2 s by default). Needs ADMIN; a project-scoped
    /// admin may revoke its project's tokens only (others are NOT_FOUND).
    async fn revoke_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's ID (`tok_...`).")] id: ID,
    ) -> async_graphql::Result<bool> {
        let revoked = tokens::revoke_for(session(ctx), &id).await.api()?;
        let token_id = ids::decode(IdKind::Token, &id).api()?;
        ctx.data_unchecked::<Arc<TokenCache>>().forget(token_id);
        Ok(revoked)
    }
}
