//! Reviewing versions: PENDING -> APPROVED | REJECTED | CHANGES_REQUESTED.
//! Approving supersedes the key's previous APPROVED version in the same
//! transaction; every change appends to the audit trail.

use chrono::Utc;
use entity::{ReviewAction, Role, VersionStatus, approval, artifact_version as version};
use sea_orm::{ActiveEnum, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::db::WriteTxn;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::review::approvals::Entry;
use crate::domain::write::events::{Change, PublicId};
use crate::domain::write::idempotency::Idempotency;
use crate::domain::write::locks;
use crate::domain::{
    Session, check_size, review::approvals, review::policies, validate, write::events,
};

/// What a reviewer decides about a PENDING version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// To APPROVED, superseding the key's previous APPROVED version.
    Approve,
    /// To REJECTED; the reason is kept as the rejection reason.
    Reject,
    /// To CHANGES_REQUESTED: the author should write a new version.
    RequestChanges,
}

impl Decision {
    fn target(self) -> VersionStatus {
        match self {
            Decision::Approve => VersionStatus::Approved,
            Decision::Reject => VersionStatus::Rejected,
            Decision::RequestChanges => VersionStatus::ChangesRequested,
        }
    }

    fn action(self) -> ReviewAction {
        match self {
            Decision::Approve => ReviewAction::Approve,
            Decision::Reject => ReviewAction::Reject,
            Decision::RequestChanges => ReviewAction::RequestChanges,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::RequestChanges => "request changes on",
        }
    }
}

/// A review of one version; see [`decide`]. Serialized (without the key)
/// as the idempotency input.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// Where the version goes.
    pub decision: Decision,
    /// The version's public ID.
    pub version_id: String,
    /// Why, recorded in the audit trail.
    pub reason: Option<String>,
    /// Structured feedback for the author, at most `max_value_bytes` as JSON.
    pub feedback: Option<Value>,
    /// Makes a retried review return the first one's result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: Uuid,
}

/// Moves a PENDING version to the decision's status, in one transaction
/// with the audit entry, the outbox event and, on approval, the superseding
/// of the key's previous APPROVED version. REVIEWER; NOT_FOUND for a version
/// out of scope, INVALID_TRANSITION when it is not PENDING. Idempotent under
/// `idempotency_key`.
pub async fn decide(s: Session<'_>, input: Review) -> DomainResult<version::Model> {
    s.principal.require_role(Role::Reviewer)?;
    if let Some(feedback) = &input.feedback {
        let size = serde_json::to_string(feedback)
            .map(|t| t.len())
            .unwrap_or(0);
        check_size("feedback", size, s.limits.max_value_bytes)?;
    }
    if let Some(reason) = &input.reason {
        validate::text("reason", reason, validate::MAX_TEXT_CHARS)?;
    }
    let id = ids::decode(IdKind::Version, &input.version_id)?;
    let operation = match input.decision {
        Decision::Approve => "approveVersion",
        Decision::Reject => "rejectVersion",
        Decision::RequestChanges => "requestChanges",
    };
    let idem = Idempotency::new(s, operation, input.idempotency_key.as_deref(), &input)?;
    let input = &input;
    idem.run(
        s.db,
        move |txn| async move {
            let decided = decide_in(s, &txn, id, input).await?;
            let record = Stored {
                version: decided.id,
            };
            Ok((decided, record))
        },
        move |txn, stored: Stored| async move {
            crate::domain::query::visible::version(s, &txn, stored.version)
                .await?
                .ok_or_else(|| DomainError::not_found(IdKind::Version, &input.version_id))
        },
    )
    .await
}

