//! Live events: one reader per process tails the outbox (the `events`
//! table) and fans new rows out to subscribers through a broadcast channel.
//!
//! Ordering: positions come from a sequence, so on PostgreSQL a transaction
//! can commit an event *below* one that is already visible. The reader hands
//! out positions strictly in order and stops at a gap until the gap is
//! explained: the missing position commits, or every transaction that could
//! hold it has ended (then it was rolled back), or, as a last resort, a
//! timeout passes. SQLite runs one writer at a time, so its positions commit
//! in order.
//!
//! Waking: in-process writes wake the reader at once; on PostgreSQL every
//! write also sends NOTIFY, which wakes the readers of all processes; a slow
//! poll covers lost notifications and listener reconnects.

pub(crate) mod feed;
pub(crate) mod reader;

pub(crate) use reader::{EventHub, HubConfig};
