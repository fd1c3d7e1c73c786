/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/**
 * What kind of actor a token stands for: a label chosen when the token is
 * created, recorded on every write the token makes. It grants nothing; the
 * role does.
 */
export type ActorType =
  /** An AI agent or model. */
  | 'AI'
  /** A person. */
  | 'HUMAN'
  /** An automated rule or policy, such as one that reviews versions. */
  | 'RULE'
  /** Automation that is neither, such as a scheduler or `quire seed`. */
  | 'SYSTEM';

/** Which part of the prompt an item belongs to, in prompt order. */
export type ContextTier =
  /** Summaries of earlier steps (the parent run's, then this run's), oldest first. */
  | 'LONG_TERM'
  /** Promoted context values, one per path. */
  | 'PERSISTENT'
  /** The latest steps' outputs, verbatim, oldest first. */
  | 'SHORT_TERM';

/** How costSummary groups runs into buckets. */
export type CostGrouping =
  /** One bucket per UTC day the run was created, keyed YYYY-MM-DD. */
  | 'DAY'
  /** One bucket per run model; runs without a model share the key "(none)". */
  | 'MODEL'
  /** One bucket per pipeline name. */
  | 'PIPELINE';

/** Ascending or descending. */
export type OrderDirection =
  /** Smallest first. */
  | 'ASC'
  /** Largest first. */
  | 'DESC';

/** What promote needs. */
export type PromoteInput = {
  /** The contextVersion the caller last read; a mismatch fails with CONFLICT and changes nothing. */
  expectedContextVersion: number;
  /**
   * Makes the call safe to retry: the same key with the same input returns
   * the first call's result and does nothing more; with a different input it
   * is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
   * mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
   */
  idempotencyKey?: string | null | undefined;
  /** The project (`prj_...`); NOT_FOUND if the token cannot see it. */
  projectId: string | number;
  /**
   * The versions to promote: APPROVED versions of the project (another
   * status is INVALID_TRANSITION, an unknown one NOT_FOUND). Default: every
   * APPROVED version of the project that is not promoted yet.
   */
  versionIds?: Array<string | number> | null | undefined;
};

/** How the review queue changed. */
export type QueueChange =
  /** A version was created, so it awaits review (PENDING). */
  | 'ADDED'
  /** A version left PENDING: approved, rejected or sent back for changes. */
  | 'REMOVED';

/** What an entry of the audit trail (an Approval) records. */
export type ReviewAction =
  /** approveVersion: PENDING -> APPROVED. */
  | 'APPROVE'
  /**
   * promote wrote the version's value into the project context; the entry's
   * `contextVersion` is the context version it produced.
   */
  | 'PROMOTE'
  /** rejectVersion: PENDING -> REJECTED. */
  | 'REJECT'
  /** requestChanges: PENDING -> CHANGES_REQUESTED. */
  | 'REQUEST_CHANGES'
  /**
   * APPROVED -> SUPERSEDED, recorded when another version of the same key
   * is approved (same actor, same transaction).
   */
  | 'SUPERSEDE';

/** What approveVersion, rejectVersion and requestChanges need. */
export type ReviewInput = {
  /**
   * Structured feedback, any JSON up to 256 KiB (say, what to change),
   * kept on the audit entry.
   */
  feedback?: unknown;
  /**
   * Makes the call safe to retry: the same key with the same input returns
   * the first call's result and does nothing more; with a different input it
   * is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
   * mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
   */
  idempotencyKey?: string | null | undefined;
  /**
   * Why, at most 8192 characters: kept on the audit entry, and as
   * rejectionReason when rejecting.
   */
  reason?: string | null | undefined;
  /** The version (`ver_...`); it must be PENDING, else INVALID_TRANSITION. */
  versionId: string | number;
};

/** Which runs a list holds; every condition given must hold. */
export type RunFilter = {
  /** Only runs created at or after this. */
  createdAfter?: string | null | undefined;
  /** Only runs created before this. */
  createdBefore?: string | null | undefined;
  /** Only runs whose stored cost is at least this (exact; runs without a cost are left out). */
  minCost?: string | null | undefined;
  /** Only runs of this model (exact name). */
  model?: string | null | undefined;
  /** Only runs of this pipeline (exact name). */
  pipeline?: string | null | undefined;
  /** Only runs in one of these statuses. */
  status?: Array<RunStatus> | null | undefined;
};

/** The order of a run list. */
export type RunOrder = {
  /** Which way. */
  direction: OrderDirection;
  /** What to order by. */
  field: RunOrderField;
};

