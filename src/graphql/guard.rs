//! The role guard: one check every root field passes through, driven by
//! `auth::required_role`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{PathSegment, ServerError, ServerResult, Value, Variables};

use super::error::to_graphql;
use crate::auth::required_role;
use crate::domain::{DomainError, Principal};

pub struct RoleGuard;

impl ExtensionFactory for RoleGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RoleGuardExtension)
    }
}

struct RoleGuardExtension;

#[async_trait::async_trait]
impl Extension for RoleGuardExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.path_node.parent.is_none() && !info.is_for_introspection {
            let refusal = match (
                ctx.data_opt::<Principal>(),
                required_role(info.parent_type, info.name),
            ) {
                (None, _) => Some(DomainError::Unauthenticated("no token".into())),
                (Some(_), None) => Some(DomainError::Forbidden(format!(
                    "{} has no role assigned and is refused",
                    info.name
                ))),
                (Some(p), Some(role)) => p.require_role(role).err(),
            };
            if let Some(err) = refusal {
                let mut error = to_graphql(err).into_server_error(info.field.name.pos);
                error.path = vec![PathSegment::Field(
                    info.alias.unwrap_or(info.name).to_owned(),
                )];
                return Err(error);
            }
        }
        next.run(ctx, info).await
    }
}

/// Refuses introspection with a clear error when it is turned off (the
/// engine alone would answer `__schema: null` without saying why).
pub struct IntrospectionOff;

impl ExtensionFactory for IntrospectionOff {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(IntrospectionOffExtension)
    }
}

struct IntrospectionOffExtension;

fn selects_introspection(set: &SelectionSet, doc: &ExecutableDocument) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type"),
        Selection::InlineFragment(fragment) => {
            selects_introspection(&fragment.node.selection_set.node, doc)
        }
        Selection::FragmentSpread(spread) => doc
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|f| selects_introspection(&f.node.selection_set.node, doc)),
    })
}

#[async_trait::async_trait]
impl Extension for IntrospectionOffExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if doc
            .operations
            .iter()
            .any(|(_, op)| selects_introspection(&op.node.selection_set.node, &doc))
        {
            return Err(ServerError::new(
                "introspection is turned off on this server",
                None,
            ));
        }
        Ok(doc)
    }
}
