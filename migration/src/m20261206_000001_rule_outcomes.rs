//! What an approval rule came to (issue 38): `artifact_versions.rule_outcome`
//! says whether the governing policy's rule held when the version was
//! created, or why it did not run (an operator rules may no longer use),
//! so that a rule that did not approve leaves a reason behind.

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
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .add_column(text_null("rule_outcome"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .drop_column("rule_outcome")
                    .take(),
            )
            .await
    }
}
