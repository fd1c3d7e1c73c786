//! Webhooks: a project's outbox events POSTed, signed, to URLs its admins
//! chose, at least once and in outbox order per webhook.

/// Which addresses a webhook may not reach.
mod address;
/// The sender's side of deliveries: leases, fan-out, what is due, outcomes.
pub(crate) mod deliveries;
/// Registering webhooks; reading and re-sending deliveries.
mod hooks;

pub(crate) use address::refused_ip;
pub use hooks::*;