/** What a run list may be ordered by; ties go by creation. */
export type RunOrderField =
  /** When it closed; open runs come after closed ones ascending. */
  | 'COMPLETED_AT'
  /** Its stored cost; runs without one come first ascending. */
  | 'COST'
  /** When the run started. */
  | 'CREATED_AT';

/**
 * Where a run is in its life: PENDING or RUNNING while open, then exactly one
 * of COMPLETED, FAILED or CANCELLED, after which it takes no more steps.
 */
export type RunStatus =
  /** Closed by cancelRun; `error` holds the reason, if one was given. */
  | 'CANCELLED'
  /** Closed by completeRun, with its output, usage and cost. */
  | 'COMPLETED'
  /** Closed by failRun; `error` says why. */
  | 'FAILED'
  /**
   * Open, not started yet. startRun creates runs RUNNING, so no API call
   * makes a run PENDING today; such a run takes steps and closes like a
   * RUNNING one.
   */
  | 'PENDING'
  /** Open: steps may be recorded; completeRun, failRun or cancelRun close it. */
  | 'RUNNING';

/**
 * Where an artifact version is in review. Only PENDING versions can be
 * reviewed; any other transition fails with INVALID_TRANSITION.
 */
export type VersionStatus =
  /**
   * Approved: the current version of its key (at most one per key), and
   * what promote may write into the context.
   */
  | 'APPROVED'
  /**
   * Sent back by a reviewer, with feedback for the next attempt (on the
   * REQUEST_CHANGES entry of `approvals`).
   */
  | 'CHANGES_REQUESTED'
  /** New, waiting for review (in the project's reviewQueue). */
  | 'PENDING'
  /** Rejected by a reviewer; `rejectionReason` says why, if a reason was given. */
  | 'REJECTED'
  /** Was APPROVED until another version of the same key was approved. */
  | 'SUPERSEDED';

export type ActorFieldsFragment = { id: string, name: string, type: ActorType };

export type ProgressFieldsFragment = { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null };

export type QueueItemFragment = { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, createdAt: string, createdBy: { id: string, name: string, type: ActorType }, project: { id: string, slug: string, name: string }, sourceRun: { id: string, pipeline: string, model: string | null } | null, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null } };

export type FileFieldsFragment = { id: string, sha256: string, size: number, contentType: string, filename: string | null, url: string, createdAt: string };

export type SignInQueryVariables = Exact<{ [key: string]: never; }>;


export type SignInQuery = { viewer: { id: string, name: string, type: ActorType }, projects: { totalCount: number, edges: Array<{ node: { id: string, slug: string, name: string, tier: string, contextVersion: number } }> } };

export type ProbeReviewRoleMutationVariables = Exact<{ [key: string]: never; }>;


export type ProbeReviewRoleMutation = { approveVersion: { id: string } };

export type QueueSnapshotQueryVariables = Exact<{
  slug: string;
  prefix?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type QueueSnapshotQuery = { project: { id: string, reviewQueue: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, createdAt: string, createdBy: { id: string, name: string, type: ActorType }, project: { id: string, slug: string, name: string }, sourceRun: { id: string, pipeline: string, model: string | null } | null, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null } } }> } } | null };

export type QueueEventsSubscriptionVariables = Exact<{
  projectId: string | number;
  after?: string | null | undefined;
}>;


export type QueueEventsSubscription = { reviewQueue: { cursor: string, change: QueueChange, version: { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, createdAt: string, createdBy: { id: string, name: string, type: ActorType }, project: { id: string, slug: string, name: string }, sourceRun: { id: string, pipeline: string, model: string | null } | null, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null } } } };

export type StatusCountsFragment = { id: string, slug: string, pending: { totalCount: number }, approved: { totalCount: number }, changesRequested: { totalCount: number }, rejected: { totalCount: number }, superseded: { totalCount: number } };

export type ProjectCountsQueryVariables = Exact<{
  slug: string;
  prefix?: string | null | undefined;
}>;


export type ProjectCountsQuery = { project: { id: string, slug: string, pending: { totalCount: number }, approved: { totalCount: number }, changesRequested: { totalCount: number }, rejected: { totalCount: number }, superseded: { totalCount: number } } | null };

export type AllCountsQueryVariables = Exact<{
  prefix?: string | null | undefined;
}>;


export type AllCountsQuery = { projects: { edges: Array<{ node: { id: string, slug: string, pending: { totalCount: number }, approved: { totalCount: number }, changesRequested: { totalCount: number }, rejected: { totalCount: number }, superseded: { totalCount: number } } }> } };

