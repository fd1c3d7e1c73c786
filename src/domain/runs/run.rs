//! Runs and their steps: the lifecycle PENDING/RUNNING -> COMPLETED | FAILED |
//! CANCELLED, usage, and lineage to the artifact versions a run read.

use chrono::Utc;
use entity::{Money, Role, RunArtifactDirection, RunStatus, run, run_artifact, run_step};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::db::Dialect;
use crate::db::WriteTxn;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::query::pagination::{self, Page, PageArgs, SortKey, SortKind, Total};
use crate::domain::query::run_rows::{RunShape, runs_without_output};
use crate::domain::write::events;
use crate::domain::write::events::{Change, PublicId};
use crate::domain::write::idempotency::Idempotency;
use crate::domain::write::transact;
use crate::domain::{Session, check_size, projects, validate};
use crate::domain::{artifacts::generations, review, runs::pricing};

/// A run to start; see [`start`]. Serialized (without the key) as the
/// idempotency input.
#[derive(Debug, Clone, Serialize)]
pub struct NewRun {
    /// The project's public ID.
    pub project_id: String,
    /// The pipeline's name; costs group by it.
    pub pipeline: String,
    /// The run's input text, at most `max_output_bytes`.
    pub input: Option<String>,
    /// Free-form JSON parameters, stored as given.
    pub variables: Option<Value>,
    /// The default model of the run and its steps, for pricing.
    pub model: Option<String>,
    /// The public ID of a run of the same project that spawned this one.
    pub parent_run_id: Option<String>,
    /// Public IDs of the versions the run reads (its lineage), duplicates
    /// ignored, order kept.
    pub input_version_ids: Vec<String>,
    /// Makes a retried start return the first run.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    run: Uuid,
}

#[derive(Serialize, Deserialize)]
struct StoredStep {
    step: Uuid,
}

/// What a step or a run used, as its caller reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    /// The model; none: the run's.
    pub model: Option<String>,
    /// Prompt tokens.
    pub input_tokens: Option<i64>,
    /// Completion tokens.
    pub output_tokens: Option<i64>,
}

impl Usage {
    /// A model name within bounds, and each count within validate::MAX_TOKENS.
    fn check(&self) -> DomainResult<()> {
        check_model(self.model.as_deref())?;
        validate::tokens("inputTokens", self.input_tokens)?;
        validate::tokens("outputTokens", self.output_tokens)
    }

    /// Whether any tokens were reported.
    fn reported(&self) -> bool {
        self.input_tokens.is_some() || self.output_tokens.is_some()
    }

    /// The model in force (this one, or else the run's) and the cost of the
    /// tokens at its price at `at`.
    async fn priced(
        &self,
        txn: &WriteTxn,
        run: &run::Model,
        at: chrono::DateTime<Utc>,
    ) -> DomainResult<(Option<String>, Option<Decimal>)> {
        let model = self.model.clone().or(run.model.clone());
        let cost = pricing::cost_at(
            txn,
            model.as_deref(),
            at,
            self.input_tokens,
            self.output_tokens,
        )
        .await?;
        Ok((model, cost))
    }
}

