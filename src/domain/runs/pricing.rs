//! Model prices and exact costs: tokens × price per million, in
//! `rust_decimal`, with the price in force when the work completed.

use chrono::{DateTime, Utc};
use entity::{Money, Role, model_price};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::{Session, ids, validate};

/// The prices Quire ships with: list prices in US dollars per million
/// tokens of widely used models, as their vendors published them, each from
/// the day it took effect: `(model, input, output, effective from)`.
/// `setModelPrice` overrides them: a stored price takes over from its
/// `effectiveFrom` on (see [`price_at`]). Vendors change prices; a deployment
/// that bills on them should set its own.
pub const DEFAULT_PRICES: &[(&str, &str, &str, &str)] = &[
    ("claude-3-5-haiku", "0.80", "4.00", "2024-11-04"),
    ("claude-3-5-sonnet", "3.00", "15.00", "2024-06-20"),
    ("claude-3-7-sonnet", "3.00", "15.00", "2025-02-24"),
    ("claude-haiku-4-5", "1.00", "5.00", "2025-10-15"),
    ("claude-opus-4", "15.00", "75.00", "2025-05-22"),
    ("claude-opus-4-1", "15.00", "75.00", "2025-08-05"),
    ("claude-sonnet-4", "3.00", "15.00", "2025-05-22"),
    ("claude-sonnet-4-5", "3.00", "15.00", "2025-09-29"),
    ("gemini-2.0-flash", "0.10", "0.40", "2025-02-05"),
    ("gemini-2.5-flash", "0.30", "2.50", "2025-06-17"),
    ("gemini-2.5-pro", "1.25", "10.00", "2025-06-17"),
    ("gpt-4.1", "2.00", "8.00", "2025-04-14"),
    ("gpt-4.1-mini", "0.40", "1.60", "2025-04-14"),
    ("gpt-4.1-nano", "0.10", "0.40", "2025-04-14"),
    ("gpt-4o", "5.00", "15.00", "2024-05-13"),
    ("gpt-4o", "2.50", "10.00", "2024-08-06"),
    ("gpt-4o-mini", "0.15", "0.60", "2024-07-18"),
    ("gpt-5", "1.25", "10.00", "2025-08-07"),
    ("gpt-5-mini", "0.25", "2.00", "2025-08-07"),
    ("gpt-5-nano", "0.05", "0.40", "2025-08-07"),
    ("o3", "10.00", "40.00", "2025-04-16"),
    ("o3", "2.00", "8.00", "2025-06-10"),
    ("o4-mini", "1.10", "4.40", "2025-04-16"),
];

/// [`DEFAULT_PRICES`] as price rows (their id is nil: no row stores them).
fn default_prices() -> impl Iterator<Item = model_price::Model> {
    DEFAULT_PRICES.iter().map(|(model, input, output, from)| {
        let decimal = |text: &str| Money(text.parse().expect("a default price is a decimal"));
        let effective_from = format!("{from}T00:00:00Z")
            .parse::<DateTime<Utc>>()
            .expect("a default price's date is a date");
        model_price::Model {
            id: uuid::Uuid::nil(),
            model: (*model).to_owned(),
            input_per_million: decimal(input),
            output_per_million: decimal(output),
            effective_from,
            created_at: effective_from,
        }
    })
}

/// The newer of a stored price and a default one; the stored one on a tie.
fn newer(
    stored: Option<model_price::Model>,
    default: Option<model_price::Model>,
) -> Option<model_price::Model> {
    match (stored, default) {
        (Some(s), Some(d)) if d.effective_from > s.effective_from => Some(d),
        (Some(s), _) => Some(s),
        (None, d) => d,
    }
}

/// The default price of `model` in force at `at`.
fn default_at(model: &str, at: DateTime<Utc>) -> Option<model_price::Model> {
    default_prices()
        .filter(|p| p.model == model && p.effective_from <= at)
        .max_by_key(|p| p.effective_from)
}

