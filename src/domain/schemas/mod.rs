//! What a value may hold and who may read it: JSON Schemas per key, the
//! upgrades between their versions, and the fields gated by tier.

/// Registering schemas, validating values, and a tier's view of a value.
mod schema;
/// Where filters and search meet gated fields.
pub(crate) mod tier_reach;
/// Upgrades: reshaping a value from one schema version to the next.
pub mod upgrades;

pub(crate) use schema::*;
