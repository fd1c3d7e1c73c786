//! The rules of Quire, free of GraphQL: every operation takes a `Session`
//! (the store, the caller and the limits) and, when it writes, runs as one
//! database transaction that also appends its outbox event.

#![warn(missing_docs)]

// The kernel: types every capability shares.
pub(crate) mod bounds;
pub mod digest;
pub(crate) mod error;
pub mod ids;
pub mod principal;
pub mod settings;
pub mod tiers;
pub mod tokenizer;
pub(crate) mod validate;
pub mod values;

// Shared machinery: how every capability writes and reads.
pub mod query;
pub mod write;

// The capabilities, each a folder whose mod.rs lists its parts.
pub mod artifacts;
pub mod context;
pub mod projects;
pub mod retention;
pub mod review;
pub mod runs;
pub mod schemas;
pub mod webhooks;

pub use error::{DomainError, DomainResult, Violation};
pub use principal::{Actor, Principal};

use crate::db::Db;

/// Size limits on what clients may store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest artifact value, as JSON text.
    pub max_value_bytes: u64,
    /// Largest run or step output.
    pub max_output_bytes: u64,
    /// How long an idempotency key is remembered.
    pub idempotency_ttl: std::time::Duration,
    /// How tokens of outputs, summaries and assembled contexts are counted.
    pub tokenizer: tokenizer::Tokenizer,
    /// The deployment's tiers, lowest first.
    pub tiers: tiers::Tiers,
}

impl From<&crate::config::LimitsConfig> for Limits {
    fn from(config: &crate::config::LimitsConfig) -> Self {
        Limits {
            max_value_bytes: config.max_value_bytes,
            max_output_bytes: config.max_output_bytes,
            idempotency_ttl: config.idempotency_ttl(),
            tokenizer: config.tokenizer,
            tiers: config.tiers.clone(),
        }
    }
}

impl Default for Limits {
    /// The configuration's defaults.
    fn default() -> Self {
        Limits::from(&crate::config::LimitsConfig::default())
    }
}

/// Who is asking, against which store, under which limits.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    /// The store read and written.
    pub db: &'a Db,
    /// The caller: its role and project scope decide what it may see and do.
    pub principal: &'a Principal,
    /// The size limits inputs are checked against.
    pub limits: &'a Limits,
}

/// [`DomainError::PayloadTooLarge`] naming `what` when `size` is over
/// `limit` bytes.
pub(crate) fn check_size(what: &'static str, size: usize, limit: u64) -> DomainResult<()> {
    if size as u64 > limit {
        Err(DomainError::PayloadTooLarge {
            what,
            size: size as u64,
            limit,
        })
    } else {
        Ok(())
    }
}
