//! Retention policies.

use async_graphql::{Context, ID, InputObject, Object};

use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

use crate::domain::retention;
use crate::graphql::types::RetentionPolicy;
use entity::Role;

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[("setRetentionPolicy", Role::Admin)];

/// What setRetentionPolicy needs.
#[derive(InputObject)]
pub(crate) struct RetentionPolicyInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// Drop the values of REJECTED versions older than this many days (null: keep).
    /// 0 to 36500; the value moves to the object store and stays readable.
    pub rejected_days: Option<i32>,
    /// Drop the values of SUPERSEDED versions older than this many days (null: keep).
    /// 0 to 36500; promoted values and the latest version of a key never move.
    pub superseded_days: Option<i32>,
    /// Drop run and step outputs older than this many days (null: keep).
    /// 0 to 36500; dropped for good.
    pub run_output_days: Option<i32>,
}

#[derive(Default)]
pub(crate) struct RetentionMutations;

#[Object]
impl RetentionMutations {
    /// Sets a project's retention policy (replacing the one it had). `quire retention` applies it,
    /// and the server does once a day. Needs ADMIN.
    async fn set_retention_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and how long it keeps what.")] input: RetentionPolicyInput,
    ) -> async_graphql::Result<RetentionPolicy> {
        let input = retention::NewPolicy {
            project_id: input.project_id.0,
            rejected_days: input.rejected_days,
            superseded_days: input.superseded_days,
            run_output_days: input.run_output_days,
        };
        Ok(RetentionPolicy(
            retention::set_policy(session(ctx), input).await.api()?,
        ))
    }
}
