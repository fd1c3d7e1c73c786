// Every operation the console sends. `npm run codegen` checks each against
// ../../../schema.graphql and writes their types to src/generated/graphql.ts.

import { op } from './client';
import type * as T from '../generated/graphql';

const ActorFields = /* GraphQL */ `
  fragment ActorFields on Actor {
    id
    name
    type
  }
`;

const ProgressFields = /* GraphQL */ `
  fragment ProgressFields on ApprovalProgress {
    requiredApprovals
    approvals
    stillNeeded
    missingActorTypes
    ruleOutcome
    policy {
      id
      schemaKeyPattern
      requiredApprovals
      requiredActorTypes
      autoApproveWhen
    }
  }
`;

const QueueItem = /* GraphQL */ `
  fragment QueueItem on ArtifactVersion {
    id
    schemaKey
    versionNumber
    status
    createdAt
    createdBy {
      ...ActorFields
    }
    project {
      id
      slug
      name
    }
    sourceRun {
      id
      pipeline
      model
    }
    approvalProgress {
      ...ProgressFields
    }
  }
  ${ActorFields}
  ${ProgressFields}
`;

const FileFields = /* GraphQL */ `
  fragment FileFields on File {
    id
    sha256
    size
    contentType
    filename
    url
    createdAt
  }
`;

// ---- session ------------------------------------------------------------

export const SignIn = op<T.SignInQuery, T.SignInQueryVariables>(/* GraphQL */ `
  query SignIn {
    viewer {
      ...ActorFields
    }
    projects(first: 100) {
      totalCount
      edges {
        node {
          id
          slug
          name
          tier
          contextVersion
        }
      }
    }
  }
  ${ActorFields}
`);

/**
 * The API names no token's role; a review of a version that cannot exist
 * tells: FORBIDDEN for a token that may not review (the role guard runs
 * first), NOT_FOUND for one that may. Nothing is written either way.
 */
export const ProbeReviewRole = op<T.ProbeReviewRoleMutation, T.ProbeReviewRoleMutationVariables>(/* GraphQL */ `
  mutation ProbeReviewRole {
    approveVersion(input: { versionId: "ver_00000000000000000000000000000000" }) {
      id
    }
  }
`);

// ---- queue --------------------------------------------------------------

export const QueueSnapshot = op<T.QueueSnapshotQuery, T.QueueSnapshotQueryVariables>(/* GraphQL */ `
  query QueueSnapshot($slug: String!, $prefix: String, $after: String) {
    project(slug: $slug) {
      id
      reviewQueue(first: 100, after: $after, schemaKeyPrefix: $prefix) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...QueueItem
          }
        }
      }
    }
  }
  ${QueueItem}
`);

export const QueueEvents = op<T.QueueEventsSubscription, T.QueueEventsSubscriptionVariables>(/* GraphQL */ `
  subscription QueueEvents($projectId: ID!, $after: String) {
    reviewQueue(projectId: $projectId, after: $after) {
      cursor
      change
      version {
        ...QueueItem
      }
    }
  }
  ${QueueItem}
`);

const StatusCountFields = /* GraphQL */ `
  fragment StatusCounts on Project {
    id
    slug
    pending: versions(status: [PENDING], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    approved: versions(status: [APPROVED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    changesRequested: versions(status: [CHANGES_REQUESTED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    rejected: versions(status: [REJECTED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    superseded: versions(status: [SUPERSEDED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
  }
`;

export const ProjectCounts = op<T.ProjectCountsQuery, T.ProjectCountsQueryVariables>(/* GraphQL */ `
  query ProjectCounts($slug: String!, $prefix: String) {
    project(slug: $slug) {
      ...StatusCounts
    }
  }
  ${StatusCountFields}
`);

export const AllCounts = op<T.AllCountsQuery, T.AllCountsQueryVariables>(/* GraphQL */ `
  query AllCounts($prefix: String) {
    projects(first: 100) {
      edges {
        node {
          ...StatusCounts
        }
      }
    }
  }
  ${StatusCountFields}
`);

export const QueuePreview = op<T.QueuePreviewQuery, T.QueuePreviewQueryVariables>(/* GraphQL */ `
  query QueuePreview($id: ID!) {
    artifactVersion(id: $id) {
      id
      value
      annotations
      diff
      previous {
        id
        versionNumber
        value
      }
      files {
        ...FileFields
      }
    }
  }
  ${FileFields}
`);

// ---- decisions ----------------------------------------------------------

const Decided = /* GraphQL */ `
  fragment Decided on ArtifactVersion {
    id
    schemaKey
    versionNumber
    status
    reviewedAt
    reviewedBy {
      ...ActorFields
    }
    approvalProgress {
      ...ProgressFields
    }
  }
  ${ActorFields}
  ${ProgressFields}
`;

