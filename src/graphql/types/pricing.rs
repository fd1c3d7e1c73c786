use async_graphql::{Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::model_price;
use rust_decimal::Decimal;

use crate::domain::runs::costs::{Bucket, Grouping};

pub(crate) struct ModelPrice(pub model_price::Model);

/// The price of one model from a moment on. Prices are only ever added
/// (setModelPrice): the one in force at a time is the newest whose
/// effectiveFrom is not after it. A step's cost is computed with the price in
/// force when the step is recorded, a run's when it completes, and both are
/// stored, so later prices never change them.
#[Object]
impl ModelPrice {
    /// The model name, matched exactly against a run's or step's `model`.
    async fn model(&self) -> &str {
        &self.0.model
    }
    /// The price of one million input tokens (0 to 1000000, at most 10
    /// decimal places), in whatever currency the prices are set in.
    async fn input_per_million(&self) -> Decimal {
        self.0.input_per_million.0.normalize()
    }
    /// The price of one million output tokens, likewise.
    async fn output_per_million(&self) -> Decimal {
        self.0.output_per_million.0.normalize()
    }
    /// When this price takes effect.
    async fn effective_from(&self) -> DateTime<Utc> {
        self.0.effective_from
    }
}

/// How costSummary groups runs into buckets.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CostGrouping", remote = "Grouping")]
pub enum CostGroupingGql {
    /// One bucket per run model; runs without a model share the key "(none)".
    Model,
    /// One bucket per pipeline name.
    Pipeline,
    /// One bucket per UTC day the run was created, keyed YYYY-MM-DD.
    Day,
}

/// The runs of one model, pipeline or day, with their summed usage. Sums
/// are exact: one that does not fit is VALIDATION_FAILED (narrow from/to),
/// never wrapped or rounded.
#[derive(SimpleObject)]
pub(crate) struct CostBucket {
    /// The model, pipeline, or day (YYYY-MM-DD, UTC) of this bucket.
    pub key: String,
    /// How many runs the bucket holds, whatever their status.
    pub runs: i64,
    /// The sum of the runs' inputTokens (a run without a count adds 0). May
    /// exceed 2^31: Quire's Int carries 64-bit integers.
    pub input_tokens: i64,
    /// The sum of the runs' outputTokens, likewise.
    pub output_tokens: i64,
    /// The sum of the runs' stored costs, exact; runs without a cost (not
    /// completed, no usage, or no price for their model) add zero.
    pub cost: Decimal,
    /// Runs in this bucket whose model had no price: their cost is not in `cost`.
    /// (Runs that reported tokens but got no cost: no price for their model,
    /// or for one of their steps', when they completed.)
    pub unpriced_runs: i64,
}

impl From<Bucket> for CostBucket {
    fn from(b: Bucket) -> Self {
        CostBucket {
            key: b.key,
            runs: b.runs,
            input_tokens: b.input_tokens,
            output_tokens: b.output_tokens,
            cost: b.cost,
            unpriced_runs: b.unpriced_runs,
        }
    }
}
