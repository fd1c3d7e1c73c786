//! The context an agent of a run gets, in three tiers, cut to a token
//! budget:
//!
//! - PERSISTENT: the project's promoted context, one item per path (the
//!   caller's `paths` in their order, or every promoted path in path
//!   order), each the compact JSON `{"path", "version", "value"}` of the
//!   context at that path; paths with nothing in the context are left out.
//! - LONG_TERM: the summaries of the run's parent's steps, then of the
//!   run's own steps before the short-term ones, oldest first.
//! - SHORT_TERM: the outputs of the run's last `short_term_steps` steps
//!   (those with an output), verbatim, oldest first.
//!
//! When the items' tokens exceed the budget, whole items are dropped, in
//! this order until the rest fits: long-term items, oldest first; then
//! short-term items other than the newest, oldest first; then persistent
//! items, from the end (the caller lists its paths most wanted first). The newest short-term item is never dropped: if it alone
//! is over the budget, it keeps its end, as many tokens as fit. So the
//! total is never over the budget.
//!
//! Persistent items show what the project's tier reaches of its context
//! (`context::visible`). It is one read of a fixed number of statements
//! (the run, its project, the tier-gated schemas, the steps of the run and
//! its parent, the short-term outputs, the promoted versions), whatever the
//! number of steps and paths.

use entity::{artifact_version as version, project, run, run_step};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use crate::db::Dialect;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::tokenizer::Tokenizer;
use crate::domain::{Session, bounds, context, query::reads, runs, validate};

/// The largest budget a caller may give, in tokens.
pub const MAX_BUDGET_TOKENS: i64 = 10_000_000;
/// The short-term steps when the caller gives none.
pub const DEFAULT_SHORT_TERM_STEPS: i32 = 2;

/// Which part of the prompt an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Promoted context values.
    Persistent,
    /// Summaries of earlier steps.
    LongTerm,
    /// The latest steps' outputs.
    ShortTerm,
}

/// One piece of an assembled context.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its tier.
    pub tier: Tier,
    /// The context path (PERSISTENT), or the step's agent and order
    /// (`agent#3`; `parent/agent#3` for the parent run's steps).
    pub source: String,
    /// The text given to the model.
    pub text: String,
    /// Its tokens.
    pub tokens: i64,
    /// The promoted version a PERSISTENT item's path came from, if one did.
    pub version_id: Option<Uuid>,
    /// The step a LONG_TERM or SHORT_TERM item came from.
    pub step: Option<run_step::Model>,
}

/// What [`assemble`] returns.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// The items kept, in prompt order.
    pub items: Vec<Item>,
    /// The items dropped to fit the budget, in the order they were dropped.
    pub dropped: Vec<Item>,
    /// The kept items' tokens, at most the budget.
    pub total_tokens: i64,
    /// The budget asked for.
    pub budget_tokens: i64,
    /// The context version the persistent items were read from.
    pub context_version: i32,
    /// The tokenizer that counted.
    pub tokenizer: Tokenizer,
}

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The run's public ID.
    pub run_id: String,
    /// The most tokens the items may add up to: 1..=[`MAX_BUDGET_TOKENS`].
    pub budget_tokens: i64,
    /// The context paths to include, most wanted first; none: every path.
    pub paths: Option<Vec<String>>,
    /// How many of the latest steps go in verbatim; none: the default (2).
    pub short_term_steps: Option<i32>,
}

