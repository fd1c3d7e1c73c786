//! Automatic persisted queries (Apollo's APQ): a client first sends only the
//! SHA-256 of its query in `extensions.persistedQuery`; on a miss it gets
//! PERSISTED_QUERY_NOT_FOUND and sends the text with the hash once, which
//! is remembered; later requests (POST or GET, so they can be cached by
//! HTTP caches) carry the hash alone.
//!
//! The cache is per process and bounded in bytes of query text, least
//! recently used evicted first. Entries are keyed by the hash of their own
//! text, checked on the way in, so one client cannot plant a query under
//! another's hash.

use std::sync::Mutex;

use async_graphql::Request;
use lru::LruCache;
use sha2::{Digest, Sha256};

/// Why a request's persisted query could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ApqError {
    /// The hash is not known: send the query with it. The message is the
    /// one Apollo's clients look for.
    #[error("PersistedQueryNotFound")]
    NotFound,
    /// APQ is turned off here (a cache of 0 bytes).
    #[error("PersistedQueryNotSupported")]
    NotSupported,
    #[error("the persisted query extension is malformed: {0}")]
    Malformed(&'static str),
    #[error("the query's SHA-256 is not the `sha256Hash` sent with it")]
    HashMismatch,
}

impl ApqError {
    /// The `extensions.code` of the error.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ApqError::NotFound => "PERSISTED_QUERY_NOT_FOUND",
            ApqError::NotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            ApqError::Malformed(_) | ApqError::HashMismatch => "VALIDATION_FAILED",
        }
    }
}

/// Remembered query texts by the SHA-256 of each.
pub(crate) struct PersistedQueries {
    max_bytes: usize,
    cache: Mutex<Cache>,
}

struct Cache {
    entries: LruCache<[u8; 32], std::sync::Arc<str>>,
    bytes: usize,
}

