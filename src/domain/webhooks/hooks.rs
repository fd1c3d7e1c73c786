//! Registering webhooks and reading and re-sending their deliveries.

use chrono::Utc;
use entity::{Role, webhook, webhook_delivery as delivery};
use sea_orm::{ColumnTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::address::refused_host;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind, new_id};
use crate::domain::query::pagination::{self, Page, PageArgs, Total};
use crate::domain::write::{events, transact};
use crate::domain::{Session, projects};

/// The outbox kinds a webhook may ask for.
pub const KINDS: [&str; 6] = [
    "run.created",
    "run.updated",
    "run.step_summarized",
    "version.created",
    "version.status",
    "context.promoted",
];

/// The most webhooks one project may have.
pub const MAX_PER_PROJECT: u64 = 20;
/// The longest URL.
const MAX_URL_CHARS: usize = 2048;
/// A secret's bounds, in characters.
const SECRET_CHARS: std::ops::RangeInclusive<usize> = 16..=256;

/// A delivery's states.
pub mod status {
    /// Not sent yet, or to be retried.
    pub const PENDING: &str = "PENDING";
    /// The receiver answered 2xx.
    pub const DELIVERED: &str = "DELIVERED";
    /// Retried for the whole retry window without a 2xx.
    pub const FAILED: &str = "FAILED";
}

/// What [`create`] needs.
pub struct NewWebhook {
    /// The project's public ID.
    pub project_id: String,
    /// Where deliveries are POSTed: an http(s) URL.
    pub url: String,
    /// The outbox kinds to deliver (see [`KINDS`]).
    pub events: Vec<String>,
    /// The key each delivery's signature is made with.
    pub secret: String,
}

/// VALIDATION_FAILED unless `url` is an http(s) URL with a host, no
/// credentials, and (unless `allow_private`) no address literal of a
/// loopback, private or link-local network. Host names are resolved and
/// checked again at each delivery.
pub(crate) fn check_url(url: &str, allow_private: bool) -> DomainResult<url::Url> {
    let bad = |why: &str| DomainError::validation(format!("url {url:?} is not allowed: {why}"));
    if url.chars().count() > MAX_URL_CHARS {
        return Err(bad("it is over 2048 characters"));
    }
    let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("only http and https URLs"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("credentials in a URL would be logged; use the secret"));
    }
    let Some(host) = parsed.host() else {
        return Err(bad("it has no host"));
    };
    if !allow_private && let Some(why) = refused_host(&host) {
        return Err(bad(why));
    }
    Ok(parsed)
}

/// Registers a webhook for the project's future events of `events`' kinds.
/// ADMIN; NOT_FOUND for a project the token cannot see; VALIDATION_FAILED
/// for a URL that is not allowed, an unknown or missing kind, a secret not
/// 16 to 256 characters, or a project that has 20 already.
pub async fn create(
    s: Session<'_>,
    input: NewWebhook,
    allow_private: bool,
) -> DomainResult<webhook::Model> {
    s.principal.require_role(Role::Admin)?;
    let project = projects::require(s, &input.project_id).await?;
    check_url(&input.url, allow_private)?;
    if input.events.is_empty() {
        return Err(DomainError::validation("events names no kind of event"));
    }
    let mut events: Vec<&str> = Vec::new();
    for kind in &input.events {
        let Some(known) = KINDS.iter().find(|k| **k == kind.as_str()) else {
            return Err(DomainError::validation(format!(
                "{kind:?} is not an event kind: {}",
                KINDS.join(", ")
            )));
        };
        if !events.contains(known) {
            events.push(known);
        }
    }
    if !SECRET_CHARS.contains(&input.secret.chars().count()) {
        return Err(DomainError::validation(
            "a webhook's secret is 16 to 256 characters",
        ));
    }
    let row = webhook::Model {
        id: new_id(),
        project_id: project.id,
        url: input.url.clone(),
        events: events.join(","),
        secret: input.secret.clone(),
        cursor: 0,
        lease_holder: None,
        lease_until: None,
        created_by_id: s.principal.actor.id,
        created_by_name: s.principal.actor.name.clone(),
        created_at: Utc::now(),
    };
    let row = &row;
    transact(s.db, move |txn| async move {
        let count = webhook::Entity::find()
            .filter(webhook::Column::ProjectId.eq(row.project_id))
            .count(&txn)
            .await?;
        if count >= MAX_PER_PROJECT {
            return Err(DomainError::validation(format!(
                "a project has at most {MAX_PER_PROJECT} webhooks"
            )));
        }
        // Only what happens from now on: the newest event is where it starts.
        let row = webhook::Model {
            cursor: events::head(&txn).await?,
            ..row.clone()
        };
        webhook::Entity::insert(webhook::ActiveModel::from(row.clone()))
            .exec_without_returning(&txn)
            .await?;
        Ok(row)
    })
    .await
}

