//! The sender's side of deliveries, in the database: a lease on a webhook
//! (one process sends its deliveries at a time), turning the project's new
//! outbox events into deliveries in outbox order, the next delivery that is
//! due, and what became of an attempt. The HTTP side is `crate::webhooks`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{event, webhook, webhook_delivery as delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::hooks::status;
use crate::db::Db;
use crate::domain::error::DomainResult;
use crate::domain::ids::new_id;
use crate::domain::write::transact;

/// How many outbox events one fan-out reads.
const FAN_OUT_BATCH: u64 = 200;

/// The IDs of every webhook (a deployment has few: at most 20 a project).
pub(crate) async fn all(db: &Db) -> DomainResult<Vec<Uuid>> {
    Ok(webhook::Entity::find()
        .select_only()
        .column(webhook::Column::Id)
        .into_tuple()
        .all(&db.conn)
        .await?)
}

/// Whether webhook `id` has something to send now: a PENDING delivery that
/// is due, or outbox events of its project past its cursor. Two reads, so
/// that a pass over webhooks with nothing to do writes nothing (no lease is
/// taken), however often committed events wake the sender.
pub(crate) async fn has_work(db: &Db, id: Uuid) -> DomainResult<bool> {
    let Some(hook) = webhook::Entity::find_by_id(id).one(&db.conn).await? else {
        return Ok(false);
    };
    let due = delivery::Entity::find()
        .filter(delivery::Column::WebhookId.eq(id))
        .filter(delivery::Column::Status.eq(status::PENDING))
        .filter(
            Condition::any()
                .add(delivery::Column::NextAttemptAt.is_null())
                .add(delivery::Column::NextAttemptAt.lte(Utc::now())),
        )
        .one(&db.conn)
        .await?;
    if due.is_some() {
        return Ok(true);
    }
    let newer = event::Entity::find()
        .filter(event::Column::ProjectId.eq(hook.project_id))
        .filter(event::Column::Position.gt(hook.cursor))
        .one(&db.conn)
        .await?;
    Ok(newer.is_some())
}

/// Takes (or renews) the lease on webhook `id` for `holder` until `lease`
/// from now, if it is free, ran out, or is `holder`'s already. Whether
/// `holder` holds it.
pub(crate) async fn claim(db: &Db, id: Uuid, holder: Uuid, lease: Duration) -> DomainResult<bool> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    transact(db, move |txn| async move {
        let taken = webhook::Entity::update_many()
            .col_expr(webhook::Column::LeaseHolder, Expr::value(holder))
            .col_expr(webhook::Column::LeaseUntil, Expr::value(until))
            .filter(webhook::Column::Id.eq(id))
            .filter(
                Condition::any()
                    .add(webhook::Column::LeaseHolder.is_null())
                    .add(webhook::Column::LeaseUntil.lt(now))
                    .add(webhook::Column::LeaseHolder.eq(holder)),
            )
            .exec(&txn)
            .await?;
        Ok(taken.rows_affected == 1)
    })
    .await
}

/// Gives the lease back, if `holder` still holds it.
pub(crate) async fn release(db: &Db, id: Uuid, holder: Uuid) -> DomainResult<()> {
    transact(db, move |txn| async move {
        webhook::Entity::update_many()
            .col_expr(
                webhook::Column::LeaseHolder,
                Expr::value(Option::<Uuid>::None),
            )
            .col_expr(
                webhook::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(webhook::Column::Id.eq(id))
            .filter(webhook::Column::LeaseHolder.eq(holder))
            .exec(&txn)
            .await?;
        Ok(())
    })
    .await
}

/// A delivery to make now: the webhook, the delivery, and its event.
pub(crate) struct Due {
    /// Where it goes, and the key it is signed with.
    pub webhook: webhook::Model,
    /// The delivery, with its attempts so far.
    pub delivery: delivery::Model,
    /// The outbox event it carries.
    pub event: event::Model,
}

/// What a webhook's sender does next.
pub(crate) enum Next {
    /// Send this now.
    Send(Box<Due>),
    /// The next delivery waits for the time of its retry.
    Waiting,
    /// Nothing to send, or the lease is no longer `holder`'s.
    Idle,
}

/// The webhook's oldest PENDING delivery (its deliveries go in outbox
/// order: a later one waits while an earlier one is retried), after turning
/// new outbox events into deliveries when none is pending.
pub(crate) async fn next(db: &Db, webhook_id: Uuid, holder: Uuid) -> DomainResult<Next> {
    loop {
        let Some(hook) = webhook::Entity::find_by_id(webhook_id)
            .one(&db.conn)
            .await?
            .filter(|w| w.lease_holder == Some(holder))
        else {
            return Ok(Next::Idle);
        };
        let head = match pending_head(db, webhook_id).await? {
            Some(head) => head,
            None => {
                if fan_out(db, &hook, holder).await? == 0 {
                    return Ok(Next::Idle);
                }
                match pending_head(db, webhook_id).await? {
                    Some(head) => head,
                    None => continue,
                }
            }
        };
        if let Some(at) = head.next_attempt_at
            && at > Utc::now()
        {
            return Ok(Next::Waiting);
        }
        match event::Entity::find_by_id(head.event_position)
            .one(&db.conn)
            .await?
        {
            Some(event) => {
                return Ok(Next::Send(Box::new(Due {
                    webhook: hook,
                    delivery: head,
                    event,
                })));
            }
            // Pruned before it could be delivered (it was retried for
            // longer than events are kept): it cannot be sent any more.
            None => {
                record(
                    db,
                    &head,
                    Attempt::GiveUp {
                        status_code: None,
                        error: "the event was pruned from the outbox before it was delivered"
                            .into(),
                    },
                )
                .await?
            }
        }
    }
}

async fn pending_head(db: &Db, webhook_id: Uuid) -> DomainResult<Option<delivery::Model>> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::WebhookId.eq(webhook_id))
        .filter(delivery::Column::Status.eq(status::PENDING))
        .order_by_asc(delivery::Column::EventPosition)
        .order_by_asc(delivery::Column::CreatedAt)
        .one(&db.conn)
        .await?)
}

