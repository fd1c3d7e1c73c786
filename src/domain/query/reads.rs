//! The batched reads behind nested fields: each answers many keys with one
//! statement (or one per project, for schema keys), so that a nested page
//! costs a fixed number of statements whatever its size. `graphql::loaders`
//! adapts them to DataLoaders.
//!
//! They live in one module rather than next to the entities they read: most
//! of them are one generic read, [`by_foreign_key`], whose relations span
//! the entities, and none of them applies a rule. They check no visibility:
//! each reads below a row its caller has already let the client see (the
//! files of a version, the steps of a run), and the caller keeps whatever
//! check its field makes (`files::can_see`). One batched read stays with its
//! entity: `run_rows::runs_with_steps` shares the run columns' helper with the
//! run lists.

use entity::rows::{ColumnSet, FromColumns, FromRow};
use std::any::TypeId;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::LazyLock;

use entity::{
    RunArtifactDirection, VersionStatus, annotation_revision, approval, approval_policy,
    artifact_schema, artifact_version as version, artifact_version_file as version_file, file,
    generation, project, project_tier_change, run, run_artifact, run_step,
};
use sea_orm::sea_query::{Expr, SelectStatement, SimpleExpr, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, RelationTrait, Select,
};
use uuid::Uuid;

use crate::db::Dialect;
use crate::db::template::{Slot, Templates};
use crate::domain::DomainResult;
use crate::domain::query::run_rows;

/// A relation read in batches: the rows of `Entity` whose `column` (on the
/// entity itself, or on a link table that `select` joins) is one of the
/// keys. A value is one key; `foreign_key!` declares a relation in a line.
/// Public only because the public `graphql::loaders::GraphLoader` loads it.
pub(crate) trait ForeignKey: Copy + Eq + Hash + Send + Sync + 'static {
    /// The entity whose rows are read.
    type Entity: EntityTrait<Model: FromRow>;
    /// What one key reads: one row (`Model`) or its rows in order (`Vec<Model>`).
    type Rows: Rows<Model<Self>>;
    /// The key this value stands for.
    fn id(self) -> Uuid;
    /// The value that stands for `id`.
    fn of(id: Uuid) -> Self;
    /// The column the keys are matched against.
    fn column() -> impl ColumnTrait;
    /// The statement before the keys' filter: its columns, joins, fixed
    /// filters and order.
    fn select() -> Select<Self::Entity>;
}

/// The row type of a relation.
pub(crate) type Model<R> = <<R as ForeignKey>::Entity as EntityTrait>::Model;

/// How the rows of one key are kept: one row, or all of them in order.
/// Public for the same reason as [`ForeignKey`].
pub(crate) trait Rows<M>: Sized + Send + Sync + Clone + 'static {
    /// Gathers rows under their keys, keeping their order.
    fn gather<K: Hash + Eq>(rows: impl IntoIterator<Item = (K, M)>) -> HashMap<K, Self>;
    /// What a key with no rows has, when that is a value (no rows: an empty
    /// list) rather than an absence (no row).
    fn none() -> Option<Self>;
}

impl<M: Send + Sync + Clone + 'static> Rows<M> for M {
    fn gather<K: Hash + Eq>(rows: impl IntoIterator<Item = (K, M)>) -> HashMap<K, Self> {
        rows.into_iter().collect()
    }

    fn none() -> Option<Self> {
        None
    }
}

impl<M: Send + Sync + Clone + 'static> Rows<M> for Vec<M> {
    fn none() -> Option<Self> {
        Some(Vec::new())
    }

    fn gather<K: Hash + Eq>(rows: impl IntoIterator<Item = (K, M)>) -> HashMap<K, Self> {
        let mut map: HashMap<K, Vec<M>> = HashMap::new();
        for (k, v) in rows {
            map.entry(k).or_default().push(v);
        }
        map
    }
}

/// The alias under which a relation's key column comes back with each row.
const KEY: &str = "quire_key";

/// A row with the key it was read under.
struct Keyed<M> {
    key: Uuid,
    row: M,
}

impl<M: FromRow> FromQueryResult for Keyed<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Keyed {
            key: res.try_get(pre, KEY)?,
            row: M::from_row(res)?,
        })
    }
}

/// The rows of relation `R` for each of `keys`, in one statement; keys with
/// no rows are absent.
pub(crate) async fn by_foreign_key<R: ForeignKey>(
    conn: &impl ConnectionTrait,
    keys: &[R],
) -> DomainResult<HashMap<R, R::Rows>> {
    // One template per relation (and, on SQLite, per number of keys).
    static TEMPLATES: LazyLock<Templates<TypeId>> = LazyLock::new(Templates::new);
    let dialect = Dialect::of(conn);
    let ids: Vec<Uuid> = keys.iter().map(|k| k.id()).collect();
    let statement = TEMPLATES.statement(
        dialect,
        TypeId::of::<R>(),
        &[Slot::Uuids(&ids)],
        |markers| keyed_select::<R>(dialect, markers.uuids(0)).into_query(),
    );
    let rows = conn.query_all_raw(statement).await?;
    let rows = rows
        .iter()
        .map(|row| Keyed::<Model<R>>::from_query_result(row, "").map(|r| (R::of(r.key), r.row)))
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(R::Rows::gather(rows))
}