/// One agent step of an open run; see [`record_step`]. Serialized (without
/// the key) as the idempotency input.
#[derive(Debug, Clone, Serialize)]
pub struct NewStep {
    /// The run's public ID.
    pub run_id: String,
    /// The step's position in the run, unique per run, from 0.
    pub order: i32,
    /// The agent's stable identifier.
    pub agent_id: String,
    /// The agent's display name.
    pub agent_name: String,
    /// What the step produced, at most `max_output_bytes`.
    pub output: Option<String>,
    /// The model and tokens the step used, priced at the model's price now.
    pub usage: Usage,
    /// Makes a retried step return the first one.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// How a run completed; see [`complete`]. Serialized (without the key) as
/// the idempotency input.
#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    /// The run's public ID.
    pub run_id: String,
    /// The run's output, at most `max_output_bytes`.
    pub output: Option<String>,
    /// The model to record (`None`: keep the run's) and the run's tokens;
    /// with no tokens reported, the steps' usage is summed instead.
    pub usage: Usage,
    /// Makes a retried completion return the completed run.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Why a run failed; see [`fail`].
pub struct Failure {
    /// The run's public ID.
    pub run_id: String,
    /// The error, non-blank.
    pub error: String,
}

/// Which of a project's runs [`list`] returns; empty: all. Every condition
/// given must hold.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only runs in one of these statuses (empty: any).
    pub statuses: Vec<RunStatus>,
    /// Only runs of this pipeline.
    pub pipeline: Option<String>,
    /// Only runs of this model.
    pub model: Option<String>,
    /// Only runs created at or after this.
    pub created_after: Option<chrono::DateTime<Utc>>,
    /// Only runs created before this.
    pub created_before: Option<chrono::DateTime<Utc>>,
    /// Only runs whose stored cost is at least this, compared exactly.
    pub min_cost: Option<Decimal>,
}

/// What a run list may be ordered by (ties: the run's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOrderField {
    /// When it was created.
    CreatedAt,
    /// When it closed (open runs last when ascending).
    CompletedAt,
    /// Its stored cost (runs without one first when ascending).
    Cost,
}

impl RunOrderField {
    fn sort_key(self, dialect: Dialect) -> SortKey {
        let (expr, kind) = match self {
            RunOrderField::CreatedAt => (
                Expr::col((run::Entity, run::Column::CreatedAt)),
                SortKind::Time,
            ),
            RunOrderField::CompletedAt => (
                Func::coalesce([
                    Expr::col((run::Entity, run::Column::CompletedAt)),
                    Expr::value(open_runs_completed_at()),
                ])
                .into(),
                SortKind::Time,
            ),
            RunOrderField::Cost => dialect.money_sort("\"runs\".\"cost\""),
        };
        SortKey { expr, kind }
    }
}

/// Where open runs sort by completion: after every closed one.
fn open_runs_completed_at() -> chrono::DateTime<Utc> {
    "9999-12-31T00:00:00Z".parse().expect("a date")
}

/// A model name, when one is given.
fn check_model(model: Option<&str>) -> DomainResult<()> {
    model.map_or(Ok(()), |m| {
        validate::text("model", m, validate::MAX_NAME_CHARS)
    })
}

/// Starts a RUNNING run with its input links and outbox event, in one
/// transaction. WRITER; NOT_FOUND for a project, parent run or input version
/// the caller cannot see (or of another project). Idempotent under
/// `idempotency_key`.
pub async fn start(s: Session<'_>, input: NewRun) -> DomainResult<run::Model> {
    s.principal.require_role(Role::Writer)?;
    validate::name("pipeline", &input.pipeline)?;
    check_model(input.model.as_deref())?;
    if let Some(text) = &input.input {
        check_size("run input", text.len(), s.limits.max_output_bytes)?;
    }
    let project = projects::require(s, &input.project_id).await?;
    let parent = input
        .parent_run_id
        .as_deref()
        .map(|id| ids::decode(IdKind::Run, id).map(|uuid| (uuid, id)))
        .transpose()?;
    let mut input_versions = Vec::new();
    for text in &input.input_version_ids {
        let id = ids::decode(IdKind::Version, text)?;
        if !input_versions.contains(&id) {
            input_versions.push(id);
        }
    }
    let idem = Idempotency::new(s, "startRun", input.idempotency_key.as_deref(), &input)?;
    let (input, input_versions) = (&input, &input_versions);
    idem.run(
        s.db,
        move |txn| async move {
            let model = start_in(s, &txn, project.id, input, parent, input_versions).await?;
            let record = Stored { run: model.id };
            Ok((model, record))
        },
        move |txn, stored: Stored| async move {
            visible_by_id(s, &txn, stored.run)
                .await?
                .ok_or_else(|| DomainError::Internal("a stored run is gone".into()))
        },
    )
    .await
}

