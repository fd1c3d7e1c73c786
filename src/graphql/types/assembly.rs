//! The context assembled for a run's next agent (`Query.assembleContext`).

use crate::graphql::output::charge_text;
use async_graphql::{Context, Enum, Object};

use super::{ArtifactVersion, RunStep, load};
use crate::domain::context::assembly::{Assembled, Item, Tier};
use crate::graphql::loaders::VersionById;

/// Which part of the prompt an item belongs to, in prompt order.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ContextTier", remote = "Tier")]
pub(crate) enum ContextTierGql {
    /// Promoted context values, one per path.
    Persistent,
    /// Summaries of earlier steps (the parent run's, then this run's), oldest first.
    LongTerm,
    /// The latest steps' outputs, verbatim, oldest first.
    ShortTerm,
}

pub(crate) struct ContextItem(pub Item);

/// One piece of an assembled context: its tier, where it came from, its text and tokens.
#[Object]
impl ContextItem {
    /// Its tier.
    async fn tier(&self) -> ContextTierGql {
        self.0.tier.into()
    }
    /// The schema key path (PERSISTENT) or the step's agent and order (LONG_TERM, SHORT_TERM).
    /// Steps read `agentName#order`; the parent run's `parent/agentName#order`.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The text given to the model: for PERSISTENT the compact JSON
    /// `{"path", "version", "value"}`; a summary or an output otherwise.
    async fn text(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        charge_text(ctx, &self.0.text)?;
        Ok(&self.0.text)
    }
    /// Its tokens, with the configured tokenizer (a summary: the count recorded with it).
    async fn tokens(&self) -> i64 {
        self.0.tokens
    }
    /// The promoted version a PERSISTENT item's path came from.
    async fn version(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactVersion>> {
        match self.0.version_id {
            Some(id) => Ok(load(ctx, VersionById(id)).await?.map(ArtifactVersion)),
            None => Ok(None),
        }
    }
    /// The step a LONG_TERM or SHORT_TERM item came from.
    async fn step(&self) -> Option<RunStep> {
        self.0.step.clone().map(RunStep)
    }
}

pub(crate) struct AssembledContext(pub Assembled);

/// The context for a run's next agent, in prompt order, cut to a token budget.
#[Object]
impl AssembledContext {
    /// The items kept, in prompt order: PERSISTENT, LONG_TERM, SHORT_TERM.
    async fn items(&self) -> Vec<ContextItem> {
        self.0.items.iter().cloned().map(ContextItem).collect()
    }
    /// What did not fit the budget, lowest priority first.
    async fn dropped(&self) -> Vec<ContextItem> {
        self.0.dropped.iter().cloned().map(ContextItem).collect()
    }
    /// The kept items' tokens: never more than budgetTokens.
    async fn total_tokens(&self) -> i64 {
        self.0.total_tokens
    }
    /// The budget asked for.
    async fn budget_tokens(&self) -> i64 {
        self.0.budget_tokens
    }
    /// The context version the PERSISTENT items were read from: record it (with
    /// `inputVersionIds`) on the run that uses them, for lineage.
    async fn context_version(&self) -> i32 {
        self.0.context_version
    }
    /// The tokenizer used to count (e.g. o200k_base).
    async fn tokenizer(&self) -> &str {
        self.0.tokenizer.name()
    }
}