/// The statement of [`by_foreign_key`]: the relation's rows for `ids`,
/// each with its key column under the alias [`KEY`].
fn keyed_select<R: ForeignKey>(dialect: Dialect, ids: Vec<Uuid>) -> Select<R::Entity> {
    R::select()
        .column_as(R::column(), KEY)
        .filter(dialect.uuid_in(R::column(), ids))
}

/// Declares a relation read through [`by_foreign_key`]:
/// `Name: one|many Model, by key_column, from select;`.
macro_rules! foreign_key {
    (@rows one $model:ty) => { $model };
    (@rows many $model:ty) => { Vec<$model> };
    ($($(#[$doc:meta])* $key:ident: $card:ident $model:ty, by $column:expr, from $select:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) struct $key(pub(crate) Uuid);

        impl ForeignKey for $key {
            type Entity = <$model as sea_orm::ModelTrait>::Entity;
            type Rows = foreign_key!(@rows $card $model);
            fn id(self) -> Uuid {
                self.0
            }
            fn of(id: Uuid) -> Self {
                $key(id)
            }
            fn column() -> impl ColumnTrait {
                $column
            }
            fn select() -> Select<Self::Entity> {
                $select
            }
        }
    )*};
}

foreign_key! {
    /// A project by id.
    ProjectById: one project::Model, by project::Column::Id, from project::Entity::find();
    /// An artifact version by id.
    VersionById: one version::Model, by version::Column::Id, from version::Entity::find();
    /// A file by id.
    FileById: one file::Model, by file::Column::Id, from file::Entity::find();
    /// An approval by id.
    ApprovalById: one approval::Model, by approval::Column::Id, from approval::Entity::find();
    /// A run by id, without its output (see `run_rows::runs_without_output`).
    RunById: one run::Model, by run::Column::Id, from run_rows::runs_without_output();
    /// A run step by id, without its output.
    StepById: one run_step::Model, by run_step::Column::Id, from run_rows::steps_without_output();
    /// The steps of a run, in order, without their outputs.
    StepsOfRun: many run_step::Model, by run_step::Column::RunId,
        from run_rows::steps_without_output()
            .order_by_asc(run_step::Column::RunId)
            .order_by_asc(run_step::Column::Position);
    /// The runs started with this run as their parent, oldest first, without their outputs.
    ChildrenOfRun: many run::Model, by run::Column::ParentRunId,
        from run_rows::runs_without_output().order_by_asc(run::Column::Id);
    /// The audit trail of a version, oldest first.
    ApprovalsOfVersion: many approval::Model, by approval::Column::VersionId,
        from approval::Entity::find().order_by_asc(approval::Column::Id);
    /// The files of a version, in order.
    FilesOfVersion: many file::Model, by version_file::Column::VersionId,
        from file::Entity::find()
            .join_rev(JoinType::InnerJoin, version_file::Relation::File.def())
            .order_by_asc(version_file::Column::VersionId)
            .order_by_asc(version_file::Column::Sort);
    /// The versions made with a version as their base, oldest first.
    RevisionsOfVersion: many version::Model, by version::Column::BaseVersionId,
        from version::Entity::find()
            .order_by_asc(version::Column::BaseVersionId)
            .order_by_asc(version::Column::Id);
    /// The runs that read a version.
    ConsumersOfVersion: many run::Model, by run_artifact::Column::VersionId,
        from run::Entity::find()
            .join_rev(JoinType::InnerJoin, run_artifact::Relation::Run.def())
            .filter(run_artifact::Column::Direction.eq(RunArtifactDirection::Input))
            .order_by_asc(run_artifact::Column::RunId);
    /// The versions a run read, in link order.
    InputsOfRun: many version::Model, by run_artifact::Column::RunId,
        from versions_of_runs(RunArtifactDirection::Input);
    /// The versions a run produced, in link order.
    OutputsOfRun: many version::Model, by run_artifact::Column::RunId,
        from versions_of_runs(RunArtifactDirection::Output);
    /// The versions a run read, without their values and annotations (a
    /// list that shows neither; `value` then reads the row by id).
    InputsOfRunWithoutValues: many version::Model, by run_artifact::Column::RunId,
        from without_values(versions_of_runs(RunArtifactDirection::Input));
    /// The versions a run produced, likewise without values.
    OutputsOfRunWithoutValues: many version::Model, by run_artifact::Column::RunId,
        from without_values(versions_of_runs(RunArtifactDirection::Output));
    /// An approval policy by id (in force or ended).
    PolicyById: one approval_policy::Model, by approval_policy::Column::Id,
        from approval_policy::Entity::find();
    /// The annotation changes of a version, oldest first.
    AnnotationRevisionsOfVersion: many annotation_revision::Model,
        by annotation_revision::Column::VersionId,
        from annotation_revision::Entity::find()
            .order_by_asc(annotation_revision::Column::VersionId)
            .order_by_asc(annotation_revision::Column::Revision);
    /// The tier changes of a project, oldest first.
    TierChangesOfProject: many project_tier_change::Model, by project_tier_change::Column::ProjectId,
        from project_tier_change::Entity::find()
            .order_by_asc(project_tier_change::Column::ProjectId)
            .order_by_asc(project_tier_change::Column::CreatedAt);
}

/// The versions linked to runs in `direction`, in link order (ties, which
/// concurrent links can make, by version id: the same answer every time).
fn versions_of_runs(direction: RunArtifactDirection) -> Select<version::Entity> {
    version::Entity::find()
        .join_rev(JoinType::InnerJoin, run_artifact::Relation::Version.def())
        .filter(run_artifact::Column::Direction.eq(direction))
        .order_by_asc(run_artifact::Column::RunId)
        .order_by_asc(run_artifact::Column::Sort)
        .order_by_asc(version::Column::Id)
}

/// `select` of versions with NULL in place of their values and annotations
/// (decoded as `JsonText::unread` and None): the two JSON columns were half
/// the cost of a runs dashboard's 1,000 output versions, on both sides.
fn without_values(select: Select<version::Entity>) -> Select<version::Entity> {
    run_rows::columns_without::<_, version::Entity>(
        select.select_only(),
        "",
        &[version::Column::Value, version::Column::Annotations],
    )
}

/// The aliases under which a combined read's link direction and position
/// come back.
const DIRECTION: &str = "quire_direction";
const SORT: &str = "quire_sort";

/// What [`run_children`] read: each run's steps (when asked) and version
/// lists.
#[derive(Debug, Default)]
pub(crate) struct RunChildren {
    /// Each run's steps in order, as `StepsOfRun` reads them (every run has
    /// its list when steps were asked; none otherwise).
    pub steps: HashMap<Uuid, Vec<run_step::Model>>,
    /// Each run's lists, under (run, direction).
    pub lists: HashMap<(Uuid, RunArtifactDirection), Vec<version::Model>>,
}

/// What the direction column says of a row of [`run_children`] that holds
/// a step, not a linked version.
const STEP_ROW: &str = "STEP";

/// The steps of `runs` (when `steps` names their columns) and their version
/// lists in `lists` (outputs, inputs or both) in one statement. Steps come
/// in order, as `StepsOfRun` reads them, without their output, of their
/// columns those of `steps` (with `run_rows::step_keys`); each list in link order
/// (ties by version id) as `OutputsOfRun` and `InputsOfRun` read them,
/// under (run, direction); every run has each list, empty or not. Values
/// and annotations are read only for the directions in `valued`; the other
/// lists' versions come as `without_values` reads them. Of a version's
/// other columns only those of `shown` are read (its id always): the rest
/// hold placeholders (`FromColumns::from_some_columns`), so the caller
/// keeps the lists for selections within `shown` only.
pub(crate) async fn run_children(
    conn: &impl ConnectionTrait,
    runs: &[Uuid],
    steps: Option<ColumnSet>,
    lists: &[RunArtifactDirection],
    valued: &[RunArtifactDirection],
    shown: ColumnSet,
) -> DomainResult<RunChildren> {
    if runs.is_empty() || (lists.is_empty() && steps.is_none()) {
        return Ok(RunChildren::default());
    }
    let steps = steps.map(|set| set.with(run_rows::step_keys()));
    use sea_orm::IdenStatic;
    static ID: LazyLock<ColumnSet> =
        LazyLock::new(|| ColumnSet::of::<version::Model>(&[version::Column::Id.as_str()]));
    let shown = shown.with(*ID);
    static STEPS: LazyLock<UnionColumns> =
        LazyLock::new(|| UnionColumns::of::<run_step::Entity>(STEP));
    static VERSIONS: LazyLock<UnionColumns> =
        LazyLock::new(|| UnionColumns::of::<version::Entity>(""));
    // A row: the version's columns, its run, direction and position, then
    // (with steps) the step's columns; each part NULL in the other's rows.
    // The steps' branch goes first: its typed NULLs type the version
    // columns that the lists' branches leave out as plain NULLs.
    let dialect = Dialect::of(conn);
    type Shape = (
        Option<ColumnSet>,
        Vec<RunArtifactDirection>,
        Vec<RunArtifactDirection>,
        ColumnSet,
    );
    static TEMPLATES: LazyLock<Templates<Shape>> = LazyLock::new(Templates::new);
    let shape = (steps, lists.to_vec(), valued.to_vec(), shown);
    let statement = TEMPLATES.statement(dialect, shape, &[Slot::Uuids(runs)], |markers| {
        let mut branches = Vec::new();
        if let Some(step_columns) = steps {
            let mut select = run_step::Entity::find().select_only();
            for (alias, _, null) in VERSIONS.among(shown) {
                select = select.column_as(null.clone(), alias.as_str());
            }
            let select = run_rows::columns_among::<_, run_step::Entity>(
                select
                    .column_as(run_step::Column::RunId, KEY)
                    .column_as(Expr::val(STEP_ROW), DIRECTION)
                    .column_as(run_step::Column::Position, SORT),
                STEP,
                step_columns,
                &[run_step::Column::Output],
            )
            .filter(dialect.uuid_in(run_step::Column::RunId, markers.uuids(0)));
            branches.push(select.into_query());
        }
        // Each list its own branch: one filter on the (run, direction) index
        // each, which PostgreSQL's generic plan keeps to a nested loop, where a
        // filter on both directions got a hash join over every version (4.5 ms
        // at 10k versions).
        for direction in lists {
            let mut select = linked_select(dialect, &markers.uuids(0), *direction, valued, shown);
            if let Some(step_columns) = steps {
                for (alias, _, null) in STEPS.among(step_columns) {
                    select = select.column_as(null.clone(), alias.as_str());
                }
            }
            branches.push(select.into_query());
        }
        union_all(branches)
    });
    let rows = conn.query_all_raw(statement).await?;
    let mut linked: HashMap<(Uuid, RunArtifactDirection), Vec<(i32, version::Model)>> = runs
        .iter()
        .flat_map(|run| lists.iter().map(|d| ((*run, *d), Vec::new())))
        .collect();
    let mut found_steps: HashMap<Uuid, Vec<run_step::Model>> = match steps {
        Some(_) => runs.iter().map(|run| (*run, Vec::new())).collect(),
        None => HashMap::new(),
    };
    // By position: the version's shown columns, then run, direction and sort.
    let key_at = shown.count_of::<version::Model>();
    for row in rows {
        let run: Uuid = row.try_get_by_index(key_at)?;
        let direction: String = row.try_get_by_index(key_at + 1)?;
        let sort: i32 = row.try_get_by_index(key_at + 2)?;
        let direction = match direction.as_str() {
            STEP_ROW => {
                let step = run_step::Model::from_some_columns(
                    &row,
                    key_at + 3,
                    steps.unwrap_or(ColumnSet::ALL),
                )?;
                found_steps.entry(run).or_default().push(step);
                continue;
            }
            "OUTPUT" => RunArtifactDirection::Output,
            _ => RunArtifactDirection::Input,
        };
        let version = version::Model::from_some_columns(&row, 0, shown)?;
        linked
            .entry((run, direction))
            .or_default()
            .push((sort, version));
    }
    for rows in found_steps.values_mut() {
        rows.sort_by_key(|s| s.position);
    }
    Ok(RunChildren {
        steps: found_steps,
        lists: linked
            .into_iter()
            .map(|(key, mut rows)| {
                rows.sort_by_key(|(sort, v)| (*sort, v.id));
                (key, rows.into_iter().map(|(_, v)| v).collect())
            })
            .collect(),
    })
}

/// The branches as one UNION ALL statement: the combined reads' one
/// round trip for several relations.
fn union_all(branches: impl IntoIterator<Item = SelectStatement>) -> SelectStatement {
    let mut branches = branches.into_iter();
    let mut statement = branches.next().expect("a union of at least one branch");
    for branch in branches {
        statement.union(UnionType::All, branch);
    }
    statement
}

/// One list's branch of [`run_children`]: the columns of `shown`, with
/// NULL for the value and annotations unless `valued` holds `direction`.
fn linked_select(
    dialect: Dialect,
    runs: &[Uuid],
    direction: RunArtifactDirection,
    valued: &[RunArtifactDirection],
    shown: ColumnSet,
) -> Select<version::Entity> {
    let left_out = match valued.contains(&direction) {
        true => &[][..],
        false => &[version::Column::Value, version::Column::Annotations][..],
    };
    let select = version::Entity::find().select_only();
    run_rows::columns_among::<_, version::Entity>(select, "", shown, left_out)
        .column_as(run_artifact::Column::RunId, KEY)
        .column_as(run_artifact::Column::Direction, DIRECTION)
        .column_as(run_artifact::Column::Sort, SORT)
        .join_rev(JoinType::InnerJoin, run_artifact::Relation::Version.def())
        .filter(dialect.uuid_in(run_artifact::Column::RunId, runs.iter().copied()))
        .filter(run_artifact::Column::Direction.eq(direction))
}

/// The prefixes of the file, the approval and the schema columns, and the
/// alias of the part a row belongs to, in [`version_children`].
const FILE: &str = "f_";
const APPROVAL: &str = "a_";
const SCHEMA: &str = "s_";
const STEP: &str = "st_";
const PART: &str = "quire_part";

/// Which children of versions [`version_children`] reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChildParts<'a> {
    pub files: bool,
    pub approvals: bool,
    /// The schema keys whose schemas to read (none: no schemas).
    pub schema_keys: &'a [String],
}

