//! How many versions each project has in each status, kept by the writes.
//!
//! A page's totalCount was a COUNT(*) over the matching rows: at 1M versions
//! the review queue's count read 166k index entries (23-30 ms, in a parallel
//! plan) for every page. Each write transaction that creates a version or
//! changes its status now adds its changes to these rows just before it
//! commits, so a project's count is the sum of a few rows.
//!
//! A (project, status) total is split over a few `shard` rows: concurrent
//! writers each add to one shard of their choosing, and so seldom wait for
//! each other's commit on one hot row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("version_counts")
                    .col(uuid("project_id"))
                    .col(string_len("status", 20))
                    .col(small_integer("shard"))
                    .col(big_integer("versions"))
                    .primary_key(Index::create().col("project_id").col("status").col("shard"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_version_counts_project_id")
                            .from("version_counts", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO version_counts (project_id, status, shard, versions) \
                 SELECT project_id, status, 0, COUNT(*) FROM artifact_versions \
                 GROUP BY project_id, status",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("version_counts").take())
            .await?;
        Ok(())
    }
}
