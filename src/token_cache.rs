//! Principals of recently used tokens, so that a request costs no token
//! lookup.
//!
//! An entry lives `ttl` at most. Revoking a token through this server
//! (`revokeToken`) drops its entry at once; a revocation made elsewhere (the
//! CLI's `token revoke`, another server on the same database) takes effect
//! here within `ttl`, since no channel carries it on SQLite.
//!
//! When an entry expires under load, every request in flight with that
//! token misses it at once; `get_or_lookup` lets one of them look the token
//! up and the others wait for its answer, so that a token costs one lookup
//! per `ttl` however many requests carry it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::domain::Principal;

/// More live tokens than this empties the cache: it bounds memory whatever
/// the callers send (only tokens that authenticated are kept).
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct TokenCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, Cached>>,
    /// One gate per token being looked up: the callers that missed it wait
    /// their turn at it, and find the first one's answer in `entries`. An
    /// entry leaves with its last caller.
    lookups: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
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
            lookups: Mutex::default(),
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

    /// The principal of a token by its secret's digest: from the cache, else
    /// from `lookup`, which runs once for the callers that miss the same
    /// token together (the others then read its answer from the cache). A
    /// lookup that finds no principal, or fails, is not kept: each waiting
    /// caller then looks up in turn.
    pub(crate) async fn get_or_lookup<E, F>(
        &self,
        digest: &str,
        lookup: impl FnOnce() -> F,
    ) -> Result<Principal, E>
    where
        F: Future<Output = Result<Principal, E>>,
    {
        if let Some(principal) = self.get(digest) {
            return Ok(principal);
        }
        if self.ttl.is_zero() {
            return lookup().await;
        }
        let gate = {
            let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
            // Gates left by callers that stopped waiting (a dropped request)
            // are dropped with the rest, as the entries are.
            if lookups.len() >= MAX_ENTRIES {
                lookups.clear();
            }
            lookups.entry(digest.to_owned()).or_default().clone()
        };
        let found = {
            let _turn = gate.lock().await;
            match self.get(digest) {
                Some(principal) => Ok(principal),
                None => {
                    let found = lookup().await;
                    if let Ok(principal) = &found {
                        self.put(digest.to_owned(), principal.clone());
                    }
                    found
                }
            }
        };
        let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
        // The map's and this caller's: no one else waits at the gate.
        if Arc::strong_count(&gate) == 2 {
            lookups.remove(digest);
        }
        found
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

    /// Callers that miss the same token together share one lookup; a
    /// lookup that fails is not shared, and the gates leave with their
    /// callers.
    #[tokio::test]
    async fn callers_missing_one_token_together_share_one_lookup() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = TokenCache::new(Duration::from_secs(60));
        let id = Uuid::now_v7();
        let lookups = AtomicUsize::new(0);
        let lookup = || async {
            lookups.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, ()>(principal(id))
        };
        let callers = (0..32).map(|_| cache.get_or_lookup("d", lookup));
        let found = futures::future::join_all(callers).await;
        assert!(
            found
                .iter()
                .all(|p| p.as_ref().map(|p| p.actor.id) == Ok(id))
        );
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
        assert!(cache.lookups.lock().unwrap().is_empty());

        let failures = AtomicUsize::new(0);
        let failing = || async {
            failures.fetch_add(1, Ordering::SeqCst);
            Err::<Principal, _>("no such token")
        };
        let callers = (0..4).map(|_| cache.get_or_lookup("other", failing));
        let found = futures::future::join_all(callers).await;
        assert!(found.iter().all(|p| p.is_err()));
        assert_eq!(failures.load(Ordering::SeqCst), 4);
        assert!(cache.lookups.lock().unwrap().is_empty());
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
