//! `Money`: an exact decimal column.
//!
//! PostgreSQL stores it as numeric(20,10). SQLite has no exact decimal type, and
//! SeaORM reads SQLite decimals through an f64, so on SQLite the column is TEXT
//! and this type reads and writes the decimal's string form: a cost never
//! passes through a float on either backend.

use std::str::FromStr;

use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use serde::{Deserialize, Serialize};

/// Fractional digits stored: numeric(20,10) on PostgreSQL, and on SQLite
/// always exactly this many digits after the point, so that SQL can sum the
/// digits as an integer (see `quire::domain::costs`).
pub const SCALE: u32 = 10;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Money(pub Decimal);

impl From<Decimal> for Money {
    fn from(value: Decimal) -> Self {
        Money(value)
    }
}

impl From<Money> for Value {
    fn from(value: Money) -> Self {
        let mut exact = value.0;
        exact.rescale(SCALE);
        Value::Decimal(Some(exact))
    }
}

impl Nullable for Money {
    fn null() -> Value {
        Value::Decimal(None)
    }
}

impl ValueType for Money {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::Decimal(Some(d)) => Ok(Money(d)),
            Value::String(Some(s)) => Decimal::from_str(&s).map(Money).map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "Money".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::Decimal
    }

    fn column_type() -> ColumnType {
        ColumnType::Decimal(Some((20, 10)))
    }
}

impl TryGetable for Money {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        if res.try_as_pg_row().is_some() {
            return Decimal::try_get_by(res, idx).map(Money);
        }
        let text = String::try_get_by(res, idx)?;
        Decimal::from_str(&text).map(Money).map_err(|e| {
            TryGetError::DbErr(DbErr::Type(format!(
                "stored money {text:?} is not a decimal: {e}"
            )))
        })
    }
}
