//! The contract's enums, mirroring the stored ones of `entity`.

use async_graphql::Enum;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "RunStatus", remote = "entity::RunStatus")]
pub enum RunStatusGql {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "VersionStatus", remote = "entity::VersionStatus")]
pub enum VersionStatusGql {
    Pending,
    Approved,
    Rejected,
    ChangesRequested,
    Superseded,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReviewAction", remote = "entity::ReviewAction")]
pub enum ReviewActionGql {
    Approve,
    Reject,
    RequestChanges,
    Supersede,
    Promote,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ActorType", remote = "entity::ActorType")]
pub enum ActorTypeGql {
    Human,
    Ai,
    System,
    Rule,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role", remote = "entity::Role")]
pub enum RoleGql {
    Reader,
    Writer,
    Reviewer,
    Admin,
}
