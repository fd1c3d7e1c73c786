use async_graphql::{Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::model_price;
use rust_decimal::Decimal;

use crate::domain::costs::{Bucket, Grouping};

pub struct ModelPrice(pub model_price::Model);

#[Object]
impl ModelPrice {
    async fn model(&self) -> &str {
        &self.0.model
    }
    async fn input_per_million(&self) -> Decimal {
        self.0.input_per_million.0.normalize()
    }
    async fn output_per_million(&self) -> Decimal {
        self.0.output_per_million.0.normalize()
    }
    async fn effective_from(&self) -> DateTime<Utc> {
        self.0.effective_from
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CostGrouping", remote = "Grouping")]
pub enum CostGroupingGql {
    Model,
    Pipeline,
    Day,
}

#[derive(SimpleObject)]
pub struct CostBucket {
    /// The model, pipeline, or day (YYYY-MM-DD, UTC) of this bucket.
    pub key: String,
    pub runs: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Sum of the stored run costs; runs without a price count as zero.
    pub cost: Decimal,
}

impl From<Bucket> for CostBucket {
    fn from(b: Bucket) -> Self {
        CostBucket {
            key: b.key,
            runs: b.runs,
            input_tokens: b.input_tokens,
            output_tokens: b.output_tokens,
            cost: b.cost,
        }
    }
}
