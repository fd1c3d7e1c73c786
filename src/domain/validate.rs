//! Shape rules for names that clients choose: schema keys and project slugs.

use super::error::{DomainError, DomainResult};

/// A schema key is a dot path of `[a-z0-9_-]+` segments, e.g. `brand.palette`.
pub fn schema_key(key: &str) -> DomainResult<()> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    if key.len() <= 200 && key.split('.').all(segment_ok) {
        Ok(())
    } else {
        Err(DomainError::validation(format!(
            "schema key {key:?} is malformed: it must be a dot path of segments of a-z, 0-9, _ and - (e.g. brand.palette), at most 200 characters"
        )))
    }
}

/// A schema key prefix filter: whole segments, so `brand` matches `brand` and
/// `brand.logo` but not `brandx`.
pub fn schema_key_prefix(prefix: &str) -> DomainResult<()> {
    schema_key(prefix.trim_end_matches('.'))
}

/// A project slug: 1-64 of `a-z`, `0-9` and `-`, starting with a letter or digit.
pub fn slug(slug: &str) -> DomainResult<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 64
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(DomainError::validation(format!(
            "slug {slug:?} is malformed: use 1-64 of a-z, 0-9 and -, not starting with -"
        )))
    }
}

/// A required free-text field that must not be blank.
pub fn non_blank(field: &str, value: &str) -> DomainResult<()> {
    if value.trim().is_empty() {
        Err(DomainError::validation(format!(
            "{field} must not be empty"
        )))
    } else {
        Ok(())
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
}
