//! The authoring loop (issue 16): revisions, living annotations and
//! generation claims.
//!
//! - `artifact_versions.base_version_id`: the version a new one revises
//!   (no foreign key: SQLite cannot add one to an existing table, and
//!   versions are never deleted; the domain checks it on write).
//! - `artifact_versions.annotations_revision`: the optimistic lock of
//!   `setAnnotations`, from 1.
//! - `annotation_revisions`: the audit trail of annotations, one row per
//!   revision after the first, with who set it and when.
//! - `generations`: who is generating which key now, one row per key that
//!   was ever claimed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: &'static str, column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{column}"))
        .from(from, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .add_column(uuid_null("base_version_id"))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .add_column(integer("annotations_revision").default(1))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_artifact_versions_base")
                    .table("artifact_versions")
                    .col("base_version_id")
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("annotation_revisions")
                    .col(pk_uuid("id"))
                    .col(uuid("version_id"))
                    .col(integer("revision"))
                    .col(ColumnDef::new("annotations").json_binary().null())
                    .col(uuid("actor_id"))
                    .col(string("actor_name"))
                    .col(string_len("actor_type", 20))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "annotation_revisions",
                        "version_id",
                        "artifact_versions",
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_annotation_revisions_version")
                    .table("annotation_revisions")
                    .col("version_id")
                    .col("revision")
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("generations")
                    .col(uuid("project_id"))
                    .col(string("schema_key"))
                    .col(string_len("state", 20))
                    .col(uuid_null("run_id"))
                    .col(uuid_null("holder_id"))
                    .col(string_null("holder_name"))
                    .col(string_len_null("holder_type", 20))
                    .col(timestamp_with_time_zone_null("lease_expires_at"))
                    .col(text_null("error"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("project_id").col("schema_key"))
                    .foreign_key(&mut fk("generations", "project_id", "projects"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_generations_run")
                    .table("generations")
                    .col("run_id")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("generations").take())
            .await?;
        manager
            .drop_table(Table::drop().table("annotation_revisions").take())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_artifact_versions_base")
                    .table("artifact_versions")
                    .to_owned(),
            )
            .await?;
        for column in ["annotations_revision", "base_version_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("artifact_versions")
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