/// The webhook with this ID, if the caller may see its project.
pub async fn by_id(s: Session<'_>, id_text: &str) -> DomainResult<webhook::Model> {
    let id = ids::decode(IdKind::Webhook, id_text)?;
    webhook::Entity::find_by_id(id)
        .one(&s.db.conn)
        .await?
        .filter(|w| s.principal.can_see(w.project_id))
        .ok_or_else(|| DomainError::not_found(IdKind::Webhook, id_text))
}

/// Removes a webhook and its deliveries. ADMIN; NOT_FOUND for one the
/// token cannot see.
pub async fn delete(s: Session<'_>, id_text: &str) -> DomainResult<()> {
    s.principal.require_role(Role::Admin)?;
    let found = by_id(s, id_text).await?;
    let id = found.id;
    transact(s.db, move |txn| async move {
        webhook::Entity::delete_by_id(id).exec(&txn).await?;
        Ok(())
    })
    .await
}

/// A project's webhooks, oldest first (at most [`MAX_PER_PROJECT`]).
/// ADMIN: a webhook's URL may carry what readers should not see.
pub async fn of_project(s: Session<'_>, project_id: Uuid) -> DomainResult<Vec<webhook::Model>> {
    s.principal.require_role(Role::Admin)?;
    Ok(webhook::Entity::find()
        .filter(webhook::Column::ProjectId.eq(project_id))
        .order_by_asc(webhook::Column::Id)
        .all(&s.db.conn)
        .await?)
}

/// A webhook's deliveries, newest first, optionally of some states only.
pub async fn deliveries(
    s: Session<'_>,
    webhook_id: Uuid,
    statuses: &[String],
    args: &PageArgs,
) -> DomainResult<Page<delivery::Model>> {
    let mut select = delivery::Entity::find().filter(delivery::Column::WebhookId.eq(webhook_id));
    if !statuses.is_empty() {
        select = select.filter(delivery::Column::Status.is_in(statuses.to_vec()));
    }
    pagination::by_uuid(
        &s.db.conn,
        select,
        Total::Rows,
        delivery::Column::Id,
        Order::Desc,
        |d| d.id,
        args,
    )
    .await
}

/// Sends a delivery again: a new PENDING delivery of the same event, sent
/// before the webhook's later events. ADMIN; NOT_FOUND for one the token
/// cannot see.
pub async fn resend(s: Session<'_>, id_text: &str) -> DomainResult<delivery::Model> {
    s.principal.require_role(Role::Admin)?;
    let id = ids::decode(IdKind::Delivery, id_text)?;
    let original = delivery::Entity::find_by_id(id)
        .one(&s.db.conn)
        .await?
        .ok_or_else(|| DomainError::not_found(IdKind::Delivery, id_text))?;
    let hook = webhook::Entity::find_by_id(original.webhook_id)
        .one(&s.db.conn)
        .await?
        .filter(|w| s.principal.can_see(w.project_id))
        .ok_or_else(|| DomainError::not_found(IdKind::Delivery, id_text))?;
    let again = delivery::Model {
        id: new_id(),
        webhook_id: hook.id,
        event_position: original.event_position,
        event_id: original.event_id,
        kind: original.kind.clone(),
        status: status::PENDING.into(),
        resend_of: Some(original.id),
        created_at: Utc::now(),
        ..Default::default()
    };
    let again = &again;
    transact(s.db, move |txn| async move {
        delivery::Entity::insert(delivery::ActiveModel::from(again.clone()))
            .exec_without_returning(&txn)
            .await?;
        Ok(again.clone())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_with_a_public_host() {
        assert!(check_url("https://hooks.example.com/quire", false).is_ok());
        assert!(check_url("http://203.0.113.9:8080/x", false).is_ok());
        for bad in [
            "ftp://example.com/x",
            "https://user:pw@example.com/",
            "http://127.0.0.1:9/x",
            "http://10.1.2.3/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/x",
            "http://localhost/x",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(check_url("http://localhost/x", true).is_ok());
    }
}
