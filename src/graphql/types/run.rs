use crate::domain::bounds;
use crate::graphql::output::charge_text;
use crate::graphql::scalars::Json;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Lookahead, Object, SelectionField};
use chrono::{DateTime, Utc};
use entity::{RunArtifactDirection as Direction, artifact_version as version, run, run_step};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::version::{prime_versions, shown_columns};
use super::{Actor, ArtifactVersion, Project, RunStatusGql, gid, load};
use super::{columns_shown, selects};
use crate::domain::ids::IdKind;
use crate::domain::query::reads::ForeignKey;
use crate::domain::query::run_rows::{RunShape, step_keys};
use crate::graphql::context::loaders;
use crate::graphql::loaders::{
    ChildrenOfRun, GraphLoader, InputsOfRun, InputsOfRunWithoutValues, Loaders, OutputsOfRun,
    OutputsOfRunWithoutValues, ProjectById, RunById, RunOutput, Showing, StepOutput, StepsOfRun,
    fetch_run_children,
};
use crate::graphql::plain::Plain;
use entity::rows::ColumnSet;

pub(crate) struct Run(pub run::Model);

/// One execution of a pipeline: its input, the steps its agents took, what
/// it read and produced, and its usage and cost. startRun opens it (RUNNING);
/// completeRun, failRun or cancelRun close it.
#[Object]
impl Run {
    /// The run's global ID (`run_...`).
    pub async fn id(&self) -> ID {
        gid(IdKind::Run, self.0.id)
    }
    /// The project the run belongs to.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        load(ctx, ProjectById(self.0.project_id))
            .await?
            .map(Project)
            .ok_or_else(|| "the run's project is missing".into())
    }
    /// The pipeline's name, as given to startRun.
    async fn pipeline(&self) -> &str {
        &self.0.pipeline
    }
    /// Where the run is in its life.
    async fn status(&self) -> RunStatusGql {
        self.0.status.into()
    }
    /// The input text given to startRun, if any.
    async fn input(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        charge_text(ctx, self.0.input.as_deref().unwrap_or_default())?;
        Ok(self.0.input.as_deref())
    }
    /// The variables given to startRun, if any.
    async fn variables(&self) -> Option<Json> {
        self.0.variables.clone().map(Json)
    }
    /// The output text given to completeRun, if any (up to
    /// QUIRE_MAX_OUTPUT_BYTES, 1 MiB by default). Loaded only when selected.
    async fn output(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let output = match &self.0.output {
            Some(output) => Some(output.clone()),
            None => load(ctx, RunOutput(self.0.id)).await?,
        };
        charge_text(ctx, output.as_deref().unwrap_or_default())?;
        Ok(output)
    }
    /// Why the run ended early: failRun's error, or cancelRun's reason.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The model the run used, from startRun or completeRun; it prices the run.
    async fn model(&self) -> Option<&str> {
        self.0.model.as_deref()
    }
    /// Input tokens used, set when the run completes: the counts given to
    /// completeRun, or else the sum of its steps'. 0 to 10^12; Quire's Int
    /// carries 64-bit integers.
    async fn input_tokens(&self) -> Option<i64> {
        self.0.input_tokens
    }
    /// Output tokens used, set when the run completes, likewise.
    async fn output_tokens(&self) -> Option<i64> {
        self.0.output_tokens
    }
    /// What the run cost, computed exactly when it completes and stored:
    /// completeRun's token counts at the price of its model in force then, or
    /// else the sum of its steps' costs. Null when the run is not completed,
    /// no token counts were reported, its model has no price, or (summing
    /// steps) a step with tokens has no cost.
    async fn cost(&self) -> Option<Decimal> {
        self.0.cost.map(|m| m.0.normalize())
    }
    /// The run this one was started under (startRun's parentRunId), if any.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Run>> {
        match self.0.parent_run_id {
            Some(id) => Ok(load(ctx, RunById(id)).await?.map(Run)),
            None => Ok(None),
        }
    }
    /// Runs started under this one: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Plain<Run>>> {
        let rows = load(ctx, ChildrenOfRun(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(|r| Plain(Run(r)))
            .collect())
    }
    /// The run's steps in order: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Plain<RunStep>>> {
        // Kept lean by whatever read the steps with the run (`feed_steps`).
        let shown = step_columns(ctx.field().selection_set());
        let rows = load(ctx, Showing(StepsOfRun(self.0.id), shown))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(|s| Plain(RunStep(s)))
            .collect())
    }
    /// The token's actor that started the run.
    async fn created_by(&self) -> Plain<Actor> {
        Plain(Actor::new(
            self.0.created_by_id,
            &self.0.created_by_name,
            self.0.created_by_type,
        ))
    }
    /// Artifact versions this run read: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn inputs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Plain<ArtifactVersion>>> {
        linked(
            ctx,
            InputsOfRun(self.0.id),
            InputsOfRunWithoutValues(self.0.id),
        )
        .await
    }
    /// Artifact versions this run produced: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn outputs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Plain<ArtifactVersion>>> {
        linked(
            ctx,
            OutputsOfRun(self.0.id),
            OutputsOfRunWithoutValues(self.0.id),
        )
        .await
    }
    /// When the run was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the run started (startRun starts it at once); null while PENDING.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When the run was closed (completed, failed or cancelled); null while open.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