/// What [`version_children`] read. Each asked part is complete: every
/// version (every asked key) has its list, empty or not. A part not asked
/// is an empty map.
#[derive(Debug, Default)]
pub(crate) struct VersionChildren {
    /// Each version's files in link order, as `FilesOfVersion` reads them.
    pub files: HashMap<Uuid, Vec<file::Model>>,
    /// Each version's audit trail, oldest first, as `ApprovalsOfVersion`.
    pub approvals: HashMap<Uuid, Vec<approval::Model>>,
    /// Each key's schemas, oldest first, as `schemas::chains` reads them.
    pub schemas: HashMap<String, Vec<artifact_schema::Model>>,
}

/// The files, the audit trails and the keys' schemas of versions, as
/// `parts` asks, in one statement: a UNION ALL of one branch per part, each
/// row holding the columns of every asked part, with typed NULLs in the
/// other parts' (see [`UnionColumns`]).
pub(crate) async fn version_children(
    conn: &impl ConnectionTrait,
    versions: &[Uuid],
    parts: ChildParts<'_>,
) -> DomainResult<VersionChildren> {
    let files_asked = parts.files && !versions.is_empty();
    let approvals_asked = parts.approvals && !versions.is_empty();
    let schemas_asked = !parts.schema_keys.is_empty();
    fn empty_lists<T>(versions: &[Uuid], asked: bool) -> HashMap<Uuid, Vec<T>> {
        match asked {
            true => versions.iter().map(|v| (*v, Vec::new())).collect(),
            false => HashMap::new(),
        }
    }
    let mut files: HashMap<Uuid, Vec<(i32, file::Model)>> = empty_lists(versions, files_asked);
    let mut approvals: HashMap<Uuid, Vec<approval::Model>> = empty_lists(versions, approvals_asked);
    let mut schemas: HashMap<String, Vec<artifact_schema::Model>> = parts
        .schema_keys
        .iter()
        .map(|k| (k.clone(), Vec::new()))
        .collect();
    static FILES: LazyLock<UnionColumns> = LazyLock::new(|| UnionColumns::of::<file::Entity>(FILE));
    static APPROVALS: LazyLock<UnionColumns> =
        LazyLock::new(|| UnionColumns::of::<approval::Entity>(APPROVAL));
    static SCHEMAS: LazyLock<UnionColumns> =
        LazyLock::new(|| UnionColumns::of::<artifact_schema::Entity>(SCHEMA));
    let columns: Vec<&UnionColumns> = [
        files_asked.then_some(&*FILES),
        approvals_asked.then_some(&*APPROVALS),
        schemas_asked.then_some(&*SCHEMAS),
    ]
    .into_iter()
    .flatten()
    .collect();
    if columns.is_empty() {
        return Ok(VersionChildren::default());
    }
    let dialect = Dialect::of(conn);
    // The statement's text depends only on which parts are asked (and, on
    // SQLite, how many ids and keys): it is built once per shape.
    static TEMPLATES: LazyLock<Templates<(bool, bool, bool)>> = LazyLock::new(Templates::new);
    let shape = (files_asked, approvals_asked, schemas_asked);
    let slots = [Slot::Uuids(versions), Slot::Texts(parts.schema_keys)];
    let statement = TEMPLATES.statement(dialect, shape, &slots, |markers| {
        let mut branches = Vec::new();
        if files_asked {
            let select = union_branch::<file::Entity>(
                (0, FILE, &columns),
                version_file::Column::VersionId,
                version_file::Column::Sort,
            )
            .join_rev(JoinType::InnerJoin, version_file::Relation::File.def())
            .filter(dialect.uuid_in(version_file::Column::VersionId, markers.uuids(0)));
            branches.push(select.into_query());
        }
        if approvals_asked {
            let select = union_branch::<approval::Entity>(
                (1, APPROVAL, &columns),
                approval::Column::VersionId,
                Expr::cust("0"),
            )
            .filter(dialect.uuid_in(approval::Column::VersionId, markers.uuids(0)));
            branches.push(select.into_query());
        }
        if schemas_asked {
            let select = union_branch::<artifact_schema::Entity>(
                (2, SCHEMA, &columns),
                typed_null(&sea_orm::sea_query::ColumnType::Uuid),
                artifact_schema::Column::Version,
            )
            .filter(dialect.in_list(artifact_schema::Column::SchemaKey, markers.texts(1)));
            branches.push(select.into_query());
        }
        union_all(branches)
    });
    // Each part's columns follow the part, key and sort, in `columns` order.
    let at = |prefix: &str| UnionColumns::position(prefix, &columns);
    let (file_at, approval_at, schema_at) = (at(FILE), at(APPROVAL), at(SCHEMA));
    for row in conn.query_all_raw(statement).await? {
        match row.try_get_by_index::<i32>(0)? {
            0 => files.entry(row.try_get_by_index(1)?).or_default().push((
                row.try_get_by_index(2)?,
                file::Model::from_columns(&row, file_at)?,
            )),
            1 => approvals
                .entry(row.try_get_by_index(1)?)
                .or_default()
                .push(approval::Model::from_columns(&row, approval_at)?),
            _ => {
                let schema = artifact_schema::Model::from_columns(&row, schema_at)?;
                schemas
                    .entry(schema.schema_key.clone())
                    .or_default()
                    .push(schema);
            }
        }
    }
    for rows in files.values_mut() {
        rows.sort_by_key(|(sort, _)| *sort);
    }
    for rows in approvals.values_mut() {
        rows.sort_by_key(|a| a.id);
    }
    for chain in schemas.values_mut() {
        chain.sort_by_key(|s| s.version);
    }
    Ok(VersionChildren {
        files: files
            .into_iter()
            .map(|(v, rows)| (v, rows.into_iter().map(|(_, f)| f).collect()))
            .collect(),
        approvals,
        schemas,
    })
}

