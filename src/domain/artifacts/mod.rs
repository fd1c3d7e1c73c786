//! Artifact versions and what hangs off them: files, lineage, annotations,
//! generation claims, and full-text search.

/// Labels and notes on a version.
pub mod annotations;
/// Files: uploads and their links to versions.
pub mod files;
/// Generation claims: one run at a time writes a key.
pub mod generations;
/// Which versions a run read and wrote.
pub(crate) mod lineage;
/// Full-text search over versions.
pub mod search;
/// Creating versions (numbered per key, digested, validated) and listing them.
pub mod versions;