/// Turns the project's outbox events after the webhook's cursor into
/// deliveries of the kinds it asked for, and moves the cursor past them,
/// in one transaction and only while `holder` holds the lease. How many
/// events it read (0: none are new).
async fn fan_out(db: &Db, hook: &webhook::Model, holder: Uuid) -> DomainResult<usize> {
    let kinds: Vec<String> = hook.events.split(',').map(str::to_owned).collect();
    let (hook, kinds) = (hook, &kinds);
    transact(db, move |txn| async move {
        let events = event::Entity::find()
            .filter(event::Column::ProjectId.eq(hook.project_id))
            .filter(event::Column::Position.gt(hook.cursor))
            .order_by_asc(event::Column::Position)
            .limit(FAN_OUT_BATCH)
            .all(&txn)
            .await?;
        let Some(last) = events.last() else {
            return Ok(0);
        };
        let moved = webhook::Entity::update_many()
            .col_expr(webhook::Column::Cursor, Expr::value(last.position))
            .filter(webhook::Column::Id.eq(hook.id))
            .filter(webhook::Column::Cursor.eq(hook.cursor))
            .filter(webhook::Column::LeaseHolder.eq(holder))
            .exec(&txn)
            .await?;
        if moved.rows_affected != 1 {
            return Ok(0);
        }
        let now = Utc::now();
        let rows: Vec<delivery::ActiveModel> = events
            .iter()
            .filter(|e| kinds.contains(&e.kind))
            .map(|e| {
                delivery::ActiveModel::from(delivery::Model {
                    id: new_id(),
                    webhook_id: hook.id,
                    event_position: e.position,
                    event_id: e.id,
                    kind: e.kind.clone(),
                    status: status::PENDING.into(),
                    created_at: now,
                    ..Default::default()
                })
            })
            .collect();
        if !rows.is_empty() {
            delivery::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
        Ok(events.len())
    })
    .await
}

/// What became of one attempt.
pub(crate) enum Attempt {
    /// The receiver answered 2xx.
    Delivered {
        /// Its status.
        status_code: u16,
    },
    /// It failed; try again at `at`.
    Retry {
        /// The receiver's status, when it answered.
        status_code: Option<u16>,
        /// What went wrong.
        error: String,
        /// When to try again.
        at: DateTime<Utc>,
    },
    /// It failed for the last time: the delivery is FAILED.
    GiveUp {
        /// The receiver's status, when it answered.
        status_code: Option<u16>,
        /// What went wrong.
        error: String,
    },
}

/// Records an attempt of a PENDING delivery.
pub(crate) async fn record(db: &Db, d: &delivery::Model, attempt: Attempt) -> DomainResult<()> {
    let now = Utc::now();
    let (status, code, error, next, delivered) = match attempt {
        Attempt::Delivered { status_code } => (
            status::DELIVERED,
            Some(i32::from(status_code)),
            None,
            None,
            Some(now),
        ),
        Attempt::Retry {
            status_code,
            error,
            at,
        } => (
            status::PENDING,
            status_code.map(i32::from),
            Some(error),
            Some(at),
            None,
        ),
        Attempt::GiveUp { status_code, error } => (
            status::FAILED,
            status_code.map(i32::from),
            Some(error),
            None,
            None,
        ),
    };
    let error: Option<String> = error.map(|e| e.chars().take(500).collect());
    let (id, attempts, first) = (d.id, d.attempts + 1, d.first_attempt_at.unwrap_or(now));
    transact(db, move |txn| {
        let error = error.clone();
        async move {
            delivery::Entity::update_many()
                .col_expr(delivery::Column::Status, Expr::value(status))
                .col_expr(delivery::Column::Attempts, Expr::value(attempts))
                .col_expr(delivery::Column::LastStatusCode, Expr::value(code))
                .col_expr(delivery::Column::LastError, Expr::value(error))
                .col_expr(delivery::Column::FirstAttemptAt, Expr::value(first))
                .col_expr(delivery::Column::NextAttemptAt, Expr::value(next))
                .col_expr(delivery::Column::DeliveredAt, Expr::value(delivered))
                .filter(delivery::Column::Id.eq(id))
                .filter(delivery::Column::Status.eq(status::PENDING))
                .exec(&txn)
                .await?;
            Ok(())
        }
    })
    .await
}
