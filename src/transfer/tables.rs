//! The tables a copy moves, in an order that writes every row after the
//! rows it refers to, and how each is moved.

use futures::StreamExt;
use futures::future::LocalBoxFuture;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, Iterable, PrimaryKeyToColumn,
    QueryOrder, Statement,
};

use super::BATCH;
use crate::db::Db;

/// Told the rows copied so far of a table.
pub(super) type Progress<'a> = dyn FnMut(&str, u64) + 'a;

/// Copies one table from the source snapshot to the target: rows written.
pub(super) type CopyTable = for<'a> fn(
    &'a DatabaseTransaction,
    &'a Db,
    &'a mut Progress<'a>,
) -> LocalBoxFuture<'a, Result<u64, DbErr>>;

/// One table: its name and how it is copied.
pub(super) struct Table {
    pub name: &'static str,
    pub copy: CopyTable,
}

/// Streams an entity's rows in key order from the source snapshot and
/// writes them to the target, `BATCH` rows per statement.
async fn copy_entity<E>(
    source: &DatabaseTransaction,
    to: &Db,
    name: &str,
    progress: &mut (dyn FnMut(&str, u64) + '_),
) -> Result<u64, DbErr>
where
    E: EntityTrait,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel> + Send + Sync,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut select = E::find();
    for key in E::PrimaryKey::iter() {
        select = select.order_by_asc(key.into_column());
    }
    let mut rows = select.stream(source).await?;
    let mut batch: Vec<E::ActiveModel> = Vec::with_capacity(BATCH as usize);
    let mut done = 0u64;
    loop {
        let next = rows.next().await.transpose()?;
        let end = next.is_none();
        if let Some(model) = next {
            batch.push(sea_orm::IntoActiveModel::into_active_model(model));
        }
        if batch.len() as u64 >= BATCH || (end && !batch.is_empty()) {
            done += batch.len() as u64;
            E::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&to.conn)
                .await?;
            progress(name, done);
        }
        if end {
            return Ok(done);
        }
    }
}

macro_rules! tables {
    ($($name:literal => $entity:path),+ $(,)?) => {
        /// Every table, parents before children.
        pub(super) const ALL: &[Table] = &[$(
            Table {
                name: $name,
                copy: |source, to, progress| {
                    Box::pin(copy_entity::<$entity>(source, to, $name, progress))
                },
            },
        )+];
    };
}

tables! {
    "projects" => entity::project::Entity,
    "api_tokens" => entity::api_token::Entity,
    "model_prices" => entity::model_price::Entity,
    "artifact_schemas" => entity::artifact_schema::Entity,
    "approval_policies" => entity::approval_policy::Entity,
    "retention_policies" => entity::retention_policy::Entity,
    "project_tier_changes" => entity::project_tier_change::Entity,
    "files" => entity::file::Entity,
    "runs" => entity::run::Entity,
    "run_steps" => entity::run_step::Entity,
    "artifact_versions" => entity::artifact_version::Entity,
    "artifact_version_files" => entity::artifact_version_file::Entity,
    "run_artifacts" => entity::run_artifact::Entity,
    "approvals" => entity::approval::Entity,
    "annotation_revisions" => entity::annotation_revision::Entity,
    "generations" => entity::generation::Entity,
    "context_revisions" => entity::context_revision::Entity,
    "events" => entity::event::Entity,
    "idempotency_keys" => entity::idempotency_key::Entity,
    "outbox_state" => entity::outbox_state::Entity,
    "webhooks" => entity::webhook::Entity,
    "webhook_deliveries" => entity::webhook_delivery::Entity,
}

/// The kept version counts (a table without an entity: `version_counts`).
pub(super) async fn copy_version_counts(
    source: &DatabaseTransaction,
    to: &Db,
) -> Result<(), DbErr> {
    let rows = source
        .query_all_raw(Statement::from_string(
            source.get_database_backend(),
            "SELECT project_id, status, shard, versions FROM version_counts ORDER BY project_id, status, shard",
        ))
        .await?;
    for chunk in rows.chunks(BATCH as usize) {
        let mut insert = sea_orm::sea_query::Query::insert()
            .into_table(sea_orm::sea_query::Alias::new("version_counts"))
            .columns(
                ["project_id", "status", "shard", "versions"].map(sea_orm::sea_query::Alias::new),
            )
            .to_owned();
        for row in chunk {
            let project: uuid::Uuid = row.try_get("", "project_id")?;
            let status: String = row.try_get("", "status")?;
            let shard: i16 = row.try_get("", "shard")?;
            let versions: i64 = row.try_get("", "versions")?;
            insert
                .values([project.into(), status.into(), shard.into(), versions.into()])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        to.conn.execute(&insert).await?;
    }
    Ok(())
}

/// Recomputes the digest of a sample of versions (every 97th, at most 100)
/// on the target from its values and files, and compares it with the
/// source's; the number checked.
pub(super) async fn check_digests(source: &DatabaseTransaction, to: &Db) -> Result<usize, DbErr> {
    use entity::{artifact_version as version, artifact_version_file as link, file};
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect, RelationTrait};
    let ids: Vec<uuid::Uuid> = version::Entity::find()
        .select_only()
        .column(version::Column::Id)
        .order_by_asc(version::Column::Id)
        .into_tuple()
        .all(source)
        .await?;
    let sample: Vec<uuid::Uuid> = ids.into_iter().step_by(97).take(100).collect();
    let mut checked = 0;
    for id in sample {
        let (Some(there), Some(here)) = (
            version::Entity::find_by_id(id).one(&to.conn).await?,
            version::Entity::find_by_id(id).one(source).await?,
        ) else {
            return Err(DbErr::Custom(format!(
                "version {id} is missing from the target"
            )));
        };
        if there.archived_key.is_some() {
            continue;
        }
        let shas: Vec<String> = file::Entity::find()
            .join_rev(sea_orm::JoinType::InnerJoin, link::Relation::File.def())
            .filter(link::Column::VersionId.eq(id))
            .order_by_asc(link::Column::Sort)
            .all(&to.conn)
            .await?
            .into_iter()
            .map(|f| f.sha256)
            .collect();
        let value = there
            .value
            .parse()
            .map_err(|e| DbErr::Custom(format!("version {id}: {e}")))?;
        let digest = crate::domain::digest::version_digest(&value, &shas);
        if digest != here.digest || there.digest != here.digest {
            return Err(DbErr::Custom(format!(
                "version {id}: digest {digest} recomputed on the target, {} in the source",
                here.digest
            )));
        }
        checked += 1;
    }
    Ok(checked)
}
