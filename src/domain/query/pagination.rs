//! Keyset pagination for Relay connections.
//!
//! Pages are ordered by a unique key (a UUID v7 id, or a schema key for
//! artifacts), or by a sort expression with the id breaking ties; a cursor
//! is the key (or the sort value and the id), base64url-encoded so clients
//! treat it as opaque. A page is read with one `LIMIT size + 1` query (the
//! extra row says whether there is a page beyond it), forward after a cursor
//! (`first`/`after`) or backward before one (`last`/`before`, read in the
//! reverse order and turned around). When the total is asked for, the same
//! statement counts it in a scalar subquery, so a counted page is still one
//! round trip.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::rows::FromRow;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr, SubQueryStatement};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QueryResult,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

pub use crate::db::SortKind;
use crate::domain::error::{DomainError, DomainResult};

/// The largest `first` a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when the client gives no `first`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// A client's page request, checked by [`PageArgs::new`] or
/// [`PageArgs::relay`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageArgs {
    /// How many items, at most [`MAX_PAGE_SIZE`] (`first`, or `last` when
    /// paging backward).
    pub first: u64,
    /// The cursor of the item before the page (forward) or after it
    /// (backward), as the client sent it; decoded (and refused if malformed)
    /// when the page is read.
    pub after: Option<String>,
    /// Whether the page is the `last` items before the cursor.
    pub backward: bool,
    /// Whether to count all matching rows (only when the client asked for totalCount).
    pub with_total: bool,
}

/// A page size as asked for: VALIDATION_FAILED when negative or over
/// [`MAX_PAGE_SIZE`]; [`DEFAULT_PAGE_SIZE`] when absent.
fn page_size(name: &str, size: Option<i32>) -> DomainResult<u64> {
    match size {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(DomainError::validation(format!(
            "`{name}` must not be negative"
        ))),
        Some(n) if n as u64 > MAX_PAGE_SIZE => Err(DomainError::validation(format!(
            "`{name}` is {n}, over the maximum page size of {MAX_PAGE_SIZE}"
        ))),
        Some(n) => Ok(n as u64),
    }
}

impl PageArgs {
    /// A forward page: `first` items after `after`.
    pub fn new(first: Option<i32>, after: Option<String>, with_total: bool) -> DomainResult<Self> {
        Ok(PageArgs {
            first: page_size("first", first)?,
            after,
            backward: false,
            with_total,
        })
    }

    /// A page forward (`first`/`after`) or backward (`last`/`before`), as
    /// the Relay connection spec has them; mixing the two directions is
    /// VALIDATION_FAILED.
    pub fn relay(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        with_total: bool,
    ) -> DomainResult<Self> {
        let forward = first.is_some() || after.is_some();
        if !(last.is_some() || before.is_some()) {
            return Self::new(first, after, with_total);
        }
        if forward {
            return Err(DomainError::validation(
                "page forward (first, after) or backward (last, before), not both",
            ));
        }
        Ok(PageArgs {
            first: page_size("last", last)?,
            after: before,
            backward: true,
            with_total,
        })
    }

    fn after_bytes(&self) -> DomainResult<Option<Vec<u8>>> {
        let name = if self.backward { "before" } else { "after" };
        self.after
            .as_deref()
            .map(|c| {
                crate::domain::validate::text(name, c, crate::domain::validate::MAX_CURSOR_CHARS)?;
                URL_SAFE_NO_PAD
                    .decode(c)
                    .map_err(|_| DomainError::validation(format!("cursor {c:?} is not valid")))
            })
            .transpose()
    }