/// A branch of [`version_children`] over `E`: its part's number, the key
/// and the sort it is read under, then the columns of every part (see
/// [`UnionColumns::select`]), those of `prefix` its own.
fn union_branch<E: EntityTrait>(
    (part, prefix, all): (i32, &str, &[&UnionColumns]),
    key: impl sea_orm::ColumnAsExpr,
    sort: impl sea_orm::ColumnAsExpr,
) -> Select<E> {
    let select = E::find()
        .select_only()
        .column_as(Expr::cust(part.to_string()), PART)
        .column_as(key, KEY)
        .column_as(sort, SORT);
    UnionColumns::select(select, prefix, all)
}

/// The columns one part of a combined read brings, each under the part's
/// prefix: in its own branch the table's columns, in the others a NULL
/// cast to the column's type. PostgreSQL types a union's column from its
/// branches pairwise, so an untyped NULL in two branches would come out
/// text and clash with a jsonb or uuid in a third; SQLite ignores the cast.
struct UnionColumns {
    prefix: &'static str,
    /// Each column's alias, its expression in its own branch and elsewhere.
    columns: Vec<(String, SimpleExpr, SimpleExpr)>,
}

impl UnionColumns {
    fn of<E: EntityTrait>(prefix: &'static str) -> Self {
        use sea_orm::{IdenStatic, Iterable};
        let columns = E::Column::iter()
            .map(|c| {
                (
                    format!("{prefix}{}", c.as_str()),
                    Expr::col((E::default(), c)),
                    typed_null(c.def().get_column_type()),
                )
            })
            .collect();
        UnionColumns { prefix, columns }
    }