async fn start_in(
    s: Session<'_>,
    txn: &WriteTxn,
    project_id: Uuid,
    input: &NewRun,
    parent: Option<(Uuid, &str)>,
    input_versions: &[Uuid],
) -> DomainResult<run::Model> {
    let now = Utc::now();
    let actor = &s.principal.actor;
    let model = run::Model {
        id: ids::new_id(),
        project_id,
        pipeline: input.pipeline.clone(),
        status: RunStatus::Running,
        input: input.input.clone(),
        variables: input.variables.clone(),
        output: None,
        error: None,
        model: input.model.clone(),
        input_tokens: None,
        output_tokens: None,
        cost: None,
        parent_run_id: parent.map(|(uuid, _)| uuid),
        created_by_id: actor.id,
        created_by_name: actor.name.clone(),
        created_by_type: actor.actor_type,
        created_at: now,
        started_at: Some(now),
        completed_at: None,
    };
    if let Some((parent_id, text)) = parent {
        let found = run::Entity::find_by_id(parent_id).one(txn).await?;
        if found.is_none_or(|p| p.project_id != project_id) {
            return Err(DomainError::not_found(IdKind::Run, text));
        }
    }
    if !input_versions.is_empty() {
        let found = entity::artifact_version::Entity::find()
            .filter(entity::artifact_version::Column::Id.is_in(input_versions.to_vec()))
            .filter(entity::artifact_version::Column::ProjectId.eq(project_id))
            .all(txn)
            .await?;
        if let Some(missing) = input_versions
            .iter()
            .find(|id| !found.iter().any(|v| v.id == **id))
        {
            return Err(DomainError::not_found(
                IdKind::Version,
                ids::encode(IdKind::Version, *missing),
            ));
        }
    }
    run::Entity::insert(run::ActiveModel::from(model.clone()))
        .exec(txn)
        .await?;
    if !input_versions.is_empty() {
        let links =
            input_versions
                .iter()
                .enumerate()
                .map(|(sort, version_id)| run_artifact::ActiveModel {
                    run_id: Set(model.id),
                    version_id: Set(*version_id),
                    direction: Set(RunArtifactDirection::Input),
                    sort: Set(sort as i32),
                });
        run_artifact::Entity::insert_many(links).exec(txn).await?;
    }
    events::append(
        txn,
        project_id,
        model.id,
        Change::RunCreated {
            status: model.status,
        },
    )
    .await?;
    Ok(model)
}

/// Loads a run for a write, locking it on PostgreSQL so that concurrent
/// transitions of one run queue up instead of both passing the status check.
async fn lock_run(s: Session<'_>, txn: &WriteTxn, id_text: &str) -> DomainResult<run::Model> {
    let id = ids::decode(IdKind::Run, id_text)?;
    let query = run::Entity::find_by_id(id);
    let found = Dialect::of(txn).locked_for_write(query).one(txn).await?;
    match found {
        Some(r) if s.principal.can_see(r.project_id) => Ok(r),
        _ => Err(DomainError::not_found(IdKind::Run, id_text)),
    }
}

/// Appends a priced step to an open (PENDING or RUNNING) run, in one
/// transaction with its outbox event. WRITER; INVALID_TRANSITION on a closed
/// run, CONFLICT when the run already has a step at `order`. Idempotent
/// under `idempotency_key`.
pub async fn record_step(s: Session<'_>, input: NewStep) -> DomainResult<run_step::Model> {
    s.principal.require_role(Role::Writer)?;
    validate::name("agentId", &input.agent_id)?;
    validate::name("agentName", &input.agent_name)?;
    if input.order < 0 {
        return Err(DomainError::validation("order must not be negative"));
    }
    input.usage.check()?;
    if let Some(output) = &input.output {
        check_size("step output", output.len(), s.limits.max_output_bytes)?;
    }
    let idem = Idempotency::new(s, "recordRunStep", input.idempotency_key.as_deref(), &input)?;
    let input = &input;
    idem.run(
        s.db,
        move |txn| async move {
            let step = record_step_in(s, &txn, input).await?;
            let record = StoredStep { step: step.id };
            Ok((step, record))
        },
        move |txn, stored: StoredStep| async move {
            run_step::Entity::find_by_id(stored.step)
                .one(&txn)
                .await?
                .ok_or_else(|| DomainError::Internal("a stored step is gone".into()))
        },
    )
    .await
}

