//! Rate limits, as one layer in front of the API: requests per token, and
//! failed authentications per client address (so that guessing secrets is
//! slow). A refused request gets HTTP 429, `RATE_LIMITED` and `Retry-After`.
//!
//! Token buckets in memory, per process: behind a load balancer each
//! process counts for itself.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::{ServeConfig, TrustedProxies};
use crate::db::Db;
use crate::token_cache::TokenCache;

/// More buckets than this drops the ones that are full again: memory stays
/// bounded whatever the callers send.
const MAX_BUCKETS: usize = 100_000;

/// A rate: `per_second` on average, up to `burst` at once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    /// The sustained rate, per second.
    pub per_second: f64,
    /// The most allowed at once (the size of the bucket).
    pub burst: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// A bearer secret, by a hash of it (the secret itself is not kept).
    Token(u64),
    FailedAuth(IpAddr),
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The token buckets of one process, for the [`limit`] layer.
pub(crate) struct RateLimiter {
    per_token: Option<Rate>,
    auth_failures: Option<Rate>,
    buckets: Mutex<HashMap<Key, Bucket>>,
    /// Checks the token of a request from an address refused for its
    /// failures: a valid token always passes (one misconfigured client, or
    /// an attacker, behind a shared address does not lock its neighbours
    /// out).
    tokens: Option<(Db, Arc<TokenCache>)>,
    /// Whose forwarding headers name the client.
    trusted_proxies: TrustedProxies,
}

impl RateLimiter {
    /// `None` turns a limit off.
    pub(crate) fn new(per_token: Option<Rate>, auth_failures: Option<Rate>) -> Self {
        RateLimiter {
            per_token,
            auth_failures,
            buckets: Mutex::default(),
            tokens: None,
            trusted_proxies: TrustedProxies::default(),
        }
    }

    /// The limits `config` sets (a zero rate is off): per token, bursts of
    /// twice the rate; per address, a minute's worth of failures at once;
    /// valid tokens checked against `db` through `cache`.
    pub(crate) fn configured(config: &ServeConfig, db: Db, cache: Arc<TokenCache>) -> Self {
        let tokens = &config.tokens;
        let per_token = (tokens.rate_limit_per_token > 0.0).then(|| Rate {
            per_second: tokens.rate_limit_per_token,
            burst: (2.0 * tokens.rate_limit_per_token).max(1.0),
        });
        let failures = (tokens.auth_failures_per_minute > 0.0).then(|| Rate {
            per_second: tokens.auth_failures_per_minute / 60.0,
            burst: tokens.auth_failures_per_minute.max(1.0),
        });
        RateLimiter {
            tokens: Some((db, cache)),
            trusted_proxies: config.http.trusted_proxies.clone(),
            ..RateLimiter::new(per_token, failures)
        }
    }

    /// The client address of a request from `peer` (see `TrustedProxies`).
    pub(crate) fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        peer.map(|p| self.trusted_proxies.client(p.ip(), headers))
    }

    /// Whether a request from `address` with `secret` may go on: yes while
    /// the address has failures to spare, and with a valid token always;
    /// otherwise the wait before it may try again.
    pub(crate) async fn admits(
        &self,
        address: Option<IpAddr>,
        secret: Option<&str>,
    ) -> Result<(), Duration> {
        let (Some(rate), Some(ip)) = (self.auth_failures, address) else {
            return Ok(());
        };
        let Err(wait) = self.draw(Key::FailedAuth(ip), rate, 0.0) else {
            return Ok(());
        };
        match (&self.tokens, secret) {
            (Some((db, cache)), Some(secret)) => {
                match crate::auth::authenticate_secret(db, cache, secret).await {
                    Ok(_) => Ok(()),
                    // The database failing is not the client's failure.
                    Err(e) if !matches!(e, crate::domain::DomainError::Unauthenticated(_)) => {
                        Ok(())
                    }
                    Err(_) => Err(wait),
                }
            }
            _ => Err(wait),
        }
    }

    /// Counts a failed authentication from `address`.
    pub(crate) fn failed(&self, address: Option<IpAddr>) {
        if let (Some(rate), Some(ip)) = (self.auth_failures, address) {
            let _ = self.draw(Key::FailedAuth(ip), rate, 1.0);
        }
    }

    /// Takes `take` from the key's bucket (0 only looks); the wait before
    /// the bucket has a whole token again when it has none.
    fn draw(&self, key: Key, rate: Rate, take: f64) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| b.tokens + refill(b, rate, now) < rate.burst);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        bucket.tokens = (bucket.tokens + refill(bucket, rate, now)).min(rate.burst);
        bucket.at = now;
        if bucket.tokens < 1.0 {
            let missing = 1.0 - bucket.tokens;
            return Err(Duration::from_secs_f64(missing / rate.per_second));
        }
        bucket.tokens -= take;
        Ok(())
    }
}

fn refill(bucket: &Bucket, rate: Rate, now: Instant) -> f64 {
    now.duration_since(bucket.at).as_secs_f64() * rate.per_second
}

fn secret_key(secret: &str) -> Key {
    use std::hash::{BuildHasher, Hasher};
    // A keyed hash: which secrets share a bucket cannot be chosen from outside.
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let mut hasher = KEYS.get_or_init(Default::default).build_hasher();
    hasher.write(secret.as_bytes());
    Key::Token(hasher.finish())
}

/// "too many `what`; try again in N s".
fn too_many(what: &str, wait: Duration) -> String {
    format!("too many {what}; try again in {} s", wait.as_secs().max(1))
}

/// The words a refusal for failed authentications says.
pub(crate) fn refusal_text(wait: Duration) -> String {
    too_many("failed authentications from this address", wait)
}

fn refused(wait: Duration, message: String) -> Response {
    let seconds = wait.as_secs().max(1);
    let body = serde_json::json!({ "errors": [{
        "message": message,
        "extensions": { "code": "RATE_LIMITED" }
    }]});
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    response.headers_mut().insert(
        RETRY_AFTER,
        HeaderValue::from_str(&seconds.to_string()).expect("digits"),
    );
    response
}

/// The layer: refuses a client address with too many failed
/// authentications (unless the request's token is valid) and a token over
/// its rate; counts a 401 as a failure. WebSockets authenticate in
/// connection_init, where `ws` asks the same questions.
pub(crate) async fn limit(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let address = limiter.client(peer, request.headers());
    let secret = crate::auth::bearer(request.headers());
    if request.uri().path() != "/graphql/ws"
        && let Err(wait) = limiter.admits(address, secret).await
    {
        return refused(wait, refusal_text(wait));
    }
    if let Some(rate) = limiter.per_token
        && let Some(secret) = secret
        && let Err(wait) = limiter.draw(secret_key(secret), rate, 1.0)
    {
        return refused(wait, too_many("requests with this token", wait));
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::UNAUTHORIZED {
        limiter.failed(address);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_past_its_burst_and_refills() {
        let limiter = RateLimiter::new(None, None);
        let rate = Rate {
            per_second: 10.0,
            burst: 3.0,
        };
        let key = Key::Token(1);
        for _ in 0..3 {
            assert!(limiter.draw(key, rate, 1.0).is_ok());
        }
        let wait = limiter.draw(key, rate, 1.0).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        std::thread::sleep(Duration::from_millis(120));
        assert!(limiter.draw(key, rate, 1.0).is_ok());
        // Other keys have buckets of their own.
        assert!(limiter.draw(Key::Token(2), rate, 1.0).is_ok());
    }
}