/// The decision, step by step, inside its transaction.
async fn decide_in(
    s: Session<'_>,
    txn: &WriteTxn,
    id: Uuid,
    input: &Review,
) -> DomainResult<version::Model> {
    let current = lock_pending(s, txn, id, input).await?;
    let actor = &s.principal.actor;
    let said = Said {
        reason: input.reason.clone(),
        feedback: input.feedback.clone(),
    };
    if input.decision == Decision::Approve {
        if !quorum_completed_by(txn, actor, &current, &said).await? {
            return Ok(current);
        }
        supersede_approved(txn, actor, &current).await?;
    }
    record_decision(txn, actor, current, input.decision, said, false).await
}

/// Whether `actor`'s approval completes the quorum of the policy the version
/// was created under (always, without one). An approval that does not is
/// recorded in the audit trail and the version stays PENDING; an actor who
/// approved already counts once (nothing more is recorded). Runs under the
/// key's lock, so approvals at once are counted one after the other.
async fn quorum_completed_by(
    txn: &WriteTxn,
    actor: &crate::domain::Actor,
    current: &version::Model,
    said: &Said,
) -> DomainResult<bool> {
    let Some(policy_id) = current.approval_policy_id else {
        return Ok(true);
    };
    let Some(policy) = policies::by_id(txn, policy_id).await? else {
        return Ok(true);
    };
    if !policies::has_quorum(&policy) {
        return Ok(true);
    }
    let mut votes: Vec<(Uuid, entity::ActorType)> = approval::Entity::find()
        .filter(approval::Column::VersionId.eq(current.id))
        .filter(approval::Column::Action.eq(ReviewAction::Approve))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| (a.actor_id, a.actor_type))
        .collect();
    if votes.iter().any(|(id, _)| *id == actor.id) {
        return Ok(false);
    }
    votes.push((actor.id, actor.actor_type));
    if policies::quorum_met(&policy, &votes) {
        return Ok(true);
    }
    approvals::append(
        txn,
        actor,
        Entry {
            reason: said.reason.clone(),
            feedback: said.feedback.clone(),
            ..Entry::of(current, ReviewAction::Approve)
        },
    )
    .await?;
    Ok(false)
}

/// Approves a version just created, by the policy whose rule held for it:
/// superseding the key's APPROVED version, with the audit entry (actor type
/// RULE, the policy's id) and event, in the creating transaction.
pub(crate) async fn approve_by_rule(
    txn: &WriteTxn,
    policy: &entity::approval_policy::Model,
    created: version::Model,
) -> DomainResult<version::Model> {
    let actor = policies::rule_actor(policy);
    supersede_approved(txn, &actor, &created).await?;
    let said = Said {
        reason: Some(format!(
            "approved by the rule of policy {} ({})",
            ids::encode(IdKind::Policy, policy.id),
            policy.schema_key_pattern
        )),
        feedback: None,
    };
    record_decision(txn, &actor, created, Decision::Approve, said, true).await
}

/// What a reviewer said with a decision.
struct Said {
    reason: Option<String>,
    feedback: Option<Value>,
}

/// Moves a PENDING version (read under its key's lock) to the decision's
/// status, reviewed by `actor` now, with its audit entry and event
/// (`on_creation`: a rule's decision in the creating transaction, which
/// the review queue never saw).
async fn record_decision(
    txn: &WriteTxn,
    actor: &crate::domain::Actor,
    current: version::Model,
    decision: Decision,
    said: Said,
    on_creation: bool,
) -> DomainResult<version::Model> {
    let target = decision.target();
    let mut active: version::ActiveModel = current.into();
    active.status = Set(target);
    active.reviewed_by_id = Set(Some(actor.id));
    active.reviewed_by_name = Set(Some(actor.name.clone()));
    active.reviewed_by_type = Set(Some(actor.actor_type));
    active.reviewed_at = Set(Some(Utc::now()));
    if decision == Decision::Reject {
        active.rejection_reason = Set(said.reason.clone());
    }
    let updated = active.update(txn).await?;
    let approval = approvals::append(
        txn,
        actor,
        Entry {
            reason: said.reason,
            feedback: said.feedback,
            ..Entry::of(&updated, decision.action())
        },
    )
    .await?;
    events::append(
        txn,
        updated.project_id,
        updated.id,
        Change::VersionStatus {
            from: VersionStatus::Pending,
            to: target,
            schema_key: updated.schema_key.clone(),
            approval: Some(PublicId::new(IdKind::Approval, approval.id)),
            reviewed_on_creation: on_creation,
        },
    )
    .await?;
    Ok(updated)
}

