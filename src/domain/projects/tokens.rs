//! API tokens: a random secret shown once, stored only as its SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{ActorType, Role, api_token};
use rand::RngCore;
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::digest::sha256_hex;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids;
use crate::domain::ids::IdKind;
use crate::domain::principal::{Actor, Principal};
use crate::domain::{Session, projects, validate};

/// Every secret starts with this, so that leaked ones are easy to scan for.
pub(crate) const SECRET_PREFIX: &str = "qk_";

/// A token to create; see [`create`].
pub struct NewToken {
    /// A name for people, recorded as the actor's name on every write.
    pub name: String,
    /// What the token may do.
    pub role: Role,
    /// What kind of author the token stands for.
    pub actor_type: ActorType,
    /// When set, the token sees this project only.
    pub project_id: Option<Uuid>,
    /// The actor a further token is for (the id of its first token); none:
    /// the token is a new actor's first.
    pub actor_id: Option<Uuid>,
}

/// Creates a token; returns its row and the secret, which is not stored.
/// No caller check: for the operator's CLI and tests; the API goes through
/// `create_for`.
pub async fn create(
    db: &impl ConnectionTrait,
    input: NewToken,
) -> DomainResult<(api_token::Model, String)> {
    validate::name("name", &input.name)?;
    if input.actor_type == ActorType::Rule {
        return Err(DomainError::validation(
            "actorType RULE is reserved to the server's approval policies; a token is HUMAN, AI or SYSTEM",
        ));
    }
    if let Some(project_id) = input.project_id {
        let exists = entity::project::Entity::find_by_id(project_id)
            .one(db)
            .await?
            .is_some();
        if !exists {
            return Err(DomainError::not_found(
                IdKind::Project,
                ids::encode(ids::IdKind::Project, project_id),
            ));
        }
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let model = api_token::Model {
        id: ids::new_id(),
        name: input.name,
        secret_sha256: sha256_hex(secret.as_bytes()),
        role: input.role,
        actor_type: input.actor_type,
        project_id: input.project_id,
        created_at: Utc::now(),
        last_used_at: None,
        revoked_at: None,
        actor_id: input.actor_id,
    };
    api_token::Entity::insert(api_token::ActiveModel::from(model.clone()))
        .exec(db)
        .await?;
    Ok((model, secret))
}

/// What tokens are stored and looked up by: the SHA-256 of their secret.
pub(crate) fn secret_digest(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// The principal of the token whose secret has this digest.
pub(crate) async fn authenticate_digest(db: &Db, digest: &str) -> DomainResult<Principal> {
    let token = api_token::Entity::find()
        .filter(api_token::Column::SecretSha256.eq(digest))
        .one(&db.conn)
        .await?;
    match token {
        Some(t) if t.revoked_at.is_none() => Ok(principal_of(&t)),
        Some(_) => Err(DomainError::Unauthenticated(
            "the token has been revoked".into(),
        )),
        None => Err(DomainError::Unauthenticated(
            "the token is not valid".into(),
        )),
    }
}

/// The principal a token row stands for (no check that it is live).
pub fn principal_of(token: &api_token::Model) -> Principal {
    Principal {
        actor: Actor {
            id: token.actor_id.unwrap_or(token.id),
            name: token.name.clone(),
            actor_type: token.actor_type,
        },
        role: token.role,
        project_scope: token.project_id,
    }
}

/// What [`create_for`] is asked.
pub(crate) struct TokenRequest<'a> {
    pub name: String,
    pub role: Role,
    pub actor_type: ActorType,
    /// The project to scope the token to (public ID).
    pub project_id: Option<&'a str>,
    /// Another token of the actor this one is for (public ID).
    pub actor_of: Option<&'a str>,
}

/// Creates a token for a caller: a token scoped to a project may only make
/// tokens of that project (an unscoped request defaults to its scope). ADMIN.
/// People are vouched for by the operator: only an unscoped ADMIN makes a
/// HUMAN token (else a project's admin could be two people in a quorum).
/// A token for an existing actor (`actor_of`) acts as that actor: same id,
/// same type, counted once by quorums.
pub(crate) async fn create_for(
    s: Session<'_>,
    request: TokenRequest<'_>,
) -> DomainResult<(api_token::Model, String)> {
    s.principal.require_role(Role::Admin)?;
    if request.actor_type == ActorType::Human && s.principal.project_scope.is_some() {
        return Err(DomainError::Forbidden(
            "only an unscoped ADMIN makes HUMAN tokens: people are vouched for by the operator"
                .into(),
        ));
    }
    let project_id = match request.project_id {
        Some(text) => Some(projects::require(s, text).await?.id),
        None => s.principal.project_scope,
    };
    let actor_id = match request.actor_of {
        Some(text) => Some(actor_of(s, text, request.actor_type).await?),
        None => None,
    };
    create(
        &s.db.conn,
        NewToken {
            name: request.name,
            role: request.role,
            actor_type: request.actor_type,
            project_id,
            actor_id,
        },
    )
    .await
}

/// The actor of a token the caller may manage, checked to be of `actor_type`.
async fn actor_of(s: Session<'_>, text: &str, actor_type: ActorType) -> DomainResult<Uuid> {
    let id = ids::decode(IdKind::Token, text)?;
    let token = api_token::Entity::find_by_id(id).one(&s.db.conn).await?;
    let token = token
        .filter(|t| {
            s.principal.project_scope.is_none() || t.project_id == s.principal.project_scope
        })
        .ok_or_else(|| DomainError::not_found(IdKind::Token, text))?;
    if token.actor_type != actor_type {
        return Err(DomainError::validation(format!(
            "the actor of {text} is {}, not {}: a further token of an actor has its type",
            token.actor_type.to_value(),
            actor_type.to_value()
        )));
    }
    Ok(token.actor_id.unwrap_or(token.id))
}

/// The tokens a caller may manage: all, or those of its project. ADMIN.
pub(crate) async fn list_for(s: Session<'_>) -> DomainResult<Vec<api_token::Model>> {
    s.principal.require_role(Role::Admin)?;
    let mut select = api_token::Entity::find().order_by_asc(api_token::Column::Id);
    if let Some(scope) = s.principal.project_scope {
        select = select.filter(api_token::Column::ProjectId.eq(scope));
    }
    Ok(select.all(&s.db.conn).await?)
}

/// Revokes a token the caller may manage; others are NOT_FOUND. ADMIN;
/// true when the token was live.
pub(crate) async fn revoke_for(s: Session<'_>, id_text: &str) -> DomainResult<bool> {
    s.principal.require_role(Role::Admin)?;
    let id = ids::decode(ids::IdKind::Token, id_text)?;
    let token = api_token::Entity::find_by_id(id).one(&s.db.conn).await?;
    let manageable = token.is_some_and(|t| {
        s.principal.project_scope.is_none() || t.project_id == s.principal.project_scope
    });
    if !manageable {
        return Err(DomainError::not_found(IdKind::Token, id_text));
    }
    revoke(&s.db.conn, id).await
}

/// Every token, oldest first, with no caller check (the operator's CLI).
pub async fn list(db: &impl ConnectionTrait) -> DomainResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Revokes a token; true when it was live.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<bool> {
    let token = api_token::Entity::find_by_id(id).one(db).await?;
    let token = token.ok_or_else(|| {
        DomainError::not_found(IdKind::Token, ids::encode(ids::IdKind::Token, id))
    })?;
    if token.revoked_at.is_some() {
        return Ok(false);
    }
    let mut active: api_token::ActiveModel = token.into();
    active.revoked_at = sea_orm::Set(Some(Utc::now()));
    sea_orm::ActiveModelTrait::update(active, db).await?;
    Ok(true)
}