export type QueuePreviewQueryVariables = Exact<{
  id: string | number;
}>;


export type QueuePreviewQuery = { artifactVersion: { id: string, value: unknown, annotations: unknown, diff: unknown, previous: { id: string, versionNumber: number, value: unknown } | null, files: Array<{ id: string, sha256: string, size: number, contentType: string, filename: string | null, url: string, createdAt: string }> } | null };

export type DecidedFragment = { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, reviewedAt: string | null, reviewedBy: { id: string, name: string, type: ActorType } | null, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null } };

export type ApproveMutationVariables = Exact<{
  input: ReviewInput;
}>;


export type ApproveMutation = { approveVersion: { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, reviewedAt: string | null, reviewedBy: { id: string, name: string, type: ActorType } | null, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null } } };

export type RejectMutationVariables = Exact<{
  input: ReviewInput;
}>;


export type RejectMutation = { rejectVersion: { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, reviewedAt: string | null, reviewedBy: { id: string, name: string, type: ActorType } | null, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null } } };

export type RequestChangesMutationVariables = Exact<{
  input: ReviewInput;
}>;


export type RequestChangesMutation = { requestChanges: { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, reviewedAt: string | null, reviewedBy: { id: string, name: string, type: ActorType } | null, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null } } };

export type VersionPageQueryVariables = Exact<{
  id: string | number;
}>;


export type VersionPageQuery = { artifactVersion: { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, value: unknown, archived: boolean, schemaVersion: number | null, annotations: unknown, annotationsRevision: number, ruleOutcome: string | null, digest: string, promoted: boolean, createdAt: string, reviewedAt: string | null, rejectionReason: string | null, diff: unknown, createdBy: { id: string, name: string, type: ActorType }, reviewedBy: { id: string, name: string, type: ActorType } | null, project: { id: string, slug: string, name: string, tier: string, contextVersion: number }, base: { id: string, versionNumber: number, status: VersionStatus, approvals: Array<{ id: string, action: ReviewAction, reason: string | null, feedback: unknown, createdAt: string, actor: { id: string, name: string, type: ActorType } }> } | null, revisions: Array<{ id: string, versionNumber: number, status: VersionStatus }>, previous: { id: string, versionNumber: number, status: VersionStatus, value: unknown } | null, primaryFile: { id: string } | null, files: Array<{ id: string, sha256: string, size: number, contentType: string, filename: string | null, url: string, createdAt: string }>, sourceRun: { id: string, pipeline: string, model: string | null, status: RunStatus, createdAt: string, inputTokens: number | null, outputTokens: number | null, cost: string | null } | null, sourceStep: { id: string, order: number, agentId: string, agentName: string, model: string | null, inputTokens: number | null, outputTokens: number | null, outputTokenCount: number | null, cost: string | null, summary: string | null, output: string | null } | null, approvals: Array<{ id: string, action: ReviewAction, reason: string | null, feedback: unknown, contextVersion: number | null, createdAt: string, actor: { id: string, name: string, type: ActorType } }>, approvalProgress: { requiredApprovals: number, approvals: number, stillNeeded: number, missingActorTypes: Array<ActorType>, ruleOutcome: string | null, policy: { id: string, schemaKeyPattern: string, requiredApprovals: number, requiredActorTypes: Array<ActorType>, autoApproveWhen: unknown } | null }, annotationHistory: Array<{ revision: number, annotations: unknown, createdAt: string, actor: { id: string, name: string, type: ActorType } }> } | null };

export type VersionContextQueryVariables = Exact<{
  slug: string;
  key: string;
}>;


export type VersionContextQuery = { project: { id: string, artifact: { current: { id: string, versionNumber: number, value: unknown } | null, latest: { id: string, versionNumber: number } } | null } | null, artifactSchema: { version: number, jsonSchema: unknown, createdAt: string } | null };

export type DiffAgainstQueryVariables = Exact<{
  id: string | number;
  against: string | number;
}>;


export type DiffAgainstQuery = { artifactVersion: { id: string, diff: unknown } | null };

export type ValueAsSchemaQueryVariables = Exact<{
  id: string | number;
  schemaVersion: number;
}>;


export type ValueAsSchemaQuery = { artifactVersion: { id: string, value: unknown } | null };

export type PromoteDataQueryVariables = Exact<{
  slug: string;
}>;


