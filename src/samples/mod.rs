//! Sample data, never written by a request: the demo project `serve --demo`
//! starts with, and the bulk data `quire seed` loads for benchmarks.

/// The demo project, its runs and versions, and its admin token.
pub mod demo;
/// Bulk data for benchmarks and load tests.
pub mod seed;
