use async_graphql::{ID, Interface};

use super::{Approval, ArtifactVersion, File, Project, Run, RunStep};

/// Any object with a global ID; `node(id:)` finds it by the ID's prefix.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Project(Project),
    Run(Run),
    RunStep(RunStep),
    ArtifactVersion(ArtifactVersion),
    Approval(Approval),
    File(File),
}
