//! Subscription tiers: an ordered list per deployment (`QUIRE_TIERS`), one
//! per project, and the parts of a value a project's tier reaches.
//!
//! A property of a registered JSON Schema marked `"x-quire-tier": "<tier>"`
//! is visible only to projects at that tier or above; everything else is
//! visible to all. What a project reads leaves out what its tier does not
//! reach, at any depth: through `properties`, `additionalProperties`,
//! `prefixItems` and `items` (every element of an array), `allOf`, and
//! local `$ref`s (`#/$defs/...`). The full value is what is stored,
//! validated and digested; this is a pure function of (value, schema, tier).

use serde_json::Value;

/// The schema keyword that gates a property by tier.
pub const TIER_KEYWORD: &str = "x-quire-tier";

/// How deep `$ref`s are followed before a schema is taken as empty (a
/// guard against reference cycles).
pub(crate) const MAX_REF_DEPTH: usize = 32;

/// The deployment's tiers, lowest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiers(Vec<String>);

impl Default for Tiers {
    fn default() -> Self {
        Tiers::parse(DEFAULT_TIERS).expect("the default tiers parse")
    }
}

/// The tiers when `QUIRE_TIERS` is not set.
pub const DEFAULT_TIERS: &str = "core,business,strategic";

impl Tiers {
    /// Comma-separated tier names, lowest first: 1 to 16 of them, each 1 to
    /// 32 characters of a-z, 0-9, _ and -, none repeated.
    pub fn parse(text: &str) -> Result<Tiers, String> {
        let names: Vec<String> = text.split(',').map(|t| t.trim().to_owned()).collect();
        if names.len() > 16 {
            return Err("at most 16 tiers".into());
        }
        for (i, name) in names.iter().enumerate() {
            let well_formed = (1..=32).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !well_formed {
                return Err(format!(
                    "tier {name:?} is not 1 to 32 characters of a-z, 0-9, _ and -"
                ));
            }
            if names[..i].contains(name) {
                return Err(format!("tier {name:?} is listed twice"));
            }
        }
        Ok(Tiers(names))
    }

    /// The lowest tier: a new project's.
    pub fn lowest(&self) -> &str {
        &self.0[0]
    }

    /// The tiers, lowest first.
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// A tier's place, 0 for the lowest; None for a name not configured.
    pub fn rank(&self, tier: &str) -> Option<usize> {
        self.0.iter().position(|t| t == tier)
    }

    /// Whether a project at `project_tier` sees what is marked `marked`.
    /// A mark or a project tier that is not configured sees nothing gated
    /// (it fails closed).
    pub fn reaches(&self, project_tier: &str, marked: &str) -> bool {
        matches!((self.rank(project_tier), self.rank(marked)), (Some(p), Some(m)) if p >= m)
    }
}

/// Whether a schema marks anything by tier, at any depth.
pub fn is_gated(schema: &Value) -> bool {
    match schema {
        Value::Object(members) => {
            members.contains_key(TIER_KEYWORD) || members.values().any(is_gated)
        }
        Value::Array(items) => items.iter().any(is_gated),
        _ => false,
    }
}

/// Every tier name a schema marks with, to check them at registration.
pub fn marks(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(members) => {
            if let Some(Value::String(tier)) = members.get(TIER_KEYWORD) {
                out.push(tier.clone());
            }
            members.values().for_each(|v| marks(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| marks(v, out)),
        _ => {}
    }
}

/// `value` without what `schema` gates above `project_tier`.
pub fn visible(tiers: &Tiers, project_tier: &str, schema: &Value, value: &Value) -> Value {
    let mut value = value.clone();
    if is_gated(schema) {
        let reach = |marked: &str| tiers.reaches(project_tier, marked);
        strip(&mut value, schema, schema, &reach, 0);
    }
    value
}

/// `value` without what ANY of a key's `schemas` gates above `project_tier`.
///
/// A key's schema versions may name a gated field differently (`price` in
/// one, `pricing` in the next), and a value may be in any of their shapes
/// (a context promoted before an upgrade, a version stored before the key
/// had a schema): gating by the value's own schema alone would show what
/// another version gates. So a field is hidden wherever any version of the
/// key's schema gates it (failing closed: a field gated once stays gated).
pub fn visible_under_all<'a>(
    tiers: &Tiers,
    project_tier: &str,
    schemas: impl IntoIterator<Item = &'a Value>,
    value: &Value,
) -> Value {
    let mut value = value.clone();
    for schema in schemas {
        if is_gated(schema) {
            let reach = |marked: &str| tiers.reaches(project_tier, marked);
            strip(&mut value, schema, schema, &reach, 0);
        }
    }
    value
}

/// The local schema a `$ref` names (`#/$defs/x`), if it resolves.
pub(crate) fn resolve<'a>(root: &'a Value, schema: &'a Value, depth: usize) -> Option<&'a Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) if depth < MAX_REF_DEPTH => {
            let target = root.pointer(reference.strip_prefix('#')?)?;
            resolve(root, target, depth + 1)
        }
        Some(_) => None,
        None => Some(schema),
    }
}

