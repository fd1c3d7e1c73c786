//! Filters on a path inside a JSON column (a version's value, a project's
//! context), run in the database: `eq`, `ne`, `gt`, `gte`, `lt`, `lte`,
//! `exists` and `contains` (JSON containment), each a condition ANDed with
//! the others.
//!
//! Types compare as JSON types: a string "10" is not the number 10, and
//! `gt`/`gte`/`lt`/`lte` compare numbers with numbers and strings with
//! strings (by code point) only. `ne` holds where the path exists and holds
//! another value.
//!
//! PostgreSQL reads the path with `jsonb_extract_path` and compares jsonb; `eq` and
//! `contains` on a path of object keys also test `column @> {path: value}`,
//! which a GIN (jsonb_path_ops) index answers. SQLite reads it with
//! `json_type` / `json_extract`, and containment walks arrays with
//! `json_each`. Every piece of the client's input is a bound value: the SQL
//! text is this module's own.

use sea_orm::Condition;
use sea_orm::sea_query::{Expr, SimpleExpr};
use serde_json::Value;

use super::error::{DomainError, DomainResult};
use crate::db::Dialect;

/// The most segments a path may have.
const MAX_SEGMENTS: usize = 32;
/// The most characters of one segment.
const MAX_SEGMENT_CHARS: usize = 64;
/// The most JSON nodes (values, members, elements) of one operand.
const MAX_OPERAND_NODES: usize = 64;
/// The most filters one list may hold.
pub const MAX_FILTERS: usize = 16;

/// The JSON functions a database has (`Dialect::json_functions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonFunctions {
    /// PostgreSQL's jsonb operators.
    Jsonb,
    /// SQLite's JSON1 functions.
    Json1,
}

/// Conditions on the JSON at one path; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct JsonPathFilter {
    /// A dot path of `[A-Za-z0-9_-]` segments (`brand.colors.0.hex`); an
    /// all-digit segment indexes an array.
    pub path: String,
    /// Equal to this JSON value.
    pub eq: Option<Value>,
    /// Present and not equal to this.
    pub ne: Option<Value>,
    /// Greater than this number or string.
    pub gt: Option<Value>,
    /// Greater than or equal to this number or string.
    pub gte: Option<Value>,
    /// Less than this number or string.
    pub lt: Option<Value>,
    /// Less than or equal to this number or string.
    pub lte: Option<Value>,
    /// Whether the path exists (true) or not (false).
    pub exists: Option<bool>,
    /// Contains this JSON (objects by keys, arrays by elements).
    pub contains: Option<Value>,
}

/// One segment of a path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(u32),
}

fn parse_path(path: &str) -> DomainResult<Vec<Segment>> {
    let bad = |why: &str| DomainError::validation(format!("path {path:?} is not valid: {why}"));
    if path.is_empty() {
        return Err(bad("it is empty"));
    }
    let segments: Vec<&str> = path.split('.').collect();
    if segments.len() > MAX_SEGMENTS {
        return Err(bad("it has more than 32 segments"));
    }
    segments
        .into_iter()
        .map(|s| {
            if s.is_empty() || s.len() > MAX_SEGMENT_CHARS {
                return Err(bad("each segment is 1 to 64 characters"));
            }
            if !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(bad("segments hold A-Z, a-z, 0-9, _ and - only"));
            }
            Ok(match s.parse::<u32>() {
                Ok(i) if s.chars().all(|c| c.is_ascii_digit()) => Segment::Index(i),
                _ => Segment::Key(s.to_owned()),
            })
        })
        .collect()
}

fn nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(nodes).sum(),
        Value::Object(members) => members.values().map(nodes).sum(),
        _ => 0,
    }
}

/// The largest magnitude a non-integer operand may have: 2^53, below which a
/// double holds every integer, so that SQLite (which compares reals as
/// doubles) and PostgreSQL (numeric, exact) answer alike.
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// VALIDATION_FAILED for a number, anywhere in an operand, that the two
/// databases would compare differently: an integer beyond 64 bits, or a
/// fraction of 2^53 or more.
fn comparable_numbers(name: &str, v: &Value) -> DomainResult<()> {
    match v {
        Value::Number(n) if n.as_i64().is_none() => {
            let exact = n
                .as_f64()
                .is_some_and(|f| f.is_finite() && f.abs() < MAX_EXACT_FLOAT);
            if exact {
                Ok(())
            } else {
                Err(DomainError::validation(format!(
                    "`{name}` compares with {n}: filter numbers are integers of 64 bits or decimals under 2^53 in magnitude (past them the databases would round differently)"
                )))
            }
        }
        Value::Array(items) => items.iter().try_for_each(|i| comparable_numbers(name, i)),
        Value::Object(members) => members
            .values()
            .try_for_each(|m| comparable_numbers(name, m)),
        _ => Ok(()),
    }
}

