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
use tokio::sync::{Semaphore, SemaphorePermit};

use super::error::to_graphql;
use crate::domain::DomainError;

/// How many reads of one request that bring values run at once.
pub(crate) const LOADS_AT_ONCE: usize = 2;

/// The bytes one request's response may still take.
pub(crate) struct ResponseBudget {
    limit: usize,
    used: AtomicUsize,
    exceeded: AtomicBool,
    loads: Semaphore,
}

impl ResponseBudget {
    pub(crate) fn new(limit: usize) -> Arc<ResponseBudget> {
        Arc::new(ResponseBudget {
            limit,
            used: AtomicUsize::new(0),
            exceeded: AtomicBool::new(false),
            loads: Semaphore::new(LOADS_AT_ONCE),
        })
    }

    /// Takes `bytes` from the budget; PAYLOAD_TOO_LARGE once it is spent.
    pub(crate) fn charge(&self, bytes: usize) -> async_graphql::Result<()> {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if used > self.limit {
            self.exceeded.store(true, Ordering::Relaxed);
            return Err(self.refusal());
        }
        Ok(())
    }

    /// Whether some field was refused for want of budget.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// The limit, in bytes.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Waits for a read's turn; PAYLOAD_TOO_LARGE, without reading, once
    /// the budget is spent.
    pub(crate) async fn turn(&self) -> async_graphql::Result<SemaphorePermit<'_>> {
        let permit = self
            .loads
            .acquire()
            .await
            .map_err(|_| async_graphql::Error::new("the request is over"))?;
        if self.exceeded() {
            return Err(self.refusal());
        }
        Ok(permit)
    }

    fn refusal(&self) -> async_graphql::Error {
        to_graphql(DomainError::PayloadTooLarge {
            what: "the response",
            size: self.used.load(Ordering::Relaxed) as u64,
            limit: self.limit as u64,
        })
    }
}

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

/// A stored text handed to a response without a copy.
pub(crate) struct SharedText(pub Arc<str>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
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
        let budget = ResponseBudget::new(10);
        assert!(budget.charge(6).is_ok());
        assert!(!budget.exceeded());
        assert!(budget.charge(5).is_err());
        assert!(budget.exceeded());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(budget.turn()).is_err());
    }
}
