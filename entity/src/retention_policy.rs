//! A project's retention policy: how long the values of REJECTED and
//! SUPERSEDED versions, and run and step outputs, stay in the database.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retention_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    pub rejected_days: Option<i32>,
    pub superseded_days: Option<i32>,
    pub run_output_days: Option<i32>,
    pub updated_by_id: Uuid,
    pub updated_by_name: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
