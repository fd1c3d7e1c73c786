//! An index of a run's artifacts by direction and position.
//!
//! Each version created from a run is appended to the run's outputs at the
//! next position. That position was a COUNT of the run's outputs, read
//! through the primary key (run, version, direction): one more entry to
//! count for every output the run already had, so a long-lived run made
//! each create slower than the last. With this index the next position is
//! the highest one plus one, a single index probe, and a run's outputs are
//! read in order without sorting.

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
                "CREATE INDEX idx_run_artifacts_run_sort ON run_artifacts (run_id, direction, sort)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_run_artifacts_run_sort")
            .await?;
        Ok(())
    }
}
