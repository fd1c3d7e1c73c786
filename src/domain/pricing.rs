//! Model prices and exact costs: tokens × price per million, in
//! `rust_decimal`, with the price in force when the work completed.

use chrono::{DateTime, Utc};
use entity::{Money, Role, model_price};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::error::{DomainError, DomainResult};
use super::{Session, ids, validate};

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

/// The price of `model` in force at `at`: the newest row not after it
/// (the later-created row wins a tie).
pub(crate) async fn price_at(
    db: &impl ConnectionTrait,
    model: &str,
    at: DateTime<Utc>,
) -> DomainResult<Option<model_price::Model>> {
    Ok(model_price::Entity::find()
        .filter(model_price::Column::Model.eq(model))
        .filter(model_price::Column::EffectiveFrom.lte(at))
        .order_by_desc(model_price::Column::EffectiveFrom)
        .order_by_desc(model_price::Column::Id)
        .one(db)
        .await?)
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
    Ok(in_force)
}

/// input_tokens × input price / 1e6 + output_tokens × output price / 1e6,
/// exactly; refused when it overflows or the money column cannot hold it.
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
