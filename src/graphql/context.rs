//! What resolvers read from the GraphQL context.

use async_graphql::Context;

use super::loaders::Loaders;
use crate::db::Db;
use crate::domain::{Limits, Principal, Session};

/// The domain session of the request: the store, the caller and the limits.
pub(crate) fn session<'a>(ctx: &'a Context<'_>) -> Session<'a> {
    Session {
        db: ctx.data_unchecked::<Db>(),
        principal: ctx.data_unchecked::<Principal>(),
        limits: ctx.data_unchecked::<Limits>(),
    }
}

pub(crate) fn loaders<'a>(ctx: &'a Context<'_>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}
