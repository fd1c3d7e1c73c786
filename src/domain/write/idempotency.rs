//! Idempotency keys: a mutation sent twice with the same key and input has
//! one effect and one answer. The key, the caller's scope, a hash of the
//! input and the response are stored in the operation's own transaction.

use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::db::WriteTxn;
use crate::domain::digest::{canonical_json, sha256_hex};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::new_id;
use crate::domain::{Session, validate};

/// One mutation call's idempotency: its key (if the client sent one), scoped
/// to the caller and operation, and the hash of its input. Made before the
/// transaction; `write::transact` replays or stores the response with it.
pub(crate) struct Idempotency {
    scope: String,
    key: Option<String>,
    request_hash: String,
    ttl: Duration,
}

impl Idempotency {
    /// `operation` names the mutation; `input` is hashed in canonical form.
    /// VALIDATION_FAILED for an empty or overlong key.
    pub(crate) fn new(
        s: Session<'_>,
        operation: &str,
        key: Option<&str>,
        input: &impl Serialize,
    ) -> DomainResult<Self> {
        if let Some(k) = key {
            if k.is_empty() {
                return Err(DomainError::validation("idempotencyKey must not be empty"));
            }
            validate::text("idempotencyKey", k, validate::MAX_IDEMPOTENCY_KEY_CHARS)?;
        }
        let input =
            serde_json::to_value(input).map_err(|e| DomainError::Internal(e.to_string()))?;
        Ok(Idempotency {
            scope: format!("{}:{operation}", s.principal.actor.id),
            key: key.map(str::to_owned),
            request_hash: sha256_hex(canonical_json(&input).as_bytes()),
            ttl: Duration::from_std(s.limits.idempotency_ttl).unwrap_or(Duration::hours(24)),
        })
    }

    /// The stored response of an earlier call with this key, if any.
    pub(in crate::domain) async fn replay<T: DeserializeOwned>(
        &self,
        txn: &WriteTxn,
    ) -> DomainResult<Option<T>> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        let found = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Scope.eq(&self.scope))
            .filter(idempotency_key::Column::Key.eq(key))
            .one(txn)
            .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        if row.created_at < Utc::now() - self.ttl {
            idempotency_key::Entity::delete_by_id(row.id)
                .exec(txn)
                .await?;
            return Ok(None);
        }
        if row.request_hash != self.request_hash {
            return Err(DomainError::IdempotencyKeyReused(key.clone()));
        }
        serde_json::from_value(row.response)
            .map(Some)
            .map_err(|e| DomainError::Internal(format!("stored response unreadable: {e}")))
    }

    /// Stores the response; a concurrent twin that stored first makes this
    /// fail with a unique violation, and `write::transact` retries into `replay`.
    pub(in crate::domain) async fn store<T: Serialize>(
        &self,
        txn: &WriteTxn,
        response: &T,
    ) -> DomainResult<()> {
        let Some(key) = &self.key else {
            return Ok(());
        };
        let response: Value =
            serde_json::to_value(response).map_err(|e| DomainError::Internal(e.to_string()))?;
        idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            id: Set(new_id()),
            scope: Set(self.scope.clone()),
            key: Set(key.clone()),
            request_hash: Set(self.request_hash.clone()),
            response: Set(response),
            created_at: Set(Utc::now()),
        })
        .exec(txn)
        .await?;
        Ok(())
    }
}

/// Deletes keys older than `ttl`; returns how many.
pub(crate) async fn prune(db: &crate::db::Db, ttl: std::time::Duration) -> DomainResult<u64> {
    let cutoff = Utc::now() - Duration::from_std(ttl).unwrap_or(Duration::hours(24));
    let res = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(&db.conn)
        .await?;
    Ok(res.rows_affected)
}
