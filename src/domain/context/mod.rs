//! The per-project context the next agents read: promotion into it, reading
//! it, and assembling it for a run within a token budget.

/// Assembling context for a run within a token budget.
pub mod assembly;
/// Promoting approved values under optimistic locking.
pub mod promotion;
/// The context as a tree at schema-key paths, and reading parts of it.
mod tree;

pub use tree::*;
