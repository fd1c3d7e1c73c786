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
//! This module checks a filter and says what it asks; the SQL of each
//! database is `db::json_path`'s.

use sea_orm::Condition;
use serde_json::Value;

use crate::db::Dialect;
use crate::db::json_path::{At, Op, Segment};
use crate::domain::error::{DomainError, DomainResult};

/// The most segments a path may have.
const MAX_SEGMENTS: usize = 32;
/// The most characters of one segment.
const MAX_SEGMENT_CHARS: usize = 64;
/// The most JSON nodes (values, members, elements) of one operand.
const MAX_OPERAND_NODES: usize = 64;
/// The most filters one list may hold.
pub const MAX_FILTERS: usize = 16;

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
    Ok(ops.into_iter().fold(Condition::all(), |all, op| {
        all.add(dialect.json_path_condition(&at, op))
    }))
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
}
