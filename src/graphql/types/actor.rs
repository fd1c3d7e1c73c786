use async_graphql::{Context, ID, ServerResult, SimpleObject, Value};
use entity::ActorType;
use uuid::Uuid;

use super::{ActorTypeGql, gid};
use crate::domain::ids::IdKind;
use crate::graphql::plain::{PlainFields, output};

/// Who did something: the actor of the token it was done with (a person or
/// an agent, which may hold several tokens), by the name of that token; the
/// name and type are copied onto each write when it is made.
#[derive(SimpleObject, Clone)]
pub(crate) struct Actor {
    /// The actor's ID: the ID (`tok_...`) of its first token, the same for
    /// every token of the actor (createToken's actorId).
    pub id: ID,
    /// The token's name.
    pub name: String,
    /// The token's actor type: a person, an AI, a system or a rule.
    #[graphql(name = "type")]
    pub actor_type: ActorTypeGql,
}

impl Actor {
    pub(crate) fn new(id: Uuid, name: &str, actor_type: ActorType) -> Self {
        Actor {
            id: gid(IdKind::Token, id),
            name: name.to_owned(),
            actor_type: actor_type.into(),
        }
    }
}

impl From<&crate::domain::Actor> for Actor {
    fn from(a: &crate::domain::Actor) -> Self {
        Actor::new(a.id, &a.name, a.actor_type)
    }
}

impl PlainFields for Actor {
    fn plain_field(&self, ctx: &Context<'_>) -> Option<ServerResult<Value>> {
        match ctx.item.node.name.node.as_str() {
            "id" => output(ctx, &self.id),
            "name" => output(ctx, &self.name),
            "type" => output(ctx, &self.actor_type),
            _ => None,
        }
    }
}
