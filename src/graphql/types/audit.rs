//! What a review UI shows beside a version and a project: where a version's
//! approval stands against its policy, the history of its annotations, and
//! the history of a project's tier.

use async_graphql::{Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{annotation_revision, project_tier_change};

use super::{ActorTypeGql, ApprovalPolicy};
use crate::graphql::scalars::Json;
use crate::graphql::types::actor::Actor;

/// Where a version's review stands against the policy that governed it when
/// it was created (none: one approval by anyone approves it).
#[derive(SimpleObject)]
pub(crate) struct ApprovalProgress {
    /// The policy, if one governed the version (it may have ended since).
    pub policy: Option<ApprovalPolicy>,
    /// Distinct approvers needed.
    pub required_approvals: i32,
    /// Distinct actors who approved so far (one actor counts once, whatever
    /// its tokens).
    pub approvals: i32,
    /// How many more approvals are needed (0 once the quorum is met).
    pub still_needed: i32,
    /// Actor types the quorum requires that no approver has yet.
    pub missing_actor_types: Vec<ActorTypeGql>,
    /// What the policy's rule came to when the version was created, if it
    /// had one (as ArtifactVersion.ruleOutcome).
    pub rule_outcome: Option<String>,
}

pub(crate) struct AnnotationRevision(pub annotation_revision::Model);

/// One setAnnotations of a version: the revision it made and what it set.
#[Object]
impl AnnotationRevision {
    /// The version's annotationsRevision after this change (2, 3, ...).
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// The annotations it set (null: cleared).
    async fn annotations(&self) -> Option<Json> {
        self.0.annotations.clone().map(Json)
    }
    /// Who set them.
    async fn actor(&self) -> Actor {
        Actor::new(self.0.actor_id, &self.0.actor_name, self.0.actor_type)
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub(crate) struct TierChange(pub project_tier_change::Model);

/// One setProjectTier of a project: the tier before and after, who and when.
#[Object]
impl TierChange {
    /// The tier before; null: the default (the lowest configured).
    async fn from_tier(&self) -> Option<&str> {
        self.0.from_tier.as_deref()
    }
    /// The tier after.
    async fn to_tier(&self) -> &str {
        &self.0.to_tier
    }
    /// Who changed it.
    async fn actor(&self) -> Actor {
        Actor::new(self.0.actor_id, &self.0.actor_name, self.0.actor_type)
    }
    /// When.
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
