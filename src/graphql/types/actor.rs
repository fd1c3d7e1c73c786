use async_graphql::{ID, SimpleObject};
use entity::ActorType;
use uuid::Uuid;

use super::{ActorTypeGql, gid};
use crate::domain::ids::IdKind;

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
