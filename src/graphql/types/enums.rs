//! The contract's enums, mirroring the stored ones of `entity`.

use async_graphql::Enum;

/// Where a run is in its life: PENDING or RUNNING while open, then exactly one
/// of COMPLETED, FAILED or CANCELLED, after which it takes no more steps.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "RunStatus", remote = "entity::RunStatus")]
pub enum RunStatusGql {
    /// Open, not started yet. startRun creates runs RUNNING, so no API call
    /// makes a run PENDING today; such a run takes steps and closes like a
    /// RUNNING one.
    Pending,
    /// Open: steps may be recorded; completeRun, failRun or cancelRun close it.
    Running,
    /// Closed by completeRun, with its output, usage and cost.
    Completed,
    /// Closed by failRun; `error` says why.
    Failed,
    /// Closed by cancelRun; `error` holds the reason, if one was given.
    Cancelled,
}

/// Where an artifact version is in review. Only PENDING versions can be
/// reviewed; any other transition fails with INVALID_TRANSITION.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "VersionStatus", remote = "entity::VersionStatus")]
pub enum VersionStatusGql {
    /// New, waiting for review (in the project's reviewQueue).
    Pending,
    /// Approved: the current version of its key (at most one per key), and
    /// what promote may write into the context.
    Approved,
    /// Rejected by a reviewer; `rejectionReason` says why, if a reason was given.
    Rejected,
    /// Sent back by a reviewer, with feedback for the next attempt (on the
    /// REQUEST_CHANGES entry of `approvals`).
    ChangesRequested,
    /// Was APPROVED until another version of the same key was approved.
    Superseded,
}

/// What an entry of the audit trail (an Approval) records.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReviewAction", remote = "entity::ReviewAction")]
pub enum ReviewActionGql {
    /// approveVersion: PENDING -> APPROVED.
    Approve,
    /// rejectVersion: PENDING -> REJECTED.
    Reject,
    /// requestChanges: PENDING -> CHANGES_REQUESTED.
    RequestChanges,
    /// APPROVED -> SUPERSEDED, recorded when another version of the same key
    /// is approved (same actor, same transaction).
    Supersede,
    /// promote wrote the version's value into the project context; the entry's
    /// `contextVersion` is the context version it produced.
    Promote,
}

/// What kind of actor a token stands for: a label chosen when the token is
/// created, recorded on every write the token makes. It grants nothing; the
/// role does.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ActorType", remote = "entity::ActorType")]
pub enum ActorTypeGql {
    /// A person.
    Human,
    /// An AI agent or model.
    Ai,
    /// Automation that is neither, such as a scheduler or `quire seed`.
    System,
    /// An automated rule or policy, such as one that reviews versions.
    Rule,
}

/// What a token may do. WRITER and REVIEWER each include READER but not
/// each other; ADMIN includes everything. A refused operation fails with
/// FORBIDDEN.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role", remote = "entity::Role")]
pub enum RoleGql {
    /// Queries and subscriptions only.
    Reader,
    /// READER, plus recording runs and steps, creating artifact versions and
    /// uploading files.
    Writer,
    /// READER, plus approving, rejecting and requesting changes on versions,
    /// and promoting.
    Reviewer,
    /// Everything, plus projects, tokens, model prices and JSON Schemas.
    Admin,
}

/// Where a schema key's generation claim stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GenerationState", remote = "entity::GenerationState")]
pub enum GenerationStateGql {
    /// Nobody is generating the key: never claimed, finished, ended with its
    /// run, or its lease passed.
    Idle,
    /// Claimed by startGeneration, until finishGeneration, the end of its run
    /// or its lease.
    Generating,
    /// The last generation failed (finishGeneration with an error, or its run
    /// failed); `error` says why. startGeneration may claim the key again.
    Failed,
}
