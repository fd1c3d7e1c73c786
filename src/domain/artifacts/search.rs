//! Full-text search over versions' values and schema keys.
//!
//! The index is the database's own, kept in step with every write by the
//! database (see the `version_search` migration): PostgreSQL matches the
//! stored `search_doc` tsvector with `plainto_tsquery('english', …)` through
//! a GIN index and ranks with `ts_rank`; SQLite matches its FTS5 table
//! `version_search` (porter stemming) and ranks with `bm25`. A search is
//! the words of the client's text, all of which must match (stemmed: "runs"
//! finds "running"); punctuation and operators in it are only separators,
//! and the words reach the database as one bound value.
//!
//! Ranks are a document's own on PostgreSQL, so a cursor into a ranked list
//! stays stable under inserts; SQLite's bm25 weighs words by how rare they
//! are across all versions, so a version's rank there may move as others
//! are written.

use entity::artifact_version as version;
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter, Select};
use uuid::Uuid;

use crate::db::Dialect;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::query::pagination::{self, Page, PageArgs, SortKey, SortKind, Total};
use crate::domain::{Session, projects};

/// The most characters of a search text.
pub const MAX_SEARCH_CHARS: usize = 256;
/// The most words of a search text.
pub const MAX_SEARCH_WORDS: usize = 16;

/// The words of a search text: runs of letters and digits. VALIDATION_FAILED
/// when the text is over [`MAX_SEARCH_CHARS`], has no word, or more than
/// [`MAX_SEARCH_WORDS`].
pub(crate) fn words(text: &str) -> DomainResult<Vec<String>> {
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(DomainError::validation(format!(
            "a search is at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Err(DomainError::validation(
            "a search needs at least one word (letters or digits)",
        ));
    }
    if words.len() > MAX_SEARCH_WORDS {
        return Err(DomainError::validation(format!(
            "a search has at most {MAX_SEARCH_WORDS} words"
        )));
    }
    Ok(words)
}

/// `select` narrowed to the versions matching every one of `words`, with
/// the expression that ranks them (higher: a better match).
pub(crate) fn matching(
    dialect: Dialect,
    select: Select<version::Entity>,
    words: &[String],
) -> (Select<version::Entity>, SortKey) {
    let (select, rank) = dialect.text_match(select, words);
    (
        select,
        SortKey {
            expr: rank,
            kind: SortKind::Real,
        },
    )
}

/// Versions matching `text`, best match first (ties: newest first), in the
/// project `project_id` (its public ID; NOT_FOUND if the caller cannot see
/// it) or in every project the caller may see.
pub async fn versions(
    s: Session<'_>,
    text: &str,
    project_id: Option<&str>,
    args: &PageArgs,
) -> DomainResult<Page<version::Model>> {
    let words = words(text)?;
    let mut select = version::Entity::find();
    let project: Option<Uuid> = match project_id {
        Some(public) => Some(projects::require(s, public).await?.id),
        None => s.principal.project_scope,
    };
    if let Some(id) = project {
        select = select.filter(version::Column::ProjectId.eq(id));
    }
    // A version is found only by what its project's tier reads.
    let gated = crate::domain::schemas::tier_reach::load(&s.db.conn).await?;
    if !gated.is_empty() {
        let tiers = &s.limits.tiers;
        match project {
            Some(id) => {
                let tier = crate::domain::schemas::tier_reach::project_tier(s, id).await?;
                let hidden = gated.keys_above(tiers, &tier);
                if !hidden.is_empty() {
                    select = select.filter(version::Column::SchemaKey.is_not_in(hidden));
                }
            }
            None => {
                select = select.filter(crate::domain::schemas::tier_reach::searchable_everywhere(
                    &gated, tiers,
                ))
            }
        }
    }
    let (select, rank) = matching(s.db.dialect(), select, &words);
    pagination::sorted(
        s.db.value_planned(),
        select,
        Total::Rows,
        Some(rank),
        version::Column::Id,
        Order::Desc,
        |v| v.id,
        args,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(
            words("Onboarding, \"flow\" OR -x_2 café").unwrap(),
            ["onboarding", "flow", "or", "x", "2", "café"]
        );
        assert!(words("  !!! ").is_err());
        assert!(words(&"a ".repeat(17)).is_err());
        assert!(words(&"a".repeat(257)).is_err());
    }
}
