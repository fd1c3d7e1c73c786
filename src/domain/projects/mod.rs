//! Projects and the tokens that reach them.

/// Creating projects and finding the ones a caller may see.
mod project;
/// API tokens: minting, hashing, listing and revoking.
pub mod tokens;

pub use project::*;