/// The step, inside its transaction.
async fn record_step_in(
    s: Session<'_>,
    txn: &WriteTxn,
    input: &NewStep,
) -> DomainResult<run_step::Model> {
    let run = lock_run(s, txn, &input.run_id).await?;
    if !run.status.is_open() {
        return Err(DomainError::InvalidTransition {
            kind: "run",
            action: "record a step on",
            from: run.status.to_value(),
        });
    }
    let taken = run_step::Entity::find()
        .filter(run_step::Column::RunId.eq(run.id))
        .filter(run_step::Column::Position.eq(input.order))
        .one(txn)
        .await?
        .is_some();
    if taken {
        return Err(DomainError::conflict(format!(
            "run {} already has a step with order {}",
            input.run_id, input.order
        )));
    }
    let now = Utc::now();
    let (model, cost) = input.usage.priced(txn, &run, now).await?;
    let step = run_step::Model {
        id: ids::new_id(),
        run_id: run.id,
        position: input.order,
        agent_id: input.agent_id.clone(),
        agent_name: input.agent_name.clone(),
        output: input.output.clone(),
        model,
        input_tokens: input.usage.input_tokens,
        output_tokens: input.usage.output_tokens,
        cost: cost.map(Money),
        created_at: now,
        output_token_count: input.output.as_deref().map(|o| s.limits.tokenizer.count(o)),
        summary: None,
        summary_token_count: None,
        summarized_by_id: None,
        summarized_by_name: None,
        summarized_by_type: None,
        summarized_at: None,
    };
    run_step::Entity::insert(run_step::ActiveModel::from(step.clone()))
        .exec(txn)
        .await?;
    events::append(
        txn,
        run.project_id,
        run.id,
        Change::RunUpdated {
            status: run.status,
            step: Some(PublicId::new(IdKind::Step, step.id)),
        },
    )
    .await?;
    Ok(step)
}

/// The sum of the steps' usage: tokens within validate::MAX_TOKENS, and
/// the cost when every step that used tokens has one.
fn step_usage(
    steps: &[run_step::Model],
) -> DomainResult<(Option<i64>, Option<i64>, Option<Decimal>)> {
    let input = validate::token_sum(
        "the steps' inputTokens",
        steps.iter().filter_map(|st| st.input_tokens),
    )?;
    let output = validate::token_sum(
        "the steps' outputTokens",
        steps.iter().filter_map(|st| st.output_tokens),
    )?;
    let used: Vec<&run_step::Model> = steps
        .iter()
        .filter(|st| st.input_tokens.is_some() || st.output_tokens.is_some())
        .collect();
    if used.is_empty() || used.iter().any(|st| st.cost.is_none()) {
        return Ok((input, output, None));
    }
    let mut cost = Decimal::ZERO;
    for step_cost in used.iter().filter_map(|st| st.cost) {
        cost = cost
            .checked_add(step_cost.0)
            .ok_or_else(|| DomainError::validation("the steps' costs overflow"))?;
    }
    validate::cost("the sum of the steps' costs", Some(cost))?;
    Ok((input, output, Some(cost)))
}

