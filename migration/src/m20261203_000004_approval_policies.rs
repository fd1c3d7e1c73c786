//! Approval policies (issue 20): rules that approve low-risk versions when
//! they are created, and quorums for high-risk ones.
//!
//! - `approval_policies`: one row per policy as set; rows are never edited
//!   (setting a pattern again writes a new row and marks the old one
//!   replaced, deleting marks it deleted), so a version keeps the policy it
//!   was created under, and the rows are the policies' audit trail.
//! - `artifact_versions.approval_policy_id`: the policy that governed the
//!   version when it was created (no foreign key: SQLite cannot add one to
//!   an existing table; the domain writes it).

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
                    .table("approval_policies")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(string("schema_key_pattern"))
                    .col(ColumnDef::new("auto_approve_when").json_binary().null())
                    .col(integer("required_approvals"))
                    .col(
                        ColumnDef::new("required_actor_types")
                            .json_binary()
                            .not_null(),
                    )
                    .col(uuid("created_by_id"))
                    .col(string("created_by_name"))
                    .col(string_len("created_by_type", 20))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(uuid_null("ended_by_id"))
                    .col(string_null("ended_by_name"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_policies_project_id")
                            .from("approval_policies", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_approval_policies_project")
                    .table("approval_policies")
                    .col("project_id")
                    .col("schema_key_pattern")
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .add_column(uuid_null("approval_policy_id"))
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
                    .drop_column("approval_policy_id")
                    .take(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("approval_policies").take())
            .await?;
        Ok(())
    }
}