/// An ordering operand: a number or a string.
fn ordered(op: &str, v: &Value) -> DomainResult<()> {
    if v.is_number() || v.is_string() {
        Ok(())
    } else {
        Err(DomainError::validation(format!(
            "`{op}` compares a number or a string, not {v}"
        )))
    }
}

/// The condition on `column` (a quoted, qualified column name of Quire's own)
/// that every filter in `filters` holds. VALIDATION_FAILED for a malformed
/// path, a filter with no operator, an operand too large, or an ordering
/// operand that is neither a number nor a string.
pub(crate) fn all_of(
    dialect: Dialect,
    column: &'static str,
    filters: &[JsonPathFilter],
) -> DomainResult<Condition> {
    if filters.len() > MAX_FILTERS {
        return Err(DomainError::validation(format!(
            "at most {MAX_FILTERS} value filters"
        )));
    }
    let mut all = Condition::all();
    for filter in filters {
        all = all.add(one(dialect, column, filter)?);
    }
    Ok(all)
}

fn one(dialect: Dialect, column: &'static str, f: &JsonPathFilter) -> DomainResult<Condition> {
    let path = parse_path(&f.path)?;
    let operands = [
        ("eq", f.eq.as_ref().map(Op::Eq)),
        ("ne", f.ne.as_ref().map(Op::Ne)),
        ("gt", f.gt.as_ref().map(|v| Op::Cmp(">", v))),
        ("gte", f.gte.as_ref().map(|v| Op::Cmp(">=", v))),
        ("lt", f.lt.as_ref().map(|v| Op::Cmp("<", v))),
        ("lte", f.lte.as_ref().map(|v| Op::Cmp("<=", v))),
        ("contains", f.contains.as_ref().map(Op::Contains)),
    ];
    let mut ops: Vec<Op<'_>> = Vec::new();
    for (name, op) in operands {
        let Some(op) = op else { continue };
        if let Op::Eq(v) | Op::Ne(v) | Op::Cmp(_, v) | Op::Contains(v) = op {
            if nodes(v) > MAX_OPERAND_NODES {
                return Err(DomainError::validation(format!(
                    "`{name}` on {:?} has more than {MAX_OPERAND_NODES} JSON values",
                    f.path
                )));
            }
            if matches!(op, Op::Cmp(..)) {
                ordered(name, v)?;
            }
            comparable_numbers(name, v)?;
        }
        ops.push(op);
    }
    if let Some(exists) = f.exists {
        ops.push(Op::Exists(exists));
    }
    if ops.is_empty() {
        return Err(DomainError::validation(format!(
            "the filter on {:?} has no operator: give eq, ne, gt, gte, lt, lte, exists or contains",
            f.path
        )));
    }
    let at = At { column, path };
    let build: &dyn Fn(&At, Op<'_>) -> SimpleExpr = match dialect.json_functions() {
        JsonFunctions::Jsonb => &postgres,
        JsonFunctions::Json1 => &sqlite,
    };
    Ok(ops
        .into_iter()
        .fold(Condition::all(), |all, op| all.add(build(&at, op))))
}

/// A path in a column.
struct At {
    column: &'static str,
    path: Vec<Segment>,
}