impl PersistedQueries {
    /// A cache holding at most `max_bytes` of query text (0: APQ off).
    pub(crate) fn new(max_bytes: usize) -> Self {
        PersistedQueries {
            max_bytes,
            cache: Mutex::new(Cache {
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    /// Fills in the query of a request that names one by hash, and
    /// remembers a query sent with its hash. Requests without the
    /// extension are left as they are.
    pub(crate) fn resolve(&self, request: &mut Request) -> Result<(), ApqError> {
        let Some(extension) = request.extensions.get("persistedQuery") else {
            return Ok(());
        };
        let hash = parse(extension)?;
        if self.max_bytes == 0 {
            return Err(ApqError::NotSupported);
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if request.query.is_empty() {
            let query = cache.entries.get(&hash).ok_or(ApqError::NotFound)?;
            request.query = query.to_string();
            return Ok(());
        }
        if Sha256::digest(request.query.as_bytes())[..] != hash[..] {
            return Err(ApqError::HashMismatch);
        }
        // Only a document that parses is worth keeping: a text that does not
        // would fail every time it is named (and only fill the cache).
        let parses = crate::nesting::check_document(&request.query).is_ok()
            && async_graphql::parser::parse_query(&request.query).is_ok();
        let size = entry_size(&request.query);
        if parses && size <= self.max_bytes && !cache.entries.contains(&hash) {
            cache.entries.put(hash, request.query.as_str().into());
            cache.bytes += size;
            while cache.bytes > self.max_bytes {
                match cache.entries.pop_lru() {
                    Some((_, evicted)) => cache.bytes -= entry_size(&evicted),
                    None => break,
                }
            }
        }
        Ok(())
    }
}

/// What an entry of the cache takes beside its text: the hash key (32
/// bytes), the shared text's pointer and counts (32), the LRU list's node
/// and links (~40) and the hash table's slot (~16), rounded up to what the
/// allocator hands out.
const ENTRY_OVERHEAD: usize = 128;

/// What remembering `query` costs, in bytes.
fn entry_size(query: &str) -> usize {
    query.len() + ENTRY_OVERHEAD
}

/// The hash of `{"version": 1, "sha256Hash": "<64 hex digits>"}`.
fn parse(extension: &async_graphql::Value) -> Result<[u8; 32], ApqError> {
    use async_graphql::Value;
    let Value::Object(fields) = extension else {
        return Err(ApqError::Malformed("persistedQuery must be an object"));
    };
    match fields.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        _ => return Err(ApqError::Malformed("only version 1 is supported")),
    }
    let Some(Value::String(hex_hash)) = fields.get("sha256Hash") else {
        return Err(ApqError::Malformed("sha256Hash must be a string"));
    };
    let mut hash = [0u8; 32];
    hex::decode_to_slice(hex_hash.to_ascii_lowercase(), &mut hash)
        .map_err(|_| ApqError::Malformed("sha256Hash must be 64 hexadecimal digits"))?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, hash: &str) -> Request {
        let body = serde_json::json!({
            "query": query,
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } }
        });
        serde_json::from_value(body).expect("a request")
    }

    fn sha(text: &str) -> String {
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    #[test]
    fn round_trip_miss_register_hit() {
        let apq = PersistedQueries::new(1024);
        let query = "{ viewer { name } }";
        assert_eq!(
            apq.resolve(&mut request("", &sha(query))),
            Err(ApqError::NotFound)
        );
        assert_eq!(apq.resolve(&mut request(query, &sha(query))), Ok(()));
        let mut hit = request("", &sha(query));
        assert_eq!(apq.resolve(&mut hit), Ok(()));
        assert_eq!(hit.query, query);
    }

    #[test]
    fn refuses_a_text_under_another_hash_and_bad_extensions() {
        let apq = PersistedQueries::new(1024);
        assert_eq!(
            apq.resolve(&mut request("{ a }", &sha("{ b }"))),
            Err(ApqError::HashMismatch)
        );
        assert_eq!(
            apq.resolve(&mut request("", &sha("{ b }"))),
            Err(ApqError::NotFound)
        );
        assert!(matches!(
            apq.resolve(&mut request("", "xyz")),
            Err(ApqError::Malformed(_))
        ));
        let off = PersistedQueries::new(0);
        assert_eq!(
            off.resolve(&mut request("", &sha("{ a }"))),
            Err(ApqError::NotSupported)
        );
    }

    #[test]
    fn evicts_the_least_recently_used_past_its_bytes() {
        // Room for two of these entries, each counted with its overhead.
        let apq = PersistedQueries::new(2 * entry_size("{ aaaaaa }"));
        let (a, b, c) = ("{ aaaaaa }", "{ bbbbbb }", "{ cccccc }");
        for q in [a, b] {
            apq.resolve(&mut request(q, &sha(q))).unwrap();
        }
        // Touch a, so b is the least recently used when c arrives.
        apq.resolve(&mut request("", &sha(a))).unwrap();
        apq.resolve(&mut request(c, &sha(c))).unwrap();
        assert_eq!(
            apq.resolve(&mut request("", &sha(b))),
            Err(ApqError::NotFound)
        );
        assert_eq!(apq.resolve(&mut request("", &sha(a))), Ok(()));
        assert_eq!(apq.resolve(&mut request("", &sha(c))), Ok(()));
        let held = apq.cache.lock().unwrap().bytes;
        assert_eq!(held, 2 * ("{ aaaaaa }".len() + ENTRY_OVERHEAD));
    }

    #[test]
    fn keeps_only_documents_that_parse() {
        let apq = PersistedQueries::new(1024);
        for broken in ["{ viewer { name }", "not graphql", &"{ a ".repeat(200)] {
            // The request goes on (and fails as any bad document does)...
            assert_eq!(apq.resolve(&mut request(broken, &sha(broken))), Ok(()));
            // ...but its text is not remembered.
            assert_eq!(
                apq.resolve(&mut request("", &sha(broken))),
                Err(ApqError::NotFound)
            );
        }
        assert_eq!(apq.cache.lock().unwrap().bytes, 0);
    }
}
