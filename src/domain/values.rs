//! JSON values as Quire keeps them: a version's stored value read as a tree,
//! and dot paths (`brand.logo`) into trees, by whole segments.

use entity::artifact_version as version;
use serde_json::Value;

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::validate;

/// A version's value as a tree (it is read as text: see `entity::JsonText`).
pub fn tree(v: &version::Model) -> DomainResult<Value> {
    v.value
        .parse()
        .map_err(|e| DomainError::Internal(format!("a stored value is not JSON: {e}")))
}

/// The order in which keys are applied to a context: parents before their
/// children (by depth), then by key.
pub(crate) fn parents_first(key: &str) -> (usize, String) {
    (key.matches('.').count(), key.to_owned())
}

/// Whether the dot path `path` is `ancestor` or lies below it, by whole
/// segments (`brand.logo` is within `brand`, `brandx` is not).
pub(crate) fn within(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Whether the dot path `path` lies strictly below `ancestor`.
pub(crate) fn below(path: &str, ancestor: &str) -> bool {
    path != ancestor && within(path, ancestor)
}

/// The sub-tree of `context` at a dot path; `None` when nothing is there.
pub fn subtree(context: &Value, path: Option<&str>) -> DomainResult<Option<Value>> {
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Ok(Some(context.clone()));
    };
    validate::schema_key(path)?;
    let mut node = context;
    for segment in path.split('.') {
        match node.get(segment) {
            Some(next) => node = next,
            None => return Ok(None),
        }
    }
    Ok(Some(node.clone()))
}

/// Puts `value` at the dot path `key` of `context`, creating objects on the
/// way (and replacing non-objects that stand in the way).
pub fn set_path(context: &mut Value, key: &str, value: Value) {
    let mut node = context;
    let segments: Vec<&str> = key.split('.').collect();
    for segment in &segments[..segments.len() - 1] {
        if !node.is_object() {
            *node = Value::Object(Default::default());
        }
        node = node
            .as_object_mut()
            .expect("made an object above")
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if !node.is_object() {
        *node = Value::Object(Default::default());
    }
    node.as_object_mut()
        .expect("made an object above")
        .insert(segments[segments.len() - 1].to_owned(), value);
}

#[cfg(test)]
mod path_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_paths() {
        let mut ctx = json!({});
        set_path(&mut ctx, "brand.logo", json!({"url": "a"}));
        set_path(&mut ctx, "brand.palette", json!(["#fff"]));
        set_path(&mut ctx, "mvp", json!(1));
        assert_eq!(
            ctx,
            json!({"brand": {"logo": {"url": "a"}, "palette": ["#fff"]}, "mvp": 1})
        );
        set_path(&mut ctx, "mvp.scope", json!("s"));
        assert_eq!(ctx["mvp"], json!({"scope": "s"}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_select_sub_trees() {
        let ctx = json!({"brand": {"logo": {"url": "x"}, "palette": ["#fff"]}});
        assert_eq!(subtree(&ctx, None).unwrap(), Some(ctx.clone()));
        assert_eq!(
            subtree(&ctx, Some("brand.logo")).unwrap(),
            Some(json!({"url": "x"}))
        );
        assert_eq!(subtree(&ctx, Some("brand.missing")).unwrap(), None);
        assert!(subtree(&ctx, Some("Brand..x")).is_err());
    }
}
