//! Artifact schemas: JSON Schemas (draft 2020-12) per schema key, versioned;
//! new artifact values are validated against the newest one. A version may
//! carry an upgrade (`domain::schemas::upgrades`) from the one before, and its
//! properties may be gated by tier (`domain::tiers`); [`view`] is what a
//! project reads of a value through both.

use std::collections::HashMap;

use chrono::Utc;
use entity::{Role, artifact_schema, artifact_version as version};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::Value;

use crate::db::{Dialect, WriteTxn};
use crate::domain::error::{DomainError, DomainResult, Violation};
use crate::domain::ids::IdKind;
use crate::domain::tiers::{self, Tiers};
use crate::domain::write::transact;
use crate::domain::{Session, check_size, ids, schemas::upgrades, validate};

/// The most failing versions a refused registration lists.
const MAX_LISTED_FAILURES: usize = 50;

/// Registers `json_schema` as the key's next schema version (1 for a new
/// key), with the `upgrade` patch from the previous version's values;
/// earlier versions stay. Before it is stored, the latest version of the key
/// in every project is upgraded through the chain (this upgrade included)
/// and validated against it: any failure refuses the registration, listing
/// each failing version (a dry run: nothing is written). ADMIN with an
/// unscoped token (schemas apply to every project); VALIDATION_FAILED when
/// it is not a valid draft 2020-12 schema, the upgrade is not an RFC 6902
/// patch, a tier it names is not configured, or existing values would not
/// validate.
pub(crate) async fn register(
    s: Session<'_>,
    schema_key: String,
    json_schema: Value,
    upgrade: Option<Value>,
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
    if let Some(upgrade) = &upgrade {
        upgrades::parse(upgrade)?;
    }
    let mut named = Vec::new();
    tiers::marks(&json_schema, &mut named);
    if let Some(unknown) = named.iter().find(|t| s.limits.tiers.rank(t).is_none()) {
        return Err(DomainError::validation(format!(
            "the schema marks a property with tier {unknown:?}, which is not one of the configured tiers ({})",
            s.limits.tiers.names().join(", ")
        )));
    }
    let (schema_key, json_schema, upgrade) = (&schema_key, &json_schema, &upgrade);
    transact(s.db, move |txn| async move {
        // Registrations of one key take turns, so that each dry run sees the chain it extends.
        Dialect::of(&txn)
            .lock_name(&txn, &format!("artifact_schemas/{schema_key}"))
            .await?;
        let chain = chain(&txn, schema_key).await?;
        let version = chain.last().map_or(1, |m| m.version + 1);
        let model = artifact_schema::Model {
            id: ids::new_id(),
            schema_key: schema_key.clone(),
            version,
            json_schema: json_schema.clone(),
            upgrade: upgrade.clone(),
            created_at: Utc::now(),
        };
        let mut extended = chain;
        extended.push(model.clone());
        let contexts = reshaped_contexts(&txn, &extended).await?;
        dry_run(&txn, &extended, &contexts).await?;
        artifact_schema::Entity::insert(artifact_schema::ActiveModel::from(model.clone()))
            .exec(&txn)
            .await?;
        // Every read of a context shows one shape, the newest: the values
        // promoted before this upgrade are upgraded in place, as a new
        // context revision of each project that holds one.
        for (project, context) in contexts {
            crate::domain::write::context_revisions::reshape(&txn, &project, &context).await?;
        }
        Ok(model)
    })
    .await
}

/// The contexts that hold a value at the key of `chain`'s last schema, with
/// that value upgraded from the shape of the schema before it (promotion
/// writes the newest shape); only those the upgrade changes.
async fn reshaped_contexts(
    txn: &WriteTxn,
    chain: &[artifact_schema::Model],
) -> DomainResult<Vec<(entity::project::Model, Value)>> {
    let [.., previous, new] = chain else {
        return Ok(Vec::new());
    };
    let links = links(chain);
    let projects = entity::project::Entity::find()
        .filter(entity::project::Column::ContextVersion.gt(0))
        .all(txn)
        .await?;
    let mut out = Vec::new();
    for project in projects {
        let Ok(Some(value)) =
            crate::domain::values::subtree(&project.context, Some(&new.schema_key))
        else {
            continue;
        };
        let upgraded = upgrades::upgrade(&value, Some(previous.version), new.version, &links)
            .map_err(|e| {
                DomainError::validation(format!(
                    "the value of {} in project {}'s context cannot be upgraded: {e}",
                    new.schema_key, project.slug
                ))
            })?;
        if upgraded != value {
            let mut context = project.context.clone();
            crate::domain::values::set_path(&mut context, &new.schema_key, upgraded);
            out.push((project, context));
        }
    }
    Ok(out)
}