    /// The columns at the positions of `set`, in order.
    fn among(&self, set: ColumnSet) -> impl Iterator<Item = &(String, SimpleExpr, SimpleExpr)> {
        self.columns
            .iter()
            .enumerate()
            .filter(move |(at, _)| set.has(*at))
            .map(|(_, column)| column)
    }

    /// Where the columns of the part under `prefix` start in a row of
    /// [`union_branch`]'s (after its part, key and sort); past the end when
    /// it is not in `all`.
    fn position(prefix: &str, all: &[&UnionColumns]) -> usize {
        3 + all
            .iter()
            .take_while(|part| part.prefix != prefix)
            .map(|part| part.columns.len())
            .sum::<usize>()
    }

    /// `select` with every part's columns of `all`, in their order: the real
    /// ones for the part under `own`, typed NULLs for the others.
    fn select<E: EntityTrait>(
        mut select: Select<E>,
        own: &str,
        all: &[&UnionColumns],
    ) -> Select<E> {
        for part in all {
            for (alias, real, null) in &part.columns {
                let expr = match part.prefix == own {
                    true => real.clone(),
                    false => null.clone(),
                };
                select = select.column_as(expr, alias.as_str());
            }
        }
        select
    }
}

/// NULL as a value of a column type, for [`UnionColumns`]: PostgreSQL's
/// name of the type, which SQLite's CAST accepts as any other name.
fn typed_null(column_type: &sea_orm::sea_query::ColumnType) -> SimpleExpr {
    use sea_orm::sea_query::ColumnType as T;
    let name = match column_type {
        T::Uuid => "uuid",
        T::SmallInteger => "smallint",
        T::Integer => "integer",
        T::BigInteger => "bigint",
        T::Boolean => "boolean",
        T::Decimal(_) | T::Money(_) => "numeric",
        T::Double => "double precision",
        T::Json => "json",
        T::JsonBinary => "jsonb",
        T::TimestampWithTimeZone => "timestamptz",
        T::DateTime | T::Timestamp => "timestamp",
        T::Blob | T::Binary(_) | T::VarBinary(_) => "bytea",
        _ => "text",
    };
    Expr::cust(format!("CAST(NULL AS {name})"))
}

