//! Approval policies: per project, by schema-key pattern (an exact key, a
//! prefix `brand.*`, or `*`; the most specific pattern governs a key).
//!
//! - `auto_approve_when`: a JSONLogic rule (the `datalogic-rs` crate) over
//!   `{value, version, run, actor}`, evaluated when a version is created;
//!   when it holds, the version is approved in the same transaction, by the
//!   policy (actor type RULE, the policy's id as the actor's). A rule that
//!   fails to evaluate never approves.
//! - `required_approvals` and `required_actor_types`: a quorum. Each
//!   approval is recorded; the version becomes APPROVED once that many
//!   distinct actors approved, with every required actor type among them.
//!   One actor counts once; a rejection by anyone ends the review.
//!
//! A version keeps the policy that governed it when it was created: policy
//! rows are never edited (setting a pattern again ends the old row and
//! writes a new one), so a change applies to versions created after it.

use chrono::Utc;
use datalogic_rs::{DataLogic, OpCode};
use entity::{ActorType, Role, approval_policy as policy};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::write::transact;
use crate::domain::{Actor, Session, projects, validate};

/// The most approvals a quorum may require.
pub const MAX_REQUIRED_APPROVALS: i32 = 10;
/// The largest rule, as JSON text.
pub const MAX_RULE_BYTES: usize = 8 * 1024;
/// The most JSON nodes of a rule.
pub const MAX_RULE_NODES: usize = 256;
/// What a rule's variables may read.
pub const RULE_VARIABLES: [&str; 4] = ["value", "version", "run", "actor"];

/// What [`set`] needs.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    /// The project's public ID.
    pub project_id: String,
    /// An exact schema key, a prefix ending in `.*`, or `*`.
    pub schema_key_pattern: String,
    /// A JSONLogic rule that approves a new version when it holds.
    pub auto_approve_when: Option<Value>,
    /// Distinct approvers needed (default 1).
    pub required_approvals: Option<i32>,
    /// Actor types that must be among the approvers.
    pub required_actor_types: Vec<ActorType>,
}

/// Sets the project's policy for a pattern, replacing the one it had, in
/// one transaction. ADMIN (of the project, or unscoped); NOT_FOUND for a
/// project it cannot see; VALIDATION_FAILED for a malformed pattern, a rule
/// that is not JSONLogic, reads an unknown variable or is too large, a
/// quorum out of 1..=10, or more required actor types than approvals.
pub async fn set(s: Session<'_>, input: NewPolicy) -> DomainResult<policy::Model> {
    s.principal.require_role(Role::Admin)?;
    check_pattern(&input.schema_key_pattern)?;
    let required = input.required_approvals.unwrap_or(1);
    if !(1..=MAX_REQUIRED_APPROVALS).contains(&required) {
        return Err(DomainError::validation(format!(
            "requiredApprovals is {required}, outside 1..={MAX_REQUIRED_APPROVALS}"
        )));
    }
    let mut types = input.required_actor_types.clone();
    types.sort_by_key(|t| t.to_value());
    types.dedup();
    if types.len() as i32 > required {
        return Err(DomainError::validation(format!(
            "{} required actor types cannot all be among {required} approvals",
            types.len()
        )));
    }
    if let Some(rule) = &input.auto_approve_when {
        check_rule(rule)?;
    }
    let project = projects::require(s, &input.project_id).await?;
    let actor = &s.principal.actor;
    let input = &input;
    let types = &types;
    transact(s.db, move |txn| async move {
        let now = Utc::now();
        end(
            &txn,
            project.id,
            Some(&input.schema_key_pattern),
            None,
            actor,
            now,
        )
        .await?;
        let row = policy::Model {
            id: ids::new_id(),
            project_id: project.id,
            schema_key_pattern: input.schema_key_pattern.clone(),
            auto_approve_when: input.auto_approve_when.clone(),
            required_approvals: required,
            required_actor_types: Value::Array(
                types.iter().map(|t| Value::String(t.to_value())).collect(),
            ),
            created_by_id: actor.id,
            created_by_name: actor.name.clone(),
            created_by_type: actor.actor_type,
            created_at: now,
            ended_at: None,
            ended_by_id: None,
            ended_by_name: None,
        };
        policy::Entity::insert(policy::ActiveModel::from(row.clone()))
            .exec(&txn)
            .await?;
        Ok(row)
    })
    .await
}

