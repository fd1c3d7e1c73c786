//! DataLoader adapters over the batched reads of `domain::reads`. One
//! `DataLoader<GraphLoader>` lives per request; each key type is one batched
//! read, so a nested page costs a fixed number of statements whatever its
//! size. Every relation of `domain::reads::ForeignKey` (a row by id, the
//! children of a row) is its own key type through the one generic loader
//! below; the others are tuned reads with a loader each.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{VersionStatus, artifact_version as version, run, run_step};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::error::to_graphql;
use crate::db::{Db, uuid_in};
use crate::domain::reads::{self, ForeignKey};
use crate::domain::{DomainError, DomainResult, runs};

pub use crate::domain::reads::{
    ApprovalById, ApprovalsOfVersion, ChildrenOfRun, ConsumersOfVersion, FileById, FilesOfVersion,
    InputsOfRun, OutputsOfRun, ProjectById, RunById, StepById, StepsOfRun, VersionById,
};

/// Shared by all operations of one request (an `Arc` because request data must be `Clone`).
pub type Loaders = Arc<DataLoader<GraphLoader, HashMapCache>>;

/// `delay`: how long the first key of a batch waits for more keys. Keys that
/// arrive while a page's items are still being resolved join the batch.
pub fn new_loaders(db: Db, delay: Duration) -> Loaders {
    Arc::new(
        DataLoader::with_cache(GraphLoader { db }, tokio::spawn, HashMapCache::default())
            .delay(delay),
    )
}

pub struct GraphLoader {
    db: Db,
}

impl GraphLoader {
    /// `column IN (ids)` in the backend's fastest form (see `db::uuid_in`).
    fn ids_in<C: ColumnTrait>(&self, column: C, ids: impl IntoIterator<Item = Uuid>) -> SimpleExpr {
        uuid_in(self.db.backend(), column, ids)
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn db_error(err: sea_orm::DbErr) -> async_graphql::Error {
    to_graphql(DomainError::Database(err))
}

/// Groups rows under the key each belongs to, keeping their order.
fn group<K: Hash + Eq, V>(rows: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (k, v) in rows {
        map.entry(k).or_default().push(v);
    }
    map
}

/// A domain read's answer under the loader's keys, its error mapped once.
fn keyed<I: Hash + Eq, K: Hash + Eq, V>(
    found: DomainResult<HashMap<I, V>>,
    key: impl Fn(I) -> K,
) -> LoadResult<K, V> {
    Ok(found
        .map_err(to_graphql)?
        .into_iter()
        .map(|(i, v)| (key(i), v))
        .collect())
}

/// The generic foreign-key loader: every relation of `reads::ForeignKey`.
impl<K: ForeignKey> Loader<K> for GraphLoader {
    type Value = K::Rows;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[K]) -> LoadResult<K, Self::Value> {
        keyed(reads::by_foreign_key(&self.db.conn, keys).await, |k| k)
    }
}

/// Loads only the `output` column of rows by id: outputs may be large, so
/// lists leave them out and these loaders fetch them when a client asks.
macro_rules! output_loader {
    ($key:ident, $entity:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for GraphLoader {
            type Value = String;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let rows: Vec<(Uuid, Option<String>)> = $entity::Entity::find()
                    .select_only()
                    .columns([$entity::Column::Id, $entity::Column::Output])
                    .filter(self.ids_in($entity::Column::Id, keys.iter().map(|k| k.0)))
                    .into_tuple()
                    .all(&self.db.conn)
                    .await
                    .map_err(db_error)?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(id, o)| o.map(|o| ($key(id), o)))
                    .collect())
            }
        }
    };
}

output_loader!(
    RunOutput,
    run,
    "The output of a run, read only when a client selects it."
);
output_loader!(
    StepOutput,
    run_step,
    "The output of a step, read only when a client selects it."
);

/// A run with its steps, in one statement (see `runs::runs_with_steps`):
/// for pages that show each version's source run with its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunWithSteps(pub Uuid);

