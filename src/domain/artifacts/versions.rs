//! Artifact versions: creating the next version of a key, and reading them.

use chrono::{DateTime, Utc};
use entity::{
    ActorType, Role, RunArtifactDirection, RunStatus, VersionStatus, artifact_version as version,
    artifact_version_file, file, run_artifact, run_step,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ColumnTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::db::Dialect;
use crate::db::WriteTxn;
use crate::domain::artifacts::search;
use crate::domain::digest::version_digest;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::query::json_filter::{self, JsonPathFilter};
use crate::domain::query::pagination::{
    self, Page, PageArgs, SortKey, SortKind, Total, text_cursor,
};
use crate::domain::schemas;
use crate::domain::write::events;
use crate::domain::write::events::Change;
use crate::domain::write::idempotency::Idempotency;
use crate::domain::write::locks;
use crate::domain::{Session, artifacts::files, check_size, projects, review::policies, validate};

/// The next version of a key; see [`create`]. Serialized (without the key)
/// as the idempotency input.
#[derive(Debug, Clone, Serialize)]
pub struct NewVersion {
    /// The project's public ID.
    pub project_id: String,
    /// The dot-path key the version is of (`brand.palette`).
    pub schema_key: String,
    /// The artifact value, checked against the key's newest schema.
    pub value: Value,
    /// Public IDs of files to link, in order (duplicates linked once).
    pub file_ids: Vec<String>,
    /// The file that stands for the version; linked first if not in `file_ids`.
    pub primary_file_id: Option<String>,
    /// The run that produced the version.
    pub source_run_id: Option<String>,
    /// The step that produced it; implies its run, which must agree with
    /// `source_run_id`.
    pub source_step_id: Option<String>,
    /// Free-form JSON about the version, stored as given; `None`: those of
    /// the base, or else of the key's latest version.
    pub annotations: Option<Value>,
    /// The public ID of the version this one revises, of the same key: the
    /// create is a CONFLICT when the key has a newer version than it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_version_id: Option<String>,
    /// Makes a retried create return the first version.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: Uuid,
}

/// Which of a project's versions [`list`] returns; empty: all. Every
/// condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct VersionFilter {
    /// Only versions in one of these statuses (empty: any).
    pub statuses: Vec<VersionStatus>,
    /// Only keys equal to this dot path or below it (`brand` matches
    /// `brand.logo`, not `brandx`).
    pub schema_key_prefix: Option<String>,
    /// Only this exact key.
    pub schema_key: Option<String>,
    /// Only versions created by actors of one of these types (empty: any).
    pub created_by_types: Vec<ActorType>,
    /// Only versions created at or after this.
    pub created_after: Option<DateTime<Utc>>,
    /// Only versions created before this.
    pub created_before: Option<DateTime<Utc>>,
    /// Only versions made by this run (its public ID).
    pub source_run_id: Option<String>,
    /// Conditions on paths inside the value.
    pub value: Vec<JsonPathFilter>,
    /// Only versions whose value or key has every word of this text (see
    /// `domain::artifacts::search`).
    pub search: Option<String>,
}

impl VersionFilter {
    /// Whether the key filters let versions of `key` through.
    fn admits_key(&self, key: &str) -> bool {
        self.schema_key.as_deref().is_none_or(|k| k == key)
            && self
                .schema_key_prefix
                .as_deref()
                .is_none_or(|prefix| crate::domain::values::within(key, prefix))
    }

    /// Whether only statuses narrow the list (its size is then kept apart).
    fn by_status_only(&self) -> bool {
        self.schema_key.is_none()
            && self.schema_key_prefix.is_none()
            && self.created_by_types.is_empty()
            && self.created_after.is_none()
            && self.created_before.is_none()
            && self.source_run_id.is_none()
            && self.value.is_empty()
            && self.search.is_none()
    }
}

/// What a version list may be ordered by (ties: the version's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOrderField {
    /// When it was created.
    CreatedAt,
    /// Its schema key.
    SchemaKey,
    /// Its number within its key.
    VersionNumber,
}

impl VersionOrderField {
    fn sort_key(self) -> SortKey {
        let (expr, kind) = match self {
            VersionOrderField::CreatedAt => (
                Expr::col((version::Entity, version::Column::CreatedAt)),
                SortKind::Time,
            ),
            VersionOrderField::SchemaKey => (
                Expr::col((version::Entity, version::Column::SchemaKey)),
                SortKind::Text,
            ),
            VersionOrderField::VersionNumber => (
                Expr::col((version::Entity, version::Column::VersionNumber)).cast_as("BIGINT"),
                SortKind::Int,
            ),
        };
        SortKey { expr, kind }
    }
}

