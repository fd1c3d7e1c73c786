//! The SQL of a condition on a path inside a JSON column, for each
//! database: PostgreSQL reads the path with `jsonb_extract_path` and compares
//! jsonb (with `column @> {path: value}` beside `eq` and `contains` on a path
//! of object keys, which a GIN jsonb_path_ops index answers); SQLite reads it
//! with `json_type` / `json_extract` and walks arrays with `json_each`.
//! Every piece of a client's input is a bound value: the SQL text is this
//! module's own. What a filter means, and which inputs are refused, is
//! `domain::query::json_filter`'s.

use sea_orm::sea_query::{Expr, SimpleExpr};
use serde_json::Value;

use super::Dialect;

/// One segment of a path inside a JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    /// An object's member.
    Key(String),
    /// An array's element (never an object's key of digits).
    Index(u32),
}

impl Dialect {
    /// The condition `op` on the JSON at `at`.
    pub(crate) fn json_path_condition(self, at: &At, op: Op<'_>) -> SimpleExpr {
        match self {
            Dialect::Postgres => postgres(at, op),
            Dialect::Sqlite => sqlite(at, op),
        }
    }
}

/// A path in a column.
pub(crate) struct At {
    /// A quoted, qualified column name of Quire's own.
    pub(crate) column: &'static str,
    /// The path's segments.
    pub(crate) path: Vec<Segment>,
}

/// What is asked of the JSON at a path.
pub(crate) enum Op<'a> {
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

    #[test]
    fn sqlite_paths_quote_keys_and_index_arrays() {
        let path = vec![
            Segment::Key("a".into()),
            Segment::Index(0),
            Segment::Key("b-c".into()),
        ];
        assert_eq!(sqlite_path(&path), "$.\"a\"[0].\"b-c\"");
    }

    #[test]
    fn documents_follow_object_paths_only() {
        let key = |k: &str| Segment::Key(k.into());
        let at = |path| At { column: "c", path };
        assert_eq!(
            pg_document(&at(vec![key("a"), key("b")]), &serde_json::json!(1)),
            Some(serde_json::json!({"a": {"b": 1}}))
        );
        assert_eq!(
            pg_document(
                &at(vec![key("a"), Segment::Index(0)]),
                &serde_json::json!(1)
            ),
            None
        );
    }
}
