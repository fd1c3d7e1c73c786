//! Principals of recently used tokens, so that a request costs no token
//! lookup.
//!
//! An entry lives `ttl` at most. Revoking a token through this server
//! (`revokeToken`) drops its entry at once; a revocation made elsewhere (the
//! CLI's `token revoke`, another server on the same database) takes effect
//! here within `ttl`, since no channel carries it on SQLite.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::domain::Principal;

/// More live tokens than this empties the cache: it bounds memory whatever
/// the callers send (only tokens that authenticated are kept).
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct TokenCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, Cached>>,
    /// Counts revocations made through this server: open WebSockets watch
    /// it to check their token again at once.
    revocations: tokio::sync::watch::Sender<u64>,
}

struct Cached {
    principal: Principal,
    until: Instant,
}

impl TokenCache {
    /// A `ttl` of zero turns the cache off.
    pub(crate) fn new(ttl: Duration) -> Self {
        TokenCache {
            ttl,
            entries: RwLock::default(),
            revocations: tokio::sync::watch::Sender::new(0),
        }
    }

    /// How long an entry lives: a revocation made elsewhere applies here
    /// within this time.
    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Changes whenever a token is revoked through this server.
    pub(crate) fn revocations(&self) -> tokio::sync::watch::Receiver<u64> {
        self.revocations.subscribe()
    }

    /// The principal of a token by its secret's digest, if seen within `ttl`.
    pub(crate) fn get(&self, digest: &str) -> Option<Principal> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(digest)
            .filter(|c| c.until > Instant::now())
            .map(|c| c.principal.clone())
    }

    pub(crate) fn put(&self, digest: String, principal: Principal) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let until = Instant::now() + self.ttl;
        entries.insert(digest, Cached { principal, until });
    }

    /// Drops the entry of a token (by its id), e.g. when it is revoked.
    pub(crate) fn forget(&self, token_id: Uuid) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, c| c.principal.actor.id != token_id);
        drop(entries);
        self.revocations.send_modify(|n| *n += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Actor;
    use entity::{ActorType, Role};

    fn principal(id: Uuid) -> Principal {
        Principal {
            actor: Actor {
                id,
                name: "t".into(),
                actor_type: ActorType::Human,
            },
            role: Role::Reader,
            project_scope: None,
        }
    }

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let cache = TokenCache::new(Duration::from_millis(50));
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        cache.put("a".into(), principal(a));
        cache.put("b".into(), principal(b));
        assert_eq!(cache.get("a").map(|p| p.actor.id), Some(a));
        cache.forget(a);
        assert!(cache.get("a").is_none());
        assert_eq!(cache.get("b").map(|p| p.actor.id), Some(b));
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("b").is_none(), "an entry outlived its ttl");
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache = TokenCache::new(Duration::ZERO);
        cache.put("a".into(), principal(Uuid::now_v7()));
        assert!(cache.get("a").is_none());
    }
}
