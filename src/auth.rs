//! Authentication of HTTP requests: `Authorization: Bearer <secret>` of a live
//! token gives the request's `Principal`.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::db::Db;
use crate::domain::projects::tokens;
use crate::domain::{DomainError, DomainResult, Principal};
use crate::token_cache::TokenCache;

/// The bearer secret of a request, if it sent one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

/// The caller of a request, from the cache when its token was seen lately.
pub(crate) async fn authenticate(
    db: &Db,
    cache: &TokenCache,
    headers: &HeaderMap,
) -> DomainResult<Principal> {
    let secret = bearer(headers).ok_or_else(|| {
        DomainError::Unauthenticated(
            "send an API token as `Authorization: Bearer <secret>` (create one with `quire token create`)"
                .into(),
        )
    })?;
    authenticate_secret(db, cache, secret).await
}

/// The principal of a token secret, from the cache when it was seen lately.
pub(crate) async fn authenticate_secret(
    db: &Db,
    cache: &TokenCache,
    secret: &str,
) -> DomainResult<Principal> {
    let digest = tokens::secret_digest(secret);
    cache
        .get_or_lookup(&digest, || tokens::authenticate_digest(db, &digest))
        .await
}

/// Records when each token was last used, in memory, and writes the times
/// out in one go every flush interval, so that a request costs no write.
#[derive(Default)]
pub(crate) struct TokenUsage {
    pending: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, chrono::DateTime<chrono::Utc>>>,
}

impl TokenUsage {
    pub(crate) fn touch(&self, token_id: uuid::Uuid) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(token_id, chrono::Utc::now());
    }

    /// Writes the pending times; returns how many tokens were updated.
    pub(crate) async fn flush(&self, db: &Db) -> Result<usize, sea_orm::DbErr> {
        let drained: Vec<_> = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.drain().collect()
        };
        for (id, at) in &drained {
            entity::api_token::Entity::update_many()
                .col_expr(
                    entity::api_token::Column::LastUsedAt,
                    sea_orm::sea_query::Expr::value(*at),
                )
                .filter(entity::api_token::Column::Id.eq(*id))
                .exec(&db.conn)
                .await?;
        }
        Ok(drained.len())
    }
}