enum Op<'a> {
    Exists(bool),
    Eq(&'a Value),
    Ne(&'a Value),
    /// An ordering comparison: the SQL operator (one of four of ours).
    Cmp(&'static str, &'a Value),
    Contains(&'a Value),
}

/// A JSON value as a bound SQL value.
fn json(v: &Value) -> sea_orm::Value {
    sea_orm::Value::Json(Some(Box::new(v.clone())))
}

// ---- PostgreSQL -------------------------------------------------------

/// `{path: value}` as a document, when the path is object keys only: what
/// `column @> document` (GIN-indexed) tests.
fn pg_document(at: &At, value: &Value) -> Option<Value> {
    let mut doc = value.clone();
    for segment in at.path.iter().rev() {
        match segment {
            Segment::Key(k) => doc = Value::Object([(k.clone(), doc)].into_iter().collect()),
            Segment::Index(_) => return None,
        }
    }
    Some(doc)
}

/// ` AND column @> {path: v}`, when the path allows the document: the
/// condition the GIN index answers, which holds wherever the exact one does.
fn pg_indexed(sql: &mut Sql, at: &At, v: &Value) {
    if let Some(doc) = pg_document(at, v) {
        sql.push(&format!(" AND {} @> ", at.column));
        sql.bind(json(&doc));
    }
}

fn postgres(at: &At, op: Op<'_>) -> SimpleExpr {
    let mut sql = Sql::default();
    sql.push("(");
    if let Op::Exists(exists) = op {
        if !exists {
            sql.push("NOT ");
        }
        sql.push("(");
        sql.pg_array_guards(at);
        sql.pg_path(at);
        sql.push(" IS NOT NULL))");
        return sql.numbered();
    }
    // An all-digit segment indexes an array, as on SQLite: jsonb would also
    // read it as an object's key.
    sql.pg_array_guards(at);
    match op {
        Op::Exists(_) => unreachable!("answered above"),
        Op::Eq(v) => {
            sql.pg_path(at);
            sql.push(" = ");
            sql.bind(json(v));
            pg_indexed(&mut sql, at, v);
        }
        Op::Ne(v) => {
            sql.pg_path(at);
            sql.push(" IS NOT NULL AND ");
            sql.pg_path(at);
            sql.push(" <> ");
            sql.bind(json(v));
        }
        Op::Contains(v) => {
            sql.pg_path(at);
            sql.push(" @> ");
            sql.bind(json(v));
            // The document holds whenever the value at the path contains an
            // object or array v; a scalar v may be contained as an array's
            // element, which that document misses.
            if v.is_object() || v.is_array() {
                pg_indexed(&mut sql, at, v);
            }
        }
        Op::Cmp(sql_op, v) => {
            let (json_type, text, cast) = match v.as_number() {
                Some(n) => ("number", n.to_string(), "::numeric"),
                None => (
                    "string",
                    v.as_str().unwrap_or_default().to_owned(),
                    " COLLATE \"C\"",
                ),
            };
            sql.push("jsonb_typeof(");
            sql.pg_path(at);
            sql.push(&format!(") = '{json_type}' AND ("));
            sql.pg_path(at);
            sql.push(&format!(" #>> '{{}}'){cast} {sql_op} "));
            sql.bind(text);
            if json_type == "number" {
                sql.push("::numeric");
            }
        }
    }
    sql.push(")");
    sql.numbered()
}

// ---- SQLite -----------------------------------------------------------

/// The SQLite JSON path of segments (`$."brand"."colors"[0]`), bound as a
/// value, never spliced into SQL.
fn sqlite_path(path: &[Segment]) -> String {
    let mut p = String::from("$");
    for segment in path {
        match segment {
            Segment::Key(k) => p.push_str(&format!(".\"{k}\"")),
            Segment::Index(i) => p.push_str(&format!("[{i}]")),
        }
    }
    p
}

/// SQL and its bound values, built up piece by piece.
#[derive(Default)]
struct Sql {
    text: String,
    values: Vec<sea_orm::Value>,
}

impl Sql {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, value: impl Into<sea_orm::Value>) {
        self.text.push('?');
        self.values.push(value.into());
    }

    /// `json_type(doc, path)`.
    fn json_type(&mut self, doc: &str, path: &str) {
        self.push(&format!("json_type({doc}, "));
        self.bind(path.to_owned());
        self.push(")");
    }

    /// `json_extract(doc, path)`.
    fn extract(&mut self, doc: &str, path: &str) {
        self.push(&format!("json_extract({doc}, "));
        self.bind(path.to_owned());
        self.push(")");
    }

    /// `jsonb_extract_path(column, segments…)`: what `#>` reads, written
    /// without brackets, which sea-query's placeholder scan takes for quoting.
    fn pg_path(&mut self, at: &At) {
        self.push(&format!("jsonb_extract_path({}", at.column));
        for segment in &at.path {
            self.push(", ");
            match segment {
                Segment::Key(k) => self.bind(k.clone()),
                Segment::Index(i) => self.bind(i.to_string()),
            }
        }
        self.push(")");
    }

    /// `jsonb_typeof(<the path up to it>) = 'array' AND ` for each index
    /// segment of the path.
    fn pg_array_guards(&mut self, at: &At) {
        for (i, segment) in at.path.iter().enumerate() {
            if let Segment::Index(_) = segment {
                let parent = At {
                    column: at.column,
                    path: at.path[..i].to_vec(),
                };
                self.push("jsonb_typeof(");
                if parent.path.is_empty() {
                    self.push(at.column);
                } else {
                    self.pg_path(&parent);
                }
                self.push(") = 'array' AND ");
            }
        }
    }

    /// The expression, its `?` marks as SQLite reads them.
    fn expr(self) -> SimpleExpr {
        Expr::cust_with_values(self.text, self.values)
    }

    /// The expression for PostgreSQL: sea-query reads its placeholders as
    /// `$1`, `$2`… (numbered within the expression), so the `?` marks are
    /// numbered in order. The text holds no other `?` (the jsonb `?`
    /// operators are not used).
    fn numbered(self) -> SimpleExpr {
        let mut text = String::with_capacity(self.text.len() + 8);
        let mut n = 0;
        for c in self.text.chars() {
            if c == '?' {
                n += 1;
                text.push_str(&format!("${n}"));
            } else {
                text.push(c);
            }
        }
        Expr::cust_with_values(text, self.values)
    }
}

/// The `json_type` names a JSON scalar has in SQLite.
fn sqlite_types(v: &Value) -> &'static str {
    match v {
        Value::Null => "('null')",
        Value::Bool(true) => "('true')",
        Value::Bool(false) => "('false')",
        Value::Number(_) => "('integer', 'real')",
        Value::String(_) => "('text')",
        Value::Array(_) => "('array')",
        Value::Object(_) => "('object')",
    }
}

