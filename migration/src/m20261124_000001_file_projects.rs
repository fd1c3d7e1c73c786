//! Files belong to a project.
//!
//! A file row (id, filename, content type, uploader) was shared by everyone
//! who uploaded the same bytes, so a token of one project could reach another
//! project's file by its id. Now a row belongs to the project it was uploaded
//! for (NULL: uploaded by an unscoped token for no project yet), unique per
//! (project, sha256); the blob itself is still stored once per sha256.
//!
//! Existing rows: a file linked from one project's versions goes to that
//! project; a file linked from several is split, one row per project over the
//! same blob, and each project's links and primary files move to its row; an
//! unlinked file keeps no project.
//!
//! SQLite cannot drop the old inline UNIQUE on sha256, so there the table is
//! rebuilt. Its children (artifact_versions, artifact_version_files) point at
//! it with RESTRICT, which a DROP TABLE would trip; with the foreign keys
//! deferred for this transaction the drop only counts the orphaned children,
//! and copying the rows back into the new table settles that count again
//! before COMMIT (which fails if anything is left dangling).

use std::collections::HashMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COPY_COLUMNS: &str = "id, sha256, size, content_type, filename, storage_key, created_at";

/// `$1`, `$2`… placeholders as PostgreSQL spells them, or SQLite's `?1`, `?2`….
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();

        if backend == DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE files \
                 ADD COLUMN project_id uuid NULL REFERENCES projects (id) ON DELETE CASCADE, \
                 ADD COLUMN uploaded_by_id uuid NULL, \
                 ADD COLUMN uploaded_by_name varchar NULL, \
                 ADD COLUMN uploaded_by_type varchar(20) NULL, \
                 DROP CONSTRAINT files_sha256_key",
            )
            .await?;
        } else {
            db.execute_unprepared("PRAGMA defer_foreign_keys = ON")
                .await?;
            db.execute_unprepared(&format!(
                "CREATE TABLE files_legacy AS SELECT {COPY_COLUMNS} FROM files"
            ))
            .await?;
            db.execute_unprepared("DROP TABLE files").await?;
            manager
                .create_table(
                    Table::create()
                        .table("files")
                        .col(pk_uuid("id"))
                        .col(uuid_null("project_id"))
                        .col(string("sha256"))
                        .col(big_integer("size"))
                        .col(string("content_type"))
                        .col(string_null("filename"))
                        .col(string("storage_key"))
                        .col(uuid_null("uploaded_by_id"))
                        .col(string_null("uploaded_by_name"))
                        .col(string_len_null("uploaded_by_type", 20))
                        .col(timestamp_with_time_zone("created_at"))
                        .foreign_key(
                            ForeignKey::create()
                                .name("fk_files_project_id")
                                .from("files", "project_id")
                                .to("projects", "id")
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .take(),
                )
                .await?;
            db.execute_unprepared(&format!(
                "INSERT INTO files ({COPY_COLUMNS}) SELECT {COPY_COLUMNS} FROM files_legacy"
            ))
            .await?;
            db.execute_unprepared("DROP TABLE files_legacy").await?;
        }

        // A file linked (or primary) in one project's versions goes to that
        // project: to one of them, for now, when several link it.
        db.execute_unprepared(
            "UPDATE files SET project_id = ( \
                 SELECT v.project_id FROM artifact_version_files l \
                 JOIN artifact_versions v ON v.id = l.version_id \
                 WHERE l.file_id = files.id LIMIT 1) \
             WHERE EXISTS (SELECT 1 FROM artifact_version_files l WHERE l.file_id = files.id)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE files SET project_id = ( \
                 SELECT v.project_id FROM artifact_versions v \
                 WHERE v.primary_file_id = files.id LIMIT 1) \
             WHERE project_id IS NULL \
               AND EXISTS (SELECT 1 FROM artifact_versions v WHERE v.primary_file_id = files.id)",
        )
        .await?;

        // Every other project that links a file gets its own row of it.
        let others = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT DISTINCT l.file_id AS file_id, v.project_id AS project_id \
                 FROM artifact_version_files l \
                 JOIN artifact_versions v ON v.id = l.version_id \
                 JOIN files f ON f.id = l.file_id \
                 WHERE v.project_id <> f.project_id \
                 UNION \
                 SELECT v.primary_file_id, v.project_id FROM artifact_versions v \
                 JOIN files f ON f.id = v.primary_file_id \
                 WHERE v.project_id <> f.project_id",
            ))
            .await?;
        let mut copies: HashMap<(Uuid, Uuid), Uuid> = HashMap::new();
        for row in others {
            let file: Uuid = row.try_get("", "file_id")?;
            let project: Uuid = row.try_get("", "project_id")?;
            if copies.contains_key(&(file, project)) {
                continue;
            }
            let copy = Uuid::now_v7();
            copies.insert((file, project), copy);
            db.execute_raw(statement(
                backend,
                "INSERT INTO files (id, project_id, sha256, size, content_type, filename, storage_key, created_at) \
                 SELECT $1, $2, sha256, size, content_type, filename, storage_key, created_at \
                 FROM files WHERE id = $3",
                vec![copy.into(), project.into(), file.into()],
            ))
            .await?;
            db.execute_raw(statement(
                backend,
                "UPDATE artifact_version_files SET file_id = $1 \
                 WHERE file_id = $2 \
                   AND version_id IN (SELECT id FROM artifact_versions WHERE project_id = $3)",
                vec![copy.into(), file.into(), project.into()],
            ))
            .await?;
            db.execute_raw(statement(
                backend,
                "UPDATE artifact_versions SET primary_file_id = $1 \
                 WHERE primary_file_id = $2 AND project_id = $3",
                vec![copy.into(), file.into(), project.into()],
            ))
            .await?;
        }

        for sql in [
            "CREATE UNIQUE INDEX uq_files_project_sha256 ON files (project_id, sha256)",
            // NULLs are distinct in the index above: files of no project need their own.
            "CREATE UNIQUE INDEX uq_files_unscoped_sha256 ON files (sha256) WHERE project_id IS NULL",
            // gc asks whether any row still uses a blob.
            "CREATE INDEX idx_files_storage_key ON files (storage_key)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Going back would merge rows of different projects into one, and
        // repoint their links: not something to do silently.
        Err(DbErr::Migration(
            "files cannot go back to one row per sha256; restore a backup instead".into(),
        ))
    }
}
