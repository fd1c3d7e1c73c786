//! Step summaries and token counts (issue 18), on `run_steps`:
//!
//! - `output_token_count`: the output's tokens, counted with the configured
//!   tokenizer when the step is recorded (null for steps recorded before).
//! - `summary`, `summary_token_count`: written once after the step, for the
//!   long-term tier of the next agents' context.
//! - `summarized_by_id`, `summarized_by_name`, `summarized_by_type`,
//!   `summarized_at`: who wrote the summary and when (the token's actor).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns added, in order.
fn columns() -> Vec<ColumnDef> {
    vec![
        big_integer_null("output_token_count"),
        text_null("summary"),
        big_integer_null("summary_token_count"),
        uuid_null("summarized_by_id"),
        string_null("summarized_by_name"),
        string_len_null("summarized_by_type", 20),
        timestamp_with_time_zone_null("summarized_at"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for mut column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table("run_steps")
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table("run_steps")
                        .drop_column(column.get_column_name())
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
