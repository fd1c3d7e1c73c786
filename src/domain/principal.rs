//! Who makes a request: the actor every write is recorded under, with the
//! role and project scope of the token it came with.

use entity::{ActorType, Role};
use uuid::Uuid;

use super::error::{DomainError, DomainResult};

/// The author of a write, as stored in audit columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's id: a token is one actor.
    pub id: Uuid,
    /// The token's name, stored beside the id so the audit trail reads
    /// without a join.
    pub name: String,
    /// What kind of author the token stands for (human, AI, system, rule).
    pub actor_type: ActorType,
}

/// The authenticated caller of a domain operation: whom writes are recorded
/// under, and what the token allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Whom writes are recorded under.
    pub actor: Actor,
    /// What the token may do; see [`Principal::has_role`].
    pub role: Role,
    /// When set, the principal sees this project only.
    pub project_scope: Option<Uuid>,
}

impl Principal {
    /// Whether objects of `project_id` exist for this principal.
    pub fn can_see(&self, project_id: Uuid) -> bool {
        self.project_scope.is_none_or(|scope| scope == project_id)
    }

    /// Whether this principal's role includes `needed`. WRITER and REVIEWER
    /// are siblings: each includes READER, ADMIN includes both.
    pub fn has_role(&self, needed: Role) -> bool {
        match (self.role, needed) {
            (Role::Admin, _) => true,
            (_, Role::Reader) => true,
            (have, want) => have == want,
        }
    }

    /// [`DomainError::Forbidden`] unless the principal has one of `roles`
    /// (for work that WRITER and REVIEWER, siblings, may both do).
    pub fn require_one_of(&self, roles: &[Role]) -> DomainResult<()> {
        if roles.iter().any(|r| self.has_role(*r)) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "this needs one of the roles {roles:?}; the token has {:?}",
                self.role
            )))
        }
    }

    /// [`DomainError::Forbidden`] unless [`has_role`](Self::has_role)`(needed)`.
    pub fn require_role(&self, needed: Role) -> DomainResult<()> {
        if self.has_role(needed) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "this needs the {needed:?} role; the token has {:?}",
                self.role
            )))
        }
    }
}
