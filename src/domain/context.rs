//! The project context: approved values placed at their schema-key paths
//! (`brand.logo` -> `{"brand": {"logo": ...}}`), and reading parts of it.

use entity::context_revision;
use sea_orm::EntityTrait;
use serde_json::Value;
use uuid::Uuid;

use super::error::DomainResult;
use super::{Session, validate};

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

/// The context as it was at `version`, if the project had that version.
pub async fn at_version(
    s: Session<'_>,
    project_id: Uuid,
    version: i32,
) -> DomainResult<Option<Value>> {
    let found = context_revision::Entity::find_by_id((project_id, version))
        .one(&s.db.conn)
        .await?;
    Ok(found.map(|r| r.context))
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
