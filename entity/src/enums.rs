//! String-backed enums stored in several tables. The stored strings are the
//! GraphQL enum names, so SQL filters and the API read the same words.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum RunStatus {
    #[default]
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "RUNNING")]
    Running,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl RunStatus {
    /// Whether a run is open: PENDING or RUNNING, taking steps and versions.
    pub fn is_open(self) -> bool {
        matches!(self, RunStatus::Pending | RunStatus::Running)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum VersionStatus {
    #[default]
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "CHANGES_REQUESTED")]
    ChangesRequested,
    #[sea_orm(string_value = "SUPERSEDED")]
    Superseded,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum ReviewAction {
    #[default]
    #[sea_orm(string_value = "APPROVE")]
    Approve,
    #[sea_orm(string_value = "REJECT")]
    Reject,
    #[sea_orm(string_value = "REQUEST_CHANGES")]
    RequestChanges,
    #[sea_orm(string_value = "SUPERSEDE")]
    Supersede,
    #[sea_orm(string_value = "PROMOTE")]
    Promote,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum ActorType {
    #[default]
    #[sea_orm(string_value = "HUMAN")]
    Human,
    #[sea_orm(string_value = "AI")]
    Ai,
    #[sea_orm(string_value = "SYSTEM")]
    System,
    #[sea_orm(string_value = "RULE")]
    Rule,
}

/// Roles are ordered: each one may do everything the ones before it may,
/// except that WRITER and REVIEWER are siblings (see `quire::auth`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum Role {
    #[default]
    #[sea_orm(string_value = "READER")]
    Reader,
    #[sea_orm(string_value = "WRITER")]
    Writer,
    #[sea_orm(string_value = "REVIEWER")]
    Reviewer,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// Whether a run read (`Input`) or produced (`Output`) an artifact version.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum RunArtifactDirection {
    #[default]
    #[sea_orm(string_value = "INPUT")]
    Input,
    #[sea_orm(string_value = "OUTPUT")]
    Output,
}

/// Where a schema key's generation claim stands (`generations.state`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum GenerationState {
    #[default]
    #[sea_orm(string_value = "IDLE")]
    Idle,
    #[sea_orm(string_value = "GENERATING")]
    Generating,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}
