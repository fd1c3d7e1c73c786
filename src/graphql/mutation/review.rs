//! Reviewing versions, and the approval policies that govern it.

use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, InputObject, Object};

use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

use crate::domain::review::policies;
use crate::domain::review::{self, Decision, Review};
use crate::graphql::types::{ActorTypeGql, ApprovalPolicy, ArtifactVersion};
use entity::Role;

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[
    ("approveVersion", Role::Reviewer),
    ("rejectVersion", Role::Reviewer),
    ("requestChanges", Role::Reviewer),
    ("setApprovalPolicy", Role::Admin),
    ("deleteApprovalPolicy", Role::Admin),
];

/// What approveVersion, rejectVersion and requestChanges need.
#[derive(InputObject)]
pub(crate) struct ReviewInput {
    /// The version (`ver_...`); it must be PENDING, else INVALID_TRANSITION.
    pub version_id: ID,
    /// Why, at most 8192 characters: kept on the audit entry, and as
    /// rejectionReason when rejecting.
    pub reason: Option<String>,
    /// Structured feedback, any JSON up to 256 KiB (say, what to change),
    /// kept on the audit entry.
    pub feedback: Option<Json>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What setApprovalPolicy needs.
#[derive(InputObject)]
pub(crate) struct ApprovalPolicyInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// Schema keys it governs: an exact key, or a prefix ending in .* (brand.*), or *.
    /// Setting a pattern again replaces the project's policy for it.
    pub schema_key_pattern: String,
    /// A JSONLogic rule over {value, version, run, actor}; when it holds for a new version, the version is approved by this policy (actor type RULE).
    /// Variables read `value.…`, `version.schemaKey|versionNumber|schemaVersion|createdByType`, `run.pipeline|model|status|inputTokens|outputTokens` (null without a run)
    /// and `actor.name|type`; at most 8 KiB and 256 JSON values; anything else is VALIDATION_FAILED.
    pub auto_approve_when: Option<Json>,
    /// Approvals needed before the version becomes APPROVED (default 1).
    /// 1 to 10 distinct actors; one actor counts once.
    pub required_approvals: Option<i32>,
    /// Actor types that must be among the approvers (e.g. [HUMAN]).
    /// No more of them than requiredApprovals.
    pub required_actor_types: Option<Vec<ActorTypeGql>>,
}

async fn decide(
    ctx: &Context<'_>,
    decision: Decision,
    input: ReviewInput,
) -> async_graphql::Result<ArtifactVersion> {
    let review = Review {
        decision,
        version_id: input.version_id.0,
        reason: input.reason,
        feedback: input.feedback.map(|j| j.0),
        idempotency_key: input.idempotency_key,
    };
    Ok(ArtifactVersion(
        review::decide(session(ctx), review).await.api()?,
    ))
}

#[derive(Default)]
pub(crate) struct ReviewMutations;

#[Object]
impl ReviewMutations {
    /// PENDING -> APPROVED; the key's previously APPROVED version becomes SUPERSEDED.
    /// Needs REVIEWER; INVALID_TRANSITION when the version is not PENDING.
    async fn approve_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version and an optional reason and feedback.")] input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::Approve, input).await
    }

    /// PENDING -> REJECTED; the reason is kept as rejectionReason.
    /// Needs REVIEWER; INVALID_TRANSITION when the version is not PENDING.
    async fn reject_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version and an optional reason and feedback.")] input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::Reject, input).await
    }

    /// PENDING -> CHANGES_REQUESTED, with feedback for the next attempt.
    /// Needs REVIEWER; INVALID_TRANSITION when the version is not PENDING.
    async fn request_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version, and the reason and feedback for the next attempt.")]
        input: ReviewInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        decide(ctx, Decision::RequestChanges, input).await
    }

    /// Sets the project's approval policy for a pattern (replacing the one it had); it applies
    /// to versions created from now on. Needs ADMIN.
    async fn set_approval_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the pattern and what the policy asks.")]
        input: ApprovalPolicyInput,
    ) -> async_graphql::Result<ApprovalPolicy> {
        let input = policies::NewPolicy {
            project_id: input.project_id.0,
            schema_key_pattern: input.schema_key_pattern,
            auto_approve_when: input.auto_approve_when.map(|j| j.0),
            required_approvals: input.required_approvals,
            required_actor_types: input
                .required_actor_types
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        };
        Ok(ApprovalPolicy(
            policies::set(session(ctx), input).await.api()?,
        ))
    }

    /// Ends an approval policy: versions created from now on are not governed by it (those
    /// created before keep it). Needs ADMIN; NOT_FOUND for a policy not in force.
    async fn delete_approval_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy (`pol_...`).")] id: ID,
    ) -> async_graphql::Result<bool> {
        policies::delete(session(ctx), &id).await.api()
    }
}
