//! Approval policies of a project (`domain::review::policies`).

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::approval_policy;

use super::{ActorTypeGql, gid};
use crate::domain::ids::IdKind;
use crate::domain::review::policies;
use crate::graphql::scalars::Json;

pub(crate) struct ApprovalPolicy(pub approval_policy::Model);

/// How versions of the keys a pattern covers are approved: by a rule when they are
/// created, or by a quorum of reviewers. The most specific pattern governs a key; a
/// version keeps the policy in force when it was created.
#[Object]
impl ApprovalPolicy {
    /// The policy's global ID (`pol_...`).
    pub async fn id(&self) -> ID {
        gid(IdKind::Policy, self.0.id)
    }
    /// Schema keys it governs: an exact key, or a prefix ending in .* (brand.*), or *.
    async fn schema_key_pattern(&self) -> &str {
        &self.0.schema_key_pattern
    }
    /// A JSONLogic rule over {value, version, run, actor}; when it holds for a new version, the
    /// version is approved by this policy (actor type RULE).
    async fn auto_approve_when(&self) -> Option<Json> {
        self.0.auto_approve_when.clone().map(Json)
    }
    /// Distinct approvers needed before a version becomes APPROVED.
    async fn required_approvals(&self) -> i32 {
        self.0.required_approvals
    }
    /// Actor types that must be among the approvers.
    async fn required_actor_types(&self) -> Vec<ActorTypeGql> {
        policies::required_types(&self.0)
            .into_iter()
            .map(Into::into)
            .collect()
    }
    /// When it was set.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub(crate) struct RetentionPolicy(pub entity::retention_policy::Model);

/// How long a project keeps what it no longer needs in the database: the values of
/// REJECTED and SUPERSEDED versions move to the object store (still readable, same
/// digest), run and step outputs are dropped. Null days: kept for ever.
#[Object]
impl RetentionPolicy {
    /// Values of REJECTED versions older than this many days are archived.
    async fn rejected_days(&self) -> Option<i32> {
        self.0.rejected_days
    }
    /// Values of SUPERSEDED versions older than this many days are archived.
    async fn superseded_days(&self) -> Option<i32> {
        self.0.superseded_days
    }
    /// Run and step outputs older than this many days are dropped.
    async fn run_output_days(&self) -> Option<i32> {
        self.0.run_output_days
    }
}