fn strip(
    value: &mut Value,
    root: &Value,
    schema: &Value,
    reach: &dyn Fn(&str) -> bool,
    depth: usize,
) {
    let Some(schema) = resolve(root, schema, depth) else {
        return;
    };
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for sub in all {
            strip(value, root, sub, reach, depth + 1);
        }
    }
    let hidden = |sub: &Value| {
        resolve(root, sub, depth)
            .and_then(|s| s.get(TIER_KEYWORD))
            .and_then(Value::as_str)
            .is_some_and(|tier| !reach(tier))
    };
    match value {
        Value::Object(members) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let names: Vec<String> = members.keys().cloned().collect();
            for name in names {
                let sub = properties.and_then(|p| p.get(&name)).or(additional);
                let Some(sub) = sub else { continue };
                if hidden(sub) {
                    members.remove(&name);
                } else if let Some(inner) = members.get_mut(&name) {
                    strip(inner, root, sub, reach, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            let prefix = schema.get("prefixItems").and_then(Value::as_array);
            let rest = schema.get("items").filter(|i| i.is_object());
            let mut kept = Vec::with_capacity(items.len());
            for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
                let sub = prefix.and_then(|p| p.get(i)).or(rest);
                match sub {
                    Some(sub) if hidden(sub) => {}
                    Some(sub) => {
                        strip(&mut item, root, sub, reach, depth + 1);
                        kept.push(item);
                    }
                    None => kept.push(item),
                }
            }
            *items = kept;
        }
        _ => {}
    }
}

/// The project's tier: its own, or the lowest configured.
pub fn tier_of<'a>(project: &'a entity::project::Model, tiers: &'a Tiers) -> &'a str {
    project.tier.as_deref().unwrap_or(tiers.lowest())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "name": { "type": "string" },
                "pricing": { "x-quire-tier": "business", "type": "object" },
                "sections": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "title": { "type": "string" },
                            "swot": { "x-quire-tier": "strategic" },
                            "owner": { "$ref": "#/$defs/owner" }
                        }
                    }
                },
                "extras": { "type": "array", "prefixItems": [{}, { "x-quire-tier": "business" }] }
            },
            "$defs": { "owner": { "type": "object", "properties": { "salary": { "x-quire-tier": "strategic" }, "name": {} } } }
        })
    }

    fn value() -> Value {
        json!({
            "name": "Acme",
            "pricing": { "tiers": [1, 2] },
            "sections": [
                { "title": "one", "swot": "s1", "owner": { "name": "a", "salary": 1 } },
                { "title": "two", "swot": "s2" }
            ],
            "extras": ["free", "paid"]
        })
    }

    #[test]
    fn each_tier_sees_its_own_and_below_at_any_depth() {
        let tiers = Tiers::default();
        let core = visible(&tiers, "core", &schema(), &value());
        assert_eq!(
            core,
            json!({ "name": "Acme", "sections": [{ "title": "one", "owner": { "name": "a" } }, { "title": "two" }], "extras": ["free"] })
        );
        let business = visible(&tiers, "business", &schema(), &value());
        assert_eq!(business["pricing"], json!({ "tiers": [1, 2] }));
        assert_eq!(business["extras"], json!(["free", "paid"]));
        assert!(business["sections"][0].get("swot").is_none());
        assert_eq!(visible(&tiers, "strategic", &schema(), &value()), value());
        // Unknown tiers fail closed; ungated schemas change nothing.
        assert_eq!(visible(&tiers, "gold", &schema(), &value())["name"], "Acme");
        assert!(
            visible(&tiers, "gold", &schema(), &value())
                .get("pricing")
                .is_none()
        );
        assert_eq!(
            visible(&tiers, "core", &json!({"type": "object"}), &value()),
            value()
        );
    }

    #[test]
    fn cyclic_refs_and_odd_shapes_do_not_hang() {
        let tiers = Tiers::default();
        let cyclic = json!({ "$ref": "#/$defs/a", "$defs": { "a": { "$ref": "#/$defs/a" } }, "x-quire-tier": "business" });
        assert_eq!(
            visible(&tiers, "core", &cyclic, &json!({"k": 1})),
            json!({"k": 1})
        );
        let all_of =
            json!({ "allOf": [{ "properties": { "secret": { "x-quire-tier": "strategic" } } }] });
        assert_eq!(
            visible(&tiers, "core", &all_of, &json!({"secret": 1, "open": 2})),
            json!({"open": 2})
        );
    }

    #[test]
    fn tiers_parse_in_order() {
        let tiers = Tiers::parse("free, pro,enterprise").unwrap();
        assert_eq!(tiers.lowest(), "free");
        assert!(tiers.reaches("enterprise", "pro") && !tiers.reaches("free", "pro"));
        for bad in ["", "a,,b", "a,a", "Gold", &"t,".repeat(17)] {
            assert!(Tiers::parse(bad).is_err(), "{bad:?}");
        }
    }
}
