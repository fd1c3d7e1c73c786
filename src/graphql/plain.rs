//! Fields resolved in place, without a future each.
//!
//! The engine resolves every selected field of an object as its own boxed
//! future, collected in a `FuturesUnordered` and merged into a map: on a
//! page of 50 runs with their steps and outputs that is ~7,000 futures, and
//! it was the largest share of the server's CPU on every page shape
//! (BENCHMARKS.md). Most of those fields only read a column of the row the
//! object already holds.
//!
//! A type lists such fields with [`plain_fields!`]: each is answered by its
//! own resolver, polled once (it never waits) and turned into its output
//! value on the spot. [`Plain`] wraps the type where lists and connections
//! return it and resolves its selection in place: listed fields at once, the
//! others (relations, fields with arguments or guards) through the engine
//! as before, concurrently. The schema does not change (a `Plain<T>` is
//! `T` to the registry), nor do the answers: the same resolvers run, in the
//! selection's order. No extension of Quire's hooks field resolution (they
//! see parsing, validation and execution), so none misses a plain field;
//! one that did would have to be seen to here.

use std::borrow::Cow;
use std::future::Future;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{
    Context, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use futures::FutureExt;

/// A type some of whose fields need nothing but the row it holds.
pub(crate) trait PlainFields: ContainerType + Sync {
    /// The answer of the field `ctx` is at, when it is plain; None: the
    /// engine resolves it.
    fn plain_field(&self, ctx: &Context<'_>) -> Option<ServerResult<Value>>;
}

/// Lists the plain fields of an `#[Object]` type by their resolvers:
/// `plain_fields!(Run { "id" => id, "pipeline" => pipeline });`. Only fields
/// without arguments, guards or loaders belong here (their resolvers are
/// polled once; one that waits is left to the engine).
macro_rules! plain_fields {
    ($ty:ty { $($name:literal => $method:ident),* $(,)? }) => {
        impl $crate::graphql::plain::PlainFields for $ty {
            fn plain_field(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> Option<async_graphql::ServerResult<async_graphql::Value>> {
                match ctx.item.node.name.node.as_str() {
                    $($name => $crate::graphql::plain::leaf(ctx, self.$method(ctx)),)*
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use plain_fields;

/// A resolver's answer as its output value, when neither needs to wait.
pub(crate) fn leaf<T: OutputType>(
    ctx: &Context<'_>,
    answer: impl Future<Output = async_graphql::Result<T>>,
) -> Option<ServerResult<Value>> {
    match answer.now_or_never()? {
        Ok(value) => output(ctx, &value),
        Err(e) => Some(Err(ctx.set_error_path(e.into_server_error(ctx.item.pos)))),
    }
}

/// A field's value as its output value, when that needs no waiting: what
/// the engine does with a resolver's answer.
pub(crate) fn output<T: OutputType>(ctx: &Context<'_>, value: &T) -> Option<ServerResult<Value>> {
    let inner = ctx.with_selection_set(&ctx.item.node.selection_set);
    OutputType::resolve(value, &inner, ctx.item).now_or_never()
}

/// `T`, resolved with its plain fields in place (see the module's doc).
pub(crate) struct Plain<T>(pub T);

impl<T: PlainFields> OutputType for Plain<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_in_place(ctx, &self.0).await
    }
}

/// A field left to the engine: its response key and answer.
type EngineField<'a> =
    std::pin::Pin<Box<dyn Future<Output = (Name, ServerResult<Option<Value>>)> + Send + 'a>>;

async fn resolve_in_place<'a, T: PlainFields>(
    ctx: &ContextSelectionSet<'a>,
    root: &'a T,
) -> ServerResult<Value> {
    let mut fields = Vec::new();
    collect(ctx, root, &mut fields)?;
    let mut out: IndexMap<Name, Value> = IndexMap::with_capacity(fields.len());
    let mut engine = Vec::new();
    for (set, field) in fields {
        let key = field.node.response_key().node.clone();
        if field.node.name.node == "__typename" {
            let name = root.introspection_type_name().into_owned();
            merge(&mut out, key, Value::String(name));
            continue;
        }
        let ctx_field = set.with_field(field);
        match root.plain_field(&ctx_field) {
            Some(Ok(value)) => merge(&mut out, key, value),
            Some(Err(e)) => ctx.add_error(e),
            None => {
                // Keeps the selection's order; filled in below.
                out.entry(key.clone()).or_insert(Value::Null);
                // Boxed, as the engine boxes each field: the type of a
                // future that may resolve the same type again must not
                // contain itself.
                let answer: EngineField<'a> = Box::pin(async move {
                    let ctx_field = set.with_field(field);
                    (key, root.resolve_field(&ctx_field).await)
                });
                engine.push(answer);
            }
        }
    }
    for (key, answer) in futures::future::join_all(engine).await {
        match answer {
            Ok(value) => merge(&mut out, key, value.unwrap_or_default()),
            Err(e) => {
                // As the engine does: the error is reported and the field left out.
                out.shift_remove(&key);
                ctx.add_error(e);
            }
        }
    }
    Ok(if out.is_empty() {
        Value::Null
    } else {
        Value::Object(out)
    })
}

/// The fields of a selection set that apply to `root`, fragments expanded
/// (a fragment applies when it names the type, an interface the type
/// implements, or no type).
fn collect<'a, T: ContainerType + ?Sized>(
    ctx: &ContextSelectionSet<'a>,
    root: &T,
    out: &mut Vec<(ContextSelectionSet<'a>, &'a Positioned<Field>)>,
) -> ServerResult<()> {
    for selection in &ctx.item.node.items {
        let (condition, set) = match &selection.node {
            Selection::Field(field) => {
                out.push((ctx.clone(), field));
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let Some(fragment) = ctx.query_env.fragments.get(name) else {
                    return Err(async_graphql::ServerError::new(
                        format!(r#"Unknown fragment "{name}"."#),
                        Some(spread.pos),
                    ));
                };
                (
                    Some(fragment.node.type_condition.node.on.node.as_str()),
                    &fragment.node.selection_set,
                )
            }
            Selection::InlineFragment(fragment) => (
                fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map(|c| c.node.on.node.as_str()),
                &fragment.node.selection_set,
            ),
        };
        let type_name = root.introspection_type_name();
        let applies = condition.is_none_or(|c| {
            c == type_name
                || ctx
                    .schema_env
                    .registry
                    .implements
                    .get(type_name.as_ref())
                    .is_some_and(|interfaces| interfaces.contains(c))
        });
        if applies {
            collect(&ctx.with_selection_set(set), root, out)?;
        }
    }
    Ok(())
}

/// Puts a field's value under its response key; the same key selected twice
/// (say, in two fragments) merges the two objects, as the engine does. One
/// lookup of the key (an entry), not a lookup and an insert: this runs for
/// every field of every object on a page.
fn merge(out: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    use async_graphql::indexmap::map::Entry;
    let mut slot = match out.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            return;
        }
        Entry::Occupied(slot) => slot,
    };
    match (slot.get_mut(), value) {
        (Value::Object(into), Value::Object(from)) => {
            for (k, v) in from {
                merge(into, k, v);
            }
        }
        (Value::List(into), Value::List(from)) => {
            for (into, from) in into.iter_mut().zip(from) {
                if let (Value::Object(into), Value::Object(from)) = (into, from) {
                    for (k, v) in from {
                        merge(into, k, v);
                    }
                }
            }
        }
        (held @ Value::Null, value) => *held = value,
        (_, _) => {}
    }
}
