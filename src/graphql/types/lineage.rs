use async_graphql::SimpleObject;

use super::{ArtifactVersion, Run};

/// One step upstream: `version` was read by `run`, `depth` runs above the
/// version whose lineage was asked for.
#[derive(SimpleObject)]
pub struct LineageEntry {
    pub depth: i32,
    pub run: Run,
    pub version: ArtifactVersion,
}
