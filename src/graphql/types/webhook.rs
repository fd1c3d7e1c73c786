//! Webhooks and their deliveries (`domain::webhooks`).

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{webhook, webhook_delivery};

use super::gid;
use crate::domain::ids::IdKind;
use crate::domain::webhooks::{self, status};
use crate::graphql::connection::{Connection, page_args, page_complexity};
use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

/// The kinds of events a webhook may be sent: the outbox's.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "WebhookEvent")]
pub(crate) enum WebhookEventGql {
    /// A run was started (`run.created`).
    RunCreated,
    /// A run changed: a step, its status (completed, failed, cancelled), its usage (`run.updated`).
    RunUpdated,
    /// A step's summary was recorded (`run.step_summarized`).
    StepSummarized,
    /// A version was created (`version.created`).
    VersionCreated,
    /// A version's status changed: approved, rejected, changes requested, superseded (`version.status`).
    VersionStatusChanged,
    /// Values were promoted into the context, or an upgrade reshaped it (`context.promoted`).
    ContextPromoted,
}

const EVENT_KINDS: [(WebhookEventGql, &str); 6] = [
    (WebhookEventGql::RunCreated, "run.created"),
    (WebhookEventGql::RunUpdated, "run.updated"),
    (WebhookEventGql::StepSummarized, "run.step_summarized"),
    (WebhookEventGql::VersionCreated, "version.created"),
    (WebhookEventGql::VersionStatusChanged, "version.status"),
    (WebhookEventGql::ContextPromoted, "context.promoted"),
];

impl WebhookEventGql {
    /// The outbox kind it names.
    pub(crate) fn kind(self) -> &'static str {
        EVENT_KINDS
            .iter()
            .find(|(e, _)| *e == self)
            .map(|(_, k)| *k)
            .expect("every event has a kind")
    }

    fn of(kind: &str) -> Option<Self> {
        EVENT_KINDS
            .iter()
            .find(|(_, k)| *k == kind)
            .map(|(e, _)| *e)
    }
}

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "WebhookDeliveryStatus")]
pub(crate) enum DeliveryStatusGql {
    /// Not sent yet, or waiting for its next retry.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Retried for the whole retry window without a 2xx; the webhook's later deliveries went on.
    Failed,
}

impl DeliveryStatusGql {
    pub(crate) fn word(self) -> &'static str {
        match self {
            DeliveryStatusGql::Pending => status::PENDING,
            DeliveryStatusGql::Delivered => status::DELIVERED,
            DeliveryStatusGql::Failed => status::FAILED,
        }
    }
}

pub(crate) struct Webhook(pub webhook::Model);

/// A URL a project's events of chosen kinds are POSTed to, signed with its secret
/// (`Quire-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), at least
/// once and in outbox order. Only ADMIN tokens read webhooks.
#[Object]
impl Webhook {
    /// The webhook's ID (`whk_...`).
    async fn id(&self) -> ID {
        gid(IdKind::Webhook, self.0.id)
    }
    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The kinds of events it is sent.
    async fn events(&self) -> Vec<WebhookEventGql> {
        self.0
            .events
            .split(',')
            .filter_map(WebhookEventGql::of)
            .collect()
    }
    /// Who registered it.
    async fn created_by(&self) -> &str {
        &self.0.created_by_name
    }
    /// When it was registered: it is sent the events after this.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its deliveries, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20; over 100 is VALIDATION_FAILED.")]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (a page's endCursor or an edge's cursor); omit for the first page."
        )]
        after: Option<String>,
        #[graphql(desc = "Only deliveries in these states; omitted or empty: all.")] status: Option<
            Vec<DeliveryStatusGql>,
        >,
    ) -> async_graphql::Result<Connection<WebhookDelivery>> {
        let args = page_args(ctx, first, after)?;
        let statuses: Vec<String> = status
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.word().to_owned())
            .collect();
        let page = webhooks::deliveries(session(ctx), self.0.id, &statuses, &args)
            .await
            .api()?;
        Ok(Connection::from_page(page, WebhookDelivery))
    }
}

pub(crate) struct WebhookDelivery(pub webhook_delivery::Model);

/// One event sent, or being sent, to a webhook.
#[Object]
impl WebhookDelivery {
    /// The delivery's ID (`dlv_...`), sent as the `Quire-Delivery` header.
    async fn id(&self) -> ID {
        gid(IdKind::Delivery, self.0.id)
    }
    /// The kind of event it carries.
    async fn event(&self) -> Option<WebhookEventGql> {
        WebhookEventGql::of(&self.0.kind)
    }
    /// The event's ID (`evt_...`): the body's `id`, the same in every delivery of it.
    async fn event_id(&self) -> ID {
        gid(IdKind::Event, self.0.event_id)
    }
    /// Where it stands.
    async fn status(&self) -> DeliveryStatusGql {
        match self.0.status.as_str() {
            status::DELIVERED => DeliveryStatusGql::Delivered,
            status::FAILED => DeliveryStatusGql::Failed,
            _ => DeliveryStatusGql::Pending,
        }
    }
    /// How many times it was sent.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The receiver's HTTP status at the last attempt; null when it did not answer.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    /// What went wrong at the last attempt, if it failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When it was first sent.
    async fn first_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_attempt_at
    }
    /// When it is sent again, while PENDING after a failure.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    /// When the receiver took it.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// The delivery a person asked to send again, when this is that re-send.
    async fn resend_of(&self) -> Option<ID> {
        self.0.resend_of.map(|id| gid(IdKind::Delivery, id))
    }
    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::graphql::plain::plain_fields!(WebhookDelivery {
    "id" => id,
    "event" => event,
    "eventId" => event_id,
    "status" => status,
    "attempts" => attempts,
    "lastStatusCode" => last_status_code,
    "lastError" => last_error,
    "firstAttemptAt" => first_attempt_at,
    "nextAttemptAt" => next_attempt_at,
    "deliveredAt" => delivered_at,
    "resendOf" => resend_of,
    "createdAt" => created_at,
});