pub(crate) struct RunStep(pub run_step::Model);

/// One step of a run: what one agent did, with its own usage and cost.
#[Object]
impl RunStep {
    /// The step's global ID (`stp_...`).
    pub async fn id(&self) -> ID {
        gid(IdKind::Step, self.0.id)
    }
    /// The run the step belongs to.
    async fn run(&self, ctx: &Context<'_>) -> async_graphql::Result<Run> {
        load(ctx, RunById(self.0.run_id))
            .await?
            .map(Run)
            .ok_or_else(|| "the step's run is missing".into())
    }
    /// The step's position in its run, as recorded: 0 or more, unique in the
    /// run (gaps allowed). Run.steps is in this order.
    async fn order(&self) -> i32 {
        self.0.position
    }
    /// The agent's identifier, as the pipeline names it.
    async fn agent_id(&self) -> &str {
        &self.0.agent_id
    }
    /// The agent's display name.
    async fn agent_name(&self) -> &str {
        &self.0.agent_name
    }
    /// The output text the step recorded, if any (up to
    /// QUIRE_MAX_OUTPUT_BYTES, 1 MiB by default). Loaded only when selected.
    async fn output(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let output = match &self.0.output {
            Some(output) => Some(output.clone()),
            None => load(ctx, StepOutput(self.0.id)).await?,
        };
        charge_text(ctx, output.as_deref().unwrap_or_default())?;
        Ok(output)
    }
    /// Written once after the step, for the long-term tier of the next agents' context.
    async fn summary(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        charge_text(ctx, self.0.summary.as_deref().unwrap_or_default())?;
        Ok(self.0.summary.as_deref())
    }
    /// Tokens of `summary`, counted by the server with the configured tokenizer (a summary
    /// recorded before issue 30 may carry the count its writer gave).
    async fn summary_token_count(&self) -> Option<i64> {
        self.0.summary_token_count
    }
    /// Tokens of `output`, counted with the configured tokenizer (QUIRE_TOKENIZER) when the step
    /// was recorded; null without an output.
    async fn output_token_count(&self) -> Option<i64> {
        self.0.output_token_count
    }
    /// The step's model: the one recordRunStep gave, or else the run's.
    async fn model(&self) -> Option<&str> {
        self.0.model.as_deref()
    }
    /// Input tokens the step reported (0 to 10^12).
    async fn input_tokens(&self) -> Option<i64> {
        self.0.input_tokens
    }
    /// Output tokens the step reported (0 to 10^12).
    async fn output_tokens(&self) -> Option<i64> {
        self.0.output_tokens
    }
    /// What the step cost, computed exactly when it was recorded, at the price
    /// of its model in force then, and stored. Null without tokens or a price.
    async fn cost(&self) -> Option<Decimal> {
        self.0.cost.map(|m| m.0.normalize())
    }
    /// When the step was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::graphql::plain::plain_fields!(Run {
    "id" => id,
    "pipeline" => pipeline,
    "status" => status,
    "input" => input,
    "variables" => variables,
    "error" => error,
    "model" => model,
    "inputTokens" => input_tokens,
    "outputTokens" => output_tokens,
    "cost" => cost,
    "createdBy" => created_by,
    "createdAt" => created_at,
    "startedAt" => started_at,
    "completedAt" => completed_at,
});

