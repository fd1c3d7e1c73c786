//! Shape and size rules for what clients send, in one place: names, free
//! text, token counts, costs, prices and dates. Every limit is a const here
//! (the README's limits table lists them); refusals are VALIDATION_FAILED.

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;

use super::error::{DomainError, DomainResult};

/// Longest schema key (a dot path), in characters.
pub(crate) const MAX_SCHEMA_KEY_CHARS: usize = 200;
/// Longest project slug, in characters.
pub(crate) const MAX_SLUG_CHARS: usize = 64;
/// Longest name: project, token, pipeline, agent and model names, agent ids.
/// Generous for a label, short enough to index, list and log.
pub(crate) const MAX_NAME_CHARS: usize = 200;
/// Longest prose: review and cancel reasons, run errors. Room for a message
/// and a stack trace; longer diagnostics belong in a run's output.
pub(crate) const MAX_TEXT_CHARS: usize = 8 * 1024;
/// Longest idempotency key.
pub(crate) const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;
/// Longest upload filename or content type.
pub(crate) const MAX_FILE_META_CHARS: usize = 255;
/// Longest page cursor: a cursor Quire made is at most a schema key in base64.
pub(crate) const MAX_CURSOR_CHARS: usize = 400;
/// Most tokens one step or one run may report, and most a run's steps may
/// sum to. A trillion is five orders of magnitude above the largest context
/// window, yet 9.2 million such runs still sum exactly in an i64.
pub(crate) const MAX_TOKENS: i64 = 1_000_000_000_000;
/// Most a price per million tokens may be.
pub(crate) const MAX_PRICE_PER_MILLION: i64 = 1_000_000;
/// Costs must stay below this: what numeric(20,10) holds.
pub(crate) const COST_CEILING: i64 = 10_000_000_000;
/// Earliest year a date argument may have.
pub(crate) const MIN_YEAR: i32 = 2000;
/// Latest year a date argument may have.
pub(crate) const MAX_YEAR: i32 = 2100;

/// A schema key is a dot path of `[a-z0-9_-]+` segments, e.g. `brand.palette`.
pub(crate) fn schema_key(key: &str) -> DomainResult<()> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    if key.len() <= MAX_SCHEMA_KEY_CHARS && key.split('.').all(segment_ok) {
        Ok(())
    } else {
        Err(DomainError::validation(format!(
            "schema key {key:?} is malformed: it must be a dot path of segments of a-z, 0-9, _ and - (e.g. brand.palette), at most {MAX_SCHEMA_KEY_CHARS} characters"
        )))
    }
}

/// A schema key prefix filter: whole segments, so `brand` matches `brand` and
/// `brand.logo` but not `brandx`.
pub(crate) fn schema_key_prefix(prefix: &str) -> DomainResult<()> {
    schema_key(prefix.trim_end_matches('.'))
}

/// A project slug: 1-64 of `a-z`, `0-9` and `-`, starting with a letter or digit.
pub(crate) fn slug(slug: &str) -> DomainResult<()> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG_CHARS
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(DomainError::validation(format!(
            "slug {slug:?} is malformed: use 1-{MAX_SLUG_CHARS} of a-z, 0-9 and -, not starting with -"
        )))
    }
}

/// A required free-text field that must not be blank.
pub(crate) fn non_blank(field: &str, value: &str) -> DomainResult<()> {
    if value.trim().is_empty() {
        Err(DomainError::validation(format!(
            "{field} must not be empty"
        )))
    } else {
        Ok(())
    }
}

