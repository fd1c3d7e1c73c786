//! Quire's database migrations. Every schema change is a new migration module;
//! applied migrations are never edited.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_outbox_state;
mod m20261123_000001_promoted_index;
mod m20261123_000002_write_probe;
mod m20261124_000001_file_projects;
mod m20261125_000001_run_outputs_index;
mod m20261126_000001_version_counts;
mod m20261127_000001_authoring_loop;
mod m20261128_000001_json_indexes;
mod m20261203_000001_version_search;
mod m20261203_000002_step_summaries;
mod m20261203_000003_schema_upgrades_and_tiers;
mod m20261203_000004_approval_policies;
mod m20261203_000005_retention;
mod m20261206_000001_security_audit;
mod m20261206_000002_search_keeps_accents;
mod m20261207_000001_webhooks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_outbox_state::Migration),
            Box::new(m20261123_000001_promoted_index::Migration),
            Box::new(m20261123_000002_write_probe::Migration),
            Box::new(m20261124_000001_file_projects::Migration),
            Box::new(m20261125_000001_run_outputs_index::Migration),
            Box::new(m20261126_000001_version_counts::Migration),
            Box::new(m20261127_000001_authoring_loop::Migration),
            Box::new(m20261128_000001_json_indexes::Migration),
            Box::new(m20261203_000001_version_search::Migration),
            Box::new(m20261203_000002_step_summaries::Migration),
            Box::new(m20261203_000003_schema_upgrades_and_tiers::Migration),
            Box::new(m20261203_000004_approval_policies::Migration),
            Box::new(m20261203_000005_retention::Migration),
            Box::new(m20261206_000001_security_audit::Migration),
            Box::new(m20261206_000002_search_keeps_accents::Migration),
            Box::new(m20261207_000001_webhooks::Migration),
        ]
    }
}