crate::graphql::plain::plain_fields!(RunStep {
    "id" => id,
    "order" => order,
    "agentId" => agent_id,
    "agentName" => agent_name,
    "summary" => summary,
    "summaryTokenCount" => summary_token_count,
    "outputTokenCount" => output_token_count,
    "model" => model,
    "inputTokens" => input_tokens,
    "outputTokens" => output_tokens,
    "cost" => cost,
    "createdAt" => created_at,
});

/// Loads the children a list of runs asks for (steps, outputs, inputs, and
/// what those versions ask for in turn) before its items resolve: the
/// steps, outputs and inputs in one statement for the whole list, at any
/// load, as `prime_page` does for versions. `nodes` are the selections the
/// runs resolve under.
pub(crate) async fn prime_runs(
    ctx: &Context<'_>,
    runs: &[&run::Model],
    nodes: &[Lookahead<'_>],
) -> async_graphql::Result<()> {
    prime_children(ctx, runs, nodes, selects(nodes, "steps")).await
}

/// `run(id)`'s children: its steps, read with it (when shown), are kept for
/// their field; its lists are primed as `prime_runs` does.
pub(crate) async fn prime_run(
    ctx: &Context<'_>,
    run: &run::Model,
    steps: Option<Vec<run_step::Model>>,
) -> async_graphql::Result<()> {
    if let Some(steps) = steps {
        feed_steps(loaders(ctx), vec![(run.id, steps)], &[ctx.field()]).await;
    }
    prime_children(ctx, &[run], &[ctx.look_ahead()], false).await
}

/// What a read of runs with their steps selects for `runs` (the fields, an
/// alias each, that a run or runs resolve under): the columns their fields
/// read of the run, and those every `steps` list under them shows.
pub(crate) fn run_shape<'a>(runs: impl IntoIterator<Item = SelectionField<'a>>) -> RunShape {
    let runs: Vec<SelectionField<'a>> = runs.into_iter().collect();
    let run = runs
        .iter()
        .map(|r| columns_shown::<run::Model, _>(r.selection_set(), run_columns_of_field))
        .collect();
    let steps = step_sets(&runs).into_iter().collect();
    RunShape { run, steps }
}

/// Keeps the steps of runs, read with the columns every `steps` list under
/// `runs` shows (`run_shape`), under the key each list's field loads.
pub(crate) async fn feed_steps(
    loaders: &Loaders,
    steps: Vec<(Uuid, Vec<run_step::Model>)>,
    runs: &[SelectionField<'_>],
) {
    feed(loaders, steps, StepsOfRun, &step_sets(runs)).await;
}

/// The columns each `steps` list under `runs` shows, one set per distinct
/// selection.
fn step_sets(runs: &[SelectionField<'_>]) -> Vec<ColumnSet> {
    let mut sets: Vec<ColumnSet> = runs
        .iter()
        .flat_map(|r| r.selection_set())
        .filter(|f| f.name() == "steps")
        .map(|f| step_columns(f.selection_set()))
        .collect();
    sets.sort_unstable();
    sets.dedup();
    sets
}

/// The columns a selection of steps reads of their rows, with those every
/// read of steps selects (`run_rows::step_keys`).
fn step_columns<'a>(fields: impl IntoIterator<Item = SelectionField<'a>>) -> ColumnSet {
    columns_shown::<run_step::Model, _>(fields, step_columns_of_field).with(step_keys())
}

/// The columns of its own row field `field` of `Run` reads (its resolver
/// above, and what the resolver's loaders are keyed by); None for a field
/// that may read any (it then gets the whole row). A test
/// (`lean_runs_and_steps_answer_as_whole_rows`) reads each field alone through a
/// lean read and through a whole row, and compares.
fn run_columns_of_field(field: &str) -> Option<&'static [run::Column]> {
    use run::Column as C;
    Some(match field {
        "__typename" => &[],
        "id" | "output" | "children" | "steps" | "inputs" | "outputs" => &[C::Id],
        "project" => &[C::ProjectId],
        "pipeline" => &[C::Pipeline],
        "status" => &[C::Status],
        "input" => &[C::Input],
        "variables" => &[C::Variables],
        "error" => &[C::Error],
        "model" => &[C::Model],
        "inputTokens" => &[C::InputTokens],
        "outputTokens" => &[C::OutputTokens],
        "cost" => &[C::Cost],
        "parent" => &[C::ParentRunId],
        "createdBy" => &[C::CreatedById, C::CreatedByName, C::CreatedByType],
        "createdAt" => &[C::CreatedAt],
        "startedAt" => &[C::StartedAt],
        "completedAt" => &[C::CompletedAt],
        _ => return None,
    })
}