/// Creates the key's next version, PENDING review, numbered without gaps,
/// with its file links, run output link and outbox event, in one
/// transaction. WRITER, or REVIEWER for a revision of a base version (people
/// edit what agents made); VALIDATION_FAILED when the value does not match
/// the key's newest schema, NOT_FOUND for a project, file, run, step or base
/// the caller cannot see, INVALID_TRANSITION for a run that failed or was
/// cancelled, CONFLICT when the key has a version newer than the base.
/// Idempotent under `idempotency_key`.
pub async fn create(s: Session<'_>, input: NewVersion) -> DomainResult<version::Model> {
    match input.base_version_id {
        Some(_) => s
            .principal
            .require_one_of(&[Role::Writer, Role::Reviewer])?,
        None => s.principal.require_role(Role::Writer)?,
    }
    validate::schema_key(&input.schema_key)?;
    let value_text =
        serde_json::to_string(&input.value).map_err(|e| DomainError::Internal(e.to_string()))?;
    check_size("artifact value", value_text.len(), s.limits.max_value_bytes)?;
    if let Some(annotations) = &input.annotations {
        let size = serde_json::to_string(annotations)
            .map(|t| t.len())
            .unwrap_or(0);
        check_size("annotations", size, s.limits.max_value_bytes)?;
    }
    let project = projects::require(s, &input.project_id).await?;

    let request = Request::decode(&input)?;

    let idem = Idempotency::new(
        s,
        "createArtifactVersion",
        input.idempotency_key.as_deref(),
        &input,
    )?;
    let (project, request) = (&project, &request);
    idem.run(
        s.db,
        move |txn| async move {
            let model = create_in(s, &txn, project, request).await?;
            let record = Stored { version: model.id };
            Ok((model, record))
        },
        move |txn, stored: Stored| async move {
            crate::domain::query::visible::version(s, &txn, stored.version)
                .await?
                .ok_or_else(|| DomainError::Internal("a stored version is gone".into()))
        },
    )
    .await
}