/// The outputs of runs by id, read only when a client selects them (lists
/// leave them out: they may be large); runs without one are absent.
pub(crate) async fn run_outputs(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> DomainResult<HashMap<Uuid, String>> {
    outputs::<run::Entity>(conn, run::Column::Id, run::Column::Output, ids).await
}

/// The outputs of steps by id, likewise.
pub(crate) async fn step_outputs(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> DomainResult<HashMap<Uuid, String>> {
    outputs::<run_step::Entity>(conn, run_step::Column::Id, run_step::Column::Output, ids).await
}

async fn outputs<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    id: E::Column,
    output: E::Column,
    ids: impl IntoIterator<Item = Uuid>,
) -> DomainResult<HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, Option<String>)> = E::find()
        .select_only()
        .columns([id, output])
        .filter(Dialect::of(conn).uuid_in(id, ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, o)| o.map(|o| (id, o)))
        .collect())
}

/// One schema key of one project.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct KeyRef {
    /// The project.
    pub project_id: Uuid,
    /// The key within it.
    pub schema_key: String,
}

/// Groups keys by project: pages stay within one project, so the reads
/// below are almost always one statement.
fn by_project<'a>(keys: impl IntoIterator<Item = &'a KeyRef>) -> HashMap<Uuid, Vec<String>> {
    <Vec<String> as Rows<String>>::gather(
        keys.into_iter()
            .map(|k| (k.project_id, k.schema_key.clone())),
    )
}