/// Ends a policy in force (by its public ID), so that versions created from
/// now on are not governed by it. ADMIN; NOT_FOUND for a policy the caller
/// cannot see or one already ended.
pub async fn delete(s: Session<'_>, id_text: &str) -> DomainResult<bool> {
    s.principal.require_role(Role::Admin)?;
    let id = ids::decode(IdKind::Policy, id_text)?;
    let actor = &s.principal.actor;
    transact(s.db, move |txn| async move {
        let found = policy::Entity::find_by_id(id).one(&txn).await?;
        let found = found
            .filter(|p| p.ended_at.is_none() && s.principal.can_see(p.project_id))
            .ok_or_else(|| DomainError::not_found(IdKind::Policy, id_text))?;
        let ended = end(
            &txn,
            found.project_id,
            None,
            Some(found.id),
            actor,
            Utc::now(),
        )
        .await?;
        Ok(ended > 0)
    })
    .await
}

/// Ends the project's policies in force of `pattern`, or the one `id`.
async fn end(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    pattern: Option<&str>,
    id: Option<Uuid>,
    actor: &Actor,
    now: chrono::DateTime<Utc>,
) -> DomainResult<u64> {
    let mut update = policy::Entity::update_many()
        .col_expr(policy::Column::EndedAt, Expr::value(now))
        .col_expr(policy::Column::EndedById, Expr::value(actor.id))
        .col_expr(policy::Column::EndedByName, Expr::value(actor.name.clone()))
        .filter(policy::Column::ProjectId.eq(project_id))
        .filter(policy::Column::EndedAt.is_null());
    if let Some(pattern) = pattern {
        update = update.filter(policy::Column::SchemaKeyPattern.eq(pattern));
    }
    if let Some(id) = id {
        update = update.filter(policy::Column::Id.eq(id));
    }
    Ok(update.exec(txn).await?.rows_affected)
}

/// The project's policies in force, in the order they are evaluated: the
/// most specific pattern first (exact keys, then longer prefixes, then `*`).
pub async fn in_force(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> DomainResult<Vec<policy::Model>> {
    let mut rows = policy::Entity::find()
        .filter(policy::Column::ProjectId.eq(project_id))
        .filter(policy::Column::EndedAt.is_null())
        .order_by_asc(policy::Column::SchemaKeyPattern)
        .all(conn)
        .await?;
    rows.sort_by_key(|p| std::cmp::Reverse(specificity(&p.schema_key_pattern)));
    Ok(rows)
}

/// A policy by id, in force or ended, if the caller may see its project.
pub async fn visible(s: Session<'_>, id: Uuid) -> DomainResult<Option<policy::Model>> {
    let found = by_id(&s.db.conn, id).await?;
    Ok(found.filter(|p| s.principal.can_see(p.project_id)))
}

/// A policy by id, in force or ended (the one a version was created under).
pub(crate) async fn by_id(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> DomainResult<Option<policy::Model>> {
    Ok(policy::Entity::find_by_id(id).one(conn).await?)
}

/// How specific a pattern is: an exact key beats any prefix, a longer
/// prefix a shorter one, and `*` comes last.
fn specificity(pattern: &str) -> (u8, usize) {
    match pattern {
        "*" => (0, 0),
        p if p.ends_with(".*") => (1, p.len()),
        p => (2, p.len()),
    }
}

/// Whether `pattern` governs `key`.
fn matches(pattern: &str, key: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some("") => true,
        Some(prefix) => key.starts_with(prefix),
        None => pattern == key,
    }
}

/// The policy (of `in_force`'s, in its order) that governs `key`.
pub(crate) fn governing<'a>(policies: &'a [policy::Model], key: &str) -> Option<&'a policy::Model> {
    policies
        .iter()
        .find(|p| matches(&p.schema_key_pattern, key))
}

fn check_pattern(pattern: &str) -> DomainResult<()> {
    if pattern == "*" {
        return Ok(());
    }
    let key = pattern.strip_suffix(".*").unwrap_or(pattern);
    validate::schema_key(key).map_err(|_| {
        DomainError::validation(format!(
            "schemaKeyPattern {pattern:?} is not a schema key, a prefix ending in .* (brand.*), or *"
        ))
    })
}

