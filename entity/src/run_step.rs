use sea_orm::entity::prelude::*;

use crate::Money;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "run_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub run_id: Uuid,
    /// The step's place in its run (`order` in the API; a reserved word in SQL).
    pub position: i32,
    pub agent_id: String,
    pub agent_name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub output: Option<String>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    #[sea_orm(column_type = "Decimal(Some((20, 10)))", nullable)]
    pub cost: Option<Money>,
    pub created_at: DateTimeUtc,
    /// Tokens of `output`, with the tokenizer configured when it was recorded.
    pub output_token_count: Option<i64>,
    /// Written once after the step (`recordStepSummary`).
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    /// Tokens of `summary`: the caller's count, or the configured tokenizer's.
    pub summary_token_count: Option<i64>,
    pub summarized_by_id: Option<Uuid>,
    pub summarized_by_name: Option<String>,
    pub summarized_by_type: Option<crate::ActorType>,
    pub summarized_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::run::Entity",
        from = "Column::RunId",
        to = "super::run::Column::Id"
    )]
    Run,
}

impl Related<super::run::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Run.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
