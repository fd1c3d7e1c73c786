//! Retention (issue 20): per-project policies, and version values moved out
//! of the database into the object store.
//!
//! - `retention_policies`: one row per project that has a policy; each day
//!   count is null (keep for ever) or 0 and more.
//! - `artifact_versions.archived_key`: the object-store key of a value that
//!   retention moved out (compressed, content-addressed); the row's `value`
//!   is then JSON null and its digest unchanged.

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
                    .table("retention_policies")
                    .col(pk_uuid("project_id"))
                    .col(integer_null("rejected_days"))
                    .col(integer_null("superseded_days"))
                    .col(integer_null("run_output_days"))
                    .col(uuid("updated_by_id"))
                    .col(string("updated_by_name"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_retention_policies_project_id")
                            .from("retention_policies", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .add_column(string_null("archived_key"))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .drop_column("archived_key")
                    .take(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("retention_policies").take())
            .await?;
        Ok(())
    }
}