/// Binds a scalar as SQLite reads it out of JSON (a bool or null is
/// settled by its type alone and binds nothing).
fn bind_scalar(sql: &mut Sql, v: &Value) -> bool {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => sql.bind(i),
            None => sql.bind(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => sql.bind(s.clone()),
        _ => return false,
    }
    true
}

/// The value at `path` of `doc` equals `v`, as JSON.
fn sqlite_equal(sql: &mut Sql, doc: &str, path: &str, v: &Value) {
    sql.push("(");
    sql.json_type(doc, path);
    sql.push(&format!(" IN {}", sqlite_types(v)));
    match v {
        Value::Number(_) | Value::String(_) => {
            sql.push(" AND ");
            sql.extract(doc, path);
            sql.push(" = ");
            bind_scalar(sql, v);
        }
        Value::Array(_) | Value::Object(_) => {
            // Stored values and operands are both serde_json's compact text
            // with sorted keys, which json_extract returns as stored.
            sql.push(" AND ");
            sql.extract(doc, path);
            sql.push(" = json(");
            sql.bind(v.to_string());
            sql.push(")");
        }
        _ => {}
    }
    sql.push(")");
}

/// The value at `path` of `doc` contains `v` (PostgreSQL's jsonb `@>`):
/// equal scalars, an object holding each member, an array holding a match
/// for each element, and, at the top only (`depth` 0), an array holding the
/// scalar. `depth` also names the `json_each` aliases apart.
fn sqlite_contains(sql: &mut Sql, doc: &str, path: &str, v: &Value, depth: usize) {
    let each = format!("quire_each_{depth}");
    match v {
        Value::Object(members) => {
            sql.push("(");
            sql.json_type(doc, path);
            sql.push(" = 'object'");
            for (k, member) in members {
                sql.push(" AND ");
                let inner = format!("{path}.\"{}\"", k.replace('"', "\\\""));
                sqlite_contains(sql, doc, &inner, member, depth + 1);
            }
            sql.push(")");
        }
        Value::Array(items) => {
            sql.push("(");
            sql.json_type(doc, path);
            sql.push(" = 'array'");
            for item in items {
                sql.push(&format!(" AND EXISTS (SELECT 1 FROM json_each({doc}, "));
                sql.bind(path.to_owned());
                sql.push(&format!(") AS {each} WHERE "));
                element_contains(sql, &each, item, depth + 1);
                sql.push(")");
            }
            sql.push(")");
        }
        scalar if depth > 0 => sqlite_equal(sql, doc, path, scalar),
        scalar => {
            // A scalar, or an array holding it.
            sql.push("(");
            sqlite_equal(sql, doc, path, scalar);
            sql.push(&format!(" OR EXISTS (SELECT 1 FROM json_each({doc}, "));
            sql.bind(path.to_owned());
            sql.push(&format!(") AS {each} WHERE "));
            sql.json_type(doc, path);
            sql.push(" = 'array' AND ");
            scalar_element(sql, &each, scalar);
            sql.push("))");
        }
    }
}

