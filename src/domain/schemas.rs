//! Artifact schemas: JSON Schemas (draft 2020-12) per schema key, versioned;
//! new artifact values are validated against the newest one.

use chrono::Utc;
use entity::{Role, artifact_schema};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use super::error::{DomainError, DomainResult, Violation};
use super::write::transact;
use super::{Session, check_size, ids, validate};

/// Registers `json_schema` as the key's next schema version (1 for a new
/// key); earlier versions stay. ADMIN with an unscoped token (schemas apply
/// to every project); VALIDATION_FAILED when it is not a valid draft
/// 2020-12 schema.
pub(crate) async fn register(
    s: Session<'_>,
    schema_key: String,
    json_schema: Value,
) -> DomainResult<artifact_schema::Model> {
    s.principal.require_role(Role::Admin)?;
    if s.principal.project_scope.is_some() {
        return Err(DomainError::Forbidden(
            "schemas apply to every project: a project-scoped token cannot register them".into(),
        ));
    }
    validate::schema_key(&schema_key)?;
    let size = serde_json::to_string(&json_schema)
        .map(|t| t.len())
        .unwrap_or(0);
    check_size("JSON Schema", size, s.limits.max_value_bytes)?;
    if let Err(err) = jsonschema::draft202012::new(&json_schema) {
        return Err(DomainError::Validation {
            message: format!("not a valid JSON Schema (draft 2020-12): {err}"),
            violations: vec![Violation {
                pointer: err.schema_path().to_string(),
                message: err.to_string(),
            }],
        });
    }
    let (schema_key, json_schema) = (&schema_key, &json_schema);
    transact(s.db, move |txn| async move {
        let version = newest(&txn, schema_key).await?.map_or(1, |m| m.version + 1);
        let model = artifact_schema::Model {
            id: ids::new_id(),
            schema_key: schema_key.clone(),
            version,
            json_schema: json_schema.clone(),
            created_at: Utc::now(),
        };
        artifact_schema::Entity::insert(artifact_schema::ActiveModel::from(model.clone()))
            .exec(&txn)
            .await?;
        Ok(model)
    })
    .await
}

/// The newest schema registered for a key.
pub(crate) async fn newest(
    db: &impl ConnectionTrait,
    schema_key: &str,
) -> DomainResult<Option<artifact_schema::Model>> {
    Ok(artifact_schema::Entity::find()
        .filter(artifact_schema::Column::SchemaKey.eq(schema_key))
        .order_by_desc(artifact_schema::Column::Version)
        .one(db)
        .await?)
}

/// Checks `value` against the key's newest schema; returns that schema's
/// version, or every violation with its JSON pointer.
pub(crate) async fn check(
    db: &impl ConnectionTrait,
    schema_key: &str,
    value: &Value,
) -> DomainResult<Option<i32>> {
    let Some(schema) = newest(db, schema_key).await? else {
        return Ok(None);
    };
    let validator = jsonschema::draft202012::new(&schema.json_schema)
        .map_err(|e| DomainError::Internal(format!("stored schema does not compile: {e}")))?;
    let violations: Vec<Violation> = validator
        .iter_errors(value)
        .map(|e| Violation {
            pointer: e.instance_path().to_string(),
            message: e.to_string(),
        })
        .collect();
    if violations.is_empty() {
        Ok(Some(schema.version))
    } else {
        Err(DomainError::Validation {
            message: format!(
                "the value does not match schema {schema_key} version {}: {} violation(s)",
                schema.version,
                violations.len()
            ),
            violations,
        })
    }
}
