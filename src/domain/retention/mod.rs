//! Retention: archiving old values and dropping old outputs.

/// The retention sweep, in bounded batches.
mod sweep;

pub use sweep::*;