/// Closes an open run with `status`, applying `apply` to the row first.
/// The run's live generation claims end with it, and when it failed or was
/// cancelled its versions still PENDING are rejected (taken by `actor`).
async fn close(
    txn: &WriteTxn,
    actor: &crate::domain::Actor,
    run: run::Model,
    status: RunStatus,
    action: &'static str,
    apply: impl FnOnce(&mut run::ActiveModel),
) -> DomainResult<run::Model> {
    if !run.status.is_open() {
        return Err(DomainError::InvalidTransition {
            kind: "run",
            action,
            from: run.status.to_value(),
        });
    }
    let project_id = run.project_id;
    let mut active: run::ActiveModel = run.into();
    active.status = Set(status);
    active.completed_at = Set(Some(Utc::now()));
    apply(&mut active);
    let updated = sea_orm::ActiveModelTrait::update(active, txn).await?;
    generations::end_for_run(txn, updated.id, status, updated.error.as_deref()).await?;
    if status != RunStatus::Completed {
        let mut reason = format!("its run was {}", status.to_value().to_lowercase());
        if let Some(error) = &updated.error {
            reason.push_str(&format!(": {error}"));
        }
        review::reject_pending_of_run(txn, actor, updated.id, &reason).await?;
    }
    events::append(
        txn,
        project_id,
        updated.id,
        Change::RunUpdated { status, step: None },
    )
    .await?;
    Ok(updated)
}

/// Closes an open run as COMPLETED with its output and usage: the usage
/// reported, priced now at the run's model, or else the sum of its steps
/// (the cost only when every step that used tokens was priced). WRITER;
/// INVALID_TRANSITION on a closed run. One transaction with the outbox event.
/// Idempotent under `idempotency_key`: a retried completion returns the run.
pub async fn complete(s: Session<'_>, input: Completion) -> DomainResult<run::Model> {
    s.principal.require_role(Role::Writer)?;
    input.usage.check()?;
    if let Some(output) = &input.output {
        check_size("run output", output.len(), s.limits.max_output_bytes)?;
    }
    let idem = Idempotency::new(s, "completeRun", input.idempotency_key.as_deref(), &input)?;
    let input = &input;
    idem.run(
        s.db,
        move |txn| async move {
            let run = complete_in(s, &txn, input).await?;
            let record = Stored { run: run.id };
            Ok((run, record))
        },
        move |txn, stored: Stored| async move {
            visible_by_id(s, &txn, stored.run)
                .await?
                .ok_or_else(|| DomainError::Internal("a stored run is gone".into()))
        },
    )
    .await
}

/// The completion, inside its transaction.
async fn complete_in(
    s: Session<'_>,
    txn: &WriteTxn,
    input: &Completion,
) -> DomainResult<run::Model> {
    let run = lock_run(s, txn, &input.run_id).await?;
    let now = Utc::now();
    let (model, reported_cost) = input.usage.priced(txn, &run, now).await?;
    // Usage is what the caller reports, priced at the run's model; or else
    // the sum of the steps, each priced when it was recorded.
    let usage = &input.usage;
    let (input_tokens, output_tokens, cost) = if usage.reported() {
        (usage.input_tokens, usage.output_tokens, reported_cost)
    } else {
        let steps = run_step::Entity::find()
            .filter(run_step::Column::RunId.eq(run.id))
            .all(txn)
            .await?;
        step_usage(&steps)?
    };
    close(
        txn,
        &s.principal.actor,
        run,
        RunStatus::Completed,
        "complete",
        |active| {
            active.output = Set(input.output.clone());
            active.model = Set(model);
            active.input_tokens = Set(input_tokens);
            active.output_tokens = Set(output_tokens);
            active.cost = Set(cost.map(Money));
            active.completed_at = Set(Some(now));
        },
    )
    .await
}

/// Closes an open run as FAILED, keeping `error`. WRITER;
/// INVALID_TRANSITION on a closed run. One transaction with the outbox event.
pub async fn fail(s: Session<'_>, input: Failure) -> DomainResult<run::Model> {
    s.principal.require_role(Role::Writer)?;
    validate::non_blank("error", &input.error)?;
    validate::text("error", &input.error, validate::MAX_TEXT_CHARS)?;
    let input = &input;
    transact(s.db, move |txn| async move {
        let run = lock_run(s, &txn, &input.run_id).await?;
        close(
            &txn,
            &s.principal.actor,
            run,
            RunStatus::Failed,
            "fail",
            |active| {
                active.error = Set(Some(input.error.clone()));
            },
        )
        .await
    })
    .await
}