export const Approve = op<T.ApproveMutation, T.ApproveMutationVariables>(/* GraphQL */ `
  mutation Approve($input: ReviewInput!) {
    approveVersion(input: $input) {
      ...Decided
    }
  }
  ${Decided}
`);

export const Reject = op<T.RejectMutation, T.RejectMutationVariables>(/* GraphQL */ `
  mutation Reject($input: ReviewInput!) {
    rejectVersion(input: $input) {
      ...Decided
    }
  }
  ${Decided}
`);

export const RequestChanges = op<T.RequestChangesMutation, T.RequestChangesMutationVariables>(/* GraphQL */ `
  mutation RequestChanges($input: ReviewInput!) {
    requestChanges(input: $input) {
      ...Decided
    }
  }
  ${Decided}
`);

// ---- a version ----------------------------------------------------------

export const VersionPage = op<T.VersionPageQuery, T.VersionPageQueryVariables>(/* GraphQL */ `
  query VersionPage($id: ID!) {
    artifactVersion(id: $id) {
      id
      schemaKey
      versionNumber
      status
      value
      archived
      schemaVersion
      annotations
      annotationsRevision
      ruleOutcome
      digest
      promoted
      createdAt
      reviewedAt
      rejectionReason
      createdBy {
        ...ActorFields
      }
      reviewedBy {
        ...ActorFields
      }
      project {
        id
        slug
        name
        tier
        contextVersion
      }
      base {
        id
        versionNumber
        status
        approvals {
          id
          action
          reason
          feedback
          createdAt
          actor {
            ...ActorFields
          }
        }
      }
      revisions {
        id
        versionNumber
        status
      }
      previous {
        id
        versionNumber
        status
        value
      }
      diff
      primaryFile {
        id
      }
      files {
        ...FileFields
      }
      sourceRun {
        id
        pipeline
        model
        status
        createdAt
        inputTokens
        outputTokens
        cost
      }
      sourceStep {
        id
        order
        agentId
        agentName
        model
        inputTokens
        outputTokens
        outputTokenCount
        cost
        summary
        output
      }
      approvals {
        id
        action
        reason
        feedback
        contextVersion
        createdAt
        actor {
          ...ActorFields
        }
      }
      approvalProgress {
        ...ProgressFields
      }
      annotationHistory {
        revision
        annotations
        createdAt
        actor {
          ...ActorFields
        }
      }
    }
  }
  ${ActorFields}
  ${ProgressFields}
  ${FileFields}
`);

export const VersionContext = op<T.VersionContextQuery, T.VersionContextQueryVariables>(/* GraphQL */ `
  query VersionContext($slug: String!, $key: String!) {
    project(slug: $slug) {
      id
      artifact(schemaKey: $key) {
        current {
          id
          versionNumber
          value
        }
        latest {
          id
          versionNumber
        }
      }
    }
    artifactSchema(schemaKey: $key) {
      version
      jsonSchema
      createdAt
    }
  }
`);

export const DiffAgainst = op<T.DiffAgainstQuery, T.DiffAgainstQueryVariables>(/* GraphQL */ `
  query DiffAgainst($id: ID!, $against: ID!) {
    artifactVersion(id: $id) {
      id
      diff(against: $against)
    }
  }
`);

export const ValueAsSchema = op<T.ValueAsSchemaQuery, T.ValueAsSchemaQueryVariables>(/* GraphQL */ `
  query ValueAsSchema($id: ID!, $schemaVersion: Int!) {
    artifactVersion(id: $id) {
      id
      value(asSchemaVersion: $schemaVersion)
    }
  }
`);

// ---- promotion ----------------------------------------------------------

export const PromoteData = op<T.PromoteDataQuery, T.PromoteDataQueryVariables>(/* GraphQL */ `
  query PromoteData($slug: String!) {
    project(slug: $slug) {
      id
      slug
      contextVersion
      contextEntries {
        path
        value
        contextVersion
        version {
          id
          schemaKey
          versionNumber
        }
      }
      versions(status: [APPROVED], first: 100, orderBy: { field: SCHEMA_KEY, direction: ASC }) {
        totalCount
        edges {
          node {
            id
            schemaKey
            versionNumber
            promoted
            value
            reviewedAt
            reviewedBy {
              ...ActorFields
            }
          }
        }
      }
    }
  }
  ${ActorFields}
`);

export const Promote = op<T.PromoteMutation, T.PromoteMutationVariables>(/* GraphQL */ `
  mutation Promote($input: PromoteInput!) {
    promote(input: $input) {
      contextVersion
      promoted {
        id
        schemaKey
        versionNumber
      }
    }
  }
`);