/// The operators a rule may use. Each costs time and memory in proportion
/// to its arguments, so a rule of bounded size over a value of bounded size
/// evaluates in bounded time and memory. Left out: what can grow its output
/// past its input (`cat`, `merge`, `map`, `filter`, `reduce`, `sort`,
/// `slice`, `split`: one `reduce` doubling a string aborted the process),
/// control flow that hides work (`try`, `throw`, `switch`), and the clock
/// (`now` and the date operators: a rule decides the same way every time).
pub const RULE_OPERATORS: [&str; 43] = [
    "var",
    "val",
    "exists",
    "missing",
    "missing_some",
    "==",
    "===",
    "!=",
    "!==",
    ">",
    ">=",
    "<",
    "<=",
    "!",
    "!!",
    "and",
    "or",
    "if",
    "?:",
    "??",
    "+",
    "-",
    "*",
    "/",
    "%",
    "max",
    "min",
    "abs",
    "ceil",
    "floor",
    "in",
    "substr",
    "starts_with",
    "ends_with",
    "lower",
    "upper",
    "trim",
    "length",
    "type",
    "all",
    "some",
    "none",
    "preserve",
];

/// Operators that evaluate a rule once per element of an array: allowed,
/// but not inside one another (nested, they multiply their arrays' lengths).
const ITERATORS: [&str; 3] = ["all", "some", "none"];

/// VALIDATION_FAILED unless `rule` is a JSONLogic rule of bounded size
/// whose operators are among [`RULE_OPERATORS`] and whose every variable
/// read (`var`, `val`, `exists`, `missing`, `missing_some`) names a literal
/// path under `value`, `version`, `run` or `actor`.
pub(crate) fn check_rule(rule: &Value) -> DomainResult<()> {
    refusal(rule).map_or(Ok(()), |why| {
        Err(DomainError::validation(format!("autoApproveWhen {why}")))
    })
}

/// Why `rule` may not run, if it may not (see [`check_rule`]).
fn refusal(rule: &Value) -> Option<String> {
    let size = serde_json::to_string(rule).map(|t| t.len()).unwrap_or(0);
    if size > MAX_RULE_BYTES || nodes(rule) > MAX_RULE_NODES {
        return Some(format!(
            "is over {MAX_RULE_BYTES} bytes or {MAX_RULE_NODES} JSON values"
        ));
    }
    if !rule.is_object() {
        return Some(
            "is a JSONLogic rule: an object such as {\"==\": [{\"var\": \"version.schemaKey\"}, \"brand.logo\"]}".into(),
        );
    }
    if let Err(why) = check_node(rule, Scope::Root) {
        return Some(why);
    }
    DataLogic::new()
        .compile(rule)
        .err()
        .map(|e| format!("is not JSONLogic: {e}"))
}

fn nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(nodes).sum(),
        Value::Object(members) => members.values().map(nodes).sum(),
        _ => 0,
    }
}

/// Where a node of a rule stands: at the root, where variables name the
/// rule's data, or inside an iterator's predicate, where they name the
/// element at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Root,
    Element,
}

/// Checks one node of a rule, and those under it (a branch never taken is
/// checked too: a one-key object is an operator, as JSONLogic reads it,
/// wherever it stands).
fn check_node(node: &Value, scope: Scope) -> Result<(), String> {
    match node {
        Value::Object(members) => {
            let [(op, args)] = members.iter().collect::<Vec<_>>()[..] else {
                return members.values().try_for_each(|v| check_node(v, scope));
            };
            if op.parse::<OpCode>().is_err() {
                return Err(format!("is not JSONLogic: {op:?} is not an operator"));
            }
            if !RULE_OPERATORS.contains(&op.as_str()) {
                return Err(format!(
                    "uses {op:?}, which approval rules do not allow (they allow: {})",
                    RULE_OPERATORS.join(" ")
                ));
            }
            match op.as_str() {
                "var" | "val" | "exists" => check_read(op, args, scope),
                "missing" => check_paths(op, args, scope),
                // `preserve` holds literal data, not logic.
                "preserve" => Ok(()),
                "missing_some" => match args {
                    Value::Array(parts) if parts.len() == 2 => {
                        check_node(&parts[0], scope)?;
                        check_paths(op, &parts[1], scope)
                    }
                    _ => Err("reads missing_some as [count, [paths]]".into()),
                },
                op if ITERATORS.contains(&op) => {
                    if scope == Scope::Element {
                        return Err(format!(
                            "nests {op:?} inside another all/some/none, which approval rules do not allow"
                        ));
                    }
                    match args {
                        Value::Array(parts) if parts.len() == 2 => {
                            check_node(&parts[0], scope)?;
                            check_node(&parts[1], Scope::Element)
                        }
                        _ => Err(format!("reads {op} as [array, rule]")),
                    }
                }
                _ => check_node(args, scope),
            }
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_node(v, scope)),
        _ => Ok(()),
    }
}

