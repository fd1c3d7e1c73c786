//! Reviewing versions: people's and rules' decisions, and the policies that
//! say how many of which are needed.

/// The approval records of a version.
pub(crate) mod approvals;
/// Approve, reject, request changes; superseding; rule approvals.
mod decision;
/// Approval policies: quorum, actor types, bounded rules.
pub mod policies;

pub use decision::*;
