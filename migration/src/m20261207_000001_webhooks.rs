//! Webhooks (issue 35): where a project's outbox events are POSTed, and
//! each delivery's attempts. A webhook's `cursor` is the outbox position it
//! has turned into deliveries; its lease names the one process sending for
//! it, so that two processes never send its deliveries at once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhooks")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(string("url"))
                    .col(string("events"))
                    .col(string("secret"))
                    .col(big_integer("cursor"))
                    .col(uuid_null("lease_holder"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(uuid("created_by_id"))
                    .col(string("created_by_name"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhooks_project_id")
                            .from("webhooks", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhooks_project")
                    .table("webhooks")
                    .col("project_id")
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(pk_uuid("id"))
                    .col(uuid("webhook_id"))
                    .col(big_integer("event_position"))
                    .col(uuid("event_id"))
                    .col(string("kind"))
                    .col(string_len("status", 20))
                    .col(integer("attempts"))
                    .col(integer_null("last_status_code"))
                    .col(string_null("last_error"))
                    .col(timestamp_with_time_zone_null("first_attempt_at"))
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .col(uuid_null("resend_of"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_webhook_id")
                            .from("webhook_deliveries", "webhook_id")
                            .to("webhooks", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // The next delivery of a webhook: its oldest pending one.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_queue")
                    .table("webhook_deliveries")
                    .col("webhook_id")
                    .col("status")
                    .col("event_position")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("webhook_deliveries").take())
            .await?;
        manager
            .drop_table(Table::drop().table("webhooks").take())
            .await?;
        Ok(())
    }
}