/// Versions by (key, number): how `previous` and `latest` are found.
pub(crate) async fn versions_by_number(
    conn: &impl ConnectionTrait,
    wanted: &[(KeyRef, i32)],
) -> DomainResult<HashMap<(KeyRef, i32), version::Model>> {
    let mut out = HashMap::new();
    for (project_id, schema_keys) in by_project(wanted.iter().map(|(k, _)| k)) {
        let numbers: Vec<i32> = wanted
            .iter()
            .filter(|(k, _)| k.project_id == project_id)
            .map(|(_, n)| *n)
            .collect();
        let rows = version::Entity::find()
            .filter(version::Column::ProjectId.eq(project_id))
            .filter(version::Column::SchemaKey.is_in(schema_keys))
            .filter(version::Column::VersionNumber.is_in(numbers))
            .all(conn)
            .await?;
        for v in rows {
            let key = (
                KeyRef {
                    project_id,
                    schema_key: v.schema_key.clone(),
                },
                v.version_number,
            );
            if wanted.contains(&key) {
                out.insert(key, v);
            }
        }
    }
    Ok(out)
}

/// The APPROVED version of each key that has one.
pub(crate) async fn approved_versions(
    conn: &impl ConnectionTrait,
    keys: &[KeyRef],
) -> DomainResult<HashMap<KeyRef, version::Model>> {
    let mut out = HashMap::new();
    for (project_id, schema_keys) in by_project(keys) {
        let rows = version::Entity::find()
            .filter(version::Column::ProjectId.eq(project_id))
            .filter(version::Column::SchemaKey.is_in(schema_keys))
            .filter(version::Column::Status.eq(VersionStatus::Approved))
            .all(conn)
            .await?;
        for v in rows {
            let key = KeyRef {
                project_id,
                schema_key: v.schema_key.clone(),
            };
            out.insert(key, v);
        }
    }
    Ok(out)
}

/// The generation claim row of each key that was ever claimed.
pub(crate) async fn generations(
    conn: &impl ConnectionTrait,
    keys: &[KeyRef],
) -> DomainResult<HashMap<KeyRef, generation::Model>> {
    let mut out = HashMap::new();
    for (project_id, schema_keys) in by_project(keys) {
        let rows = generation::Entity::find()
            .filter(generation::Column::ProjectId.eq(project_id))
            .filter(generation::Column::SchemaKey.is_in(schema_keys))
            .all(conn)
            .await?;
        for g in rows {
            let key = KeyRef {
                project_id,
                schema_key: g.schema_key.clone(),
            };
            out.insert(key, g);
        }
    }
    Ok(out)
}