/// Text of at most `max` characters; the message names the field and the bound.
pub(crate) fn text(field: &str, value: &str, max: usize) -> DomainResult<()> {
    // Bytes bound characters from above: most values skip the count.
    if value.len() <= max {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars <= max {
        Ok(())
    } else {
        Err(DomainError::validation(format!(
            "{field} is {chars} characters, over the limit of {max}"
        )))
    }
}

/// A required name: not blank, at most MAX_NAME_CHARS.
pub(crate) fn name(field: &str, value: &str) -> DomainResult<()> {
    non_blank(field, value)?;
    text(field, value, MAX_NAME_CHARS)
}

/// A token count a client reports: 0..=MAX_TOKENS.
pub(crate) fn tokens(field: &str, value: Option<i64>) -> DomainResult<()> {
    match value {
        Some(n) if !(0..=MAX_TOKENS).contains(&n) => Err(DomainError::validation(format!(
            "{field} is {n}, outside 0..={MAX_TOKENS}"
        ))),
        _ => Ok(()),
    }
}

/// The sum of token counts (None when there are none), refused when it
/// overflows or exceeds MAX_TOKENS; `field` says what is summed.
pub(crate) fn token_sum(
    field: &str,
    values: impl IntoIterator<Item = i64>,
) -> DomainResult<Option<i64>> {
    let mut total: Option<i64> = None;
    for n in values {
        let sum = total
            .unwrap_or(0)
            .checked_add(n)
            .filter(|s| *s <= MAX_TOKENS);
        total = Some(sum.ok_or_else(|| {
            DomainError::validation(format!("{field} sum to more than {MAX_TOKENS}"))
        })?);
    }
    Ok(total)
}

/// A cost that the money column can hold: 0 <= cost < COST_CEILING.
pub(crate) fn cost(what: &str, value: Option<Decimal>) -> DomainResult<()> {
    match value {
        Some(c) if c.is_sign_negative() || c >= Decimal::from(COST_CEILING) => {
            Err(DomainError::validation(format!(
                "{what} is {c}, outside the storable range 0 to below {COST_CEILING}"
            )))
        }
        _ => Ok(()),
    }
}

/// A price per million tokens: 0..=MAX_PRICE_PER_MILLION, at most 10
/// decimal places (numeric(20,10)).
pub(crate) fn price(field: &str, price: Decimal) -> DomainResult<()> {
    if price.is_sign_negative() {
        return Err(DomainError::validation(format!(
            "{field} must not be negative"
        )));
    }
    if price > Decimal::from(MAX_PRICE_PER_MILLION) || price.scale() > 10 {
        return Err(DomainError::validation(format!(
            "{field} must be at most {MAX_PRICE_PER_MILLION} per million tokens, with at most 10 decimal places"
        )));
    }
    Ok(())
}

/// A date argument within the years MIN_YEAR..=MAX_YEAR.
pub(crate) fn date(field: &str, value: Option<DateTime<Utc>>) -> DomainResult<()> {
    match value {
        Some(d) if !(MIN_YEAR..=MAX_YEAR).contains(&d.year()) => {
            Err(DomainError::validation(format!(
                "{field} is {}, outside the years {MIN_YEAR} to {MAX_YEAR}",
                d.to_rfc3339()
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys() {
        for ok in ["brand", "brand.logo", "mvp_scope.v-2", "a.b.c"] {
            assert!(schema_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Brand",
            "brand.",
            ".brand",
            "brand..logo",
            "brand logo",
            "brand/logo",
        ] {
            assert!(schema_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs() {
        assert!(slug("acme-launch").is_ok());
        assert!(slug("-x").is_err());
        assert!(slug("Acme").is_err());
        assert!(slug("").is_err());
    }

    #[test]
    fn text_bounds_count_characters() {
        assert!(text("name", &"é".repeat(200), 200).is_ok());
        assert!(text("name", &"é".repeat(201), 200).is_err());
        assert!(name("name", " ").is_err());
    }

    #[test]
    fn token_bounds_and_sums() {
        assert!(tokens("inputTokens", Some(MAX_TOKENS)).is_ok());
        assert!(tokens("inputTokens", Some(MAX_TOKENS + 1)).is_err());
        assert!(tokens("inputTokens", Some(-1)).is_err());
        assert_eq!(token_sum("t", []).unwrap(), None);
        assert_eq!(
            token_sum("t", [MAX_TOKENS - 1, 1]).unwrap(),
            Some(MAX_TOKENS)
        );
        assert!(token_sum("t", [MAX_TOKENS, 1]).is_err());
        assert!(token_sum("t", [i64::MAX, i64::MAX]).is_err());
    }

    #[test]
    fn date_bounds() {
        let at = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        assert!(date("from", at("2000-01-01T00:00:00Z")).is_ok());
        assert!(date("from", at("2100-12-31T23:59:59Z")).is_ok());
        assert!(date("from", at("1999-12-31T23:59:59Z")).is_err());
        assert!(date("from", at("2101-01-01T00:00:00Z")).is_err());
    }
}
