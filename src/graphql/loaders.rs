//! DataLoader adapters over the batched reads of `domain::query::reads`. One
//! `DataLoader<GraphLoader>` lives per request; each key type is one batched
//! read, so a nested page costs a fixed number of statements whatever its
//! size. Every relation of `domain::query::reads::ForeignKey` (a row by id, the
//! children of a row) is its own key type through the one generic loader
//! below; the others are tuned reads with a loader each.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::rows::ColumnSet;
use entity::{RunArtifactDirection, artifact_version as version, run, run_step};
use uuid::Uuid;

use super::error::to_graphql;
use super::output::{ResponseBudget, in_turn};
use crate::db::Db;
use crate::domain::DomainResult;
pub(crate) use crate::domain::query::reads::ChildParts;
use crate::domain::query::reads::{self, ForeignKey};
use crate::domain::query::run_rows::{self, RunShape};
use crate::storage::SharedBlobStore;

pub(crate) use crate::domain::query::reads::{
    AnnotationRevisionsOfVersion, ApprovalById, ApprovalsOfVersion, ChildrenOfRun,
    ConsumersOfVersion, FileById, FilesOfVersion, InputsOfRun, InputsOfRunWithoutValues, KeyRef,
    OutputsOfRun, OutputsOfRunWithoutValues, PolicyById, ProjectById, RevisionsOfVersion, RunById,
    StepById, StepsOfRun, TierChangesOfProject, VersionById,
};

/// Shared by all operations of one request (an `Arc` because request data must be `Clone`).
pub(crate) type Loaders = Arc<DataLoader<GraphLoader, HashMapCache>>;

/// `delay`: how long the first key of a batch waits for more keys. Keys that
/// arrive while a page's items are still being resolved join the batch.
/// `budget`: the request's response budget, whose turns the reads that
/// bring values take (none: a subscription's).
pub(crate) fn new_loaders(
    db: Db,
    store: SharedBlobStore,
    delay: Duration,
    budget: Option<Arc<ResponseBudget>>,
) -> Loaders {
    Arc::new(
        DataLoader::with_cache(
            GraphLoader {
                db,
                store,
                budget,
                request: tracing::Span::current(),
            },
            tokio::spawn,
            HashMapCache::default(),
        )
        .delay(delay),
    )
}

pub(crate) struct GraphLoader {
    db: Db,
    /// Where archived values are read back from.
    store: SharedBlobStore,
    /// The request's response budget (see `output`).
    budget: Option<Arc<ResponseBudget>>,
    /// The span of the request the loaders serve: batches run in spawned
    /// tasks, and their spans are its children.
    request: tracing::Span,
}

impl GraphLoader {
    /// Runs a read that brings values in its turn (see `output`).
    async fn in_turn<T>(
        &self,
        read: impl Future<Output = DomainResult<T>>,
    ) -> async_graphql::Result<T> {
        in_turn(self.budget.as_deref(), async {
            read.await.map_err(to_graphql)
        })
        .await
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// A domain read's answer under the loader's keys, its error mapped once.
fn keyed<I: Hash + Eq, K: Hash + Eq, V>(
    found: async_graphql::Result<HashMap<I, V>>,
    key: impl Fn(I) -> K,
) -> LoadResult<K, V> {
    Ok(found?.into_iter().map(|(i, v)| (key(i), v)).collect())
}

/// The generic foreign-key loader: every relation of `reads::ForeignKey`.
impl<K: ForeignKey> Loader<K> for GraphLoader {
    type Value = K::Rows;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = std::any::type_name::<K>(), keys = keys.len()))]
    async fn load(&self, keys: &[K]) -> LoadResult<K, Self::Value> {
        self.in_turn(reads::by_foreign_key(&self.db.conn, keys))
            .await
    }
}

/// The rows of relation `K` kept for the selections that read only the
/// columns of the set: a page that read a list lean (only the columns its
/// selection shows, `reads::run_children`) keeps the rows under this key,
/// which only a field whose own selection reads within the set asks for;
/// every other field still asks `K`, whose rows are whole. Asked for
/// without a prime, it reads `K`'s whole rows, which serve any selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Showing<K>(pub K, pub ColumnSet);

impl<K: ForeignKey> Loader<Showing<K>> for GraphLoader {
    type Value = K::Rows;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Showing<K>]) -> LoadResult<Showing<K>, Self::Value> {
        let mut whole: Vec<K> = keys.iter().map(|k| k.0).collect();
        whole.sort_unstable_by_key(|k| k.id());
        whole.dedup();
        let found = self
            .in_turn(reads::by_foreign_key(&self.db.conn, &whole))
            .await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.get(&k.0).map(|rows| (*k, rows.clone())))
            .collect())
    }
}

