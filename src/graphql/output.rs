//! What a response may hold, charged while it is built.
//!
//! The response size limit used to be checked on the finished response, so a
//! reader could make the server build gigabytes before being refused (30
//! aliases of a page of large values). Now:
//!
//! - every JSON scalar (values, outputs, diffs, contexts) and every large
//!   text is charged its serialized size against the request's
//!   [`ResponseBudget`] as it resolves; past the budget the field fails, and
//!   the HTTP layer answers the request with one PAYLOAD_TOO_LARGE error;
//! - reads that bring values from the database take a turn (at most
//!   [`LOADS_AT_ONCE`] of a request at a time) and are refused once the
//!   budget is spent, so that concurrent aliases cannot all load before any
//!   of them is charged;
//! - a JSON scalar travels through the executor as its text
//!   (`Value::Binary`), not as a tree of GraphQL values (which took ~36
//!   times the text for arrays of small numbers), and [`Wire`] writes that
//!   text into the response as JSON. Only requests whose response [`Wire`]
//!   writes carry a budget; elsewhere (WebSocket subscriptions, whose
//!   payloads are one event each) JSON scalars resolve as trees.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_graphql::parser::types::Field;
use async_graphql::{ContextSelectionSet, Positioned, ServerResult, Value};
use bytes::Bytes;
use serde::ser::{SerializeMap, SerializeSeq};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

use super::error::to_graphql;
use crate::domain::DomainError;

/// How many reads of one request that bring values run at once.
pub(crate) const LOADS_AT_ONCE: usize = 2;

/// How many reads that bring values run at once in the whole process, so
/// that what is in flight stays bounded however many clients ask at once
/// (a read holds its turn for one statement, a millisecond or two for a
/// page: far more turns than a server's cores can use).
pub(crate) const PROCESS_LOADS_AT_ONCE: usize = 4;

/// What all requests of the process share: turns for reads that bring
/// values, and the bytes their responses hold, under one ceiling.
pub(crate) struct ProcessBudget {
    loads: Arc<Semaphore>,
    bytes: AtomicUsize,
    max_bytes: usize,
}

impl ProcessBudget {
    /// Responses in flight hold at most `max_bytes` between them.
    pub(crate) fn new(max_bytes: usize) -> Arc<ProcessBudget> {
        Arc::new(ProcessBudget {
            loads: Arc::new(Semaphore::new(PROCESS_LOADS_AT_ONCE)),
            bytes: AtomicUsize::new(0),
            max_bytes,
        })
    }
}

/// The bytes one request's response may still take.
pub(crate) struct ResponseBudget {
    limit: usize,
    used: AtomicUsize,
    /// What this request holds of the process's bytes (given back on drop).
    held: AtomicUsize,
    exceeded: AtomicBool,
    busy: AtomicBool,
    loads: Semaphore,
    process: Arc<ProcessBudget>,
}

/// A read's turn: one of its request's and one of the process's.
pub(crate) struct Turn<'a> {
    _request: SemaphorePermit<'a>,
    _process: OwnedSemaphorePermit,
}

impl ResponseBudget {
    pub(crate) fn new(limit: usize, process: Arc<ProcessBudget>) -> Arc<ResponseBudget> {
        Arc::new(ResponseBudget {
            limit,
            used: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            exceeded: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            loads: Semaphore::new(LOADS_AT_ONCE),
            process,
        })
    }

    /// Takes `bytes` from the budget: PAYLOAD_TOO_LARGE once the request's
    /// is spent, UNAVAILABLE when the responses in flight together would
    /// hold more than the process allows (try again).
    pub(crate) fn charge(&self, bytes: usize) -> async_graphql::Result<()> {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if used > self.limit {
            self.exceeded.store(true, Ordering::Relaxed);
            return Err(self.refusal());
        }
        let total = self.process.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total > self.process.max_bytes {
            self.process.bytes.fetch_sub(bytes, Ordering::Relaxed);
            self.busy.store(true, Ordering::Relaxed);
            return Err(busy_refusal());
        }
        self.held.fetch_add(bytes, Ordering::Relaxed);
        Ok(())
    }

