//! What a tier may filter and search on. Reads leave gated fields out
//! (`tiers`); filters and search must not match on them either, or a lower
//! tier could read a hidden number by bisection (`gt: 4000`, `gt: 4100`,
//! ...) or a hidden word by searching for it. So a path filter that touches
//! a field gated above the caller's tier is FORBIDDEN, and search leaves
//! out the versions of keys that gate anything above it (failing closed:
//! such a key's ungated words are not searched for that tier either).

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::query::json_filter::JsonPathFilter;
use crate::domain::tiers::{MAX_REF_DEPTH, TIER_KEYWORD, Tiers, resolve};

/// A field path inside a value: segments, `*` for any member or element.
type FieldPath = Vec<String>;

/// The gated fields of every key whose schemas gate any, with their marks.
#[derive(Debug, Default)]
pub(crate) struct GatedFields {
    by_key: HashMap<String, Vec<(FieldPath, String)>>,
}

impl GatedFields {
    /// The gated fields of the keys' schemas (every version of each chain).
    pub(crate) fn of<'a>(
        chains: impl IntoIterator<Item = (&'a String, &'a Vec<entity::artifact_schema::Model>)>,
    ) -> GatedFields {
        let mut by_key = HashMap::new();
        for (key, chain) in chains {
            let mut fields = Vec::new();
            for schema in chain {
                let root = &schema.json_schema;
                collect(root, root, &mut Vec::new(), &mut fields, 0);
            }
            if !fields.is_empty() {
                by_key.insert(key.clone(), fields);
            }
        }
        GatedFields { by_key }
    }

    /// The keys with a field gated above `tier`.
    pub(crate) fn keys_above(&self, tiers: &Tiers, tier: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .by_key
            .iter()
            .filter(|(_, fields)| fields.iter().any(|(_, mark)| !tiers.reaches(tier, mark)))
            .map(|(key, _)| key.clone())
            .collect();
        keys.sort();
        keys
    }

    /// FORBIDDEN when a filter on a version's value, of the keys `in_scope`
    /// admits, touches a field gated above `tier`.
    pub(crate) fn check_value_filters(
        &self,
        tiers: &Tiers,
        tier: &str,
        in_scope: impl Fn(&str) -> bool,
        filters: &[JsonPathFilter],
    ) -> DomainResult<()> {
        self.refuse_touching(tiers, tier, filters, in_scope, false)
    }

    /// The same for a filter on a project's context, whose paths begin with
    /// a key's dot path.
    pub(crate) fn check_context_filters(
        &self,
        tiers: &Tiers,
        tier: &str,
        filters: &[JsonPathFilter],
    ) -> DomainResult<()> {
        self.refuse_touching(tiers, tier, filters, |_| true, true)
    }

    /// FORBIDDEN for the first filter that touches a field gated above
    /// `tier` of a key `in_scope` admits; `under_key`: the filters' paths
    /// begin with the key's own (a context's).
    fn refuse_touching(
        &self,
        tiers: &Tiers,
        tier: &str,
        filters: &[JsonPathFilter],
        in_scope: impl Fn(&str) -> bool,
        under_key: bool,
    ) -> DomainResult<()> {
        for f in filters {
            let path: Vec<&str> = f.path.split('.').collect();
            for (key, fields) in self.by_key.iter().filter(|(k, _)| in_scope(k)) {
                let key_path: Vec<String> = match under_key {
                    true => key.split('.').map(str::to_owned).collect(),
                    false => Vec::new(),
                };
                for (field, mark) in fields {
                    let full: FieldPath = key_path.iter().chain(field).cloned().collect();
                    if !tiers.reaches(tier, mark) && touches(&path, &full, f) {
                        return Err(refused(&f.path, key));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The gated fields of the deployment's keys, in one statement.
pub(crate) async fn load(db: &impl sea_orm::ConnectionTrait) -> DomainResult<GatedFields> {
    let chains = crate::domain::schemas::gated_chains(db).await?;
    Ok(GatedFields::of(chains.iter()))
}

/// The tier of a project (the lowest for one that does not exist).
pub(crate) async fn project_tier(
    s: crate::domain::Session<'_>,
    project_id: uuid::Uuid,
) -> DomainResult<String> {
    use sea_orm::EntityTrait;
    let project = entity::project::Entity::find_by_id(project_id)
        .one(&s.db.conn)
        .await?;
    let tiers = &s.limits.tiers;
    Ok(project.map_or_else(
        || tiers.lowest().to_owned(),
        |p| crate::domain::tiers::tier_of(&p, tiers).to_owned(),
    ))
}

/// The condition that leaves out, from a search over many projects, the
/// versions of keys gated above each version's project's tier (a project
/// at a tier no longer configured sees none of them).
pub(crate) fn searchable_everywhere(gated: &GatedFields, tiers: &Tiers) -> sea_orm::Condition {
    use entity::{artifact_version as version, project};
    use sea_orm::ColumnTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut any = sea_orm::Condition::any();
    for tier in tiers.names() {
        let in_tier = Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .and_where(
                Expr::col(project::Column::Tier)
                    .if_null(tiers.lowest())
                    .eq(tier.as_str()),
            )
            .to_owned();
        let mut here =
            sea_orm::Condition::all().add(version::Column::ProjectId.in_subquery(in_tier));
        let hidden = gated.keys_above(tiers, tier);
        if !hidden.is_empty() {
            here = here.add(version::Column::SchemaKey.is_not_in(hidden));
        }
        any = any.add(here);
    }
    any
}

impl GatedFields {
    /// Whether no key gates anything.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

fn refused(path: &str, key: &str) -> DomainError {
    DomainError::Forbidden(format!(
        "the filter on {path:?} reaches a field of {key} that the project's tier does not read: filter on fields it reads"
    ))
}

/// Whether a filter at `path` reads the gated field at `field`: inside it
/// (or on it), with any operator; or on an object above it, with one that
/// compares whole values (eq, ne, contains).
fn touches(path: &[&str], field: &[String], f: &JsonPathFilter) -> bool {
    let matches = |a: &str, b: &String| b == "*" || a == b;
    let common = path.len().min(field.len());
    let aligned = path[..common]
        .iter()
        .zip(&field[..common])
        .all(|(a, b)| matches(a, b));
    if !aligned {
        return false;
    }
    if path.len() >= field.len() {
        return true;
    }
    f.eq.is_some() || f.ne.is_some() || f.contains.is_some()
}

/// Lists the gated fields below `schema` (at `at`) into `out`.
fn collect(
    root: &Value,
    schema: &Value,
    at: &mut FieldPath,
    out: &mut Vec<(FieldPath, String)>,
    depth: usize,
) {
    if depth > MAX_REF_DEPTH {
        return;
    }
    let Some(schema) = resolve(root, schema, depth) else {
        return;
    };
    if let Some(Value::String(mark)) = schema.get(TIER_KEYWORD) {
        out.push((at.clone(), mark.clone()));
        return;
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for sub in all {
            collect(root, sub, at, out, depth + 1);
        }
    }
    let mut below = |segment: String, sub: &Value, out: &mut Vec<(FieldPath, String)>| {
        at.push(segment);
        collect(root, sub, at, out, depth + 1);
        at.pop();
    };
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (name, sub) in properties {
            below(name.clone(), sub, out);
        }
    }
    if let Some(sub) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        below("*".into(), sub, out);
    }
    if let Some(Value::Array(prefix)) = schema.get("prefixItems") {
        for (i, sub) in prefix.iter().enumerate() {
            below(i.to_string(), sub, out);
        }
    }
    if let Some(sub) = schema.get("items").filter(|i| i.is_object()) {
        below("*".into(), sub, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> GatedFields {
        let schema = json!({ "type": "object", "properties": {
            "name": { "type": "string" },
            "pricing": { "x-quire-tier": "business", "properties": { "plan": {} } },
            "sections": { "items": { "properties": { "swot": { "$ref": "#/$defs/s" } } } }
        }, "$defs": { "s": { "x-quire-tier": "strategic" } } });
        let chain = vec![entity::artifact_schema::Model {
            id: uuid::Uuid::nil(),
            schema_key: "mvp.plan".into(),
            version: 1,
            json_schema: schema,
            upgrade: None,
            created_at: chrono::Utc::now(),
        }];
        let chains = HashMap::from([("mvp.plan".to_owned(), chain)]);
        GatedFields::of(chains.iter())
    }

    fn filter(path: &str, op: &str) -> JsonPathFilter {
        let mut f = JsonPathFilter {
            path: path.into(),
            ..Default::default()
        };
        match op {
            "eq" => f.eq = Some(json!(1)),
            "gt" => f.gt = Some(json!(1)),
            _ => f.exists = Some(true),
        }
        f
    }

    #[test]
    fn filters_on_gated_fields_are_refused_below_their_tier() {
        let (tiers, gated) = (Tiers::default(), fields());
        let check = |tier: &str, path: &str, op: &str| {
            gated
                .check_value_filters(&tiers, tier, |_| true, &[filter(path, op)])
                .is_ok()
        };
        assert!(!check("core", "pricing", "exists"));
        assert!(!check("core", "pricing.plan", "gt"));
        assert!(!check("business", "sections.3.swot", "eq"));
        assert!(check("business", "pricing.plan", "gt"));
        assert!(check("core", "name", "eq"));
        // An object above a gated field: whole-value comparisons only.
        assert!(check("core", "sections", "exists"));
        assert!(!check("core", "sections", "eq"));
        assert_eq!(gated.keys_above(&tiers, "core"), vec!["mvp.plan"]);
        assert!(gated.keys_above(&tiers, "strategic").is_empty());
        let context = |tier: &str, path: &str| {
            gated
                .check_context_filters(&tiers, tier, &[filter(path, "gt")])
                .is_ok()
        };
        assert!(!context("core", "mvp.plan.pricing.plan"));
        assert!(context("core", "mvp.plan.name"));
    }
}
