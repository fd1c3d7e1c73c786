//! GIN indexes (jsonb_path_ops) on versions' values and projects' contexts,
//! on PostgreSQL: value filters test `value @> {path: operand}` for `eq` and
//! `contains`, which these answer without reading every version of a project.
//! SQLite has no such index; its filters read the project's rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_artifact_versions_value ON artifact_versions \
             USING GIN (value jsonb_path_ops)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_projects_context ON projects USING GIN (context jsonb_path_ops)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_artifact_versions_value")
            .await?;
        db.execute_unprepared("DROP INDEX idx_projects_context")
            .await?;
        Ok(())
    }
}