export const ContextChange = op<T.ContextChangeQuery, T.ContextChangeQueryVariables>(/* GraphQL */ `
  query ContextChange($slug: String!, $from: Int!, $to: Int!) {
    project(slug: $slug) {
      id
      contextVersion
      before: contextAt(version: $from)
      after: contextAt(version: $to)
      approvals(action: [PROMOTE], first: 50) {
        edges {
          node {
            id
            contextVersion
            createdAt
            actor {
              ...ActorFields
            }
            version {
              id
              schemaKey
              versionNumber
            }
          }
        }
      }
    }
  }
  ${ActorFields}
`);

// ---- runs ---------------------------------------------------------------

export const Runs = op<T.RunsQuery, T.RunsQueryVariables>(/* GraphQL */ `
  query Runs(
    $slug: String!
    $first: Int
    $after: String
    $last: Int
    $before: String
    $where: RunFilter
    $orderBy: RunOrder
  ) {
    project(slug: $slug) {
      id
      runs(first: $first, after: $after, last: $last, before: $before, where: $where, orderBy: $orderBy) {
        totalCount
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
        edges {
          node {
            id
            pipeline
            model
            status
            inputTokens
            outputTokens
            cost
            createdAt
            completedAt
            createdBy {
              ...ActorFields
            }
          }
        }
      }
    }
  }
  ${ActorFields}
`);

export const Costs = op<T.CostsQuery, T.CostsQueryVariables>(/* GraphQL */ `
  query Costs($slug: String!, $groupBy: CostGrouping!, $from: DateTime, $to: DateTime) {
    project(slug: $slug) {
      id
      costSummary(groupBy: $groupBy, from: $from, to: $to) {
        key
        runs
        inputTokens
        outputTokens
        cost
        unpricedRuns
      }
    }
  }
`);

export const RunPage = op<T.RunPageQuery, T.RunPageQueryVariables>(/* GraphQL */ `
  query RunPage($id: ID!) {
    run(id: $id) {
      id
      pipeline
      status
      input
      variables
      output
      error
      model
      inputTokens
      outputTokens
      cost
      createdAt
      startedAt
      completedAt
      createdBy {
        ...ActorFields
      }
      project {
        id
        slug
        name
      }
      parent {
        id
        pipeline
        status
      }
      children {
        id
        pipeline
        status
      }
      steps {
        id
        order
        agentId
        agentName
        output
        summary
        summaryTokenCount
        outputTokenCount
        model
        inputTokens
        outputTokens
        cost
        createdAt
      }
      inputs {
        id
        schemaKey
        versionNumber
        status
      }
      outputs {
        id
        schemaKey
        versionNumber
        status
        createdAt
      }
    }
  }
  ${ActorFields}
`);

// ---- context ------------------------------------------------------------

export const ContextPage = op<T.ContextPageQuery, T.ContextPageQueryVariables>(/* GraphQL */ `
  query ContextPage($slug: String!) {
    project(slug: $slug) {
      id
      slug
      tier
      contextVersion
      contextEntries {
        path
        value
        contextVersion
        promotedAt
        promotedBy {
          ...ActorFields
        }
        version {
          id
          schemaKey
          versionNumber
          status
          sourceRun {
            id
            pipeline
          }
        }
      }
      approvals(action: [PROMOTE], first: 100) {
        edges {
          node {
            id
            contextVersion
            createdAt
            actor {
              ...ActorFields
            }
            version {
              id
              schemaKey
              versionNumber
            }
          }
        }
      }
      runs(first: 50) {
        edges {
          node {
            id
            pipeline
            model
            status
            createdAt
          }
        }
      }
    }
  }
  ${ActorFields}
`);

export const ContextRevision = op<T.ContextRevisionQuery, T.ContextRevisionQueryVariables>(/* GraphQL */ `
  query ContextRevision($slug: String!, $version: Int!, $previous: Int!) {
    project(slug: $slug) {
      id
      at: contextAt(version: $version)
      before: contextAt(version: $previous)
    }
  }
`);

export const Assemble = op<T.AssembleQuery, T.AssembleQueryVariables>(/* GraphQL */ `
  query Assemble($runId: ID!, $budget: Int!, $paths: [String!], $shortTermSteps: Int) {
    assembleContext(runId: $runId, budgetTokens: $budget, paths: $paths, shortTermSteps: $shortTermSteps) {
      totalTokens
      budgetTokens
      contextVersion
      tokenizer
      items {
        tier
        source
        text
        tokens
        version {
          id
          schemaKey
          versionNumber
        }
        step {
          id
          order
          agentName
        }
      }
      dropped {
        tier
        source
        tokens
      }
    }
  }
`);