/// Reads `keys` of relation `K` now, in one statement at any load, and
/// keeps the rows (and the empty lists of keys with none) for the fields
/// that ask for them: a page primes its children so that they do not depend
/// on how many of its items happen to fall into one batching window.
pub(crate) async fn prime<K: ForeignKey>(
    loaders: &Loaders,
    keys: impl IntoIterator<Item = K>,
) -> async_graphql::Result<()>
where
    GraphLoader: Loader<K, Value = K::Rows>,
{
    let found = fetch(loaders, keys).await?;
    loaders.feed_many(found).await;
    Ok(())
}

/// Reads `keys` of relation `K` now, in one statement, for the caller to
/// look at (to prime the rows' own children) before it feeds them to the
/// loaders with `feed_many`: what [`prime`] does in one step.
pub(crate) async fn fetch<K: ForeignKey>(
    loaders: &Loaders,
    keys: impl IntoIterator<Item = K>,
) -> async_graphql::Result<HashMap<K, K::Rows>> {
    let keys: Vec<K> = keys.into_iter().collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut found = reads::by_foreign_key(&loaders.loader().db.conn, &keys)
        .await
        .map_err(to_graphql)?;
    if let Some(none) = <K::Rows as reads::Rows<reads::Model<K>>>::none() {
        for key in keys {
            found.entry(key).or_insert_with(|| none.clone());
        }
    }
    Ok(found)
}

/// The steps of `runs` (when `steps` names their columns) and their outputs
/// and inputs in `lists`, read now in one statement, values only for the lists in
/// `valued`, of the versions' other columns those of `shown` (see
/// `reads::run_children`), for the caller to prime and feed.
pub(crate) async fn fetch_run_children(
    loaders: &Loaders,
    runs: &[Uuid],
    steps: Option<ColumnSet>,
    lists: &[RunArtifactDirection],
    valued: &[RunArtifactDirection],
    shown: ColumnSet,
) -> async_graphql::Result<reads::RunChildren> {
    reads::run_children(&loaders.loader().db.conn, runs, steps, lists, valued, shown)
        .await
        .map_err(to_graphql)
}

/// The files, the approvals and the keys' schemas (a value's tier gating)
/// of `versions`, as `parts` asks, read now in one statement (see
/// `reads::version_children`) and kept for their fields (see [`prime`]).
pub(crate) async fn prime_version_children(
    loaders: &Loaders,
    versions: &[Uuid],
    parts: ChildParts<'_>,
) -> async_graphql::Result<()> {
    let children = reads::version_children(&loaders.loader().db.conn, versions, parts)
        .await
        .map_err(to_graphql)?;
    let files = children
        .files
        .into_iter()
        .map(|(v, f)| (FilesOfVersion(v), f));
    loaders.feed_many(files).await;
    let approvals = children.approvals.into_iter();
    loaders
        .feed_many(approvals.map(|(v, a)| (ApprovalsOfVersion(v), a)))
        .await;
    let schemas = children.schemas.into_iter();
    loaders
        .feed_many(schemas.map(|(key, chain)| (SchemasOfKey(key), chain)))
        .await;
    Ok(())
}

/// Runs by id with their steps, read now (the columns of every one of
/// `shapes`) and kept for `sourceRun { steps }` under each shape (see
/// [`prime`]).
pub(crate) async fn prime_runs_with_steps(
    loaders: &Loaders,
    ids: impl IntoIterator<Item = Uuid>,
    shapes: &[RunShape],
) -> async_graphql::Result<()> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let Some(all) = shapes.iter().copied().reduce(RunShape::with) else {
        return Ok(());
    };
    if ids.is_empty() {
        return Ok(());
    }
    let found = run_rows::runs_with_steps(&loaders.loader().db.conn, ids, all)
        .await
        .map_err(to_graphql)?;
    for shape in shapes {
        let keyed = found
            .iter()
            .map(|r| (RunWithSteps(r.0.id, *shape), r.clone()));
        loaders.feed_many(keyed).await;
    }
    Ok(())
}

/// The output of a run, read only when a client selects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RunOutput(pub Uuid);

impl Loader<RunOutput> for GraphLoader {
    type Value = String;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "RunOutput", keys = keys.len()))]
    async fn load(&self, keys: &[RunOutput]) -> LoadResult<RunOutput, Self::Value> {
        let found = self
            .in_turn(reads::run_outputs(&self.db.conn, keys.iter().map(|k| k.0)))
            .await;
        keyed(found, RunOutput)
    }
}

/// The output of a step, read only when a client selects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StepOutput(pub Uuid);

impl Loader<StepOutput> for GraphLoader {
    type Value = String;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "StepOutput", keys = keys.len()))]
    async fn load(&self, keys: &[StepOutput]) -> LoadResult<StepOutput, Self::Value> {
        let found = self
            .in_turn(reads::step_outputs(&self.db.conn, keys.iter().map(|k| k.0)))
            .await;
        keyed(found, StepOutput)
    }
}

/// A run with its steps, of each the columns of the shape, in one statement
/// (see `query::run_rows::runs_with_steps`): for pages that show each
/// version's source run with its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RunWithSteps(pub Uuid, pub RunShape);

