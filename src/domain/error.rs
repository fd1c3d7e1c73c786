//! The one error type of every domain operation. `graphql::error` maps it to a
//! GraphQL error with `extensions.code`, in one place.

use sea_orm::DbErr;

/// One problem with an input value, located by a JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{message}")]
    Validation {
        message: String,
        violations: Vec<Violation>,
    },
    #[error("cannot {action} a {kind} that is {from}")]
    InvalidTransition {
        kind: &'static str,
        action: &'static str,
        from: String,
    },
    #[error("{message}")]
    Conflict {
        message: String,
        current_context_version: Option<i32>,
    },
    #[error("idempotency key {0:?} was already used with a different input")]
    IdempotencyKeyReused(String),
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    PayloadTooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    /// The database cannot take writes now (a full disk, an I/O error);
    /// nothing was written, and the same request may succeed later.
    #[error("{0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
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
    pub fn validation(message: impl Into<String>) -> Self {
        DomainError::Validation {
            message: message.into(),
            violations: Vec::new(),
        }
    }

    /// No `kind` with this ID that the caller may see (as the caller wrote it).
    pub fn not_found(kind: super::ids::IdKind, id: impl Into<String>) -> Self {
        DomainError::NotFound {
            kind: kind.noun(),
            id: id.into(),
        }
    }

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

pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

pub type DomainResult<T> = Result<T, DomainError>;
