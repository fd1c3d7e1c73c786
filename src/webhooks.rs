//! The webhook sender: a task of each serving process that POSTs the
//! deliveries of the webhooks it holds a lease on (`domain::webhooks`), one
//! at a time per webhook, in outbox order, signed, and retries failures with
//! exponential backoff and jitter until the retry window closes. It runs
//! beside the request path and shares nothing with it but the database: a
//! slow or dead receiver never slows a write.
//!
//! A delivery is a POST of JSON (`id`, `type`, `subjectId`, `createdAt`,
//! `projectId`, `deliveryId`, `data`) with `Quire-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>" under the webhook's secret>`, `Quire-Event` and
//! `Quire-Delivery`. A 2xx answer delivers it; anything else, or no answer
//! within the timeout, is retried.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::config::WebhooksConfig;
use crate::db::Db;
use crate::domain::ids::{self, IdKind};
use crate::domain::webhooks::check_url;
use crate::domain::webhooks::deliveries::{self, Attempt, Due, Next};
use crate::events::EventHub;

/// How long a lease lasts: longer than one delivery may take, renewed
/// before each.
const LEASE: Duration = Duration::from_secs(60);
/// The most deliveries one webhook sends in one pass, so that the pass ends.
const PER_PASS: usize = 100;
/// How many webhooks one process sends for at once.
const CONCURRENT_WEBHOOKS: usize = 8;

/// Starts the sender; it stops when `shutdown` is cancelled, giving its
/// leases back.
pub(crate) fn start(
    db: Db,
    config: WebhooksConfig,
    hub: Arc<EventHub>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(db, config, hub, shutdown))
}

async fn run(db: Db, config: WebhooksConfig, hub: Arc<EventHub>, shutdown: CancellationToken) {
    let sender = Sender {
        db,
        holder: Uuid::now_v7(),
        client: match client(&config) {
            Ok(client) => client,
            Err(err) => {
                tracing::error!(target: "quire::webhooks", error = %err, "no webhook is sent: the HTTP client cannot be built");
                return;
            }
        },
        config,
    };
    let mut events = hub.subscribe();
    let mut tick = tokio::time::interval(sender.config.poll_interval());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            // A committed event may be one a webhook waits for; one pass
            // serves every event that arrived meanwhile.
            _ = events.recv() => while events.try_recv().is_ok() {},
            _ = shutdown.cancelled() => break,
        }
        if let Err(err) = sender.pass().await {
            tracing::warn!(target: "quire::webhooks", error = %err, "webhook pass failed");
        }
    }
    sender.release_all().await;
}

/// The sender's one client: it follows no redirect (a receiver could point
/// it anywhere) and, unless private addresses are allowed, resolves hosts
/// through [`PublicOnly`].
fn client(config: &WebhooksConfig) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(config.timeout())
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Quire-Webhooks/", env!("CARGO_PKG_VERSION")));
    if !config.webhook_allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    builder.build()
}