impl Loader<RunWithSteps> for GraphLoader {
    type Value = (run::Model, Vec<run_step::Model>);
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[RunWithSteps]) -> LoadResult<RunWithSteps, Self::Value> {
        let rows = runs::runs_with_steps(&self.db.conn, keys.iter().map(|k| k.0))
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|(run, steps)| (RunWithSteps(run.id), (run, steps)))
            .collect())
    }
}

/// One schema key of one project.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyRef {
    pub project_id: Uuid,
    pub schema_key: String,
}

/// Groups keys by project: pages stay within one project, so this is
/// almost always one query.
fn by_project<'a, I: Iterator<Item = &'a KeyRef>>(keys: I) -> HashMap<Uuid, Vec<String>> {
    group(keys.map(|k| (k.project_id, k.schema_key.clone())))
}

/// A version by (project, key, number): how `previous` is found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionByNumber(pub KeyRef, pub i32);

impl Loader<VersionByNumber> for GraphLoader {
    type Value = version::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[VersionByNumber]) -> LoadResult<VersionByNumber, Self::Value> {
        let mut out = HashMap::new();
        for (project_id, schema_keys) in by_project(keys.iter().map(|k| &k.0)) {
            let numbers: Vec<i32> = keys
                .iter()
                .filter(|k| k.0.project_id == project_id)
                .map(|k| k.1)
                .collect();
            let rows = version::Entity::find()
                .filter(version::Column::ProjectId.eq(project_id))
                .filter(version::Column::SchemaKey.is_in(schema_keys))
                .filter(version::Column::VersionNumber.is_in(numbers))
                .all(&self.db.conn)
                .await
                .map_err(db_error)?;
            for v in rows {
                let key = VersionByNumber(
                    KeyRef {
                        project_id,
                        schema_key: v.schema_key.clone(),
                    },
                    v.version_number,
                );
                if keys.contains(&key) {
                    out.insert(key, v);
                }
            }
        }
        Ok(out)
    }
}

/// The APPROVED version of a key, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CurrentOfKey(pub KeyRef);

impl Loader<CurrentOfKey> for GraphLoader {
    type Value = version::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CurrentOfKey]) -> LoadResult<CurrentOfKey, Self::Value> {
        let mut out = HashMap::new();
        for (project_id, schema_keys) in by_project(keys.iter().map(|k| &k.0)) {
            let rows = version::Entity::find()
                .filter(version::Column::ProjectId.eq(project_id))
                .filter(version::Column::SchemaKey.is_in(schema_keys))
                .filter(version::Column::Status.eq(VersionStatus::Approved))
                .all(&self.db.conn)
                .await
                .map_err(db_error)?;
            for v in rows {
                out.insert(
                    CurrentOfKey(KeyRef {
                        project_id,
                        schema_key: v.schema_key.clone(),
                    }),
                    v,
                );
            }
        }
        Ok(out)
    }
}

/// The highest version number of a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LatestNumberOfKey(pub KeyRef);

impl Loader<LatestNumberOfKey> for GraphLoader {
    type Value = i32;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[LatestNumberOfKey]) -> LoadResult<LatestNumberOfKey, Self::Value> {
        use sea_orm::QuerySelect;
        let mut out = HashMap::new();
        for (project_id, schema_keys) in by_project(keys.iter().map(|k| &k.0)) {
            let rows: Vec<(String, Option<i32>)> = version::Entity::find()
                .select_only()
                .column(version::Column::SchemaKey)
                .column_as(version::Column::VersionNumber.max(), "highest")
                .filter(version::Column::ProjectId.eq(project_id))
                .filter(version::Column::SchemaKey.is_in(schema_keys))
                .group_by(version::Column::SchemaKey)
                .into_tuple()
                .all(&self.db.conn)
                .await
                .map_err(db_error)?;
            for (schema_key, highest) in rows {
                if let Some(n) = highest {
                    out.insert(
                        LatestNumberOfKey(KeyRef {
                            project_id,
                            schema_key,
                        }),
                        n,
                    );
                }
            }
        }
        Ok(out)
    }
}
