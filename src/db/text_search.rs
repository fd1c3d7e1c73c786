//! The SQL of full-text search over versions, for each database: a tsvector
//! column with a GIN index on PostgreSQL, an FTS5 table on SQLite. Which
//! words are searched for, and how a search is paged, is
//! `domain::artifacts::search`'s.

use entity::artifact_version as version;
use sea_orm::sea_query::{Alias, Expr, JoinType, SimpleExpr};
use sea_orm::{QueryFilter, QueryTrait, Select};

use super::Dialect;

impl Dialect {
    /// `select` narrowed to the versions matching every one of `words`
    /// (letters and digits only), with the expression that ranks them as a
    /// float (higher: a better match).
    pub(crate) fn text_match(
        self,
        mut select: Select<version::Entity>,
        words: &[String],
    ) -> (Select<version::Entity>, SimpleExpr) {
        match self {
            Dialect::Postgres => {
                let query = || {
                    Expr::cust_with_values(
                        "plainto_tsquery('english'::regconfig, $1)",
                        [words.join(" ")],
                    )
                };
                let doc = || Expr::cust("\"artifact_versions\".\"search_doc\"");
                let matches = Expr::cust_with_exprs("$1 @@ $2", [doc(), query()]);
                let rank = Expr::cust_with_exprs("ts_rank($1, $2)::float8", [doc(), query()]);
                (select.filter(matches), rank)
            }
            Dialect::Sqlite => {
                // Each word a quoted FTS5 string (words hold no quotes), all required.
                let phrase: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
                QueryTrait::query(&mut select).join(
                    JoinType::InnerJoin,
                    Alias::new("version_search"),
                    Expr::cust("\"version_search\".\"version_id\" = \"artifact_versions\".\"id\""),
                );
                let select = select.filter(Expr::cust_with_values(
                    "\"version_search\" MATCH ?",
                    [phrase.join(" ")],
                ));
                // bm25 is lower for a better match; key matches weigh double.
                let rank = Expr::cust("(-bm25(\"version_search\", 0.0, 2.0, 1.0))");
                (select, rank)
            }
        }
    }
}
