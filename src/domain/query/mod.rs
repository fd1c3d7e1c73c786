//! Read machinery shared by every capability: keyset pagination, filters on
//! paths inside JSON values, and the batched reads the GraphQL loaders use.

/// Filters on a path inside a JSON column: what they mean and which are refused.
pub mod json_filter;
/// Relay connections over keyset pages: cursors, sort keys, totals.
pub mod pagination;
/// Batched reads by foreign key and by version key, for the loaders.
pub(crate) mod reads;
/// Runs and steps without their outputs.
pub(crate) mod run_rows;
/// Rows by id, if the caller may see them.
pub(crate) mod visible;