/// Assembles the context for the next agent of a run; see the module docs.
/// READER; NOT_FOUND for a run the caller cannot see, VALIDATION_FAILED for
/// a budget out of range, a malformed or repeated path, too many paths or
/// short-term steps out of range.
pub async fn assemble(s: Session<'_>, request: &Request) -> DomainResult<Assembled> {
    if !(1..=MAX_BUDGET_TOKENS).contains(&request.budget_tokens) {
        return Err(DomainError::validation(format!(
            "budgetTokens is {}, outside 1..={MAX_BUDGET_TOKENS}",
            request.budget_tokens
        )));
    }
    let short_term = request.short_term_steps.unwrap_or(DEFAULT_SHORT_TERM_STEPS);
    if !(0..=bounds::LIST_ITEMS as i32).contains(&short_term) {
        return Err(DomainError::validation(format!(
            "shortTermSteps is {short_term}, outside 0..={}",
            bounds::LIST_ITEMS
        )));
    }
    let named = request.paths.as_deref().map(checked_paths).transpose()?;
    let run_id = ids::decode(IdKind::Run, &request.run_id)?;
    let run = runs::by_id(s, run_id)
        .await?
        .ok_or_else(|| DomainError::not_found(IdKind::Run, &request.run_id))?;
    let conn = &s.db.conn;
    let project = project::Entity::find_by_id(run.project_id)
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal("a run's project is gone".into()))?;

    let tokenizer = s.limits.tokenizer;
    let tier = crate::domain::tiers::tier_of(&project, &s.limits.tiers);
    let shown = context::visible(s, tier, &project.context).await?;
    let persistent = persistent_items(s, &project, &shown, named.as_deref(), tokenizer).await?;
    let (long_term, short_term) = step_items(s, &run, short_term as usize, tokenizer).await?;
    let mut assembled = fit(
        persistent,
        long_term,
        short_term,
        request.budget_tokens,
        tokenizer,
    );
    assembled.context_version = project.context_version;
    Ok(assembled)
}

