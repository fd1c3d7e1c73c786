//! Model prices and exact costs: tokens × price per million, in
//! `rust_decimal`, with the price in force when the work completed.

use chrono::{DateTime, Utc};
use entity::{Money, Role, model_price};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::error::{DomainError, DomainResult};
use super::{Session, ids, validate};

pub struct NewPrice {
    pub model: String,
    pub input_per_million: Decimal,
    pub output_per_million: Decimal,
    pub effective_from: Option<DateTime<Utc>>,
}

/// The most a price may be: what numeric(20,10) holds, with room for sums.
fn check_price(field: &str, price: Decimal) -> DomainResult<()> {
    if price.is_sign_negative() {
        return Err(DomainError::validation(format!(
            "{field} must not be negative"
        )));
    }
    if price > Decimal::from(1_000_000) || price.scale() > 10 {
        return Err(DomainError::validation(format!(
            "{field} must be at most 1000000 per million tokens, with at most 10 decimal places"
        )));
    }
    Ok(())
}

/// Adds a price row; earlier rows stay, so stored costs never change.
pub async fn set_price(s: Session<'_>, input: NewPrice) -> DomainResult<model_price::Model> {
    s.principal.require_role(Role::Admin)?;
    if s.principal.project_scope.is_some() {
        return Err(DomainError::Forbidden(
            "prices apply to every project: a project-scoped token cannot set them".into(),
        ));
    }
    validate::non_blank("model", &input.model)?;
    check_price("inputPerMillion", input.input_per_million)?;
    check_price("outputPerMillion", input.output_per_million)?;
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
pub async fn price_at(
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
pub async fn prices_in_force(s: Session<'_>) -> DomainResult<Vec<model_price::Model>> {
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

/// input_tokens × input price / 1e6 + output_tokens × output price / 1e6, exactly.
pub fn cost(
    price: &model_price::Model,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
) -> Decimal {
    let million = Decimal::from(1_000_000);
    let input = Decimal::from(input_tokens.unwrap_or(0)) * price.input_per_million.0 / million;
    let output = Decimal::from(output_tokens.unwrap_or(0)) * price.output_per_million.0 / million;
    (input + output).normalize()
}

/// The cost of usage of `model` at `at`, or None when the model has no price then.
pub async fn cost_at(
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
    Ok(price_at(db, model, at)
        .await?
        .map(|p| cost(&p, input_tokens, output_tokens)))
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
            cost(&price("2.50", "10.00"), Some(1000), Some(500)).to_string(),
            "0.0075"
        );
        assert_eq!(
            cost(&price("0.15", "0.60"), Some(7), Some(3)).to_string(),
            "0.00000285"
        );
        assert_eq!(
            cost(&price("3", "15"), Some(1), None).to_string(),
            "0.000003"
        );
        assert_eq!(cost(&price("0", "0"), Some(5), Some(5)).to_string(), "0");
    }
}
