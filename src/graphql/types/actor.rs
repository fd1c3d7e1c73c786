use async_graphql::{ID, SimpleObject};
use entity::ActorType;
use uuid::Uuid;

use super::{ActorTypeGql, gid};
use crate::domain::ids::IdKind;

/// Who did something: the token it was done with.
#[derive(SimpleObject, Clone)]
pub struct Actor {
    pub id: ID,
    pub name: String,
    #[graphql(name = "type")]
    pub actor_type: ActorTypeGql,
}

impl Actor {
    pub fn new(id: Uuid, name: &str, actor_type: ActorType) -> Self {
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
