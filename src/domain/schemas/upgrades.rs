//! Schema upgrades: each registered schema version may carry an RFC 6902
//! patch (add, remove, replace, move, copy, test) that turns a value valid
//! under the previous version into one valid under it; version 1's turns a
//! value stored before any schema. A value is read in a newer version's
//! shape by applying the patches of every version after its own, in order.
//! Stored values are never rewritten; this is a pure function of (value,
//! its schema version, the chain).

use serde_json::Value;

use crate::domain::error::{DomainError, DomainResult};

/// The most operations one upgrade may hold.
pub const MAX_OPERATIONS: usize = 200;

/// One link of a key's chain: a schema version and its upgrade, if any.
#[derive(Debug, Clone)]
pub struct Link<'a> {
    /// The schema version.
    pub version: i32,
    /// The patch from the version before it.
    pub upgrade: Option<&'a Value>,
}

/// The upgrade as a patch: VALIDATION_FAILED unless it is an RFC 6902
/// array of at most [`MAX_OPERATIONS`] operations.
pub fn parse(upgrade: &Value) -> DomainResult<json_patch::Patch> {
    let operations = upgrade.as_array().ok_or_else(|| {
        DomainError::validation("an upgrade is an RFC 6902 JSON Patch: an array of operations")
    })?;
    if operations.len() > MAX_OPERATIONS {
        return Err(DomainError::validation(format!(
            "an upgrade has at most {MAX_OPERATIONS} operations"
        )));
    }
    serde_json::from_value(upgrade.clone()).map_err(|e| {
        DomainError::validation(format!("the upgrade is not an RFC 6902 JSON Patch: {e}"))
    })
}

/// `value`, stored under schema version `from` (none: before any schema),
/// in the shape of version `to`: the upgrades of the chain's versions after
/// `from` up to `to`, applied in order. VALIDATION_FAILED when `to` is
/// older than `from`, or a patch does not apply (a failed `test`, a missing
/// path).
pub fn upgrade(
    value: &Value,
    from: Option<i32>,
    to: i32,
    chain: &[Link<'_>],
) -> DomainResult<Value> {
    let from = from.unwrap_or(0);
    if to < from {
        return Err(DomainError::validation(format!(
            "a value of schema version {from} cannot be read as the older version {to}"
        )));
    }
    let mut value = value.clone();
    let mut links: Vec<&Link<'_>> = chain
        .iter()
        .filter(|l| l.version > from && l.version <= to)
        .collect();
    links.sort_by_key(|l| l.version);
    for link in links {
        let Some(upgrade) = link.upgrade else {
            continue;
        };
        let patch = parse(upgrade)?;
        json_patch::patch(&mut value, &patch).map_err(|e| {
            DomainError::validation(format!(
                "the upgrade to schema version {} does not apply: {e}",
                link.version
            ))
        })?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_chain_renames_adds_and_moves() {
        let v2 = json!([{ "op": "move", "from": "/colour", "path": "/color" }, { "op": "add", "path": "/size", "value": "m" }]);
        let v3 = json!([{ "op": "test", "path": "/size", "value": "m" }, { "op": "add", "path": "/pro", "value": {} }, { "op": "move", "from": "/size", "path": "/pro/size" }]);
        let chain = [
            Link {
                version: 1,
                upgrade: None,
            },
            Link {
                version: 2,
                upgrade: Some(&v2),
            },
            Link {
                version: 3,
                upgrade: Some(&v3),
            },
        ];
        let v1 = json!({ "colour": "navy" });
        assert_eq!(upgrade(&v1, Some(1), 1, &chain).unwrap(), v1);
        assert_eq!(
            upgrade(&v1, Some(1), 2, &chain).unwrap(),
            json!({ "color": "navy", "size": "m" })
        );
        assert_eq!(
            upgrade(&v1, Some(1), 3, &chain).unwrap(),
            json!({ "color": "navy", "pro": { "size": "m" } })
        );
        let at2 = json!({ "color": "red", "size": "l" });
        // The `test` of v3 fails for a size other than m.
        assert!(upgrade(&at2, Some(2), 3, &chain).is_err());
        assert!(upgrade(&at2, Some(2), 1, &chain).is_err());
        // A value stored before any schema goes through every upgrade.
        assert_eq!(
            upgrade(&v1, None, 2, &chain).unwrap(),
            json!({ "color": "navy", "size": "m" })
        );
    }

    #[test]
    fn upgrades_must_be_patches() {
        assert!(parse(&json!([{ "op": "add", "path": "/a", "value": 1 }])).is_ok());
        for bad in [
            json!({}),
            json!([{ "op": "frobnicate", "path": "/a" }]),
            json!([{ "op": "add" }]),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
        let many: Vec<Value> = (0..201)
            .map(|_| json!({ "op": "remove", "path": "/a" }))
            .collect();
        assert!(parse(&Value::Array(many)).is_err());
    }
}