/// An element (`each`, a json_each row) that contains `v`.
fn element_contains(sql: &mut Sql, each: &str, v: &Value, depth: usize) {
    match v {
        Value::Array(_) | Value::Object(_) => {
            sql.push(&format!("{each}.type IN ('array', 'object') AND "));
            sqlite_contains(sql, &format!("{each}.value"), "$", v, depth);
        }
        scalar => scalar_element(sql, each, scalar),
    }
}

/// An element equal to the scalar `v`.
fn scalar_element(sql: &mut Sql, each: &str, v: &Value) {
    sql.push(&format!("{each}.type IN {}", sqlite_types(v)));
    if matches!(v, Value::Number(_) | Value::String(_)) {
        sql.push(&format!(" AND {each}.atom = "));
        bind_scalar(sql, v);
    }
}

fn sqlite(at: &At, op: Op<'_>) -> SimpleExpr {
    let path = sqlite_path(&at.path);
    let doc = at.column;
    let mut sql = Sql::default();
    match op {
        Op::Exists(exists) => {
            sql.json_type(doc, &path);
            sql.push(if exists { " IS NOT NULL" } else { " IS NULL" });
        }
        Op::Eq(v) => sqlite_equal(&mut sql, doc, &path, v),
        Op::Ne(v) => {
            sql.push("(");
            sql.json_type(doc, &path);
            sql.push(" IS NOT NULL AND NOT ");
            sqlite_equal(&mut sql, doc, &path, v);
            sql.push(")");
        }
        Op::Cmp(sql_op, v) => {
            sql.push("(");
            sql.json_type(doc, &path);
            sql.push(&format!(" IN {} AND ", sqlite_types(v)));
            sql.extract(doc, &path);
            sql.push(&format!(" {sql_op} "));
            bind_scalar(&mut sql, v);
            sql.push(")");
        }
        Op::Contains(v) => sqlite_contains(&mut sql, doc, &path, v, 0),
    }
    sql.expr()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_are_checked() {
        assert_eq!(
            parse_path("brand.colors.0.hex").unwrap(),
            vec![
                Segment::Key("brand".into()),
                Segment::Key("colors".into()),
                Segment::Index(0),
                Segment::Key("hex".into())
            ]
        );
        for bad in ["", "a..b", "a.b c", "a.'x'", "a.\"", &"a.".repeat(40)] {
            assert!(parse_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            sqlite_path(&parse_path("a.0.b-c").unwrap()),
            "$.\"a\"[0].\"b-c\""
        );
    }

    #[test]
    fn filters_need_an_operator_and_comparable_operands() {
        let f = |filter: JsonPathFilter| all_of(Dialect::Sqlite, "\"t\".\"v\"", &[filter]);
        assert!(
            f(JsonPathFilter {
                path: "a".into(),
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            f(JsonPathFilter {
                path: "a".into(),
                gt: Some(json!({"x": 1})),
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            f(JsonPathFilter {
                path: "a".into(),
                gt: Some(json!(1)),
                ..Default::default()
            })
            .is_ok()
        );
        assert!(
            f(JsonPathFilter {
                path: "a".into(),
                contains: Some(json!((0..100).collect::<Vec<_>>())),
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn documents_follow_object_paths_only() {
        let at = |p: &str| At {
            column: "c",
            path: parse_path(p).unwrap(),
        };
        assert_eq!(
            pg_document(&at("a.b"), &json!(1)),
            Some(json!({"a": {"b": 1}}))
        );
        assert_eq!(pg_document(&at("a.0"), &json!(1)), None);
    }
}