/// The same for `RunStep`.
fn step_columns_of_field(field: &str) -> Option<&'static [run_step::Column]> {
    use run_step::Column as C;
    Some(match field {
        "__typename" => &[],
        "id" | "output" => &[C::Id],
        "run" => &[C::RunId],
        "order" => &[C::Position],
        "agentId" => &[C::AgentId],
        "agentName" => &[C::AgentName],
        "summary" => &[C::Summary],
        "summaryTokenCount" => &[C::SummaryTokenCount],
        "outputTokenCount" => &[C::OutputTokenCount],
        "model" => &[C::Model],
        "inputTokens" => &[C::InputTokens],
        "outputTokens" => &[C::OutputTokens],
        "cost" => &[C::Cost],
        "createdAt" => &[C::CreatedAt],
        _ => return None,
    })
}

/// The first versions of a run's list (`with_values` or `without_values`,
/// as the field's selection shows values or not), kept for the columns the
/// selection shows (what `prime_children` read, lean).
async fn linked<K, L>(
    ctx: &Context<'_>,
    with_values: K,
    without_values: L,
) -> async_graphql::Result<Vec<Plain<ArtifactVersion>>>
where
    K: ForeignKey<Rows = Vec<version::Model>>,
    L: ForeignKey<Rows = Vec<version::Model>>,
    GraphLoader: Loader<K, Value = Vec<version::Model>, Error = async_graphql::Error>
        + Loader<L, Value = Vec<version::Model>, Error = async_graphql::Error>,
{
    let shown = shown_columns(ctx.field().selection_set());
    let rows = match reads_values(&[ctx.look_ahead()]) {
        true => load(ctx, Showing(with_values, shown)).await?,
        false => load(ctx, Showing(without_values, shown)).await?,
    };
    Ok(bounds::first(rows.unwrap_or_default(), bounds::LIST_ITEMS)
        .into_iter()
        .map(|v| Plain(ArtifactVersion(v)))
        .collect())
}