/// `var` (a path, or [path, default]), `val` and `exists` (a path, or its
/// segments): the path is literal, and at the root under a rule variable.
fn check_read(op: &str, args: &Value, scope: Scope) -> Result<(), String> {
    let (segments, default): (Vec<&Value>, Option<&Value>) = match (op, args) {
        ("var", Value::Array(parts)) => (parts.first().into_iter().collect(), parts.get(1)),
        (_, Value::Array(parts)) => (parts.iter().collect(), None),
        (_, one) => (vec![one], None),
    };
    let mut path = Vec::new();
    for segment in &segments {
        match segment {
            Value::String(s) => path.push(s.clone()),
            Value::Number(n) if op != "var" => path.push(n.to_string()),
            other => {
                return Err(format!(
                    "reads {other} with {op}: a variable's path is a literal string (under value, version, run or actor)"
                ));
            }
        }
    }
    // `var` reads a dotted path; `val` and `exists` take each segment whole.
    let root = match op {
        "var" => path.first().and_then(|p| p.split('.').next()),
        _ => path.first().map(String::as_str),
    };
    check_root(op, root.unwrap_or(""), scope)?;
    default.map_or(Ok(()), |d| check_node(d, scope))
}

/// `missing`'s paths: a literal path, or a literal list of them.
fn check_paths(op: &str, args: &Value, scope: Scope) -> Result<(), String> {
    let paths: Vec<&Value> = match args {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    paths.into_iter().try_for_each(|p| match p {
        Value::String(path) => check_root(op, path.split('.').next().unwrap_or(""), scope),
        other => Err(format!(
            "reads {other} with {op}: its paths are literal strings (under value, version, run or actor)"
        )),
    })
}

/// At the root, a path must start with one of [`RULE_VARIABLES`]; inside an
/// iterator it names a part of the element, whatever it is.
fn check_root(op: &str, root: &str, scope: Scope) -> Result<(), String> {
    if scope == Scope::Element || RULE_VARIABLES.contains(&root) {
        return Ok(());
    }
    Err(format!(
        "reads {root:?} with {op}: variables are under value, version, run or actor"
    ))
}

/// What evaluating a rule came to, as the version records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOutcome {
    /// The rule held: the version was approved by the policy.
    Held,
    /// The rule evaluated to a falsy value.
    DidNotHold,
    /// The rule failed to evaluate (a type error, say): it does not hold.
    Failed(String),
    /// The rule was not run: it uses what rules may not (a rule stored
    /// before the allow-list, say). It does not hold.
    Refused(String),
}

impl RuleOutcome {
    /// Whether the version is approved by the rule.
    pub fn held(&self) -> bool {
        *self == RuleOutcome::Held
    }

    /// The outcome as the version's audit trail says it.
    pub fn describe(&self) -> String {
        match self {
            RuleOutcome::Held => "held".into(),
            RuleOutcome::DidNotHold => "did not hold".into(),
            RuleOutcome::Failed(e) => format!("did not hold: it failed to evaluate ({e})"),
            RuleOutcome::Refused(why) => format!("did not hold: not evaluated, the rule {why}"),
        }
    }
}

/// Evaluates `rule` for `data` (truthy, as JSONLogic has it, holds). A rule
/// is checked again before it runs, so that a rule stored before today's
/// limits cannot run past them.
pub(crate) fn evaluate(rule: &Value, data: Value) -> RuleOutcome {
    if let Some(why) = refusal(rule) {
        tracing::warn!(reason = %why, "an approval rule was refused at evaluation; the version stays PENDING");
        return RuleOutcome::Refused(why);
    }
    let engine = DataLogic::new();
    let compiled = match engine.compile(rule) {
        Ok(c) => c,
        Err(e) => return RuleOutcome::Refused(format!("is not JSONLogic: {e}")),
    };
    match engine.evaluate(&compiled, std::sync::Arc::new(data)) {
        Ok(result) if truthy(&result) => RuleOutcome::Held,
        Ok(_) => RuleOutcome::DidNotHold,
        Err(e) => {
            tracing::warn!(error = %e, "an approval rule failed to evaluate; the version stays PENDING");
            RuleOutcome::Failed(e.to_string())
        }
    }
}

/// Whether `rule` holds for `data` (see [`evaluate`]).
#[cfg(test)]
fn holds(rule: &Value, data: Value) -> bool {
    evaluate(rule, data).held()
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(_) => true,
    }
}