/// The caller's paths, each a well-formed schema key, none repeated.
fn checked_paths(paths: &[String]) -> DomainResult<Vec<String>> {
    if paths.len() > bounds::CONTEXT_ENTRIES {
        return Err(DomainError::validation(format!(
            "at most {} paths",
            bounds::CONTEXT_ENTRIES
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        validate::schema_key(path)?;
        if !seen.insert(path.as_str()) {
            return Err(DomainError::validation(format!(
                "path {path:?} is repeated"
            )));
        }
    }
    Ok(paths.to_vec())
}

/// One item per path of the context, with the version promoted at it.
async fn persistent_items(
    s: Session<'_>,
    project: &project::Model,
    context: &serde_json::Value,
    named: Option<&[String]>,
    tokenizer: Tokenizer,
) -> DomainResult<Vec<Item>> {
    let mut promoted = version::Entity::find()
        .select_only()
        .column(version::Column::SchemaKey)
        .column(version::Column::Id)
        .column(version::Column::VersionNumber)
        .filter(version::Column::ProjectId.eq(project.id))
        .filter(version::Column::PromotedContextVersion.is_not_null());
    if let Some(paths) = named {
        promoted = promoted.filter(version::Column::SchemaKey.is_in(paths.iter().cloned()));
    }
    let promoted: Vec<(String, Uuid, i32)> = promoted
        .order_by_asc(version::Column::SchemaKey)
        .limit(bounds::CONTEXT_ENTRIES as u64)
        .into_tuple()
        .all(&s.db.conn)
        .await?;
    let paths: Vec<String> = match named {
        Some(paths) => paths.to_vec(),
        None => promoted.iter().map(|(k, ..)| k.clone()).collect(),
    };
    let mut items = Vec::with_capacity(paths.len());
    for path in paths {
        let Some(value) = crate::domain::values::subtree(context, Some(&path))? else {
            continue;
        };
        let version = promoted.iter().find(|(k, ..)| *k == path);
        let text = json!({
            "path": path,
            "version": version.map(|(_, _, n)| *n),
            "value": value,
        })
        .to_string();
        items.push(Item {
            tier: Tier::Persistent,
            tokens: tokenizer.count(&text),
            source: path,
            text,
            version_id: version.map(|(_, id, _)| *id),
            step: None,
        });
    }
    Ok(items)
}

/// The long-term and short-term items of a run (and its parent), oldest first.
async fn step_items(
    s: Session<'_>,
    run: &run::Model,
    short_term: usize,
    tokenizer: Tokenizer,
) -> DomainResult<(Vec<Item>, Vec<Item>)> {
    let conn = &s.db.conn;
    let runs: Vec<Uuid> = std::iter::once(run.id).chain(run.parent_run_id).collect();
    let steps = crate::domain::query::run_rows::steps_without_output()
        .filter(Dialect::of(conn).uuid_in(run_step::Column::RunId, runs))
        .order_by_asc(run_step::Column::Position)
        .all(conn)
        .await?;
    let (own, parent): (Vec<_>, Vec<_>) = steps.into_iter().partition(|st| st.run_id == run.id);
    let recent = own.len().saturating_sub(short_term);
    let mut outputs = reads::step_outputs(
        conn,
        own[recent..].iter().map(|st| st.id).collect::<Vec<_>>(),
    )
    .await?;
    let summary = |prefix: &str, step: &run_step::Model| {
        step.summary.as_ref().map(|text| Item {
            tier: Tier::LongTerm,
            source: format!("{prefix}{}#{}", step.agent_name, step.position),
            tokens: step
                .summary_token_count
                .unwrap_or_else(|| tokenizer.count(text)),
            text: text.clone(),
            version_id: None,
            step: Some(step.clone()),
        })
    };
    let long_term = parent
        .iter()
        .filter_map(|st| summary("parent/", st))
        .chain(own[..recent].iter().filter_map(|st| summary("", st)))
        .collect();
    let short_term = own[recent..]
        .iter()
        .filter_map(|st| {
            let text = outputs.remove(&st.id)?;
            Some(Item {
                tier: Tier::ShortTerm,
                source: format!("{}#{}", st.agent_name, st.position),
                tokens: st
                    .output_token_count
                    .unwrap_or_else(|| tokenizer.count(&text)),
                text,
                version_id: None,
                step: Some(st.clone()),
            })
        })
        .collect();
    Ok((long_term, short_term))
}

/// The items in prompt order, cut to `budget` by the module's drop order.
fn fit(
    persistent: Vec<Item>,
    long_term: Vec<Item>,
    short_term: Vec<Item>,
    budget: i64,
    tokenizer: Tokenizer,
) -> Assembled {
    let mut items: Vec<Item> = persistent
        .into_iter()
        .chain(long_term)
        .chain(short_term)
        .collect();
    let newest = items.iter().rposition(|i| i.tier == Tier::ShortTerm);
    // Indices in the order they may be dropped.
    let of = |tier: Tier| {
        items
            .iter()
            .enumerate()
            .filter(move |(i, item)| item.tier == tier && Some(*i) != newest)
            .map(|(i, _)| i)
    };
    let mut order: Vec<usize> = of(Tier::LongTerm).chain(of(Tier::ShortTerm)).collect();
    // Persistent items last of all, from the end: the last path named (or
    // the last in path order) first.
    let persistent: Vec<usize> = of(Tier::Persistent).collect();
    order.extend(persistent.iter().rev());

    let mut total: i64 = items.iter().map(|i| i.tokens).sum();
    let mut dropped_at = Vec::new();
    for i in order {
        if total <= budget {
            break;
        }
        total -= items[i].tokens;
        dropped_at.push(i);
    }
    if total > budget
        && let Some(n) = newest
    {
        let item = &mut items[n];
        let room = budget - (total - item.tokens);
        item.text = tokenizer.tail(&item.text, room.max(0) as usize);
        let tokens = tokenizer.count(&item.text);
        total += tokens - item.tokens;
        item.tokens = tokens;
    }
    let mut dropped = Vec::with_capacity(dropped_at.len());
    for &i in &dropped_at {
        dropped.push(items[i].clone());
    }
    let kept = items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !dropped_at.contains(i))
        .map(|(_, item)| item)
        .collect();
    Assembled {
        items: kept,
        dropped,
        total_tokens: total,
        budget_tokens: budget,
        context_version: 0,
        tokenizer,
    }
}
