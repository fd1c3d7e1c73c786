//! Cross-origin requests from browser front ends (CORS).
//!
//! Quire authenticates with a bearer header and sets no cookies, so a page
//! on another origin carries no ambient authority: it can only act with a
//! token it was given. That is why the default allows any origin (`*`),
//! as Hasura does; a deployment that wants to name its front ends lists
//! them instead. Credentials mode is never allowed: there are no cookies
//! to send. The origins allowed are [`CorsOrigins`], parsed with the
//! options.

use std::time::Duration;

use axum::http::{HeaderName, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::config::CorsOrigins;

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
pub(crate) fn layer(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().cloned()),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        // Whatever request headers the preflight names, from an allowed
        // origin (as Apollo Server and Hasura do): clients add their own
        // (Apollo's client awareness, Sentry's `baggage` and `sentry-trace`),
        // and with no cookies allowed a header grants nothing a token does
        // not. tower-http adds `Vary: access-control-request-headers`.
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        // Browsers cap this (Chromium at two hours); an hour saves most preflights.
        .max_age(Duration::from_secs(3600))
}
