//! Webhooks: registering them, removing them, sending a delivery again.

use async_graphql::{Context, ID, InputObject, Object};
use entity::Role;

use crate::domain::webhooks::{self, NewWebhook};
use crate::graphql::context::session;
use crate::graphql::error::ApiResult;
use crate::graphql::types::{Webhook, WebhookDelivery, WebhookEventGql};

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[
    ("createWebhook", Role::Admin),
    ("deleteWebhook", Role::Admin),
    ("resendWebhookDelivery", Role::Admin),
];

/// Whether webhooks may point at loopback, private and link-local
/// addresses (`QUIRE_WEBHOOK_ALLOW_PRIVATE`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrivateWebhookAddresses(pub bool);

/// What createWebhook needs.
#[derive(InputObject)]
pub(crate) struct CreateWebhookInput {
    /// The project whose events it is sent.
    pub project_id: ID,
    /// Where deliveries are POSTed: an http(s) URL without credentials, at most 2048
    /// characters; loopback, private and link-local addresses are refused unless the
    /// server allows them (QUIRE_WEBHOOK_ALLOW_PRIVATE).
    pub url: String,
    /// The kinds of events to send (at least one).
    pub events: Vec<WebhookEventGql>,
    /// The key deliveries are signed with (HMAC-SHA256): 16 to 256 characters. Kept to
    /// sign; no query returns it.
    pub secret: String,
}

#[derive(Default)]
pub(crate) struct WebhookMutations;

#[Object]
impl WebhookMutations {
    /// Registers a webhook: from now on the project's events of the chosen kinds are
    /// POSTed to its URL, signed, at least once and in outbox order, retried with
    /// exponential backoff for QUIRE_WEBHOOK_RETRY_SECS, then marked FAILED. Needs ADMIN;
    /// NOT_FOUND for a project the token cannot see; VALIDATION_FAILED for a URL that is
    /// not allowed, no events, a secret of the wrong length, or a project with 20 already.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, URL, events and secret.")] input: CreateWebhookInput,
    ) -> async_graphql::Result<Webhook> {
        let allow_private = ctx
            .data_opt::<PrivateWebhookAddresses>()
            .is_some_and(|p| p.0);
        let input = NewWebhook {
            project_id: input.project_id.0,
            url: input.url,
            events: input.events.iter().map(|e| e.kind().to_owned()).collect(),
            secret: input.secret,
        };
        Ok(Webhook(
            webhooks::create(session(ctx), input, allow_private)
                .await
                .api()?,
        ))
    }

    /// Removes a webhook and its deliveries; nothing more is sent to it. Needs ADMIN;
    /// NOT_FOUND for one the token cannot see.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook's ID (`whk_...`).")] id: ID,
    ) -> async_graphql::Result<bool> {
        webhooks::delete(session(ctx), &id).await.api()?;
        Ok(true)
    }

    /// Sends a delivery again (a delivered or failed one, say, that the receiver lost):
    /// a new PENDING delivery of the same event, sent before the webhook's later events.
    /// Needs ADMIN; NOT_FOUND for one the token cannot see.
    async fn resend_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery's ID (`dlv_...`).")] id: ID,
    ) -> async_graphql::Result<WebhookDelivery> {
        Ok(WebhookDelivery(
            webhooks::resend(session(ctx), &id).await.api()?,
        ))
    }
}
