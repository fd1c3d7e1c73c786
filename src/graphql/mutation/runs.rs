//! Runs, their steps and summaries, and model prices.

use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, InputObject, Object};

use crate::graphql::context::session;
use crate::graphql::error::ApiResult;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::strings;
use crate::domain::{runs, runs::pricing, runs::step_summaries};
use crate::graphql::types::{ModelPrice, Run, RunStep};
use entity::Role;

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[
    ("startRun", Role::Writer),
    ("recordRunStep", Role::Writer),
    ("recordStepSummary", Role::Writer),
    ("completeRun", Role::Writer),
    ("failRun", Role::Writer),
    ("cancelRun", Role::Writer),
    ("setModelPrice", Role::Admin),
];

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

#[derive(Default)]
pub(crate) struct RunMutations;

#[Object]
impl RunMutations {
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
}