/// Whether a selection of versions shows their values or annotations (else
/// a run's lists read the versions without them).
fn reads_values(nodes: &[Lookahead<'_>]) -> bool {
    ["value", "annotations", "diff"]
        .iter()
        .any(|f| selects(nodes, f))
}

/// The steps of `runs` (when `steps`) and the outputs and inputs `nodes`
/// ask of them, read in one statement (with values only for a list whose
/// selection shows them), with what each list's selection asks of its
/// versions; the steps and each list are kept under the key their field
/// will load (`linked`).
async fn prime_children(
    ctx: &Context<'_>,
    runs: &[&run::Model],
    nodes: &[Lookahead<'_>],
    steps: bool,
) -> async_graphql::Result<()> {
    let under = |field: &str| -> Vec<Lookahead<'_>> {
        nodes
            .iter()
            .map(|n| n.field(field))
            .filter(|l| l.exists())
            .collect()
    };
    let lists: Vec<(Direction, Vec<Lookahead<'_>>)> = [
        (Direction::Output, under("outputs")),
        (Direction::Input, under("inputs")),
    ]
    .into_iter()
    .filter(|(_, selections)| !selections.is_empty())
    .collect();
    if runs.is_empty() || (lists.is_empty() && !steps) {
        return Ok(());
    }
    let directions: Vec<Direction> = lists.iter().map(|(d, _)| *d).collect();
    let valued: Vec<Direction> = lists
        .iter()
        .filter(|(_, selections)| reads_values(selections))
        .map(|(d, _)| *d)
        .collect();
    // Each alias of each list keeps the rows under the columns it shows;
    // one read holds them all.
    let shown_by: Vec<(Direction, Vec<ColumnSet>)> = lists
        .iter()
        .map(|(direction, selections)| {
            let mut sets: Vec<ColumnSet> = selections
                .iter()
                .flat_map(|l| l.selection_fields())
                .map(|f| shown_columns(f.selection_set()))
                .collect();
            sets.sort_unstable();
            sets.dedup();
            (*direction, sets)
        })
        .collect();
    let shown = shown_by
        .iter()
        .flat_map(|(_, sets)| sets)
        .copied()
        .collect();
    let ids: Vec<Uuid> = runs.iter().map(|r| r.id).collect();
    let loaders = loaders(ctx);
    // The runs' fields (an alias each), whose `steps` lists name the
    // steps' columns read.
    let run_fields: Vec<SelectionField<'_>> =
        nodes.iter().flat_map(|n| n.selection_fields()).collect();
    let step_columns = steps.then(|| step_sets(&run_fields).into_iter().collect());
    let children =
        fetch_run_children(loaders, &ids, step_columns, &directions, &valued, shown).await?;
    if steps {
        feed_steps(loaders, children.steps.into_iter().collect(), &run_fields).await;
    }
    let found = children.lists;
    let primes = lists.iter().map(|(direction, selections)| {
        let mut shown: Vec<&version::Model> = found
            .iter()
            .filter(|((_, d), _)| d == direction)
            .flat_map(|(_, rows)| rows.iter().take(bounds::LIST_ITEMS))
            .collect();
        shown.sort_unstable_by_key(|v| v.id);
        shown.dedup_by_key(|v| v.id);
        async move { prime_versions(ctx, &shown, selections).await }
    });
    futures::future::try_join_all(primes).await?;
    let (mut outputs, mut inputs) = (Vec::new(), Vec::new());
    for ((run, direction), rows) in found {
        match direction {
            Direction::Output => outputs.push((run, rows)),
            Direction::Input => inputs.push((run, rows)),
        }
    }
    let with_values = |d: Direction| valued.contains(&d);
    let sets = |d: Direction| -> &[ColumnSet] {
        shown_by
            .iter()
            .find(|(direction, _)| *direction == d)
            .map_or(&[], |(_, sets)| sets.as_slice())
    };
    let (out_sets, in_sets) = (sets(Direction::Output), sets(Direction::Input));
    match with_values(Direction::Output) {
        true => feed(loaders, outputs, OutputsOfRun, out_sets).await,
        false => feed(loaders, outputs, OutputsOfRunWithoutValues, out_sets).await,
    }
    match with_values(Direction::Input) {
        true => feed(loaders, inputs, InputsOfRun, in_sets).await,
        false => feed(loaders, inputs, InputsOfRunWithoutValues, in_sets).await,
    }
    Ok(())
}

/// Keeps the lists of runs (versions or steps) under key `K`, for each set
/// of columns in `shown` (the rows hold every one of them).
async fn feed<K>(
    loaders: &Loaders,
    lists: Vec<(Uuid, K::Rows)>,
    key: fn(Uuid) -> K,
    shown: &[ColumnSet],
) where
    K: ForeignKey,
    GraphLoader: Loader<Showing<K>, Value = K::Rows>,
{
    let Some((last, others)) = shown.split_last() else {
        return;
    };
    for set in others {
        let keyed = lists
            .iter()
            .map(|(run, rows)| (Showing(key(*run), *set), rows.clone()));
        loaders.feed_many(keyed).await;
    }
    let keyed = lists
        .into_iter()
        .map(|(run, rows)| (Showing(key(run), *last), rows));
    loaders.feed_many(keyed).await;
}
