//! A webhook: where a project's outbox events of chosen kinds are POSTed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// An http(s) URL.
    pub url: String,
    /// The outbox kinds delivered (`version.created`, ...), comma-separated.
    pub events: String,
    /// The HMAC-SHA256 key deliveries are signed with (kept to sign; shown
    /// to no reader).
    pub secret: String,
    /// The outbox position up to which events have been turned into
    /// deliveries.
    pub cursor: i64,
    /// The process delivering for it, and until when (a lease).
    pub lease_holder: Option<Uuid>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_by_id: Uuid,
    pub created_by_name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