/// Upgrades to the last schema of `chain`, and validates there, every
/// version of the key that can still be promoted or revised (APPROVED,
/// PENDING, and each project's latest), and the contexts' values as
/// `contexts` reshapes them; VALIDATION_FAILED listing what fails.
async fn dry_run(
    txn: &WriteTxn,
    chain: &[artifact_schema::Model],
    contexts: &[(entity::project::Model, Value)],
) -> DomainResult<()> {
    let new = chain.last().expect("the chain holds the new schema");
    let latest_of_each = Expr::tuple([
        Expr::col(version::Column::ProjectId),
        Expr::col(version::Column::VersionNumber),
    ])
    .in_subquery(
        version::Entity::find()
            .select_only()
            .column(version::Column::ProjectId)
            .column_as(version::Column::VersionNumber.max(), "highest")
            .filter(version::Column::SchemaKey.eq(&new.schema_key))
            .group_by(version::Column::ProjectId)
            .into_query(),
    );
    let latest =
        version::Entity::find()
            .filter(version::Column::SchemaKey.eq(&new.schema_key))
            .filter(sea_orm::Condition::any().add(latest_of_each).add(
                version::Column::Status.is_in([
                    entity::VersionStatus::Approved,
                    entity::VersionStatus::Pending,
                ]),
            ))
            .all(txn)
            .await?;
    let validator = jsonschema::draft202012::new(&new.json_schema)
        .map_err(|e| DomainError::Internal(format!("a checked schema does not compile: {e}")))?;
    let mut context_failures = Vec::new();
    for (project, context) in contexts {
        let Ok(Some(value)) = crate::domain::values::subtree(context, Some(&new.schema_key)) else {
            continue;
        };
        context_failures.extend(validator.iter_errors(&value).map(|e| Violation {
            pointer: e.instance_path().to_string(),
            message: format!("the context of project {}: {e}", project.slug),
        }));
    }
    if latest.is_empty() && context_failures.is_empty() {
        return Ok(());
    }
    let links = links(chain);
    let mut failing = usize::from(!context_failures.is_empty());
    let mut failures = context_failures;
    for v in &latest {
        let name = ids::encode(IdKind::Version, v.id);
        let problems: Vec<Violation> = match upgrades::upgrade(
            &crate::domain::values::tree(v)?,
            v.schema_version,
            new.version,
            &links,
        ) {
            Err(err) => vec![Violation {
                pointer: String::new(),
                message: format!("{name}: {err}"),
            }],
            Ok(upgraded) => validator
                .iter_errors(&upgraded)
                .map(|e| Violation {
                    pointer: e.instance_path().to_string(),
                    message: format!("{name} (version {}): {e}", v.version_number),
                })
                .collect(),
        };
        if !problems.is_empty() {
            failing += 1;
        }
        failures.extend(problems);
    }
    if failing == 0 {
        return Ok(());
    }
    failures.truncate(MAX_LISTED_FAILURES);
    let how = if new.upgrade.is_some() {
        "upgraded through the given upgrade"
    } else {
        "without an upgrade (give `upgrade`, an RFC 6902 patch from the previous version)"
    };
    Err(DomainError::Validation {
        message: format!(
            "{failing} existing version(s) of {} would not validate against schema version {}, {how}",
            new.schema_key, new.version
        ),
        violations: failures,
    })
}

