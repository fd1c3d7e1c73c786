//! Keyset pagination for Relay connections.
//!
//! Pages are ordered by a unique key (a UUID v7 id, or a schema key for
//! artifacts); a cursor is that key, base64url-encoded so clients treat it as
//! opaque. A page is read with one `LIMIT first + 1` query (the extra row says
//! whether there is a next page). When the total is asked for, the same
//! statement counts it in a scalar subquery, so a counted page is still one
//! round trip.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, Query, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::error::{DomainError, DomainResult};

/// The largest `first` a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when the client gives no `first`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// A client's page request, checked by [`PageArgs::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageArgs {
    /// How many items, at most [`MAX_PAGE_SIZE`].
    pub first: u64,
    /// The cursor of the item before the page, as the client sent it; decoded
    /// (and refused if malformed) when the page is read.
    pub after: Option<String>,
    /// Whether to count all matching rows (only when the client asked for totalCount).
    pub with_total: bool,
}

impl PageArgs {
    /// Checks `first` (VALIDATION_FAILED when negative or over
    /// [`MAX_PAGE_SIZE`]; [`DEFAULT_PAGE_SIZE`] when absent).
    pub fn new(first: Option<i32>, after: Option<String>, with_total: bool) -> DomainResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => {
                return Err(DomainError::validation("`first` must not be negative"));
            }
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(DomainError::validation(format!(
                    "`first` is {n}, over the maximum page size of {MAX_PAGE_SIZE}"
                )));
            }
            Some(n) => n as u64,
        };
        Ok(PageArgs {
            first,
            after,
            with_total,
        })
    }

    fn after_bytes(&self) -> DomainResult<Option<Vec<u8>>> {
        self.after
            .as_deref()
            .map(|c| {
                super::validate::text("after", c, super::validate::MAX_CURSOR_CHARS)?;
                URL_SAFE_NO_PAD
                    .decode(c)
                    .map_err(|_| DomainError::validation(format!("cursor {c:?} is not valid")))
            })
            .transpose()
    }

    /// The `after` cursor as a UUID key; VALIDATION_FAILED if it is not one.
    pub fn after_uuid(&self) -> DomainResult<Option<Uuid>> {
        self.after_bytes()?
            .map(|bytes| {
                Uuid::from_slice(&bytes).map_err(|_| DomainError::validation("cursor is not valid"))
            })
            .transpose()
    }

    /// The `after` cursor as a text key; VALIDATION_FAILED if it is not one.
    pub fn after_text(&self) -> DomainResult<Option<String>> {
        self.after_bytes()?
            .map(|bytes| {
                String::from_utf8(bytes).map_err(|_| DomainError::validation("cursor is not valid"))
            })
            .transpose()
    }
}

/// The cursor of the item keyed by `id`.
pub fn uuid_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// The cursor of the item keyed by text `key` (an artifact's schema key).
pub fn text_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// One page of a connection, ready for Relay's `edges` and `pageInfo`.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Each item with its cursor.
    pub items: Vec<(String, T)>,
    /// Whether items follow this page.
    pub has_next_page: bool,
    /// Whether the page started after a cursor (forward paging only).
    pub has_previous_page: bool,
    /// Every matching row, ignoring the cursor; only when asked for.
    pub total_count: Option<u64>,
}

impl<T> Page<T> {
    /// The same page with each item turned by `f`, cursors kept.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
        }
    }
}

/// The column a counted page carries its total in.
const TOTAL_COLUMN: &str = "quire_page_total";

async fn select_count(
    db: &impl ConnectionTrait,
    count: &sea_orm::sea_query::SelectStatement,
) -> DomainResult<u64> {
    let row = db
        .query_one_raw(db.get_database_backend().build(count))
        .await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0) as u64)
}

/// What a page's total counts.
pub enum Total {
    /// Every row of the paged select (the cursor aside).
    Rows,
    /// What this one-row, one-column statement reads: for a set whose size
    /// is kept apart from its rows.
    Kept(Box<sea_orm::sea_query::SelectStatement>),
}

/// Pages `select` by its UUID v7 key column `key`, ascending or descending.
pub async fn by_uuid<E, C>(
    db: &C,
    select: Select<E>,
    total: Total,
    key: E::Column,
    order: Order,
    id_of: impl Fn(&E::Model) -> Uuid,
    args: &PageArgs,
) -> DomainResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    C: ConnectionTrait,
{
    let count = args.with_total.then(|| match total {
        Total::Kept(count) => *count,
        Total::Rows => Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from_subquery(select.clone().into_query(), "counted")
            .to_owned(),
    });
    let after = args.after_uuid()?;
    let mut page = select;
    if let Some(after) = after {
        page = match order {
            Order::Desc => page.filter(key.lt(after)),
            _ => page.filter(key.gt(after)),
        };
    }
    let mut page = page.order_by(key, order).limit(args.first + 1);
    if let Some(count) = &count {
        page = page.expr_as(
            Expr::SubQuery(
                None,
                Box::new(SubQueryStatement::SelectStatement(count.clone())),
            ),
            TOTAL_COLUMN,
        );
    }
    let results = db
        .query_all_raw(page.build(db.get_database_backend()))
        .await?;
    let total_count = match (&count, results.first(), after) {
        (None, _, _) => None,
        (Some(_), Some(first), _) => Some(first.try_get::<i64>("", TOTAL_COLUMN)? as u64),
        // No row to carry the count: an empty set, or past the end of one.
        (Some(_), None, None) => Some(0),
        (Some(count), None, Some(_)) => Some(select_count(db, count).await?),
    };
    let mut rows = results
        .iter()
        .map(|r| E::Model::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let has_next_page = rows.len() as u64 > args.first;
    rows.truncate(args.first as usize);
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| (uuid_cursor(id_of(&row)), row))
            .collect(),
        has_next_page,
        has_previous_page: after.is_some(),
        total_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_bounded() {
        assert_eq!(
            PageArgs::new(None, None, false).unwrap().first,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(PageArgs::new(Some(100), None, false).unwrap().first, 100);
        assert!(PageArgs::new(Some(101), None, false).is_err());
        assert!(PageArgs::new(Some(-1), None, false).is_err());
    }

    #[test]
    fn cursors_round_trip() {
        let id = Uuid::now_v7();
        let args = PageArgs::new(Some(1), Some(uuid_cursor(id)), false).unwrap();
        assert_eq!(args.after_uuid().unwrap(), Some(id));
        let args = PageArgs::new(Some(1), Some(text_cursor("brand.logo")), false).unwrap();
        assert_eq!(args.after_text().unwrap().as_deref(), Some("brand.logo"));
        let bad = PageArgs::new(Some(1), Some("!!".into()), false).unwrap();
        assert!(bad.after_uuid().is_err());
    }
}
