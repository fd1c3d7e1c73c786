//! Cross-origin requests from browser front ends (CORS).
//!
//! Quire authenticates with a bearer header and sets no cookies, so a page
//! on another origin carries no ambient authority: it can only act with a
//! token it was given. That is why the default allows any origin (`*`),
//! as Hasura does; a deployment that wants to name its front ends lists
//! them instead. Credentials mode is never allowed: there are no cookies
//! to send.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The default of `QUIRE_CORS_ORIGINS`.
pub const DEFAULT_ORIGINS: &str = "*";

/// Which origins may call Quire from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin.
    Any,
    /// Only these origins (`scheme://host[:port]`), none when empty.
    List(Vec<HeaderValue>),
}

impl std::str::FromStr for CorsOrigins {
    type Err = String;

    /// `*`, a comma-separated list of origins, or an empty string (none).
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(CorsOrigins::Any);
        }
        let origins = text
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(parse_origin)
            .collect::<Result<_, _>>()?;
        Ok(CorsOrigins::List(origins))
    }
}

/// One origin as browsers send it: a scheme, a host, maybe a port, no path.
fn parse_origin(origin: &str) -> Result<HeaderValue, String> {
    let url = url::Url::parse(origin).map_err(|err| format!("{origin:?}: {err}"))?;
    let bare = url.path() == "/" && !origin.ends_with('/');
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || !bare
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(format!(
            "{origin:?} is not an origin: write scheme://host[:port], like http://localhost:5173"
        ));
    }
    HeaderValue::from_str(&url.origin().ascii_serialization())
        .map_err(|err| format!("{origin:?}: {err}"))
}

/// Request headers a front end may send: those Quire reads, and those
/// GraphQL clients and tracing libraries add.
const ALLOWED_HEADERS: [&str; 10] = [
    "authorization",
    "content-type",
    "accept",
    "x-request-id",
    "traceparent",
    "tracestate",
    "if-none-match",
    "range",
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

/// Response headers a front end may read.
const EXPOSED_HEADERS: [&str; 6] = [
    "x-request-id",
    "retry-after",
    "www-authenticate",
    "content-disposition",
    "content-range",
    "etag",
];

/// Answers preflights and marks responses for the allowed origins.
pub fn layer(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().cloned()),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        // Browsers cap this (Chromium at two hours); an hour saves most preflights.
        .max_age(Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_a_list_or_none() {
        assert_eq!("*".parse(), Ok(CorsOrigins::Any));
        assert_eq!("".parse(), Ok(CorsOrigins::List(vec![])));
        assert_eq!(
            "http://localhost:5173, https://app.example.com".parse(),
            Ok(CorsOrigins::List(vec![
                HeaderValue::from_static("http://localhost:5173"),
                HeaderValue::from_static("https://app.example.com"),
            ]))
        );
    }

    #[test]
    fn refuses_what_is_not_an_origin() {
        for bad in [
            "localhost:5173",
            "http://localhost:5173/app",
            "http://localhost:5173/",
            "ftp://example.com",
            "https://user@example.com",
        ] {
            assert!(bad.parse::<CorsOrigins>().is_err(), "{bad} was accepted");
        }
    }
}
