//! Full-text search over versions' values and schema keys, kept in step with
//! every write by the database itself (so in the writing transaction):
//!
//! - PostgreSQL: a stored generated `search_doc tsvector` column (schema key
//!   at weight A, the value's strings at weight B, both with the `english`
//!   configuration) and a GIN index on it.
//! - SQLite: an FTS5 table `version_search` (porter stemming over unicode61)
//!   filled by triggers on insert, update and delete of a version, keyed by
//!   the version's id (never by rowid, which VACUUM may renumber); its
//!   columns are named apart from the versions' own, so that joined to them
//!   no column name is ambiguous.
//!
//! Both index the first 100,000 characters of a value's strings: a tsvector
//! holds at most 1 MiB, and an unbounded document would make the insert of
//! a large value fail.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The strings of a value, on PostgreSQL, as one text (JSON-quoted).
const PG_STRINGS: &str =
    "left(jsonb_path_query_array(value, 'strict $.** ? (@.type() == \"string\")')::text, 100000)";

/// The strings of a version row `row` (NEW or OLD), on SQLite, space-separated.
fn sqlite_strings(row: &str) -> String {
    format!(
        "substr((SELECT group_concat(value, ' ') FROM json_tree({row}.value) WHERE type = 'text'), 1, 100000)"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE artifact_versions ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (\
                 setweight(to_tsvector('english'::regconfig, replace(schema_key, '.', ' ')), 'A') || \
                 setweight(to_tsvector('english'::regconfig, {PG_STRINGS}), 'B')) STORED"
            ))
            .await?;
            db.execute_unprepared(
                "CREATE INDEX idx_artifact_versions_search ON artifact_versions USING GIN (search_doc)",
            )
            .await?;
            // The planner estimates a word missing from the column's most common
            // ones at half the rarest listed: with the default target (about
            // 1,000 words kept) a rare word looked common enough that walking
            // the key index for a page seemed cheaper than the GIN index, and at
            // 1M versions the walk read every row (7.7 s against 0.3 ms). With
            // 2,000 (about 20,000 words) rare words are estimated as rare.
            db.execute_unprepared(
                "ALTER TABLE artifact_versions ALTER COLUMN search_doc SET STATISTICS 2000",
            )
            .await?;
            return Ok(());
        }
        db.execute_unprepared(
            "CREATE VIRTUAL TABLE version_search USING fts5(\
             version_id UNINDEXED, key_words, body, tokenize = 'porter unicode61')",
        )
        .await?;
        let insert = |row: &str| {
            format!(
                "INSERT INTO version_search (version_id, key_words, body) \
                 VALUES ({row}.id, replace({row}.schema_key, '.', ' '), {})",
                sqlite_strings(row)
            )
        };
        let delete = |row: &str| format!("DELETE FROM version_search WHERE version_id = {row}.id");
        db.execute_unprepared(&format!(
            "CREATE TRIGGER version_search_insert AFTER INSERT ON artifact_versions BEGIN {}; END",
            insert("NEW")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER version_search_update AFTER UPDATE OF value, schema_key ON artifact_versions \
             BEGIN {}; {}; END",
            delete("OLD"),
            insert("NEW")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER version_search_delete AFTER DELETE ON artifact_versions BEGIN {}; END",
            delete("OLD")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO version_search (version_id, key_words, body) \
             SELECT v.id, replace(v.schema_key, '.', ' '), {} FROM artifact_versions AS v",
            sqlite_strings("v")
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE artifact_versions DROP COLUMN search_doc")
                .await?;
            return Ok(());
        }
        for trigger in [
            "version_search_insert",
            "version_search_update",
            "version_search_delete",
        ] {
            db.execute_unprepared(&format!("DROP TRIGGER {trigger}"))
                .await?;
        }
        db.execute_unprepared("DROP TABLE version_search").await?;
        Ok(())
    }
}
