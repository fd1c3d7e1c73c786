//! Runs: what a pipeline did (steps, model, tokens, cost) and what it costs.

/// Cost totals by model, pipeline and day.
pub(crate) mod costs;
/// Model prices over time, and a step's cost at its price.
pub mod pricing;
/// A run's life: start, steps, completion, failure, cancellation, reads.
mod run;
/// Step summaries the next agents read.
pub mod step_summaries;

pub use run::*;
