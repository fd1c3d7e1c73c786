//! The role guard: every root field passes one check, driven by
//! [`required_role`], before its resolver runs.
//!
//! The check wraps the three root types instead of being an engine
//! extension: an extension with a `resolve` hook puts every field of every
//! response (thousands on a review page) through a slower path, while only
//! root fields need checking.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::futures_util::Stream;
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_container;
use async_graphql::{
    ContainerType, Context, ContextSelectionSet, ObjectType, OutputType, Positioned, Response,
    ServerError, ServerResult, SubscriptionType, Value, Variables,
};

use super::error::to_graphql;
use crate::domain::{DomainError, Principal};
use entity::Role;

/// The role each root field needs; the guard checks it before any
/// resolver runs. A mutation declares its role beside its resolver (each
/// file of `graphql::mutation`); one that declares none is refused to
/// everyone, so a new mutation cannot ship unguarded.
pub fn required_role(parent_type: &str, field: &str) -> Option<Role> {
    match (parent_type, field) {
        ("Mutation", field) => super::mutation::required_role(field),
        ("Query", "tokens") => Some(Role::Admin),
        _ => Some(Role::Reader),
    }
}

/// A root type whose fields are checked against the caller's role.
pub(crate) struct Guarded<T>(pub T);

/// Refuses a root field the caller may not use, as an error at its path.
fn check_root_field(ctx: &Context<'_>, root_type: &str) -> ServerResult<()> {
    let name = ctx.item.node.name.node.as_str();
    let refusal = match (ctx.data_opt::<Principal>(), required_role(root_type, name)) {
        (None, _) => Some(DomainError::Unauthenticated("no token".into())),
        (Some(_), None) => Some(DomainError::Forbidden(format!(
            "{name} has no role assigned and is refused"
        ))),
        (Some(p), Some(role)) => p.require_role(role).err(),
    };
    match refusal {
        None => Ok(()),
        Some(err) => Err(ctx.set_error_path(to_graphql(err).into_server_error(ctx.item.pos))),
    }
}

impl<T: ContainerType> OutputType for Guarded<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: ContainerType> ContainerType for Guarded<T> {
    fn is_empty() -> bool {
        T::is_empty()
    }

    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        check_root_field(ctx, &T::type_name())?;
        self.0.resolve_field(ctx).await
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        self.0.find_entity(ctx, params).await
    }
}

impl<T: ObjectType> ObjectType for Guarded<T> {}

impl<T: SubscriptionType> SubscriptionType for Guarded<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    fn is_empty() -> bool {
        T::is_empty()
    }

    fn create_field_stream<'a>(
        &'a self,
        ctx: &'a Context<'_>,
    ) -> Option<Pin<Box<dyn Stream<Item = Response> + Send + 'a>>> {
        match check_root_field(ctx, &T::type_name()) {
            Ok(()) => self.0.create_field_stream(ctx),
            Err(err) => Some(Box::pin(async_graphql::futures_util::stream::once(
                async move { Response::from_errors(vec![err]) },
            ))),
        }
    }
}

/// Refuses introspection with a clear error when it is turned off (the
/// engine alone would answer `__schema: null` without saying why).
pub(crate) struct IntrospectionOff;

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