/// Closes an open run as CANCELLED, keeping `reason` as its error. WRITER;
/// INVALID_TRANSITION on a closed run. One transaction with the outbox event.
pub async fn cancel(
    s: Session<'_>,
    run_id: &str,
    reason: Option<String>,
) -> DomainResult<run::Model> {
    s.principal.require_role(Role::Writer)?;
    if let Some(reason) = &reason {
        validate::text("reason", reason, validate::MAX_TEXT_CHARS)?;
    }
    let reason = &reason;
    transact(s.db, move |txn| async move {
        let run = lock_run(s, &txn, run_id).await?;
        close(
            &txn,
            &s.principal.actor,
            run,
            RunStatus::Cancelled,
            "cancel",
            |active| {
                active.error = Set(reason.clone());
            },
        )
        .await
    })
    .await
}

/// The run with `id`, or `None` when absent or out of the caller's scope.
pub async fn by_id(s: Session<'_>, id: Uuid) -> DomainResult<Option<run::Model>> {
    visible_by_id(s, &s.db.conn, id).await
}

/// A run by id with its steps in order (its output and theirs left out: the
/// fields read them when asked), of each the columns of `shape`, in one
/// statement, if the caller may see it.
pub async fn by_id_with_steps(
    s: Session<'_>,
    id: Uuid,
    shape: RunShape,
) -> DomainResult<Option<(run::Model, Vec<run_step::Model>)>> {
    let found = crate::domain::query::run_rows::runs_with_steps(&s.db.conn, [id], shape)
        .await?
        .pop();
    Ok(found.filter(|(r, _)| s.principal.can_see(r.project_id)))
}

/// A run by id through `conn` (a transaction, say), if the caller may see it.
async fn visible_by_id(
    s: Session<'_>,
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> DomainResult<Option<run::Model>> {
    let found = run::Entity::find_by_id(id).one(conn).await?;
    Ok(found.filter(|r| s.principal.can_see(r.project_id)))
}

/// The step with `id`, or `None` when absent or its run is out of the
/// caller's scope.
pub async fn step_by_id(s: Session<'_>, id: Uuid) -> DomainResult<Option<run_step::Model>> {
    let found = run_step::Entity::find_by_id(id)
        .find_also_related(run::Entity)
        .one(&s.db.conn)
        .await?;
    Ok(found.and_then(|(step, run)| {
        run.filter(|r| s.principal.can_see(r.project_id))
            .map(|_| step)
    }))
}

/// A project's runs, newest first.
pub async fn list(
    s: Session<'_>,
    project_id: Uuid,
    filter: &RunFilter,
    field: Option<RunOrderField>,
    order: Order,
    args: &PageArgs,
) -> DomainResult<Page<run::Model>> {
    let mut select = runs_without_output().filter(run::Column::ProjectId.eq(project_id));
    if !filter.statuses.is_empty() {
        select = select.filter(run::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(pipeline) = &filter.pipeline {
        validate::text("pipeline", pipeline, validate::MAX_NAME_CHARS)?;
        select = select.filter(run::Column::Pipeline.eq(pipeline));
    }
    if let Some(model) = &filter.model {
        validate::text("model", model, validate::MAX_NAME_CHARS)?;
        select = select.filter(run::Column::Model.eq(model));
    }
    validate::date("createdAfter", filter.created_after)?;
    validate::date("createdBefore", filter.created_before)?;
    if let Some(after) = filter.created_after {
        select = select.filter(run::Column::CreatedAt.gte(after));
    }
    if let Some(before) = filter.created_before {
        select = select.filter(run::Column::CreatedAt.lt(before));
    }
    let dialect = s.db.dialect();
    if let Some(min) = filter.min_cost {
        validate::cost("minCost", Some(min.max(Decimal::ZERO)))?;
        select = select.filter(dialect.money_at_least("\"runs\".\"cost\"", min));
    }
    pagination::sorted(
        &s.db.conn,
        select,
        Total::Rows,
        field.map(|f| f.sort_key(dialect)),
        run::Column::Id,
        order,
        |r| r.id,
        args,
    )
    .await
}
