//! One event sent (or being sent) to one webhook: its attempts and outcome.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The outbox event delivered: its position (the order) and id.
    pub event_position: i64,
    pub event_id: Uuid,
    /// The event's kind (`version.created`, ...).
    pub kind: String,
    /// PENDING, DELIVERED or FAILED.
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub first_attempt_at: Option<DateTimeUtc>,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    /// The delivery this one sends again, when a person asked for it.
    pub resend_of: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
