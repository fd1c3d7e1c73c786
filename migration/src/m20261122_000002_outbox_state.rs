//! The outbox's own state: up to which position events were pruned, so that
//! a subscriber resuming from an older cursor is told it cannot.

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
                    .table("outbox_state")
                    .col(integer("id").primary_key())
                    .col(big_integer("pruned_through"))
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO outbox_state (id, pruned_through) VALUES (1, 0)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("outbox_state").to_owned())
            .await
    }
}