export type PromoteDataQuery = { project: { id: string, slug: string, contextVersion: number, contextEntries: Array<{ path: string, value: unknown, contextVersion: number, version: { id: string, schemaKey: string, versionNumber: number } }>, versions: { totalCount: number, edges: Array<{ node: { id: string, schemaKey: string, versionNumber: number, promoted: boolean, value: unknown, reviewedAt: string | null, reviewedBy: { id: string, name: string, type: ActorType } | null } }> } } | null };

export type PromoteMutationVariables = Exact<{
  input: PromoteInput;
}>;


export type PromoteMutation = { promote: { contextVersion: number, promoted: Array<{ id: string, schemaKey: string, versionNumber: number }> } };

export type ContextChangeQueryVariables = Exact<{
  slug: string;
  from: number;
  to: number;
}>;


export type ContextChangeQuery = { project: { id: string, contextVersion: number, before: unknown, after: unknown, approvals: { edges: Array<{ node: { id: string, contextVersion: number | null, createdAt: string, actor: { id: string, name: string, type: ActorType }, version: { id: string, schemaKey: string, versionNumber: number } | null } }> } } | null };

export type RunsQueryVariables = Exact<{
  slug: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  where?: RunFilter | null | undefined;
  orderBy?: RunOrder | null | undefined;
}>;


export type RunsQuery = { project: { id: string, runs: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ node: { id: string, pipeline: string, model: string | null, status: RunStatus, inputTokens: number | null, outputTokens: number | null, cost: string | null, createdAt: string, completedAt: string | null, createdBy: { id: string, name: string, type: ActorType } } }> } } | null };

export type CostsQueryVariables = Exact<{
  slug: string;
  groupBy: CostGrouping;
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type CostsQuery = { project: { id: string, costSummary: Array<{ key: string, runs: number, inputTokens: number, outputTokens: number, cost: string, unpricedRuns: number }> } | null };

export type RunPageQueryVariables = Exact<{
  id: string | number;
}>;


export type RunPageQuery = { run: { id: string, pipeline: string, status: RunStatus, input: string | null, variables: unknown, output: string | null, error: string | null, model: string | null, inputTokens: number | null, outputTokens: number | null, cost: string | null, createdAt: string, startedAt: string | null, completedAt: string | null, createdBy: { id: string, name: string, type: ActorType }, project: { id: string, slug: string, name: string }, parent: { id: string, pipeline: string, status: RunStatus } | null, children: Array<{ id: string, pipeline: string, status: RunStatus }>, steps: Array<{ id: string, order: number, agentId: string, agentName: string, output: string | null, summary: string | null, summaryTokenCount: number | null, outputTokenCount: number | null, model: string | null, inputTokens: number | null, outputTokens: number | null, cost: string | null, createdAt: string }>, inputs: Array<{ id: string, schemaKey: string, versionNumber: number, status: VersionStatus }>, outputs: Array<{ id: string, schemaKey: string, versionNumber: number, status: VersionStatus, createdAt: string }> } | null };

export type ContextPageQueryVariables = Exact<{
  slug: string;
}>;


export type ContextPageQuery = { project: { id: string, slug: string, tier: string, contextVersion: number, contextEntries: Array<{ path: string, value: unknown, contextVersion: number, promotedAt: string, promotedBy: { id: string, name: string, type: ActorType }, version: { id: string, schemaKey: string, versionNumber: number, status: VersionStatus, sourceRun: { id: string, pipeline: string } | null } }>, approvals: { edges: Array<{ node: { id: string, contextVersion: number | null, createdAt: string, actor: { id: string, name: string, type: ActorType }, version: { id: string, schemaKey: string, versionNumber: number } | null } }> }, runs: { edges: Array<{ node: { id: string, pipeline: string, model: string | null, status: RunStatus, createdAt: string } }> } } | null };

export type ContextRevisionQueryVariables = Exact<{
  slug: string;
  version: number;
  previous: number;
}>;


export type ContextRevisionQuery = { project: { id: string, at: unknown, before: unknown } | null };

export type AssembleQueryVariables = Exact<{
  runId: string | number;
  budget: number;
  paths?: Array<string> | string | null | undefined;
  shortTermSteps?: number | null | undefined;
}>;


export type AssembleQuery = { assembleContext: { totalTokens: number, budgetTokens: number, contextVersion: number, tokenizer: string, items: Array<{ tier: ContextTier, source: string, text: string, tokens: number, version: { id: string, schemaKey: string, versionNumber: number } | null, step: { id: string, order: number, agentName: string } | null }>, dropped: Array<{ tier: ContextTier, source: string, tokens: number }> } };
