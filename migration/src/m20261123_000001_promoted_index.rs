//! An index of the versions whose value is in their project's context.
//!
//! Every promotion looks for promoted versions that are no longer APPROVED.
//! Through the (project, status) index that is a range over every status but
//! one, and where statistics say a project holds most rows (SQLite's after
//! ANALYZE of one big project), the planner scanned the whole table instead:
//! 200 ms per promotion at 1M versions. This partial index holds only the
//! few promoted versions of each project.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_artifact_versions_promoted \
                 ON artifact_versions (project_id) WHERE promoted_context_version IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_artifact_versions_promoted")
            .await?;
        Ok(())
    }
}