/// Resolves a receiver's host name and refuses it when any of its addresses
/// is a loopback, private or link-local one. The addresses checked are the
/// ones the client connects to: a name cannot pass the check with one
/// address and be connected to at another. (Address literals are never
/// resolved; `check_url` refuses those.)
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(why) = addrs
                .iter()
                .find_map(|a| crate::domain::webhooks::refused_ip(a.ip()))
            {
                return Err(format!("refused: {host} resolves to an address that {why}").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An error with its causes, which reqwest's own text leaves out (the
/// resolver's refusal, a connection refused).
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

struct Sender {
    db: Db,
    config: WebhooksConfig,
    /// This process's name on the leases it takes.
    holder: Uuid,
    client: reqwest::Client,
}

impl Sender {
    /// Sends what is due for every webhook this process can lease.
    async fn pass(&self) -> crate::domain::DomainResult<()> {
        let ids = deliveries::all(&self.db).await?;
        futures::stream::iter(ids)
            .for_each_concurrent(CONCURRENT_WEBHOOKS, |id| async move {
                if let Err(err) = self.serve(id).await {
                    tracing::warn!(target: "quire::webhooks", error = %err, "webhook delivery failed");
                }
            })
            .await;
        Ok(())
    }

    /// Sends a webhook's due deliveries in order while this process holds
    /// its lease, then gives the lease back.
    async fn serve(&self, id: Uuid) -> crate::domain::DomainResult<()> {
        if !deliveries::has_work(&self.db, id).await?
            || !deliveries::claim(&self.db, id, self.holder, LEASE).await?
        {
            return Ok(());
        }
        let mut sent = 0;
        while sent < PER_PASS {
            let Next::Send(due) = deliveries::next(&self.db, id, self.holder).await? else {
                break;
            };
            // Renewed before each send: a process that lost its lease (it
            // stalled past it) stops rather than send beside the new holder.
            if !deliveries::claim(&self.db, id, self.holder, LEASE).await? {
                return Ok(());
            }
            let attempt = self.attempt(&due).await;
            deliveries::record(&self.db, &due.delivery, attempt).await?;
            sent += 1;
        }
        deliveries::release(&self.db, id, self.holder).await
    }

    /// Gives back every lease this process holds (at shutdown).
    async fn release_all(&self) {
        if let Ok(ids) = deliveries::all(&self.db).await {
            for id in ids {
                let _ = deliveries::release(&self.db, id, self.holder).await;
            }
        }
    }

    /// One POST of a delivery, and what follows from its answer.
    async fn attempt(&self, due: &Due) -> Attempt {
        let failed = |status_code: Option<u16>, error: String| {
            let attempts = due.delivery.attempts as u32 + 1;
            let first = due.delivery.first_attempt_at.unwrap_or_else(Utc::now);
            let window = chrono::Duration::from_std(self.config.retry_window())
                .unwrap_or(chrono::Duration::MAX);
            let jitter = rand::rng().random_range(0.8..1.2);
            let delay = self.config.backoff(attempts).mul_f64(jitter);
            let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
            if at - first > window {
                Attempt::GiveUp { status_code, error }
            } else {
                Attempt::Retry {
                    status_code,
                    error,
                    at,
                }
            }
        };
        // The registration's check again: the deployment may have stopped
        // allowing private addresses since.
        let allow_private = self.config.webhook_allow_private;
        if let Err(refused) = check_url(&due.webhook.url, allow_private) {
            return failed(None, refused.to_string());
        }
        let body = payload(due);
        let timestamp = Utc::now().timestamp();
        let request = self
            .client
            .post(&due.webhook.url)
            .header("content-type", "application/json")
            .header(
                "quire-signature",
                signature(&due.webhook.secret, timestamp, &body),
            )
            .header("quire-event", &due.delivery.kind)
            .header(
                "quire-delivery",
                ids::encode(IdKind::Delivery, due.delivery.id),
            )
            .body(body);
        match request.send().await {
            Ok(response) if response.status().is_success() => Attempt::Delivered {
                status_code: response.status().as_u16(),
            },
            Ok(response) => {
                let status = response.status();
                failed(
                    Some(status.as_u16()),
                    format!("the receiver answered {status}"),
                )
            }
            Err(err) => failed(None, format!("no answer: {}", with_causes(&err))),
        }
    }
}

/// The JSON a receiver gets: the event, the ID of what it is about (a run,
/// a version, or for `context.promoted` the project), and its data.
fn payload(due: &Due) -> String {
    let subject = match due.event.kind.split('.').next() {
        Some("run") => IdKind::Run,
        Some("version") => IdKind::Version,
        _ => IdKind::Project,
    };
    serde_json::json!({
        "id": ids::encode(IdKind::Event, due.event.id),
        "type": due.event.kind,
        "subjectId": ids::encode(subject, due.event.entity_id),
        "createdAt": due.event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "projectId": ids::encode(IdKind::Project, due.event.project_id),
        "deliveryId": ids::encode(IdKind::Delivery, due.delivery.id),
        "data": due.event.payload,
    })
    .to_string()
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub(crate) fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    #[tokio::test]
    async fn names_of_this_machine_are_refused_where_they_resolve() {
        let name = "localhost".parse().unwrap();
        let refused = match PublicOnly.resolve(name).await {
            Err(err) => err.to_string(),
            Ok(_) => panic!("localhost resolved to an allowed address"),
        };
        assert!(refused.contains("loopback"), "{refused}");
    }

    #[test]
    fn signatures_are_hmac_sha256_of_time_and_body() {
        // RFC 4231 case 2 (key "Jefe"), checked first, then the signed form
        // of its data as Python's hmac module computes it.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            signature("Jefe", 0, "what do ya want for nothing?"),
            "t=0,v1=37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc"
        );
    }
}
