//! Batch loading of nested fields. One `DataLoader<GraphLoader>` lives per
//! request; each key type below is one batched query, so a nested page costs
//! a fixed number of statements whatever its size.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    RunArtifactDirection, VersionStatus, approval, artifact_version as version,
    artifact_version_file, file, project, run, run_artifact, run_step,
};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::error::to_graphql;
use crate::db::Db;
use crate::domain::{DomainError, runs};

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
    /// `column IN (ids)` in the backend's fastest form (see `Dialect::uuid_in`).
    fn ids_in<C: ColumnTrait>(&self, column: C, ids: impl IntoIterator<Item = Uuid>) -> SimpleExpr {
        self.db.dialect().uuid_in(column, ids)
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

macro_rules! by_id_loader {
    ($key:ident, $entity:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for GraphLoader {
            type Value = $entity::Model;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let rows = $entity::Entity::find()
                    .filter(self.ids_in($entity::Column::Id, keys.iter().map(|k| k.0)))
                    .all(&self.db.conn)
                    .await
                    .map_err(db_error)?;
                Ok(rows.into_iter().map(|r| ($key(r.id), r)).collect())
            }
        }
    };
}

by_id_loader!(ProjectById, project, "A project by id.");
by_id_loader!(VersionById, version, "An artifact version by id.");
by_id_loader!(FileById, file, "A file by id.");
by_id_loader!(ApprovalById, approval, "An approval by id.");

/// A run by id, without its output (see `runs::runs_without_output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunById(pub Uuid);

impl Loader<RunById> for GraphLoader {
    type Value = run::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[RunById]) -> LoadResult<RunById, Self::Value> {
        let rows = runs::runs_without_output()
            .filter(self.ids_in(run::Column::Id, keys.iter().map(|k| k.0)))
            .all(&self.db.conn)
            .await
            .map_err(db_error)?;
        Ok(rows.into_iter().map(|r| (RunById(r.id), r)).collect())
    }
}

/// A run step by id, without its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StepById(pub Uuid);

impl Loader<StepById> for GraphLoader {
    type Value = run_step::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[StepById]) -> LoadResult<StepById, Self::Value> {
        let rows = runs::steps_without_output()
            .filter(self.ids_in(run_step::Column::Id, keys.iter().map(|k| k.0)))
            .all(&self.db.conn)
            .await
            .map_err(db_error)?;
        Ok(rows.into_iter().map(|r| (StepById(r.id), r)).collect())
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

/// The steps of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StepsOfRun(pub Uuid);

impl Loader<StepsOfRun> for GraphLoader {
    type Value = Vec<run_step::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[StepsOfRun]) -> LoadResult<StepsOfRun, Self::Value> {
        let rows = runs::steps_without_output()
            .filter(self.ids_in(run_step::Column::RunId, keys.iter().map(|k| k.0)))
            .order_by_asc(run_step::Column::RunId)
            .order_by_asc(run_step::Column::Position)
            .all(&self.db.conn)
            .await
            .map_err(db_error)?;
        Ok(group(rows.into_iter().map(|s| (StepsOfRun(s.run_id), s))))
    }
}

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

/// The runs started with this run as their parent, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildrenOfRun(pub Uuid);

impl Loader<ChildrenOfRun> for GraphLoader {
    type Value = Vec<run::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChildrenOfRun]) -> LoadResult<ChildrenOfRun, Self::Value> {
        let rows = runs::runs_without_output()
            .filter(self.ids_in(run::Column::ParentRunId, keys.iter().map(|k| k.0)))
            .order_by_asc(run::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(db_error)?;
        Ok(group(rows.into_iter().filter_map(|r| {
            r.parent_run_id.map(|p| (ChildrenOfRun(p), r))
        })))
    }
}

/// The versions a run read (`Input`) or produced (`Output`), in link order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunVersions(pub Uuid, pub RunArtifactDirection);

impl Loader<RunVersions> for GraphLoader {
    type Value = Vec<version::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[RunVersions]) -> LoadResult<RunVersions, Self::Value> {
        let mut out = HashMap::new();
        for direction in [RunArtifactDirection::Input, RunArtifactDirection::Output] {
            let runs: Vec<Uuid> = keys
                .iter()
                .filter(|k| k.1 == direction)
                .map(|k| k.0)
                .collect();
            if runs.is_empty() {
                continue;
            }
            let rows = run_artifact::Entity::find()
                .filter(self.ids_in(run_artifact::Column::RunId, runs))
                .filter(run_artifact::Column::Direction.eq(direction))
                .order_by_asc(run_artifact::Column::RunId)
                .order_by_asc(run_artifact::Column::Sort)
                .find_also_related(version::Entity)
                .all(&self.db.conn)
                .await
                .map_err(db_error)?;
            out.extend(group(rows.into_iter().filter_map(|(link, v)| {
                v.map(|v| (RunVersions(link.run_id, direction), v))
            })));
        }
        Ok(out)
    }
}

/// The runs that read a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConsumersOfVersion(pub Uuid);

impl Loader<ConsumersOfVersion> for GraphLoader {
    type Value = Vec<run::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ConsumersOfVersion],
    ) -> LoadResult<ConsumersOfVersion, Self::Value> {
        let rows = run_artifact::Entity::find()
            .filter(self.ids_in(run_artifact::Column::VersionId, keys.iter().map(|k| k.0)))
            .filter(run_artifact::Column::Direction.eq(RunArtifactDirection::Input))
            .order_by_asc(run_artifact::Column::RunId)
            .find_also_related(run::Entity)
            .all(&self.db.conn)
            .await
            .map_err(db_error)?;
        Ok(group(rows.into_iter().filter_map(|(link, r)| {
            r.map(|r| (ConsumersOfVersion(link.version_id), r))
        })))
    }
}

/// The files of a version, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FilesOfVersion(pub Uuid);

impl Loader<FilesOfVersion> for GraphLoader {
    type Value = Vec<file::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[FilesOfVersion]) -> LoadResult<FilesOfVersion, Self::Value> {
        let rows = artifact_version_file::Entity::find()
            .filter(self.ids_in(
                artifact_version_file::Column::VersionId,
                keys.iter().map(|k| k.0),
            ))
            .order_by_asc(artifact_version_file::Column::VersionId)
            .order_by_asc(artifact_version_file::Column::Sort)
            .find_also_related(file::Entity)
            .all(&self.db.conn)
            .await
            .map_err(db_error)?;
        Ok(group(rows.into_iter().filter_map(|(link, f)| {
            f.map(|f| (FilesOfVersion(link.version_id), f))
        })))
    }
}

/// The audit trail of a version, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApprovalsOfVersion(pub Uuid);

impl Loader<ApprovalsOfVersion> for GraphLoader {
    type Value = Vec<approval::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ApprovalsOfVersion],
    ) -> LoadResult<ApprovalsOfVersion, Self::Value> {
        let rows = approval::Entity::find()
            .filter(self.ids_in(approval::Column::VersionId, keys.iter().map(|k| k.0)))
            .order_by_asc(approval::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(db_error)?;
        Ok(group(rows.into_iter().filter_map(|a| {
            a.version_id.map(|v| (ApprovalsOfVersion(v), a))
        })))
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