/// A model's price from a moment on; see [`set_price`].
pub(crate) struct NewPrice {
    /// The model name, as runs report it.
    pub model: String,
    /// Price of one million input tokens.
    pub input_per_million: Decimal,
    /// Price of one million output tokens.
    pub output_per_million: Decimal,
    /// When the price takes effect; `None`: now.
    pub effective_from: Option<DateTime<Utc>>,
}

/// Adds a price row; earlier rows stay, so stored costs never change.
/// ADMIN with an unscoped token (prices apply to every project).
pub(crate) async fn set_price(s: Session<'_>, input: NewPrice) -> DomainResult<model_price::Model> {
    s.principal.require_role(Role::Admin)?;
    if s.principal.project_scope.is_some() {
        return Err(DomainError::Forbidden(
            "prices apply to every project: a project-scoped token cannot set them".into(),
        ));
    }
    validate::name("model", &input.model)?;
    validate::price("inputPerMillion", input.input_per_million)?;
    validate::price("outputPerMillion", input.output_per_million)?;
    validate::date("effectiveFrom", input.effective_from)?;
    let now = Utc::now();
    let model = model_price::Model {
        id: ids::new_id(),
        model: input.model,
        input_per_million: Money(input.input_per_million),
        output_per_million: Money(input.output_per_million),
        effective_from: input.effective_from.unwrap_or(now),
        created_at: now,
    };
    model_price::Entity::insert(model_price::ActiveModel::from(model.clone()))
        .exec(&s.db.conn)
        .await?;
    Ok(model)
}

/// The price of `model` in force at `at`: the newest price not after it,
/// stored or default (a stored price wins a tie, and the later-created
/// stored row wins among stored ones).
pub(crate) async fn price_at(
    db: &impl ConnectionTrait,
    model: &str,
    at: DateTime<Utc>,
) -> DomainResult<Option<model_price::Model>> {
    let stored = model_price::Entity::find()
        .filter(model_price::Column::Model.eq(model))
        .filter(model_price::Column::EffectiveFrom.lte(at))
        .order_by_desc(model_price::Column::EffectiveFrom)
        .order_by_desc(model_price::Column::Id)
        .one(db)
        .await?;
    Ok(newer(stored, default_at(model, at)))
}

/// The price of every model in force now.
pub(crate) async fn prices_in_force(s: Session<'_>) -> DomainResult<Vec<model_price::Model>> {
    let now = Utc::now();
    let rows = model_price::Entity::find()
        .filter(model_price::Column::EffectiveFrom.lte(now))
        .order_by_asc(model_price::Column::Model)
        .order_by_desc(model_price::Column::EffectiveFrom)
        .order_by_desc(model_price::Column::Id)
        .all(&s.db.conn)
        .await?;
    let mut in_force: Vec<model_price::Model> = Vec::new();
    for row in rows {
        if in_force.last().is_none_or(|last| last.model != row.model) {
            in_force.push(row);
        }
    }
    let mut models: Vec<String> = default_prices().map(|p| p.model).collect();
    models.extend(in_force.iter().map(|p| p.model.clone()));
    models.sort();
    models.dedup();
    Ok(models
        .into_iter()
        .filter_map(|model| {
            let stored = in_force.iter().find(|p| p.model == model).cloned();
            newer(stored, default_at(&model, now))
        })
        .collect())
}

/// input_tokens × input price / 1e6 + output_tokens × output price / 1e6,
/// rounded to the money column's 10 decimals (half away from zero) here,
/// once, so that what a write returns is what every later read returns on
/// either database; refused when it overflows or the column cannot hold it.
pub(crate) fn cost(
    price: &model_price::Model,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
) -> DomainResult<Decimal> {
    let million = Decimal::from(1_000_000);
    let part = |tokens: Option<i64>, per_million: Decimal| {
        Decimal::from(tokens.unwrap_or(0))
            .checked_mul(per_million)
            .and_then(|d| d.checked_div(million))
    };
    let total = part(input_tokens, price.input_per_million.0)
        .zip(part(output_tokens, price.output_per_million.0))
        .and_then(|(i, o)| i.checked_add(o))
        .ok_or_else(|| DomainError::validation("the cost of this usage overflows"))?
        .round_dp_with_strategy(
            entity::money::SCALE,
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        )
        .normalize();
    validate::cost("the cost of this usage", Some(total))?;
    Ok(total)
}