/// The actor types a policy requires among its approvers.
pub fn required_types(p: &policy::Model) -> Vec<ActorType> {
    p.required_actor_types
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            t.as_str()
                .and_then(|t| ActorType::try_from_value(&t.to_owned()).ok())
        })
        .collect()
}

/// Whether a policy asks for more than one approval by anyone.
pub(crate) fn has_quorum(p: &policy::Model) -> bool {
    p.required_approvals > 1 || !required_types(p).is_empty()
}

/// Whether the distinct approvers `votes` (actor id and type) meet the quorum.
pub(crate) fn quorum_met(p: &policy::Model, votes: &[(Uuid, ActorType)]) -> bool {
    let mut actors: Vec<Uuid> = votes.iter().map(|(id, _)| *id).collect();
    actors.sort();
    actors.dedup();
    actors.len() as i32 >= p.required_approvals
        && required_types(p)
            .iter()
            .all(|t| votes.iter().any(|(_, voted)| voted == t))
}

/// Where a version's review stands against its policy (none: one approval
/// by anyone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Distinct approvers needed.
    pub required: i32,
    /// Distinct actors who approved.
    pub approvals: i32,
    /// Approvals still needed (0 once met).
    pub still_needed: i32,
    /// Required actor types none of the approvers has.
    pub missing_types: Vec<ActorType>,
}

/// The progress of `votes` (approvers and their types, each counted once)
/// against `policy`'s quorum, the same count `quorum_met` makes.
pub fn progress(policy: Option<&policy::Model>, votes: &[(Uuid, ActorType)]) -> Progress {
    let mut actors: Vec<Uuid> = votes.iter().map(|(id, _)| *id).collect();
    actors.sort();
    actors.dedup();
    let approvals = actors.len() as i32;
    let (required, types) = match policy {
        Some(p) => (p.required_approvals, required_types(p)),
        None => (1, Vec::new()),
    };
    let missing_types: Vec<ActorType> = types
        .into_iter()
        .filter(|t| !votes.iter().any(|(_, voted)| voted == t))
        .collect();
    let by_count = (required - approvals).max(0);
    Progress {
        required,
        approvals,
        still_needed: by_count.max(missing_types.len() as i32),
        missing_types,
    }
}

