use crate::domain::bounds;
use crate::graphql::scalars::{Json, RawJson};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::artifact_version as version;
use entity::rows::ColumnSet;
use serde_json::Value;

use super::run::{feed_steps, run_shape};
use super::{
    Actor, AnnotationRevision, Approval, ApprovalPolicy, ApprovalProgress, File, LineageEntry,
    Project, Run, RunStep, VersionStatusGql, gid, load, selects,
};
use crate::domain::ids::{self, IdKind};
use crate::domain::query::run_rows::RunShape;
use crate::domain::{artifacts::files, artifacts::versions, schemas};
use crate::graphql::context::{loaders, session};
use crate::graphql::error::ApiResult;
use crate::graphql::loaders::{
    AnnotationRevisionsOfVersion, ApprovalsOfVersion, ArchivedValue, ConsumersOfVersion, FileById,
    FilesOfVersion, KeyRef, PolicyById, ProjectById, RevisionsOfVersion, RunById, RunWithSteps,
    SchemasOfKey, StepById, VersionById, VersionByNumber,
};
use crate::graphql::loaders::{ChildParts, prime, prime_runs_with_steps, prime_version_children};
use crate::graphql::plain::Plain;

pub(crate) struct ArtifactVersion(pub version::Model);

impl ArtifactVersion {
    async fn load_previous(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<version::Model>> {
        if self.0.version_number <= 1 {
            return Ok(None);
        }
        let key = KeyRef {
            project_id: self.0.project_id,
            schema_key: self.0.schema_key.clone(),
        };
        load(ctx, VersionByNumber(key, self.0.version_number - 1)).await
    }
}

/// One version of an artifact: an immutable JSON value (plus files) under a
/// schema key of a project, numbered per key, with where it came from and
/// where it is in review. createArtifactVersion makes it PENDING; reviewers
/// approve, reject or request changes; approved values can be promoted into
/// the project context.
#[Object]
impl ArtifactVersion {
    /// The version's global ID (`ver_...`).
    pub async fn id(&self) -> ID {
        gid(IdKind::Version, self.0.id)
    }
    /// The project the version belongs to.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        load(ctx, ProjectById(self.0.project_id))
            .await?
            .map(Project)
            .ok_or_else(|| "the version's project is missing".into())
    }
    /// The schema key, a dot path such as `brand.palette`: where the value
    /// goes in the project context when promoted.
    async fn schema_key(&self) -> &str {
        &self.0.schema_key
    }
    /// 1, 2, 3, ... per (project, schemaKey), with no gaps and no duplicates.
    async fn version_number(&self) -> i32 {
        self.0.version_number
    }
    /// Where the version is in review.
    async fn status(&self) -> VersionStatusGql {
        self.0.status.into()
    }
    /// The value, upgraded through the schema's upgrade patches when `asSchemaVersion` is newer than `schemaVersion`, with the fields above the project's tier left out.
    /// As created otherwise (at most QUIRE_MAX_VALUE_BYTES, 256 KiB by default); the digest is always the full value's.
    async fn value(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Read the value in this schema version's shape (at least `schemaVersion`, at most the key's newest; else VALIDATION_FAILED); omitted: its own."
        )]
        as_schema_version: Option<i32>,
    ) -> async_graphql::Result<RawJson> {
        let v = &self.0;
        if v.archived_key.is_none()
            && !v.value.is_unread()
            && as_schema_version.is_none()
            && !schemas::chain_is_gated(&schema_chain(ctx, v).await?)
        {
            // As stored: sent on as its text, never parsed.
            return Ok(RawJson(v.value.clone()));
        }
        let shown = visible_value(ctx, v, as_schema_version).await?;
        Ok(RawJson(entity::JsonText::from_value(&shown)))
    }
    /// Whether retention has dropped the value (the digest, the audit trail and the row stay).
    /// The value then lives compressed in the object store, and `value` reads it back.
    async fn archived(&self) -> bool {
        self.0.archived_key.is_some()
    }
    /// The version of the JSON schema the value was validated against, if one was registered.
    async fn schema_version(&self) -> Option<i32> {
        self.0.schema_version
    }
    /// Free-form notes about the value (createArtifactVersion's annotations,
    /// inherited from the base or the key's latest version when none were
    /// sent, then replaced by setAnnotations), if any; not part of the digest.
    async fn annotations(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Json>> {
        if self.0.value.is_unread() {
            // Read in a list that left values (and annotations) out.
            return Ok(full_row(ctx, &self.0).await?.annotations.map(Json));
        }
        Ok(self.0.annotations.clone().map(Json))
    }
    /// What the approval rule of the policy governing the version came to
    /// when it was created: "held" (the rule approved it), "did not hold",
    /// or "did not hold: ..." with the reason it failed or was not run (a
    /// rule using an operator approval rules do not allow). Null when no
    /// rule applied.
    async fn rule_outcome(&self) -> Option<&str> {
        self.0.rule_outcome.as_deref()
    }
    /// Starts at 1; each setAnnotations adds one. setAnnotations must name
    /// the revision it read (expectedRevision).
    async fn annotations_revision(&self) -> i32 {
        self.0.annotations_revision
    }
    /// The version this one revises (createArtifactVersion's baseVersionId:
    /// a new attempt after feedback, or an edit), if any.
    async fn base(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactVersion>> {
        match self.0.base_version_id {
            Some(id) => Ok(load(ctx, VersionById(id)).await?.map(ArtifactVersion)),
            None => Ok(None),
        }
    }
    /// Versions made from this one with baseVersionId, oldest first (the
    /// first 100).
    #[graphql(complexity = "bounds::REVISIONS_PER_VERSION * child_complexity")]
    async fn revisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ArtifactVersion>> {
        let rows = load(ctx, RevisionsOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::REVISIONS_PER_VERSION)
            .into_iter()
            .map(ArtifactVersion)
            .collect())
    }
    /// SHA-256 (64 lowercase hex digits) over the canonical value (object keys
    /// sorted, no whitespace) and the linked files' SHA-256s in order: equal
    /// content, equal digest, whatever the key order sent.
    ///
    /// A project whose tier does not reach a gated field gets the digest of
    /// what it reads instead (the value without the gated fields, and the
    /// same files): equal digests still mean equal content within a tier,
    /// and gated content cannot be found by hashing guesses.
    async fn digest(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let v = &self.0;
        if !schemas::chain_is_gated(&schema_chain(ctx, v).await?) {
            return Ok(v.digest.clone());
        }
        let stored = stored_value(ctx, v).await?;
        let shown = view_of(ctx, v, stored.clone(), None).await?;
        if shown == stored {
            return Ok(v.digest.clone());
        }
        let files = load(ctx, FilesOfVersion(v.id)).await?.unwrap_or_default();
        let shas: Vec<String> = files.into_iter().map(|f| f.sha256).collect();
        Ok(crate::domain::digest::version_digest(&shown, &shas))
    }
    // A version links files of its own project only (`files::for_version`);
    // `can_see` keeps it so should a row ever say otherwise.
    /// The file that is the version's main content, if one was named
    /// (primaryFileId); it is also among `files`.
    async fn primary_file(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<File>> {
        let Some(id) = self.0.primary_file_id else {
            return Ok(None);
        };
        let principal = session(ctx).principal;
        Ok(load(ctx, FileById(id))
            .await?
            .filter(|f| files::can_see(principal, f))
            .map(File))
    }
    /// The linked files in the order given (a primary file not among fileIds
    /// first); at most 20.
    #[graphql(complexity = "bounds::FILES_PER_VERSION * child_complexity")]
    async fn files(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Plain<File>>> {
        let principal = session(ctx).principal;
        let rows = load(ctx, FilesOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::FILES_PER_VERSION)
            .into_iter()
            .filter(|f| files::can_see(principal, f))
            .map(|f| Plain(File(f)))
            .collect())
    }
    /// The run that produced the version (sourceRunId, or the run of
    /// sourceStepId), if one was named.
    async fn source_run(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Run>>> {
        let Some(id) = self.0.source_run_id else {
            return Ok(None);
        };
        if !ctx.look_ahead().field("steps").exists() {
            return Ok(load(ctx, RunById(id)).await?.map(|r| Plain(Run(r))));
        }
        // The steps are asked for too: load them with the run (the columns
        // their fields show), and hand them to the steps loader so that
        // `Run.steps` costs no statement.
        let shape = run_shape([ctx.field()]);
        let Some((run, steps)) = load(ctx, RunWithSteps(id, shape)).await? else {
            return Ok(None);
        };
        feed_steps(loaders(ctx), vec![(id, steps)], &[ctx.field()]).await;
        Ok(Some(Plain(Run(run))))
    }
    /// The run step that produced the version, if one was named.
    async fn source_step(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RunStep>> {
        match self.0.source_step_id {
            Some(id) => Ok(load(ctx, StepById(id)).await?.map(RunStep)),
            None => Ok(None),
        }
    }
    /// The token that created the version.
    async fn created_by(&self) -> Plain<Actor> {
        Plain(Actor::new(
            self.0.created_by_id,
            &self.0.created_by_name,
            self.0.created_by_type,
        ))
    }
    /// When the version was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The reviewer who moved the version out of PENDING; null while PENDING.
    async fn reviewed_by(&self) -> Option<Plain<Actor>> {
        match (
            self.0.reviewed_by_id,
            &self.0.reviewed_by_name,
            self.0.reviewed_by_type,
        ) {
            (Some(id), Some(name), Some(t)) => Some(Plain(Actor::new(id, name, t))),
            _ => None,
        }
    }
    /// When it was reviewed; null while PENDING.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    /// The reason given to rejectVersion; null unless REJECTED.
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }
    /// Whether this version's value is in the project's context now.
    async fn promoted(&self) -> bool {
        self.0.promoted_context_version.is_some()
    }
    /// The version numbered one less of the same key; null for version 1.
    async fn previous(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactVersion>> {
        Ok(self.load_previous(ctx).await?.map(ArtifactVersion))
    }
    /// RFC 6902 JSON Patch from `against` (default: the previous version) to this version.
    async fn diff(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The version to diff from (any key; NOT_FOUND if not visible); omitted: the previous version, or null for version 1 (the patch then replaces the whole document)."
        )]
        against: Option<ID>,
    ) -> async_graphql::Result<Json> {
        let base = match against {
            Some(id) => {
                let uuid = ids::decode(IdKind::Version, &id).api()?;
                let found = versions::by_id(session(ctx), uuid).await.api()?;
                let found = found.ok_or_else(|| {
                    crate::graphql::error::to_graphql(crate::domain::DomainError::not_found(
                        IdKind::Version,
                        id.to_string(),
                    ))
                })?;
                Some(found)
            }
            None => self.load_previous(ctx).await?,
        };
        let base = match base {
            Some(base) => visible_value(ctx, &base, None).await?,
            None => Value::Null,
        };
        let patch = json_patch::diff(&base, &visible_value(ctx, &self.0, None).await?);
        Ok(Json(serde_json::to_value(patch)?))
    }
    /// The version's audit trail, oldest first: its review, a supersession,
    /// promotions; at most 10.
    #[graphql(complexity = "bounds::APPROVALS_PER_VERSION * child_complexity")]
    async fn approvals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Plain<Approval>>> {
        let rows = load(ctx, ApprovalsOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::APPROVALS_PER_VERSION)
            .into_iter()
            .map(|a| Plain(Approval(a)))
            .collect())
    }
    /// Where the version's review stands against the policy that governed it
    /// when it was created: approvals counted (each actor once), still
    /// needed, actor types still required, and the policy.
    async fn approval_progress(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ApprovalProgress> {
        let policy = match self.0.approval_policy_id {
            Some(id) => load(ctx, PolicyById(id)).await?,
            None => None,
        };
        let votes: Vec<(uuid::Uuid, entity::ActorType)> = load(ctx, ApprovalsOfVersion(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.action == entity::ReviewAction::Approve)
            .map(|a| (a.actor_id, a.actor_type))
            .collect();
        let progress = crate::domain::review::policies::progress(policy.as_ref(), &votes);
        Ok(ApprovalProgress {
            policy: policy.map(ApprovalPolicy),
            required_approvals: progress.required,
            approvals: progress.approvals,
            still_needed: progress.still_needed,
            missing_actor_types: progress.missing_types.into_iter().map(Into::into).collect(),
            rule_outcome: self.0.rule_outcome.clone(),
        })
    }
    /// Every setAnnotations of this version, oldest first (the latest 100):
    /// the revision each made, what it set, who and when.
    #[graphql(complexity = "bounds::REVISIONS_PER_VERSION * child_complexity")]
    async fn annotation_history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AnnotationRevision>> {
        let rows = load(ctx, AnnotationRevisionsOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        let skip = rows.len().saturating_sub(bounds::REVISIONS_PER_VERSION);
        Ok(rows
            .into_iter()
            .skip(skip)
            .map(AnnotationRevision)
            .collect())
    }
    /// What this version came from: the versions its source run read, and
    /// what theirs read, up to `depth` runs upstream (one query per level);
    /// each version once, at its nearest depth; at most 100 entries.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn lineage(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 3,
            desc = "How many runs upstream to walk: 1 to 10, else VALIDATION_FAILED."
        )]
        depth: i32,
    ) -> async_graphql::Result<Vec<LineageEntry>> {
        let s = session(ctx);
        let upstream = crate::domain::artifacts::lineage::upstream(s, &self.0, depth)
            .await
            .api()?;
        let mut out = Vec::with_capacity(upstream.len());
        for u in bounds::first(upstream, bounds::LIST_ITEMS) {
            let run = load(ctx, RunById(u.via_run))
                .await?
                .ok_or("a lineage run is missing")?;
            out.push(LineageEntry {
                depth: u.depth,
                run: Run(run),
                version: ArtifactVersion(u.version),
            });
        }
        Ok(out)
    }

    /// Runs that read this version: the first 100.
    #[graphql(complexity = "bounds::LIST_ITEMS * child_complexity")]
    async fn consumers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Run>> {
        let rows = load(ctx, ConsumersOfVersion(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(bounds::first(rows, bounds::LIST_ITEMS)
            .into_iter()
            .map(Run)
            .collect())
    }
}

/// Loads the children a page of versions asks for (files, approvals, the
/// source run with or without its steps) before its items resolve: one
/// statement per relation for the whole page, at any load. Left to each
/// item's field, a relation is batched only as far as the items reach the
/// loader within its delay, which under load splits it into pieces.
pub(crate) async fn prime_page(
    ctx: &Context<'_>,
    page: &crate::domain::query::pagination::Page<version::Model>,
) -> async_graphql::Result<()> {
    let look = ctx.look_ahead();
    let versions: Vec<&version::Model> = page.items.iter().map(|(_, v)| v).collect();
    prime_versions(ctx, &versions, &[look.field("edges").field("node")]).await
}

/// The same for one version read by ID (`artifactVersion`): its children
/// are read at once, side by side, instead of each waiting out the
/// loader's batching delay for keys that no other item will add.
pub(crate) async fn prime_version(
    ctx: &Context<'_>,
    version: &version::Model,
) -> async_graphql::Result<()> {
    prime_versions(ctx, &[version], &[ctx.look_ahead()]).await
}

/// Primes the relations of `versions` that any of `nodes` (the selections
/// the versions resolve under) asks for, concurrently.
pub(crate) async fn prime_versions(
    ctx: &Context<'_>,
    versions: &[&version::Model],
    nodes: &[async_graphql::Lookahead<'_>],
) -> async_graphql::Result<()> {
    if versions.is_empty() {
        return Ok(());
    }
    let asks = |field: &str| selects(nodes, field);
    let sources: Vec<_> = nodes.iter().map(|n| n.field("sourceRun")).collect();
    let asks_steps = selects(&sources, "steps");
    // Each `sourceRun` field loads its run with the columns it shows.
    let mut run_shapes: Vec<RunShape> = sources
        .iter()
        .flat_map(|s| s.selection_fields())
        .map(|f| run_shape([f]))
        .collect();
    run_shapes.sort_unstable();
    run_shapes.dedup();
    let mut runs: Vec<uuid::Uuid> = versions.iter().filter_map(|v| v.source_run_id).collect();
    runs.sort_unstable();
    runs.dedup();
    let loaders = loaders(ctx);
    // What a value reads as depends on its key's schemas (tier gating).
    let mut schema_keys: Vec<String> = match asks("value") || asks("digest") || asks("diff") {
        true => versions.iter().map(|v| v.schema_key.clone()).collect(),
        false => Vec::new(),
    };
    schema_keys.sort_unstable();
    schema_keys.dedup();
    // Files, approvals and schemas share one statement.
    let ids: Vec<uuid::Uuid> = versions.iter().map(|v| v.id).collect();
    let parts = ChildParts {
        files: asks("files"),
        approvals: asks("approvals"),
        schema_keys: &schema_keys,
    };
    let children = prime_version_children(loaders, &ids, parts);
    let source_runs = async {
        match (asks("sourceRun"), asks_steps) {
            (true, true) => prime_runs_with_steps(loaders, runs.iter().copied(), &run_shapes).await,
            (true, false) => prime(loaders, runs.iter().map(|id| RunById(*id))).await,
            _ => Ok(()),
        }
    };
    futures::try_join!(children, source_runs)?;
    Ok(())
}

/// The value as stored, read back from the object store when retention
/// archived it.
async fn stored_value(ctx: &Context<'_>, v: &version::Model) -> async_graphql::Result<Value> {
    match &v.archived_key {
        Some(key) => Ok(load(ctx, ArchivedValue(key.clone()))
            .await?
            .ok_or("an archived value is missing from the object store")?),
        None if v.value.is_unread() => crate::domain::values::tree(&full_row(ctx, v).await?).api(),
        None => crate::domain::values::tree(v).api(),
    }
}

/// The whole row of a version read in a list that left its value and
/// annotations out (`JsonText::unread`), by id (batched).
async fn full_row(ctx: &Context<'_>, v: &version::Model) -> async_graphql::Result<version::Model> {
    load(ctx, VersionById(v.id))
        .await?
        .ok_or_else(|| "the version is missing".into())
}

/// Every schema of the version's key, oldest first (batched).
async fn schema_chain(
    ctx: &Context<'_>,
    v: &version::Model,
) -> async_graphql::Result<Vec<entity::artifact_schema::Model>> {
    Ok(load(ctx, SchemasOfKey(v.schema_key.clone()))
        .await?
        .unwrap_or_default())
}

/// What the caller's view of a version's value is (`schemas::view`), read
/// back from the object store when retention archived it: as
/// schema version `as_version` (none: its own), without what its project's
/// tier does not reach. A value stored without a schema and read as itself
/// needs no read; otherwise the key's schemas come through a loader, and
/// the project (for its tier) only when a schema gates by tier.
pub(crate) async fn visible_value(
    ctx: &Context<'_>,
    v: &version::Model,
    as_version: Option<i32>,
) -> async_graphql::Result<Value> {
    view_of(ctx, v, stored_value(ctx, v).await?, as_version).await
}

/// [`visible_value`] of a value already read (`stored`).
async fn view_of(
    ctx: &Context<'_>,
    v: &version::Model,
    stored: Value,
    as_version: Option<i32>,
) -> async_graphql::Result<Value> {
    let chain = schema_chain(ctx, v).await?;
    let gated = schemas::chain_is_gated(&chain);
    if as_version.is_none() && !gated {
        return Ok(stored);
    }
    let tiers = &session(ctx).limits.tiers;
    let project = match gated {
        true => load(ctx, ProjectById(v.project_id)).await?,
        false => None,
    };
    let tier = project
        .as_ref()
        .map_or(tiers.lowest(), |p| crate::domain::tiers::tier_of(p, tiers));
    schemas::view(tiers, tier, &stored, v.schema_version, as_version, &chain).api()
}

/// The columns a selection of versions reads from their rows (`fields`,
/// each alias of the list in turn): what a lean read of the list must
/// select (see `loaders::Showing`). Any field this does not know reads the
/// whole row.
pub(crate) fn shown_columns<'a>(
    fields: impl IntoIterator<Item = async_graphql::SelectionField<'a>>,
) -> ColumnSet {
    super::columns_shown::<version::Model, _>(fields, columns_of_field)
}

/// The columns of its own row field `field` of `ArtifactVersion` reads
/// (its resolver above, and what the resolver's loaders are keyed by);
/// None for a field that may read any (it then gets the whole row). A test
/// (`lean_lists_answer_as_whole_rows`) reads each field alone through a
/// lean list and through a whole row, and compares.
fn columns_of_field(field: &str) -> Option<&'static [version::Column]> {
    use version::Column as C;
    // What a value reads as: archived or not, its key's schemas (tier
    // gating, upgrades), its project's tier.
    const VALUE: &[version::Column] = &[
        C::Value,
        C::ArchivedKey,
        C::SchemaKey,
        C::SchemaVersion,
        C::ProjectId,
    ];
    const DIGEST: &[version::Column] = &[
        C::Digest,
        C::ArchivedKey,
        C::SchemaKey,
        C::SchemaVersion,
        C::ProjectId,
    ];
    Some(match field {
        "__typename" => &[],
        "id" | "files" | "approvals" => &[C::Id],
        "project" => &[C::ProjectId],
        "schemaKey" => &[C::SchemaKey],
        "versionNumber" => &[C::VersionNumber],
        "status" => &[C::Status],
        "value" => VALUE,
        "archived" => &[C::ArchivedKey],
        "schemaVersion" => &[C::SchemaVersion],
        "annotations" => &[C::Value, C::Annotations],
        "ruleOutcome" => &[C::RuleOutcome],
        "annotationsRevision" => &[C::AnnotationsRevision],
        "digest" => DIGEST,
        "primaryFile" => &[C::PrimaryFileId],
        "sourceRun" => &[C::SourceRunId],
        "sourceStep" => &[C::SourceStepId],
        "createdBy" => &[C::CreatedById, C::CreatedByName, C::CreatedByType],
        "createdAt" => &[C::CreatedAt],
        "reviewedBy" => &[C::ReviewedById, C::ReviewedByName, C::ReviewedByType],
        "reviewedAt" => &[C::ReviewedAt],
        "rejectionReason" => &[C::RejectionReason],
        "promoted" => &[C::PromotedContextVersion],
        _ => return None,
    })
}

crate::graphql::plain::plain_fields!(ArtifactVersion {
    "id" => id,
    "schemaKey" => schema_key,
    "versionNumber" => version_number,
    "status" => status,
    "archived" => archived,
    "schemaVersion" => schema_version,
    "annotations" => annotations,
    "ruleOutcome" => rule_outcome,
    "annotationsRevision" => annotations_revision,
    "createdBy" => created_by,
    "createdAt" => created_at,
    "reviewedBy" => reviewed_by,
    "reviewedAt" => reviewed_at,
    "rejectionReason" => rejection_reason,
    "promoted" => promoted,
});
