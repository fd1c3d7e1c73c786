//! Price history per model; the row in force is the newest `effective_from` not in the future.
use sea_orm::entity::prelude::*;

use crate::Money;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "model_prices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub model: String,
    #[sea_orm(column_type = "Decimal(Some((20, 10)))")]
    pub input_per_million: Money,
    #[sea_orm(column_type = "Decimal(Some((20, 10)))")]
    pub output_per_million: Money,
    pub effective_from: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
