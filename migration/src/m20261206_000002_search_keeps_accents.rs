//! Full-text search matches accents the same way on both databases (issue
//! 30): SQLite's FTS5 tokenizer folded diacritics ("apfel" found "Äpfel")
//! while PostgreSQL's `english` configuration does not. The SQLite index is
//! rebuilt with `remove_diacritics 0` (its rows copied as they are); the
//! triggers that keep it name the table and stay as they were.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn rebuild(manager: &SchemaManager<'_>, tokenize: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    // No rename: renaming re-checks the triggers, which name the table
    // that is gone at that moment. The rows wait in a plain table instead.
    let db = manager.get_connection();
    db.execute_unprepared(
        "CREATE TABLE version_search_rows AS SELECT version_id, key_words, body FROM version_search",
    )
    .await?;
    db.execute_unprepared("DROP TABLE version_search").await?;
    db.execute_unprepared(&format!(
        "CREATE VIRTUAL TABLE version_search USING fts5(\
         version_id UNINDEXED, key_words, body, tokenize = '{tokenize}')"
    ))
    .await?;
    db.execute_unprepared(
        "INSERT INTO version_search (version_id, key_words, body) \
         SELECT version_id, key_words, body FROM version_search_rows",
    )
    .await?;
    db.execute_unprepared("DROP TABLE version_search_rows")
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, "porter unicode61 remove_diacritics 0").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, "porter unicode61").await
    }
}