/// The highest version number of each key that has versions.
pub(crate) async fn latest_numbers(
    conn: &impl ConnectionTrait,
    keys: &[KeyRef],
) -> DomainResult<HashMap<KeyRef, i32>> {
    let mut out = HashMap::new();
    for (project_id, schema_keys) in by_project(keys) {
        let rows: Vec<(String, Option<i32>)> = version::Entity::find()
            .select_only()
            .column(version::Column::SchemaKey)
            .column_as(version::Column::VersionNumber.max(), "highest")
            .filter(version::Column::ProjectId.eq(project_id))
            .filter(version::Column::SchemaKey.is_in(schema_keys))
            .group_by(version::Column::SchemaKey)
            .into_tuple()
            .all(conn)
            .await?;
        for (schema_key, highest) in rows {
            if let Some(n) = highest {
                out.insert(
                    KeyRef {
                        project_id,
                        schema_key,
                    },
                    n,
                );
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{IdenStatic, Iterable, QueryTrait};

    fn sql<R: ForeignKey>(dialect: Dialect) -> String {
        keyed_select::<R>(dialect, vec![Uuid::nil()])
            .build(dialect.backend())
            .to_string()
    }

    #[test]
    fn a_column_set_names_columns_by_their_position() {
        let set = ColumnSet::of::<run_step::Model>(&["id", "position", "cost"]);
        assert!(set.has(0) && set.has(2) && set.has(9));
        assert!(!set.has(1) && !set.has(5) && !set.has(63));
        assert_eq!(set.count_of::<run_step::Model>(), 3);
        assert_eq!(
            ColumnSet::ALL.count_of::<run_step::Model>(),
            run_step::Model::FIELDS.len()
        );
        let wider = set.with(ColumnSet::of::<run_step::Model>(&["summary"]));
        assert_eq!(wider.count_of::<run_step::Model>(), 4);
        let collected: ColumnSet = ["id", "position", "cost", "summary"]
            .iter()
            .map(|name| ColumnSet::of::<run_step::Model>(&[name]))
            .collect();
        assert_eq!(collected, wider);
        assert_eq!(std::iter::empty().collect::<ColumnSet>(), ColumnSet::NONE);
    }

    #[test]
    #[should_panic(expected = "no column nope")]
    fn a_column_a_model_does_not_have_is_a_bug() {
        ColumnSet::of::<run_step::Model>(&["id", "nope"]);
    }

    #[test]
    fn relations_filter_on_their_key_and_read_it_back() {
        let key = |column: &str| format!("{column} AS \"{KEY}\"");
        for backend in [Dialect::Sqlite, Dialect::Postgres] {
            let files = sql::<FilesOfVersion>(backend);
            let link = r#""artifact_version_files"."version_id""#;
            assert!(files.contains(&key(link)), "{files}");
            assert!(files.contains(&format!("WHERE {link}")), "{files}");
            assert!(
                files.contains(r#"INNER JOIN "artifact_version_files""#),
                "{files}"
            );
            let inputs = sql::<InputsOfRun>(backend);
            assert!(inputs.contains(r#""direction" = 'INPUT'"#), "{inputs}");
            let outputs = sql::<OutputsOfRun>(backend);
            assert!(outputs.contains(r#""direction" = 'OUTPUT'"#), "{outputs}");
            let children = sql::<ChildrenOfRun>(backend);
            assert!(
                children.contains(&key(r#""runs"."parent_run_id""#)),
                "{children}"
            );
            // Nested runs and steps leave their outputs out, as lists do.
            for statement in [sql::<RunById>(backend), sql::<StepsOfRun>(backend)] {
                assert!(statement.contains(r#"NULL AS "output""#), "{statement}");
            }
        }
    }

    fn column_order<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    /// The combined reads decode their parts by position: each model's
    /// decoder reads its columns in the order `UnionColumns` and
    /// `run_rows::columns_without` select them.
    #[test]
    fn positional_decoders_follow_the_column_order() {
        assert_eq!(file::Model::FIELDS, column_order::<file::Entity>());
        assert_eq!(approval::Model::FIELDS, column_order::<approval::Entity>());
        assert_eq!(
            artifact_schema::Model::FIELDS,
            column_order::<artifact_schema::Entity>()
        );
        assert_eq!(version::Model::FIELDS, column_order::<version::Entity>());
        assert_eq!(run::Model::FIELDS, column_order::<run::Entity>());
        assert_eq!(run_step::Model::FIELDS, column_order::<run_step::Entity>());
    }
}
