//! A table for the readiness probe's test write.
//!
//! While writes are failing (a full disk, say), `/readyz` checks whether the
//! database takes writes again by inserting and deleting one row here: a
//! row large enough to need new pages, so that a database at its size limit
//! is not reported ready because an in-place update happens to succeed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WriteProbe {
    Table,
    Id,
    Pad,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WriteProbe::Table)
                    .col(
                        ColumnDef::new(WriteProbe::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WriteProbe::Pad).blob().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WriteProbe::Table).to_owned())
            .await
    }
}
