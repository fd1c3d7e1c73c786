//! SeaORM entities of Quire: one module per table, plus the column value types
//! (`enums`, `money`) that several tables share.

pub mod enums;
pub mod json_text;
pub mod money;

pub mod annotation_revision;
pub mod api_token;
pub mod approval;
pub mod approval_policy;
pub mod artifact_schema;
pub mod artifact_version;
pub mod artifact_version_file;
pub mod context_revision;
pub mod deployment_setting;
pub mod event;
pub mod file;
pub mod generation;
pub mod idempotency_key;
pub mod model_price;
pub mod outbox_state;
pub mod project;
pub mod project_tier_change;
pub mod retention_policy;
pub mod run;
pub mod run_artifact;
pub mod run_step;
pub mod webhook;
pub mod webhook_delivery;

pub mod rows;

pub use enums::{
    ActorType, GenerationState, ReviewAction, Role, RunArtifactDirection, RunStatus, VersionStatus,
};
pub use json_text::JsonText;
pub use money::Money;
