//! What the security audit (issue 38) needs stored:
//!
//! - `artifact_versions.rule_outcome`: what the governing policy's approval
//!   rule came to when the version was created ("held", "did not hold", or
//!   why it did not run), so that a rule that did not approve leaves a
//!   reason behind.
//! - `api_tokens.actor_id`: the actor a token acts for, as the id of that
//!   actor's first token (null: the token is its own actor, as every token
//!   was before), so that one person's tokens count once in a quorum.
//! - `deployment_settings`: facts every process must agree on, by name
//!   (where the server keeps file blobs, which `quire retention` checks).
//! - Tokens typed RULE become SYSTEM: RULE is reserved to the server's own
//!   policies, and a token could otherwise write audit rows that read as a
//!   policy's.

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
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .add_column(text_null("rule_outcome"))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("api_tokens")
                    .add_column(uuid_null("actor_id"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("deployment_settings")
                    .col(string("name").primary_key())
                    .col(text("value"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE api_tokens SET actor_type = 'SYSTEM' WHERE actor_type = 'RULE'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("deployment_settings").take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("api_tokens")
                    .drop_column("actor_id")
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("artifact_versions")
                    .drop_column("rule_outcome")
                    .take(),
            )
            .await
    }
}
