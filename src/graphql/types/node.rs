use async_graphql::{ID, Interface};

use super::{Approval, ApprovalPolicy, ArtifactVersion, File, Project, Run, RunStep};

/// Any object with a global ID; `node(id:)` finds it by the ID's prefix.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global ID: a type prefix and 32 hex digits, e.g. `ver_019a4c3e5b7a7c1e8f3b2a1d0c9e8f7a`."
))]
pub(crate) enum Node {
    Project(Project),
    Run(Run),
    RunStep(RunStep),
    ArtifactVersion(ArtifactVersion),
    Approval(Approval),
    File(File),
    ApprovalPolicy(ApprovalPolicy),
}
