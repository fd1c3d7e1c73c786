use async_graphql::SimpleObject;

use super::{ArtifactVersion, Run};

/// One step upstream: `version` was read by `run`, `depth` runs above the
/// version whose lineage was asked for.
#[derive(SimpleObject)]
pub(crate) struct LineageEntry {
    /// How many runs upstream: 1 for an input of the version's own source run.
    pub depth: i32,
    /// The run that read `version`.
    pub run: Run,
    /// A version that `run` read (one of its inputs).
    pub version: ArtifactVersion,
}