    /// The cursor as a sort value and an id; VALIDATION_FAILED if it is not
    /// one of `kind`.
    fn after_sorted(&self, kind: SortKind) -> DomainResult<Option<(SortValue, Uuid)>> {
        let invalid = || DomainError::validation("cursor is not valid for this order");
        self.after_bytes()?
            .map(|bytes| {
                let (value, id): (serde_json::Value, Uuid) =
                    serde_json::from_slice(&bytes).map_err(|_| invalid())?;
                Ok((kind.value_of(&value).ok_or_else(invalid)?, id))
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

/// One value of a sort expression.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    /// A timestamp.
    Time(chrono::DateTime<chrono::Utc>),
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// An exact decimal.
    Decimal(rust_decimal::Decimal),
    /// A float.
    Real(f64),
}

impl SortKind {
    fn value_of(self, json: &serde_json::Value) -> Option<SortValue> {
        Some(match self {
            SortKind::Time => SortValue::Time(json.as_str()?.parse().ok()?),
            SortKind::Text => SortValue::Text(json.as_str()?.to_owned()),
            SortKind::Int => SortValue::Int(json.as_i64()?),
            SortKind::Decimal => SortValue::Decimal(json.as_str()?.parse().ok()?),
            SortKind::Real => SortValue::Real(json.as_f64()?),
        })
    }

    fn read(self, row: &QueryResult) -> DomainResult<SortValue> {
        Ok(match self {
            SortKind::Time => SortValue::Time(row.try_get("", SORT_COLUMN)?),
            SortKind::Text => SortValue::Text(row.try_get("", SORT_COLUMN)?),
            SortKind::Int => SortValue::Int(row.try_get("", SORT_COLUMN)?),
            SortKind::Decimal => SortValue::Decimal(row.try_get("", SORT_COLUMN)?),
            SortKind::Real => SortValue::Real(row.try_get("", SORT_COLUMN)?),
        })
    }
}

impl SortValue {
    fn json(&self) -> serde_json::Value {
        match self {
            SortValue::Time(t) => t.to_rfc3339().into(),
            SortValue::Text(t) => t.clone().into(),
            SortValue::Int(i) => (*i).into(),
            SortValue::Decimal(d) => d.to_string().into(),
            SortValue::Real(f) => (*f).into(),
        }
    }

    fn sql(&self) -> sea_orm::Value {
        match self {
            SortValue::Time(t) => (*t).into(),
            SortValue::Text(t) => t.clone().into(),
            SortValue::Int(i) => (*i).into(),
            SortValue::Decimal(d) => (*d).into(),
            SortValue::Real(f) => (*f).into(),
        }
    }
}

/// An order other than by the key alone: by `expr` (never NULL: wrap a
/// nullable column in COALESCE), ties broken by the key.
pub struct SortKey {
    /// What the rows are ordered by.
    pub expr: SimpleExpr,
    /// What it yields.
    pub kind: SortKind,
}

/// The cursor of an item at `value` in a sorted list, keyed by `id`.
fn sorted_cursor(value: &SortValue, id: Uuid) -> String {
    let json = serde_json::json!([value.json(), id]);
    URL_SAFE_NO_PAD.encode(json.to_string().as_bytes())
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
    /// Whether items precede this page (forward: it started after a cursor).
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

/// The column a sorted page carries each row's sort value in.
const SORT_COLUMN: &str = "quire_page_sort";

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
    E::Model: FromRow + Send + Sync,
    C: ConnectionTrait,
{
    sorted(db, select, total, None, key, order, id_of, args).await
}

/// Pages `select` in `order` of `sort` (none: of the key alone), ties
/// broken by its UUID v7 key column `key` in the same direction.
#[allow(clippy::too_many_arguments)]
pub async fn sorted<E, C>(
    db: &C,
    select: Select<E>,
    total: Total,
    sort: Option<SortKey>,
    key: E::Column,
    order: Order,
    id_of: impl Fn(&E::Model) -> Uuid,
    args: &PageArgs,
) -> DomainResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: FromRow + Send + Sync,
    C: ConnectionTrait,
{
    let count = args.with_total.then(|| match total {
        Total::Kept(count) => *count,
        Total::Rows => Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from_subquery(select.clone().into_query(), "counted")
            .to_owned(),
    });
    // Backward, the page is read in the reverse order and turned around.
    let reading = match (&order, args.backward) {
        (Order::Desc, false) | (Order::Asc, true) => Order::Desc,
        _ => Order::Asc,
    };
    let past = |v: SimpleExpr, than: SimpleExpr| match reading {
        Order::Desc => v.lt(than),
        _ => v.gt(than),
    };
    let mut page = select;
    let has_cursor;
    match &sort {
        None => {
            let after = args.after_uuid()?;
            has_cursor = after.is_some();
            if let Some(after) = after {
                page = page.filter(past(Expr::col(key), after.into()));
            }
            page = page.order_by(key, reading.clone());
        }
        Some(sort) => {
            let after = args.after_sorted(sort.kind)?;
            has_cursor = after.is_some();
            if let Some((value, id)) = after {
                let at = || Expr::value(value.sql());
                page = page.filter(
                    Condition::any().add(past(sort.expr.clone(), at())).add(
                        Condition::all()
                            .add(sort.expr.clone().eq(at()))
                            .add(past(Expr::col(key), id.into())),
                    ),
                );
            }
            page = page
                .expr_as(sort.expr.clone(), SORT_COLUMN)
                .order_by(sort.expr.clone(), reading.clone())
                .order_by(key, reading.clone());
        }
    }
    let mut page = page.limit(args.first + 1);
    if let Some(count) = &count {
        page = page.expr_as(
            Expr::SubQuery(
                None,
                Box::new(SubQueryStatement::SelectStatement(count.clone())),
            ),
            TOTAL_COLUMN,
        );
    }
    let mut results = db
        .query_all_raw(page.build(db.get_database_backend()))
        .await?;
    let total_count = match (&count, results.first(), has_cursor) {
        (None, _, _) => None,
        (Some(_), Some(first), _) => Some(first.try_get::<i64>("", TOTAL_COLUMN)? as u64),
        // No row to carry the count: an empty set, or past the end of one.
        (Some(_), None, false) => Some(0),
        (Some(count), None, true) => Some(select_count(db, count).await?),
    };
    let more = results.len() as u64 > args.first;
    results.truncate(args.first as usize);
    if args.backward {
        results.reverse();
    }
    let mut items = Vec::with_capacity(results.len());
    for r in &results {
        let row = E::Model::from_row(r)?;
        let cursor = match &sort {
            None => uuid_cursor(id_of(&row)),
            Some(sort) => sorted_cursor(&sort.kind.read(r)?, id_of(&row)),
        };
        items.push((cursor, row));
    }
    let (has_next_page, has_previous_page) = if args.backward {
        (has_cursor, more)
    } else {
        (more, has_cursor)
    };
    Ok(Page {
        items,
        has_next_page,
        has_previous_page,
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
    fn backward_pages_do_not_mix_with_forward_ones() {
        let args = PageArgs::relay(None, None, Some(5), Some("x".into()), false).unwrap();
        assert!(args.backward);
        assert_eq!(args.first, 5);
        assert!(PageArgs::relay(Some(1), None, Some(1), None, false).is_err());
        assert!(PageArgs::relay(None, Some("a".into()), None, Some("b".into()), false).is_err());
        assert!(PageArgs::relay(None, None, Some(101), None, false).is_err());
        assert!(
            !PageArgs::relay(Some(3), None, None, None, false)
                .unwrap()
                .backward
        );
    }

    #[test]
    fn sorted_cursors_round_trip() {
        let id = Uuid::now_v7();
        let at = chrono::Utc::now();
        for (kind, value) in [
            (SortKind::Time, SortValue::Time(at)),
            (SortKind::Text, SortValue::Text("brand.logo".into())),
            (SortKind::Int, SortValue::Int(7)),
            (
                SortKind::Decimal,
                SortValue::Decimal("0.0000000001".parse().unwrap()),
            ),
            (SortKind::Real, SortValue::Real(-1.5)),
        ] {
            let args = PageArgs::new(Some(1), Some(sorted_cursor(&value, id)), false).unwrap();
            assert_eq!(args.after_sorted(kind).unwrap(), Some((value, id)));
        }
        let args = PageArgs::new(Some(1), Some(uuid_cursor(id)), false).unwrap();
        assert!(args.after_sorted(SortKind::Int).is_err());
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