/// The actor a policy approves as: actor type RULE, the policy's id.
pub(crate) fn rule_actor(p: &policy::Model) -> Actor {
    Actor {
        id: p.id,
        name: format!("policy {}", p.schema_key_pattern),
        actor_type: ActorType::Rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(pattern: &str) -> policy::Model {
        policy::Model {
            id: Uuid::now_v7(),
            project_id: Uuid::nil(),
            schema_key_pattern: pattern.into(),
            auto_approve_when: None,
            required_approvals: 2,
            required_actor_types: json!(["HUMAN"]),
            created_by_id: Uuid::nil(),
            created_by_name: "a".into(),
            created_by_type: ActorType::Human,
            created_at: Utc::now(),
            ended_at: None,
            ended_by_id: None,
            ended_by_name: None,
        }
    }

    #[test]
    fn the_most_specific_pattern_governs() {
        let mut rows: Vec<policy::Model> = ["*", "brand.*", "brand.logo", "brand.logo.*"]
            .into_iter()
            .map(row)
            .collect();
        rows.sort_by_key(|p| std::cmp::Reverse(specificity(&p.schema_key_pattern)));
        let of = |key: &str| governing(&rows, key).map(|p| p.schema_key_pattern.clone());
        assert_eq!(of("brand.logo").as_deref(), Some("brand.logo"));
        assert_eq!(of("brand.logo.small").as_deref(), Some("brand.logo.*"));
        assert_eq!(of("brand.palette").as_deref(), Some("brand.*"));
        assert_eq!(of("brand").as_deref(), Some("*"));
        assert_eq!(of("mvp.scope").as_deref(), Some("*"));
    }

    #[test]
    fn rules_are_jsonlogic_over_known_variables() {
        let ok = json!({ "and": [{ "==": [{ "var": "version.schemaKey" }, "brand.voice"] }, { "<": [{ "var": "value.risk" }, 3] }] });
        assert!(check_rule(&ok).is_ok());
        assert!(holds(
            &ok,
            json!({ "value": { "risk": 1 }, "version": { "schemaKey": "brand.voice" } })
        ));
        assert!(!holds(
            &ok,
            json!({ "value": { "risk": 5 }, "version": { "schemaKey": "brand.voice" } })
        ));
        for bad in [
            json!("yes"),
            json!({ "==": [{ "var": "secrets.token" }, 1] }),
            json!({ "frobnicate": [1, 2] }),
            json!({ "and": [false, { "frobnicate": 1 }] }),
            json!({ "in": [1, (0..300).collect::<Vec<_>>()] }),
            // The reduce that aborted the process: val reads the accumulator.
            json!({ "reduce": [{ "var": "value.items" }, { "cat": [{ "val": "accumulator" }, { "val": "accumulator" }] }, "x"] }),
            json!({ "cat": [{ "var": "value.a" }, { "var": "value.a" }] }),
            json!({ "==": [{ "val": "accumulator" }, 1] }),
            json!({ "==": [{ "val": [[1], "value"] }, 1] }),
            json!({ "==": [{ "var": { "if": [true, "value.a", "secrets"] } }, 1] }),
            json!({ "exists": "secrets" }),
            json!({ "==": [{ "val": "value.a" }, 1] }),
            json!({ "missing": ["value.a", "secrets.b"] }),
            json!({ "missing_some": [1, ["value.a", "secrets.b"]] }),
            json!({ "all": [{ "var": "value.items" }, { "some": [{ "var": "sub" }, { "==": [{ "var": "" }, 1] }] }] }),
            json!({ "==": [{ "now": [] }, 1] }),
        ] {
            assert!(check_rule(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_variable_form_reads_only_the_rule_data() {
        let data =
            json!({ "value": { "a": 2, "items": [1, 2, 3] }, "version": { "schemaKey": "k" } });
        for ok in [
            json!({ "==": [{ "val": ["value", "a"] }, { "var": "value.a" }] }),
            json!({ "==": [{ "val": ["value", "a"] }, 2] }),
            json!({ "exists": ["value", "a"] }),
            json!({ "!": { "missing": ["value.a", "version.schemaKey"] } }),
            json!({ "all": [{ "var": "value.items" }, { ">": [{ "var": "" }, 0] }] }),
            json!({ "==": [{ "var": ["value.b", 7] }, 7] }),
            json!({ "in": ["b", { "preserve": ["a", "b"] }] }),
        ] {
            assert!(check_rule(&ok).is_ok(), "{ok}: {:?}", check_rule(&ok));
            assert!(holds(&ok, data.clone()), "{ok}");
        }
    }

    #[test]
    fn a_rule_stored_before_the_limits_is_refused_when_it_runs() {
        let rule = json!({ "reduce": [{ "var": "value.items" }, { "cat": [{ "val": "accumulator" }, { "val": "accumulator" }] }, "x"] });
        let items: Vec<i32> = (0..40).collect();
        let outcome = evaluate(&rule, json!({ "value": { "items": items } }));
        assert!(
            matches!(&outcome, RuleOutcome::Refused(why) if why.contains("\"reduce\"")),
            "{outcome:?}"
        );
        assert!(!outcome.held());
        assert!(
            outcome
                .describe()
                .starts_with("did not hold: not evaluated")
        );
    }

    #[test]
    fn progress_counts_what_the_quorum_counts() {
        let p = row("*");
        let (ai, human) = (Uuid::now_v7(), Uuid::now_v7());
        let none = progress(Some(&p), &[]);
        assert_eq!(
            (none.required, none.approvals, none.still_needed),
            (2, 0, 2)
        );
        assert_eq!(none.missing_types, vec![ActorType::Human]);
        let two_ai = progress(Some(&p), &[(ai, ActorType::Ai), (ai, ActorType::Ai)]);
        assert_eq!((two_ai.approvals, two_ai.still_needed), (1, 1));
        let met = progress(Some(&p), &[(ai, ActorType::Ai), (human, ActorType::Human)]);
        assert_eq!((met.still_needed, met.missing_types.len()), (0, 0));
        assert!(quorum_met(
            &p,
            &[(ai, ActorType::Ai), (human, ActorType::Human)]
        ));
        assert_eq!(progress(None, &[]).still_needed, 1);
    }

    #[test]
    fn a_quorum_counts_each_actor_once() {
        let p = row("*");
        let (ai, human) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(!quorum_met(&p, &[(ai, ActorType::Ai)]));
        assert!(!quorum_met(&p, &[(ai, ActorType::Ai), (ai, ActorType::Ai)]));
        assert!(!quorum_met(
            &p,
            &[(ai, ActorType::Ai), (Uuid::now_v7(), ActorType::Ai)]
        ));
        assert!(quorum_met(
            &p,
            &[(ai, ActorType::Ai), (human, ActorType::Human)]
        ));
    }
}