/// A create request after the checks that need no database: its IDs
/// decoded, its files in order (a primary file not among them first, each
/// once).
struct Request<'a> {
    input: &'a NewVersion,
    files: Vec<(Uuid, String)>,
    primary_file: Option<Uuid>,
    source_run: Option<(Uuid, &'a str)>,
    source_step: Option<(Uuid, &'a str)>,
    base: Option<(Uuid, &'a str)>,
}

impl<'a> Request<'a> {
    fn decode(input: &'a NewVersion) -> DomainResult<Self> {
        let mut files: Vec<(Uuid, String)> = Vec::new();
        let primary = input
            .primary_file_id
            .as_deref()
            .map(|text| ids::decode(IdKind::File, text).map(|id| (id, text.to_owned())))
            .transpose()?;
        if let Some(p) = &primary
            && !input.file_ids.iter().any(|t| t == &p.1)
        {
            files.push(p.clone());
        }
        for text in &input.file_ids {
            let id = ids::decode(IdKind::File, text)?;
            if !files.iter().any(|(f, _)| *f == id) {
                files.push((id, text.clone()));
            }
        }
        if files.len() > crate::domain::bounds::FILES_PER_VERSION {
            return Err(DomainError::validation(format!(
                "a version links at most {} files; this one has {}",
                crate::domain::bounds::FILES_PER_VERSION,
                files.len()
            )));
        }
        let decode_as = |kind, text: &'a Option<String>| {
            text.as_deref()
                .map(|t| ids::decode(kind, t).map(|id| (id, t)))
                .transpose()
        };
        Ok(Request {
            input,
            files,
            primary_file: primary.map(|p| p.0),
            source_run: decode_as(IdKind::Run, &input.source_run_id)?,
            source_step: decode_as(IdKind::Step, &input.source_step_id)?,
            base: decode_as(IdKind::Version, &input.base_version_id)?,
        })
    }
}

/// The creation, step by step, inside its transaction.
async fn create_in(
    s: Session<'_>,
    txn: &WriteTxn,
    project: &entity::project::Model,
    request: &Request<'_>,
) -> DomainResult<version::Model> {
    let input = request.input;
    let run_id = source_run(txn, project.id, request).await?;
    // The rows linked may differ from those asked for (see `files::for_version`):
    // the primary file follows its row, and a row asked for twice is linked once.
    let linked_files = files::for_version(txn, s.principal, project.id, &request.files).await?;
    let primary_file_id = request.primary_file.map(|asked| {
        request
            .files
            .iter()
            .position(|(id, _)| *id == asked)
            .map_or(asked, |i| linked_files[i].id)
    });
    let mut linked: Vec<&file::Model> = Vec::with_capacity(linked_files.len());
    for f in &linked_files {
        if !linked.iter().any(|l| l.id == f.id) {
            linked.push(f);
        }
    }
    let file_digests: Vec<String> = linked.iter().map(|f| f.sha256.clone()).collect();

    let schema_version = schemas::check(txn, &input.schema_key, &input.value).await?;
    locks::schema_key(txn, project.id, &input.schema_key).await?;
    crate::domain::artifacts::generations::check_writer(
        txn,
        project.id,
        &input.schema_key,
        run_id,
        &s.principal.actor,
    )
    .await?;
    let latest = latest_of_key(txn, project.id, &input.schema_key).await?;
    let base = match request.base {
        Some(base) => Some(base_version(txn, project.id, input, base, latest.as_ref()).await?),
        None => None,
    };
    // Annotations survive regeneration: without new ones, the base's (or
    // else the latest version's) carry over.
    let annotations = match (&input.annotations, &base, &latest) {
        (Some(given), _, _) => Some(given.clone()),
        (None, Some(base), _) => base.annotations.clone(),
        (None, None, Some(latest)) => latest.annotations.clone(),
        (None, None, None) => None,
    };
    let number = latest.as_ref().map_or(0, |l| l.version_number) + 1;
    let actor = &s.principal.actor;
    let in_force = policies::in_force(txn, project.id).await?;
    let policy = policies::governing(&in_force, &input.schema_key);
    let model = version::Model {
        id: ids::new_id(),
        project_id: project.id,
        schema_key: input.schema_key.clone(),
        version_number: number,
        status: VersionStatus::Pending,
        digest: version_digest(&input.value, &file_digests),
        value: input.value.clone().into(),
        schema_version,
        annotations,
        primary_file_id,
        source_run_id: run_id,
        source_step_id: request.source_step.map(|(id, _)| id),
        created_by_id: actor.id,
        created_by_name: actor.name.clone(),
        created_by_type: actor.actor_type,
        created_at: Utc::now(),
        reviewed_by_id: None,
        reviewed_by_name: None,
        reviewed_by_type: None,
        reviewed_at: None,
        rejection_reason: None,
        promoted_context_version: None,
        base_version_id: base.map(|b| b.id),
        annotations_revision: 1,
        approval_policy_id: policy.map(|p| p.id),
        archived_key: None,
        rule_outcome: None,
    };
    version::Entity::insert(version::ActiveModel::from(model.clone()))
        .exec(txn)
        .await?;
    link_files(txn, model.id, &linked).await?;
    if let Some(rid) = run_id {
        record_output(txn, rid, model.id).await?;
    }
    // The rule is decided before the creation is announced: a version a rule
    // approves at once never joins the review queue.
    let (model, approve_by) = match policy.zip(policy.and_then(|p| p.auto_approve_when.as_ref())) {
        Some((policy, rule)) => {
            let outcome = evaluate_rule(s, txn, project, rule, &model, run_id).await?;
            let model = record_rule_outcome(txn, model, &outcome).await?;
            (model, outcome.held().then_some(policy))
        }
        None => (model, None),
    };
    events::append(
        txn,
        project.id,
        model.id,
        Change::VersionCreated {
            schema_key: model.schema_key.clone(),
            version_number: number,
            reviewed_on_creation: approve_by.is_some(),
        },
    )
    .await?;
    match approve_by {
        Some(policy) => crate::domain::review::approve_by_rule(txn, policy, model).await,
        None => Ok(model),
    }
}

/// Evaluates a policy's rule for a version just created. The rule reads the
/// value as the project's tier reads it (a rule over a gated field would
/// otherwise tell the project one bit of it per version).
async fn evaluate_rule(
    s: Session<'_>,
    txn: &WriteTxn,
    project: &entity::project::Model,
    rule: &Value,
    model: &version::Model,
    run_id: Option<Uuid>,
) -> DomainResult<policies::RuleOutcome> {
    let run = match run_id {
        Some(id) => entity::run::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let chain = schemas::chain(txn, &model.schema_key).await?;
    let tiers = &s.limits.tiers;
    let tier = crate::domain::tiers::tier_of(project, tiers);
    let value = schemas::view(
        tiers,
        tier,
        &crate::domain::values::tree(model)?,
        model.schema_version,
        None,
        &chain,
    )?;
    let data = serde_json::json!({
        "value": value,
        "version": {
            "schemaKey": model.schema_key,
            "versionNumber": model.version_number,
            "schemaVersion": model.schema_version,
            "createdByType": model.created_by_type.to_value(),
        },
        "run": run.map(|r| serde_json::json!({
            "pipeline": r.pipeline, "model": r.model, "status": r.status.to_value(),
            "inputTokens": r.input_tokens, "outputTokens": r.output_tokens,
        })),
        "actor": { "name": model.created_by_name, "type": model.created_by_type.to_value() },
    });
    Ok(policies::evaluate(rule, data))
}

/// Writes what the rule came to on the version, its audit of the rule.
async fn record_rule_outcome(
    txn: &WriteTxn,
    model: version::Model,
    outcome: &policies::RuleOutcome,
) -> DomainResult<version::Model> {
    let described = outcome.describe();
    version::Entity::update_many()
        .col_expr(version::Column::RuleOutcome, Expr::value(described.clone()))
        .filter(version::Column::Id.eq(model.id))
        .exec(txn)
        .await?;
    Ok(version::Model {
        rule_outcome: Some(described),
        ..model
    })
}

/// The version a revision names as its base: of the project and the key,
/// and still the key's newest version (optimistic locking on edits).
async fn base_version(
    txn: &WriteTxn,
    project_id: Uuid,
    input: &NewVersion,
    (id, text): (Uuid, &str),
    latest: Option<&Latest>,
) -> DomainResult<Latest> {
    let found: Option<(Uuid, Uuid, String, i32, Option<Value>)> = version::Entity::find_by_id(id)
        .select_only()
        .columns([
            version::Column::Id,
            version::Column::ProjectId,
            version::Column::SchemaKey,
            version::Column::VersionNumber,
            version::Column::Annotations,
        ])
        .into_tuple()
        .one(txn)
        .await?;
    let (id, _, schema_key, version_number, annotations) = found
        .filter(|b| b.1 == project_id)
        .ok_or_else(|| DomainError::not_found(IdKind::Version, text))?;
    if schema_key != input.schema_key {
        return Err(DomainError::validation(format!(
            "base version {text} is of {schema_key}, not {}",
            input.schema_key
        )));
    }
    if let Some(latest) = latest.filter(|l| l.version_number > version_number) {
        return Err(DomainError::conflict(format!(
            "{} has version {}, newer than the base (version {version_number}): read it and revise that",
            input.schema_key, latest.version_number
        )));
    }
    Ok(Latest {
        id,
        version_number,
        annotations,
    })
}

/// The run that made the version: the source step names its run, and a
/// given run must agree with it; either must be in the project, and not
/// FAILED or CANCELLED (a failed generation never reaches review). The run
/// is locked until the transaction ends, so that it cannot close meanwhile.
async fn source_run(
    txn: &WriteTxn,
    project_id: Uuid,
    request: &Request<'_>,
) -> DomainResult<Option<Uuid>> {
    let mut run_id = request.source_run.map(|(id, _)| id);
    if let Some((step_id, text)) = request.source_step {
        let step = run_step::Entity::find_by_id(step_id).one(txn).await?;
        let step = step.ok_or_else(|| DomainError::not_found(IdKind::Step, text))?;
        match run_id {
            Some(r) if r != step.run_id => {
                return Err(DomainError::validation(format!(
                    "source step {text} is not a step of the source run"
                )));
            }
            _ => run_id = Some(step.run_id),
        }
    }
    if let Some(rid) = run_id {
        let text = request
            .source_run
            .map(|(_, t)| t.to_owned())
            .unwrap_or_else(|| ids::encode(IdKind::Run, rid));
        let run = locks::run_in_project(txn, project_id, rid, &text).await?;
        if matches!(run.status, RunStatus::Failed | RunStatus::Cancelled) {
            return Err(DomainError::InvalidTransition {
                kind: "run",
                action: "add a version to",
                from: run.status.to_value(),
            });
        }
    }
    Ok(run_id)
}

/// Links the files to the version, in order.
async fn link_files(txn: &WriteTxn, version_id: Uuid, linked: &[&file::Model]) -> DomainResult<()> {
    if linked.is_empty() {
        return Ok(());
    }
    let links = linked
        .iter()
        .enumerate()
        .map(|(sort, f)| artifact_version_file::ActiveModel {
            version_id: Set(version_id),
            sort: Set(sort as i32),
            file_id: Set(f.id),
        });
    artifact_version_file::Entity::insert_many(links)
        .exec(txn)
        .await?;
    Ok(())
}

/// Lists the version among the run's outputs, last.
async fn record_output(txn: &WriteTxn, run_id: Uuid, version_id: Uuid) -> DomainResult<()> {
    // The next position: one index probe, however many outputs the run has.
    let highest: Option<Option<i32>> = run_artifact::Entity::find()
        .select_only()
        .column_as(run_artifact::Column::Sort.max(), "highest")
        .filter(run_artifact::Column::RunId.eq(run_id))
        .filter(run_artifact::Column::Direction.eq(RunArtifactDirection::Output))
        .into_tuple()
        .one(txn)
        .await?;
    run_artifact::Entity::insert(run_artifact::ActiveModel {
        run_id: Set(run_id),
        version_id: Set(version_id),
        direction: Set(RunArtifactDirection::Output),
        sort: Set(highest.flatten().map_or(0, |h| h + 1)),
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// What a create needs of the key's newest version, or of a base.
struct Latest {
    id: Uuid,
    version_number: i32,
    annotations: Option<Value>,
}

/// The key's newest version, read under the key's lock: the next number is
/// one more than its number, so numbers have no gaps. On PostgreSQL an
/// advisory lock on the key serialises creators of the same key (SQLite's
/// IMMEDIATE transactions already serialise all writers); the unique index
/// stays the last line of defence, with a retry above.
async fn latest_of_key(
    txn: &WriteTxn,
    project_id: Uuid,
    schema_key: &str,
) -> DomainResult<Option<Latest>> {
    let found: Option<(Uuid, i32, Option<Value>)> = version::Entity::find()
        .select_only()
        .columns([
            version::Column::Id,
            version::Column::VersionNumber,
            version::Column::Annotations,
        ])
        .filter(version::Column::ProjectId.eq(project_id))
        .filter(version::Column::SchemaKey.eq(schema_key))
        .order_by_desc(version::Column::VersionNumber)
        .limit(1)
        .into_tuple()
        .one(txn)
        .await?;
    Ok(found.map(|(id, version_number, annotations)| Latest {
        id,
        version_number,
        annotations,
    }))
}

/// The version with `id`, or `None` when absent or out of the caller's scope.
pub async fn by_id(s: Session<'_>, id: Uuid) -> DomainResult<Option<version::Model>> {
    crate::domain::query::visible::version(s, &s.db.conn, id).await
}

fn filtered(
    dialect: Dialect,
    project_id: Uuid,
    filter: &VersionFilter,
) -> DomainResult<sea_orm::Select<version::Entity>> {
    let mut select = version::Entity::find().filter(version::Column::ProjectId.eq(project_id));
    if !filter.created_by_types.is_empty() {
        select =
            select.filter(version::Column::CreatedByType.is_in(filter.created_by_types.clone()));
    }
    validate::date("createdAfter", filter.created_after)?;
    validate::date("createdBefore", filter.created_before)?;
    if let Some(after) = filter.created_after {
        select = select.filter(version::Column::CreatedAt.gte(after));
    }
    if let Some(before) = filter.created_before {
        select = select.filter(version::Column::CreatedAt.lt(before));
    }
    if let Some(run) = &filter.source_run_id {
        let run = ids::decode(IdKind::Run, run)?;
        select = select.filter(version::Column::SourceRunId.eq(run));
    }
    if !filter.value.is_empty() {
        select = select.filter(json_filter::all_of(
            dialect,
            "\"artifact_versions\".\"value\"",
            &filter.value,
        )?);
    }
    if !filter.statuses.is_empty() {
        select = select.filter(version::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(key) = &filter.schema_key {
        select = select.filter(version::Column::SchemaKey.eq(key));
    }
    if let Some(prefix) = &filter.schema_key_prefix {
        select = select.filter(key_prefix_condition(prefix)?);
    }
    if let Some(text) = &filter.search {
        select = search::matching(dialect, select, &search::words(text)?).0;
    }
    Ok(select)
}

/// Keys equal to the prefix or below it (`brand` matches `brand.logo`, not `brandx`).
pub(crate) fn key_prefix_condition(prefix: &str) -> DomainResult<sea_orm::Condition> {
    validate::schema_key_prefix(prefix)?;
    let prefix = prefix.trim_end_matches('.');
    // Segments hold no LIKE wildcards except `_`, which must be escaped.
    let escaped = prefix.replace('_', "\\_");
    Ok(sea_orm::Condition::any()
        .add(version::Column::SchemaKey.eq(prefix))
        .add(sea_orm::sea_query::ExprTrait::like(
            sea_orm::sea_query::Expr::col(version::Column::SchemaKey),
            sea_orm::sea_query::LikeExpr::new(format!("{escaped}.%")).escape('\\'),
        )))
}

/// A project's versions in `order` of `field` (none: newest first, or
/// oldest first with `Order::Asc`), ties broken by id in the same direction.
pub async fn list(
    s: Session<'_>,
    project_id: Uuid,
    filter: &VersionFilter,
    field: Option<VersionOrderField>,
    order: Order,
    args: &PageArgs,
) -> DomainResult<Page<version::Model>> {
    let mut select = filtered(s.db.dialect(), project_id, filter)?;
    // Filters and search reach only what the project's tier reads.
    if !filter.value.is_empty() || filter.search.is_some() {
        let gated = crate::domain::schemas::tier_reach::load(&s.db.conn).await?;
        if !gated.is_empty() {
            let tiers = &s.limits.tiers;
            let tier = crate::domain::schemas::tier_reach::project_tier(s, project_id).await?;
            gated.check_value_filters(tiers, &tier, |key| filter.admits_key(key), &filter.value)?;
            let hidden = gated.keys_above(tiers, &tier);
            if filter.search.is_some() && !hidden.is_empty() {
                select = select.filter(version::Column::SchemaKey.is_not_in(hidden));
            }
        }
    }
    // By status alone, the project's kept counts say how many.
    let total = if filter.by_status_only() {
        Total::Kept(Box::new(crate::domain::write::version_counts::total(
            project_id,
            &filter.statuses,
        )))
    } else {
        Total::Rows
    };
    // Value conditions match few rows or many by their operands alone.
    let conn = if filter.value.is_empty() && filter.search.is_none() {
        &s.db.conn
    } else {
        s.db.value_planned()
    };
    pagination::sorted(
        conn,
        select,
        total,
        field.map(VersionOrderField::sort_key),
        version::Column::Id,
        order,
        |v| v.id,
        args,
    )
    .await
}

/// The schema keys of a project that have at least one version, in key order.
pub async fn keys(
    s: Session<'_>,
    project_id: Uuid,
    schema_key_prefix: Option<&str>,
    args: &PageArgs,
) -> DomainResult<Page<String>> {
    let filter = VersionFilter {
        schema_key_prefix: schema_key_prefix.map(str::to_owned),
        ..Default::default()
    };
    let base = filtered(s.db.dialect(), project_id, &filter)?
        .select_only()
        .column(version::Column::SchemaKey)
        .distinct();
    let total_count = if args.with_total {
        Some(base.clone().count(&s.db.conn).await?)
    } else {
        None
    };
    let after = args.after_text()?;
    let mut page = base;
    if let Some(after) = &after {
        page = page.filter(version::Column::SchemaKey.gt(after.clone()));
    }
    let mut keys: Vec<String> = page
        .order_by_asc(version::Column::SchemaKey)
        .limit(args.first + 1)
        .into_tuple()
        .all(&s.db.conn)
        .await?;
    let has_next_page = keys.len() as u64 > args.first;
    keys.truncate(args.first as usize);
    Ok(Page {
        items: keys.into_iter().map(|k| (text_cursor(&k), k)).collect(),
        has_next_page,
        has_previous_page: after.is_some(),
        total_count,
    })
}

/// The newest version of a key, if the key has any.
pub async fn latest(
    s: Session<'_>,
    project_id: Uuid,
    schema_key: &str,
) -> DomainResult<Option<version::Model>> {
    Ok(version::Entity::find()
        .filter(version::Column::ProjectId.eq(project_id))
        .filter(version::Column::SchemaKey.eq(schema_key))
        .order_by_desc(version::Column::VersionNumber)
        .one(&s.db.conn)
        .await?)
}
