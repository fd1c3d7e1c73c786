//! Schemas that evolve and fields gated by tier (issue 19):
//!
//! - `artifact_schemas.upgrade`: the RFC 6902 patch from the previous
//!   version's values to this version's (null: none needed).
//! - `projects.tier`: the project's tier (null: the lowest configured).
//! - `project_tier_changes`: the audit trail of `setProjectTier`, a row per
//!   change with the tiers before and after, who and when.

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
                    .table("artifact_schemas")
                    .add_column(ColumnDef::new("upgrade").json_binary().null())
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("projects")
                    .add_column(string_len_null("tier", 32))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("project_tier_changes")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(string_len_null("from_tier", 32))
                    .col(string_len("to_tier", 32))
                    .col(uuid("actor_id"))
                    .col(string("actor_name"))
                    .col(string_len("actor_type", 20))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_tier_changes_project_id")
                            .from("project_tier_changes", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_tier_changes_project")
                    .table("project_tier_changes")
                    .col("project_id")
                    .col("id")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("project_tier_changes").take())
            .await?;
        for (table, column) in [("projects", "tier"), ("artifact_schemas", "upgrade")] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
