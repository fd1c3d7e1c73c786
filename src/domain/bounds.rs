//! The most items each unpaginated list of the graph holds. Query
//! complexity charges a list at its bound (the engine cannot know its real
//! length before running it), so each bound is real: enforced when the
//! items are written, or by the list returning its first items only.

/// Files linked to one version (enforced by createArtifactVersion).
pub(crate) const FILES_PER_VERSION: usize = 20;

/// Audit entries of one version: a version leaves PENDING once and may be
/// superseded once, so the review state machine keeps it to two today.
pub(crate) const APPROVALS_PER_VERSION: usize = 10;

/// Steps, inputs, outputs, children and consumers of a run or version,
/// lineage entries, tokens and prices: the first this many.
pub(crate) const LIST_ITEMS: usize = 100;

/// Paths of a project context listed at once (`contextEntries`, in path
/// order; a path prefix narrows the list).
pub(crate) const CONTEXT_ENTRIES: usize = 500;

/// Revisions of one version listed (`revisions`, oldest first).
pub(crate) const REVISIONS_PER_VERSION: usize = 100;

/// The first `max` items of a list.
pub(crate) fn first<T>(mut items: Vec<T>, max: usize) -> Vec<T> {
    items.truncate(max);
    items
}
