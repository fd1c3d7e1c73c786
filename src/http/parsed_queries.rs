//! Parsed GraphQL documents by their text, so that a client sending the
//! same query again (what front ends and agents do: a few queries, new
//! variables each time) is not parsed again. Parsing the 1.5 KB review
//! page was a third of the server's CPU for it (profiled: pest's parser);
//! a cached document is cloned instead.
//!
//! Per process, least recently used evicted first, bounded in bytes of
//! query text; only documents that parsed are kept. Texts reach here after
//! the body limit and the nesting check (`nesting.rs`), like any other.

use std::sync::{Arc, Mutex};

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// At most this much query text is remembered (about 20 times as much in
/// parsed documents).
const MAX_BYTES: usize = 1 << 20;

/// A longer query is parsed every time: no client sends one often.
const MAX_QUERY_BYTES: usize = 64 << 10;

/// Remembered parses, by query text.
pub(crate) struct ParsedQueries {
    cache: Mutex<Cache>,
}

struct Cache {
    entries: LruCache<Arc<str>, Arc<ExecutableDocument>>,
    bytes: usize,
}

impl ParsedQueries {
    pub(crate) fn new() -> Self {
        ParsedQueries {
            cache: Mutex::new(Cache {
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    /// Gives the request its parsed document: a copy of the one remembered
    /// for its text, or a new parse, remembered when it succeeds. A text
    /// that does not parse is left for execution to report.
    pub(crate) fn parse(&self, request: &mut Request) {
        let query = request.query.as_str();
        if query.len() > MAX_QUERY_BYTES {
            return;
        }
        let known = self.lock().entries.get(query).cloned();
        if let Some(doc) = known {
            request.set_parsed_query(ExecutableDocument::clone(&doc));
            return;
        }
        let parsed = {
            let _span = tracing::info_span!("graphql.parse").entered();
            request.parsed_query()
        };
        let Ok(doc) = parsed else {
            return;
        };
        let doc = Arc::new(doc.clone());
        let query: Arc<str> = request.query.as_str().into();
        let mut cache = self.lock();
        if cache.entries.put(query.clone(), doc).is_none() {
            cache.bytes += query.len();
        }
        while cache.bytes > MAX_BYTES {
            match cache.entries.pop_lru() {
                Some((evicted, _)) => cache.bytes -= evicted.len(),
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}