/// Every schema of a key, oldest first.
pub(crate) async fn chain(
    db: &impl ConnectionTrait,
    schema_key: &str,
) -> DomainResult<Vec<artifact_schema::Model>> {
    Ok(artifact_schema::Entity::find()
        .filter(artifact_schema::Column::SchemaKey.eq(schema_key))
        .order_by_asc(artifact_schema::Column::Version)
        .all(db)
        .await?)
}

/// Every schema of each key that has one, oldest first, in one statement.
pub(crate) async fn chains(
    db: &impl ConnectionTrait,
    schema_keys: impl IntoIterator<Item = String>,
) -> DomainResult<HashMap<String, Vec<artifact_schema::Model>>> {
    let rows = artifact_schema::Entity::find()
        .filter(artifact_schema::Column::SchemaKey.is_in(schema_keys))
        .order_by_asc(artifact_schema::Column::Version)
        .all(db)
        .await?;
    let mut out: HashMap<String, Vec<artifact_schema::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.schema_key.clone()).or_default().push(row);
    }
    Ok(out)
}

/// Every schema of the keys that have a tier-gated version, oldest first:
/// what reading a context needs to gate it.
pub(crate) async fn gated_chains(
    db: &impl ConnectionTrait,
) -> DomainResult<HashMap<String, Vec<artifact_schema::Model>>> {
    let gated = artifact_schema::Entity::find()
        .select_only()
        .column(artifact_schema::Column::SchemaKey)
        .filter(
            Expr::col(artifact_schema::Column::JsonSchema)
                .cast_as("TEXT")
                .like(format!("%{}%", tiers::TIER_KEYWORD)),
        )
        .distinct()
        .into_tuple::<String>()
        .all(db)
        .await?;
    if gated.is_empty() {
        return Ok(HashMap::new());
    }
    chains(db, gated).await
}

fn links(chain: &[artifact_schema::Model]) -> Vec<upgrades::Link<'_>> {
    chain
        .iter()
        .map(|m| upgrades::Link {
            version: m.version,
            upgrade: m.upgrade.as_ref(),
        })
        .collect()
}

/// What a project at `tier` reads of a value stored under `own` (its schema
/// version; none: before any schema), as schema version `as_version` (none:
/// its own): upgraded through the key's `chain`, then without what any
/// schema version of the key gates above the tier (`tiers::visible_under_all`).
/// VALIDATION_FAILED for a version the key does not have, one older than
/// the value's, or an upgrade that does not apply to it.
pub(crate) fn view(
    tiers: &Tiers,
    tier: &str,
    value: &Value,
    own: Option<i32>,
    as_version: Option<i32>,
    chain: &[artifact_schema::Model],
) -> DomainResult<Value> {
    let shaped = match as_version.or(own) {
        None => value.clone(),
        Some(target) => {
            if !chain.iter().any(|m| m.version == target) {
                return Err(DomainError::validation(format!(
                    "the key has no schema version {target} (it has {})",
                    chain.len()
                )));
            }
            upgrades::upgrade(value, own, target, &links(chain))?
        }
    };
    Ok(gated(tiers, tier, chain, &shaped))
}

/// `value` (in any shape of the key's) without what any schema of `chain`
/// gates above `tier`.
pub(crate) fn gated(
    tiers: &Tiers,
    tier: &str,
    chain: &[artifact_schema::Model],
    value: &Value,
) -> Value {
    tiers::visible_under_all(tiers, tier, chain.iter().map(|m| &m.json_schema), value)
}

/// Whether any schema of `chain` gates by tier.
pub(crate) fn chain_is_gated(chain: &[artifact_schema::Model]) -> bool {
    chain.iter().any(|m| tiers::is_gated(&m.json_schema))
}

/// `value`, stored under `own`, in the shape of the newest schema of
/// `chain` (unchanged when the key has none): what promotion writes.
pub(crate) fn upgraded_to_newest(
    value: &Value,
    own: Option<i32>,
    chain: &[artifact_schema::Model],
) -> DomainResult<Value> {
    match chain.last() {
        Some(newest) => upgrades::upgrade(value, own, newest.version, &links(chain)),
        None => Ok(value.clone()),
    }
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
