//! `JsonText`: a JSON column read as its text, without building a tree.
//!
//! A page of versions holds each value only to send it on: read as a
//! `serde_json::Value`, a value of small numbers takes ~16 times its text in
//! memory (and as a GraphQL value ~36 times), so one page of large values
//! could take gigabytes. Kept as text, it takes its size once, is cheap to
//! clone (shared), and is parsed only where a rule needs the tree (tier
//! gating, upgrades, diffs, promotion).
//!
//! PostgreSQL sends `jsonb` as its canonical text (keys in jsonb's order,
//! a space after `:` and `,`), SQLite the text it stored: either is the
//! same JSON value as the one written.

use bytes::Bytes;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::sqlx::types::Json;
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use serde_json::value::RawValue;

/// The text, as UTF-8 bytes shared by reference count: a clone (a page's
/// row handed to a response) copies nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonText(Bytes);

impl Default for JsonText {
    /// JSON `null`.
    fn default() -> Self {
        JsonText(Bytes::from_static(b"null"))
    }
}

impl JsonText {
    /// The text of `value` (compact).
    pub fn from_value(value: &serde_json::Value) -> JsonText {
        JsonText(Bytes::from(value.to_string()))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        // Only ever made from a `String` or `str`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The text's bytes, shared (no copy).
    pub fn bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// The text's length in bytes: what the value adds to a response.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty (never, for a stored value).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What stands for a value a statement did not read (a list of
    /// versions that shows no values leaves them out): empty text, which no
    /// stored value is, and which does not parse.
    pub fn unread() -> JsonText {
        JsonText(Bytes::new())
    }

    /// Whether this stands for a value that was not read ([`JsonText::unread`]).
    pub fn is_unread(&self) -> bool {
        self.0.is_empty()
    }

    /// The value as a tree.
    pub fn parse(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_slice(&self.0)
    }

    /// Whether the stored value is JSON `null` (an archived value's).
    pub fn is_null(&self) -> bool {
        self.as_str().trim() == "null"
    }
}

impl std::fmt::Debug for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<serde_json::Value> for JsonText {
    fn from(value: serde_json::Value) -> Self {
        JsonText::from_value(&value)
    }
}

impl From<JsonText> for Value {
    fn from(text: JsonText) -> Self {
        // Only writes come here (a version is written once): the tree is
        // what the drivers bind to a JSON column.
        let tree = text.parse().unwrap_or(serde_json::Value::Null);
        Value::Json(Some(Box::new(tree)))
    }
}

impl Nullable for JsonText {
    fn null() -> Value {
        Value::Json(None)
    }
}

impl ValueType for JsonText {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::Json(Some(tree)) => Ok(JsonText::from_value(&tree)),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "JsonText".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::Json
    }

    fn column_type() -> ColumnType {
        ColumnType::JsonBinary
    }
}

impl TryGetable for JsonText {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let type_error = |e: sea_orm::sqlx::Error| {
            TryGetError::DbErr(DbErr::Type(format!("a JSON column at {idx:?}: {e}")))
        };
        let text: Option<Bytes> = if let Some(row) = res.try_as_pg_row() {
            use sea_orm::sqlx::Row;
            row.try_get::<Option<Json<Box<RawValue>>>, _>(idx.as_sqlx_postgres_index())
                .map_err(type_error)?
                .map(|json| Bytes::from(String::from(Box::<str>::from(json.0))))
        } else if let Some(row) = res.try_as_sqlite_row() {
            use sea_orm::sqlx::Row;
            row.try_get::<Option<String>, _>(idx.as_sqlx_sqlite_index())
                .map_err(type_error)?
                .map(Bytes::from)
        } else {
            return Err(TryGetError::DbErr(DbErr::Type(
                "JsonText reads PostgreSQL and SQLite rows only".into(),
            )));
        };
        text.map(JsonText)
            .ok_or_else(|| TryGetError::Null(format!("{idx:?}")))
    }
}