impl Loader<RunWithSteps> for GraphLoader {
    type Value = (run::Model, Vec<run_step::Model>);
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "RunWithSteps", keys = keys.len()))]
    async fn load(&self, keys: &[RunWithSteps]) -> LoadResult<RunWithSteps, Self::Value> {
        // One statement per shape (a page's keys share one).
        let mut by_shape: HashMap<RunShape, Vec<Uuid>> = HashMap::new();
        for key in keys {
            by_shape.entry(key.1).or_default().push(key.0);
        }
        let mut out = HashMap::new();
        for (shape, ids) in by_shape {
            let found = run_rows::runs_with_steps(&self.db.conn, ids, shape)
                .await
                .map_err(to_graphql)?;
            out.extend(found.into_iter().map(|r| (RunWithSteps(r.0.id, shape), r)));
        }
        Ok(out)
    }
}

/// A version by (project, key, number): how `previous` is found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct VersionByNumber(pub KeyRef, pub i32);

impl Loader<VersionByNumber> for GraphLoader {
    type Value = version::Model;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "VersionByNumber", keys = keys.len()))]
    async fn load(&self, keys: &[VersionByNumber]) -> LoadResult<VersionByNumber, Self::Value> {
        let wanted: Vec<(KeyRef, i32)> = keys.iter().map(|k| (k.0.clone(), k.1)).collect();
        let found = self
            .in_turn(reads::versions_by_number(&self.db.conn, &wanted))
            .await;
        keyed(found, |(key, number)| VersionByNumber(key, number))
    }
}

/// The APPROVED version of a key, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CurrentOfKey(pub KeyRef);

impl Loader<CurrentOfKey> for GraphLoader {
    type Value = version::Model;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "CurrentOfKey", keys = keys.len()))]
    async fn load(&self, keys: &[CurrentOfKey]) -> LoadResult<CurrentOfKey, Self::Value> {
        let wanted: Vec<KeyRef> = keys.iter().map(|k| k.0.clone()).collect();
        let found = self
            .in_turn(reads::approved_versions(&self.db.conn, &wanted))
            .await;
        keyed(found, CurrentOfKey)
    }
}

/// The generation claim row of a key, if it was ever claimed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GenerationOfKey(pub KeyRef);

impl Loader<GenerationOfKey> for GraphLoader {
    type Value = entity::generation::Model;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "GenerationOfKey", keys = keys.len()))]
    async fn load(&self, keys: &[GenerationOfKey]) -> LoadResult<GenerationOfKey, Self::Value> {
        let wanted: Vec<KeyRef> = keys.iter().map(|k| k.0.clone()).collect();
        let found = reads::generations(&self.db.conn, &wanted)
            .await
            .map_err(to_graphql);
        keyed(found, GenerationOfKey)
    }
}

/// The highest version number of a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct LatestNumberOfKey(pub KeyRef);

impl Loader<LatestNumberOfKey> for GraphLoader {
    type Value = i32;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "LatestNumberOfKey", keys = keys.len()))]
    async fn load(&self, keys: &[LatestNumberOfKey]) -> LoadResult<LatestNumberOfKey, Self::Value> {
        let wanted: Vec<KeyRef> = keys.iter().map(|k| k.0.clone()).collect();
        let found = reads::latest_numbers(&self.db.conn, &wanted)
            .await
            .map_err(to_graphql);
        keyed(found, LatestNumberOfKey)
    }
}

/// Every schema of a key, oldest first (empty: none registered).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SchemasOfKey(pub String);

impl Loader<SchemasOfKey> for GraphLoader {
    type Value = Vec<entity::artifact_schema::Model>;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "SchemasOfKey", keys = keys.len()))]
    async fn load(&self, keys: &[SchemasOfKey]) -> LoadResult<SchemasOfKey, Self::Value> {
        let found = crate::domain::schemas::chains(&self.db.conn, keys.iter().map(|k| k.0.clone()))
            .await
            .map_err(to_graphql);
        let mut found = keyed(found, SchemasOfKey)?;
        for key in keys {
            found.entry(key.clone()).or_default();
        }
        Ok(found)
    }
}

/// A value retention moved to the object store, by its key; the keys of a
/// batch are read side by side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ArchivedValue(pub String);

impl Loader<ArchivedValue> for GraphLoader {
    type Value = serde_json::Value;
    type Error = async_graphql::Error;

    #[tracing::instrument(name = "graphql.load", level = "debug", parent = &self.request, skip_all, fields(loader = "ArchivedValue", keys = keys.len()))]
    async fn load(&self, keys: &[ArchivedValue]) -> LoadResult<ArchivedValue, Self::Value> {
        let reads = keys.iter().map(|k| async move {
            let value = crate::domain::retention::read_value(self.store.as_ref(), &k.0).await;
            value.map(|v| (k.clone(), v))
        });
        self.in_turn(async {
            let rows = futures::future::try_join_all(reads).await?;
            Ok(rows.into_iter().collect())
        })
        .await
    }
}
