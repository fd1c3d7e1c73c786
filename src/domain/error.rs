//! The one error type of every domain operation. `graphql::error` maps it to a
//! GraphQL error with `extensions.code`, in one place.

use sea_orm::DbErr;

/// One problem with an input value, located by a JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where in the input (RFC 6901), `""` for the whole value.
    pub pointer: String,
    /// What is wrong there, for a human.
    pub message: String,
}

/// Why a domain operation refused or failed; each variant has one
/// `extensions.code` ([`DomainError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// No token, or one that is unknown, revoked or expired.
    #[error("{0}")]
    Unauthenticated(String),
    /// The token is valid but its role does not allow the operation.
    #[error("{0}")]
    Forbidden(String),
    /// No such object, or one outside the caller's project scope: the two
    /// are not told apart, so a scoped token learns nothing of other projects.
    #[error("{kind} {id} not found")]
    NotFound {
        /// The noun of the object's kind of ID (`ids::IdKind::noun`).
        kind: &'static str,
        /// The ID as the caller wrote it.
        id: String,
    },
    /// An input the rules refuse; nothing was written.
    #[error("{message}")]
    Validation {
        /// The summary shown as the error's message.
        message: String,
        /// Each problem located in the input, when there are several (may be empty).
        violations: Vec<Violation>,
    },
    /// The object's state does not allow this action (e.g. approving a
    /// version that is not pending review).
    #[error("cannot {action} a {kind} that is {from}")]
    InvalidTransition {
        /// What the object is ("artifact version", "run").
        kind: &'static str,
        /// The refused action ("promote", "approve", "record a step on", ...).
        action: &'static str,
        /// The state the object is in.
        from: String,
    },
    /// A concurrent change won, or the caller's expectation is stale; read
    /// again and retry.
    #[error("{message}")]
    Conflict {
        /// What conflicted, for a human.
        message: String,
        /// On a stale context promotion: the version the context is at now
        /// (sent as `extensions.currentContextVersion`).
        current_context_version: Option<i32>,
    },
    /// The idempotency key (held here) was already used with a different input.
    #[error("idempotency key {0:?} was already used with a different input")]
    IdempotencyKeyReused(String),
    /// An input over a configured size limit (`Limits`).
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    PayloadTooLarge {
        /// What was too large ("artifact value", "run output", ...).
        what: &'static str,
        /// Its size in bytes.
        size: u64,
        /// The limit it exceeded, sent as `extensions.limit`.
        limit: u64,
    },
    /// The database cannot take writes now (a full disk, an I/O error);
    /// nothing was written, and the same request may succeed later.
    #[error("{0}")]
    Unavailable(String),
    /// The connection was lost while a transaction committed: the write
    /// may or may not have been applied. Read before retrying (or retry with
    /// the same idempotency key, which answers as the first attempt did).
    #[error("{0}")]
    OutcomeUnknown(String),
    /// A file could not be stored for want of space; nothing was kept.
    #[error("{0}")]
    InsufficientStorage(String),
    /// Any other database error; clients see only "internal error".
    #[error("database error: {0}")]
    Database(DbErr),
    /// A broken invariant (a stored value that does not parse, a row that
    /// vanished); clients see only "internal error".
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        // Every pooled connection stayed busy past the acquire timeout (at 1M
        // versions on SQLite, 32 clients of unindexed path filters did this):
        // the request did nothing and may be retried, so it is UNAVAILABLE.
        if matches!(
            err,
            DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout)
        ) {
            tracing::warn!("no database connection became free in time");
            return DomainError::Unavailable(
                "the database is busy: no connection became free in time; nothing was done, try again"
                    .into(),
            );
        }
        if crate::db::is_connection_failure(&err) {
            tracing::warn!(error = %err, "the database connection was lost");
            return DomainError::Unavailable(
                "the connection to the database was lost; nothing was done, try again".into(),
            );
        }
        if crate::db::is_storage_failure(&err) {
            tracing::error!(error = %err, "a write failed for want of storage");
            DomainError::Unavailable(
                "the database cannot take writes now (out of storage); nothing was written, try again later"
                    .into(),
            )
        } else {
            DomainError::Database(err)
        }
    }
}

impl DomainError {
    /// A [`DomainError::Validation`] with a message and no located violations.
    pub fn validation(message: impl Into<String>) -> Self {
        DomainError::Validation {
            message: message.into(),
            violations: Vec::new(),
        }
    }

    /// A [`DomainError::Conflict`] without a current context version.
    pub fn conflict(message: impl Into<String>) -> Self {
        DomainError::Conflict {
            message: message.into(),
            current_context_version: None,
        }
    }

    /// The `extensions.code` the contract gives this error.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Unauthenticated(_) => "UNAUTHENTICATED",
            DomainError::Forbidden(_) => "FORBIDDEN",
            DomainError::NotFound { .. } => "NOT_FOUND",
            DomainError::Validation { .. } => "VALIDATION_FAILED",
            DomainError::InvalidTransition { .. } => "INVALID_TRANSITION",
            DomainError::Conflict { .. } => "CONFLICT",
            DomainError::IdempotencyKeyReused(_) => "IDEMPOTENCY_KEY_REUSED",
            DomainError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            DomainError::Unavailable(_) => "UNAVAILABLE",
            DomainError::OutcomeUnknown(_) => "OUTCOME_UNKNOWN",
            DomainError::InsufficientStorage(_) => "INSUFFICIENT_STORAGE",
            DomainError::Database(_) | DomainError::Internal(_) => "INTERNAL",
        }
    }

    /// Whether the database refused a write because of a unique index: the
    /// caller may retry, or report a conflict.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DomainError::Database(err) => is_unique_violation(err),
            _ => false,
        }
    }

    /// Whether the transaction lost to a concurrent one (a unique index
    /// taken first, a serialization failure, a deadlock) and may be run
    /// again from the start.
    pub fn is_retryable(&self) -> bool {
        match self {
            DomainError::Database(err) => {
                is_unique_violation(err) || crate::db::is_concurrency_failure(err)
            }
            _ => false,
        }
    }
}

/// Whether `err` is the database refusing a row because of a unique index.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The result of every domain operation.
pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_pool_is_unavailable() {
        let busy = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout);
        assert_eq!(DomainError::from(busy).code(), "UNAVAILABLE");
        let other = DbErr::Custom("boom".into());
        assert_eq!(DomainError::from(other).code(), "INTERNAL");
    }

    #[test]
    fn a_lost_connection_is_unavailable() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let lost = DbErr::Query(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::Io(io),
        )));
        assert_eq!(DomainError::from(lost).code(), "UNAVAILABLE");
        let closed = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::ConnectionClosed);
        assert_eq!(DomainError::from(closed).code(), "UNAVAILABLE");
    }
}
