//! Serving HTTP: where to listen, how large and how many requests may be,
//! how long they may run, which browser origins may call, how much query
//! text persisted queries keep, and WebSocket limits.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::Args;

/// Listening, request handling, CORS, persisted queries and WebSockets.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "HTTP")]
pub struct HttpConfig {
    /// Address to listen on.
    #[arg(long, env = "QUIRE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Largest JSON request body, in bytes (larger bodies get HTTP 413).
    #[arg(long, env = "QUIRE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Most operations in one batched request (a JSON array).
    #[arg(long, env = "QUIRE_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Largest GraphQL response, in bytes of JSON (larger ones are refused
    /// with PAYLOAD_TOO_LARGE instead of sent).
    #[arg(long, env = "QUIRE_MAX_RESPONSE_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_response_bytes: usize,

    /// The most bytes the responses being built hold together (values,
    /// outputs and texts, counted as they are read): past it, a request that
    /// needs more is refused with UNAVAILABLE (HTTP 503; try again), so that
    /// many large responses at once cannot exhaust memory.
    #[arg(
        long,
        env = "QUIRE_MAX_RESPONSE_BYTES_IN_FLIGHT",
        default_value_t = 128 * 1024 * 1024
    )]
    pub max_response_bytes_in_flight: usize,

    /// How long nested-field loads wait to be batched together, in microseconds.
    #[arg(long, env = "QUIRE_BATCH_DELAY_US", default_value_t = 2_000)]
    pub batch_delay_us: u64,

    /// Longest a GraphQL request may run, in milliseconds.
    #[arg(long, env = "QUIRE_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// Origins a browser front end may call from: `*` (the default: Quire
    /// takes bearer tokens, never cookies, so another origin gains nothing
    /// a token does not give it), a comma-separated list, or empty for none.
    #[arg(long, env = "QUIRE_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: CorsOrigins,

    /// Bytes of query text remembered for automatic persisted queries
    /// (APQ), least recently used dropped first (0: APQ off).
    #[arg(long, env = "QUIRE_APQ_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub apq_cache_bytes: usize,

    /// How long a WebSocket may take to send connection_init, in milliseconds.
    #[arg(long, env = "QUIRE_WS_INIT_TIMEOUT_MS", default_value_t = 10_000)]
    pub ws_init_timeout_ms: u64,

    /// How often an idle WebSocket is pinged, in milliseconds (0: never); a
    /// socket that has sent nothing (not even a pong) for two of these is
    /// closed. Proxies drop idle connections; this keeps them alive, and
    /// frees the subscriptions of clients that went away without closing.
    #[arg(long, env = "QUIRE_WS_PING_MS", default_value_t = 20_000)]
    pub ws_ping_ms: u64,

    /// Most subscriptions one WebSocket may hold at once.
    #[arg(
        long,
        env = "QUIRE_MAX_SUBSCRIPTIONS_PER_SOCKET",
        default_value_t = 100
    )]
    pub max_subscriptions_per_socket: usize,

    /// Reverse proxies in front of Quire, as a comma-separated list of
    /// addresses or CIDR ranges (`10.0.0.0/8,::1`): from them, the client
    /// is the address X-Forwarded-For names (the nearest one that is not
    /// itself a trusted proxy). Empty, the default: the peer is the client
    /// and X-Forwarded-For is ignored (anyone could write it).
    #[arg(long, env = "QUIRE_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,
}

impl HttpConfig {
    /// How long nested-field loads wait to be batched together.
    pub fn batch_delay(&self) -> Duration {
        Duration::from_micros(self.batch_delay_us)
    }

    /// Longest a GraphQL request may run.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// How often idle WebSockets are pinged; none when 0.
    pub fn ws_ping(&self) -> Option<Duration> {
        (self.ws_ping_ms > 0).then(|| Duration::from_millis(self.ws_ping_ms))
    }

    /// How long a WebSocket may take to send connection_init (10 ms at
    /// least, whatever was asked).
    pub fn ws_init_timeout(&self) -> Duration {
        Duration::from_millis(self.ws_init_timeout_ms.max(10))
    }
}

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl std::str::FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated addresses (one host each) or CIDR ranges.
    fn from_str(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<ipnet::IpNet>()
                    .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("{item:?} is not an address or a CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    fn trusts(&self, address: std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request from `peer`: `peer` itself unless it is a
    /// trusted proxy; then, walking X-Forwarded-For from the nearest hop,
    /// the first address that is not a trusted proxy (the farthest one
    /// when all are).
    pub fn client(
        &self,
        peer: std::net::IpAddr,
        headers: &axum::http::HeaderMap,
    ) -> std::net::IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<std::net::IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        hops.iter()
            .rev()
            .find(|hop| !self.trusts(**hop))
            .or(hops.first())
            .copied()
            .unwrap_or(peer)
    }
}

/// Which origins may call Quire from a browser (`http::cors` says why any
/// origin is the default).
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