    /// Whether some field was refused for want of the request's budget.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// Whether some field was refused for want of the process's.
    pub(crate) fn busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed)
    }

    /// The limit, in bytes.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Waits for a read's turn; PAYLOAD_TOO_LARGE (or UNAVAILABLE),
    /// without reading, once a budget is spent.
    pub(crate) async fn turn(&self) -> async_graphql::Result<Turn<'_>> {
        let over = |_| async_graphql::Error::new("the server is shutting down");
        let request = self.loads.acquire().await.map_err(over)?;
        self.check()?;
        let process = self
            .process
            .loads
            .clone()
            .acquire_owned()
            .await
            .map_err(over)?;
        self.check()?;
        Ok(Turn {
            _request: request,
            _process: process,
        })
    }

    fn check(&self) -> async_graphql::Result<()> {
        if self.exceeded() {
            return Err(self.refusal());
        }
        if self.busy() {
            return Err(busy_refusal());
        }
        Ok(())
    }

    fn refusal(&self) -> async_graphql::Error {
        to_graphql(DomainError::PayloadTooLarge {
            what: "the response",
            size: self.used.load(Ordering::Relaxed) as u64,
            limit: self.limit as u64,
        })
    }
}

impl Drop for ResponseBudget {
    fn drop(&mut self) {
        let held = self.held.load(Ordering::Relaxed);
        self.process.bytes.fetch_sub(held, Ordering::Relaxed);
    }
}

/// The error of a field refused for the process's sake (UNAVAILABLE).
fn busy_refusal() -> async_graphql::Error {
    to_graphql(DomainError::Unavailable(BUSY.into()))
}

/// What a request refused for the process's sake is told.
pub(crate) const BUSY: &str = "the server is holding as many large responses as it allows; nothing was done, try again shortly";

/// Runs `read` in its turn under the request's budget, if it has one.
pub(crate) async fn in_turn<T>(
    budget: Option<&ResponseBudget>,
    read: impl Future<Output = async_graphql::Result<T>>,
) -> async_graphql::Result<T> {
    match budget {
        Some(budget) => {
            let _turn = budget.turn().await?;
            read.await
        }
        None => read.await,
    }
}

/// The budget of the request a field resolves in, if it has one.
pub(crate) fn budget_of<'a>(ctx: &'a async_graphql::Context<'_>) -> Option<&'a ResponseBudget> {
    ctx.data_opt::<Arc<ResponseBudget>>().map(Arc::as_ref)
}

/// Charges a text field's size (a summary, a prompt) to the request.
pub(crate) fn charge_text(
    ctx: &async_graphql::Context<'_>,
    text: &str,
) -> async_graphql::Result<()> {
    budget_of(ctx).map_or(Ok(()), |b| b.charge(text.len()))
}

/// A JSON scalar's output where the response is written by [`Wire`]: its
/// text (`text` makes it), charged; None elsewhere (resolve the tree).
pub(crate) fn as_text(
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
    text: impl FnOnce() -> Bytes,
) -> Option<ServerResult<Value>> {
    let budget = ctx.data_opt::<Arc<ResponseBudget>>()?;
    let text = text();
    Some(
        budget
            .charge(text.len())
            .map(|()| Value::Binary(text))
            .map_err(|e| e.into_server_error(field.pos)),
    )
}

/// A response's data as JSON, with each JSON scalar's text written as is.
pub(crate) struct Wire<'a>(pub &'a Value);

impl serde::Serialize for Wire<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Binary(text) => {
                let text = std::str::from_utf8(text).map_err(serde::ser::Error::custom)?;
                let raw: &serde_json::value::RawValue =
                    serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
                raw.serialize(serializer)
            }
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Wire(item))?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (name, member) in members {
                    map.serialize_entry(name.as_str(), &Wire(member))?;
                }
                map.end()
            }
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_texts_are_written_as_json() {
        let mut members = async_graphql::indexmap::IndexMap::new();
        members.insert(
            async_graphql::Name::new("value"),
            Value::Binary(Bytes::from_static(br#"{"a": [1, 2.5, "x"]}"#)),
        );
        members.insert(async_graphql::Name::new("n"), Value::from(3));
        let data = Value::List(vec![Value::Object(members), Value::Null]);
        let written = serde_json::to_value(Wire(&data)).unwrap();
        assert_eq!(
            written,
            serde_json::json!([{ "value": { "a": [1, 2.5, "x"] }, "n": 3 }, null])
        );
    }

    #[test]
    fn the_budget_refuses_past_its_limit_and_then_every_read() {
        let budget = ResponseBudget::new(10, ProcessBudget::new(100));
        assert!(budget.charge(6).is_ok());
        assert!(!budget.exceeded());
        assert!(budget.charge(5).is_err());
        assert!(budget.exceeded());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(budget.turn()).is_err());
    }

    #[test]
    fn responses_in_flight_share_the_process_ceiling() {
        let process = ProcessBudget::new(10);
        let first = ResponseBudget::new(8, process.clone());
        assert!(first.charge(8).is_ok());
        let second = ResponseBudget::new(8, process.clone());
        assert!(second.charge(4).is_err());
        assert!(second.busy() && !second.exceeded());
        drop(first);
        let third = ResponseBudget::new(8, process);
        assert!(third.charge(8).is_ok());
    }
}