/// Rejects the PENDING versions a run made when the run fails or is
/// cancelled, in the run's transaction, so that a failed generation never
/// waits in the review queue: each with `reason`, its audit entry (taken by
/// `actor`, who closed the run) and its event.
pub(crate) async fn reject_pending_of_run(
    txn: &WriteTxn,
    actor: &crate::domain::Actor,
    run_id: Uuid,
    reason: &str,
) -> DomainResult<()> {
    let pending = version::Entity::find()
        .filter(version::Column::SourceRunId.eq(run_id))
        .filter(version::Column::Status.eq(VersionStatus::Pending))
        .all(txn)
        .await?;
    let mut keys: Vec<(Uuid, &str)> = pending
        .iter()
        .map(|v| (v.project_id, v.schema_key.as_str()))
        .collect();
    keys.sort();
    keys.dedup();
    for (project_id, key) in keys {
        locks::schema_key(txn, project_id, key).await?;
    }
    for v in pending {
        // Read again under the key's lock: a reviewer may have decided it.
        let Some(current) = version::Entity::find_by_id(v.id).one(txn).await? else {
            continue;
        };
        if current.status != VersionStatus::Pending {
            continue;
        }
        let said = Said {
            reason: Some(reason.to_owned()),
            feedback: None,
        };
        record_decision(txn, actor, current, Decision::Reject, said, false).await?;
    }
    Ok(())
}

/// The version, read under its key's lock (decisions on one key queue up),
/// if the caller may see it and it still awaits review.
async fn lock_pending(
    s: Session<'_>,
    txn: &WriteTxn,
    id: Uuid,
    input: &Review,
) -> DomainResult<version::Model> {
    let missing = || DomainError::not_found(IdKind::Version, &input.version_id);
    let found = version::Entity::find_by_id(id).one(txn).await?;
    let found = found
        .filter(|v| s.principal.can_see(v.project_id))
        .ok_or_else(missing)?;
    locks::schema_key(txn, found.project_id, &found.schema_key).await?;
    let current = version::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(missing)?;
    if current.status != VersionStatus::Pending {
        return Err(DomainError::InvalidTransition {
            kind: "artifact version",
            action: input.decision.verb(),
            from: current.status.to_value(),
        });
    }
    Ok(current)
}

/// Approving `approved` supersedes the key's earlier APPROVED version, with
/// its own audit entry and event.
async fn supersede_approved(
    txn: &WriteTxn,
    actor: &crate::domain::Actor,
    approved: &version::Model,
) -> DomainResult<()> {
    let previous = version::Entity::find()
        .filter(version::Column::ProjectId.eq(approved.project_id))
        .filter(version::Column::SchemaKey.eq(&approved.schema_key))
        .filter(version::Column::Status.eq(VersionStatus::Approved))
        .all(txn)
        .await?;
    for old in previous {
        let mut active: version::ActiveModel = old.clone().into();
        active.status = Set(VersionStatus::Superseded);
        active.update(txn).await?;
        approvals::append(
            txn,
            actor,
            Entry {
                reason: Some(format!("superseded by version {}", approved.version_number)),
                ..Entry::of(&old, ReviewAction::Supersede)
            },
        )
        .await?;
        events::append(
            txn,
            old.project_id,
            old.id,
            Change::VersionStatus {
                from: VersionStatus::Approved,
                to: VersionStatus::Superseded,
                schema_key: old.schema_key.clone(),
                approval: None,
                reviewed_on_creation: false,
            },
        )
        .await?;
    }
    Ok(())
}