/// The cost of usage of `model` at `at`, or None when the model has no price then.
pub(crate) async fn cost_at(
    db: &impl ConnectionTrait,
    model: Option<&str>,
    at: DateTime<Utc>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
) -> DomainResult<Option<Decimal>> {
    if input_tokens.is_none() && output_tokens.is_none() {
        return Ok(None);
    }
    let Some(model) = model else {
        return Ok(None);
    };
    price_at(db, model, at)
        .await?
        .map(|p| cost(&p, input_tokens, output_tokens))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn price(input: &str, output: &str) -> model_price::Model {
        model_price::Model {
            id: ids::new_id(),
            model: "m".into(),
            input_per_million: Money(Decimal::from_str(input).unwrap()),
            output_per_million: Money(Decimal::from_str(output).unwrap()),
            effective_from: Utc::now(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn default_prices_read_and_take_effect_on_their_day() {
        assert!(default_prices().count() == DEFAULT_PRICES.len());
        let day = |d: &str| format!("{d}T00:00:00Z").parse::<DateTime<Utc>>().unwrap();
        let at = |d: &str| default_at("gpt-4o", day(d)).map(|p| p.input_per_million.0.to_string());
        assert_eq!(at("2024-05-12"), None);
        assert_eq!(at("2024-05-13").as_deref(), Some("5.00"));
        assert_eq!(at("2024-08-06").as_deref(), Some("2.50"));
        assert_eq!(default_at("no-such-model", day("2026-01-01")), None);
        // A stored price takes over from its own day on, and wins a tie.
        let stored = |d: &str| model_price::Model {
            effective_from: day(d),
            ..price("9", "9")
        };
        let newest = |s: &str, d: &str| newer(Some(stored(s)), default_at("gpt-4o", day(d)));
        assert_eq!(
            newest("2025-01-01", "2026-01-01").unwrap().effective_from,
            day("2025-01-01")
        );
        assert_eq!(
            newest("2024-01-01", "2026-01-01").unwrap().effective_from,
            day("2024-08-06")
        );
        assert_eq!(
            newest("2024-08-06", "2026-01-01")
                .unwrap()
                .input_per_million
                .0
                .to_string(),
            "9"
        );
    }

    #[test]
    fn costs_are_exact() {
        assert_eq!(
            cost(&price("2.50", "10.00"), Some(1000), Some(500))
                .unwrap()
                .to_string(),
            "0.0075"
        );
        assert_eq!(
            cost(&price("0.15", "0.60"), Some(7), Some(3))
                .unwrap()
                .to_string(),
            "0.00000285"
        );
        assert_eq!(
            cost(&price("3", "15"), Some(1), None).unwrap().to_string(),
            "0.000003"
        );
        assert_eq!(
            cost(&price("0", "0"), Some(5), Some(5))
                .unwrap()
                .to_string(),
            "0"
        );
    }

    #[test]
    fn costs_are_rounded_as_stored() {
        // 1 token at 3.7037036703 per million: 16 decimals, stored as 10.
        assert_eq!(
            cost(&price("3.7037036703", "0"), Some(1), None)
                .unwrap()
                .to_string(),
            "0.0000037037"
        );
        assert_eq!(
            cost(&price("0.00005", "0"), Some(1), None)
                .unwrap()
                .to_string(),
            "0.0000000001"
        );
    }

    #[test]
    fn costs_the_money_column_cannot_hold_are_refused() {
        let top = price("1000000", "1000000");
        let max = validate::MAX_TOKENS;
        assert!(cost(&top, Some(max), Some(max)).is_err());
        assert!(cost(&price("10000", "0"), Some(max), None).is_err());
        assert_eq!(
            cost(&price("9999.9999999999", "0"), Some(max), None)
                .unwrap()
                .to_string(),
            "9999999999.9999"
        );
    }
}
