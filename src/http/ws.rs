//! GraphQL over WebSocket at /graphql/ws: graphql-transport-ws (the
//! graphql-ws library) and the older subscriptions-transport-ws. The token
//! travels in connection_init's payload as `{"Authorization": "Bearer ..."}`.
//!
//! Close codes of graphql-transport-ws: 4401 when the token is missing (or a
//! subscribe comes before the acknowledgement), 4403 when it is not valid,
//! 4408 when connection_init does not arrive in time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql::{Data, Error};
use std::net::{IpAddr, SocketAddr};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};

use super::AppState;
use super::live::{TokenRecheck, subscription_data, token_still_valid};
use crate::auth;
use crate::domain::DomainError;
use crate::graphql::shape::ShapeLimits;
use crate::nesting;

/// `GET /graphql/ws`: upgrades to a WebSocket speaking the subprotocol the
/// client offers.
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let address = state.limiter.client(peer.map(|p| p.0.0), &headers);
    let Some(protocol) = protocol_of(&headers) else {
        return (
            StatusCode::BAD_REQUEST,
            "ask for the graphql-transport-ws or graphql-ws subprotocol (Sec-WebSocket-Protocol)",
        )
            .into_response();
    };
    // tungstenite reserves a 128 KiB read buffer per socket by default; GraphQL
    // messages are small, and 1,000 idle subscribers should not cost 128 MiB.
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |socket| {
            let sockets = state.sockets.clone();
            sockets.track_future(serve(socket, protocol, state, address))
        })
}

/// The first subprotocol the client offers that we speak.
fn protocol_of(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
}

/// The secret from a connection_init payload: `Authorization` (any case),
/// with or without the `Bearer ` prefix.
fn secret_of(payload: &Value) -> Option<String> {
    let obj = payload.as_object()?;
    let value = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v)
        .or_else(|| {
            obj.get("headers")
                .and_then(|h| h.get("Authorization").or_else(|| h.get("authorization")))
        })?;
    let text = value.as_str()?.trim();
    let secret = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .unwrap_or(text);
    (!secret.is_empty()).then(|| secret.to_owned())
}

/// Authenticates connection_init as the HTTP layer does a request: an
/// address refused for its failed authentications is closed with 4429
/// unless the token is valid, and a missing or invalid token counts as a
/// failure of the client's address.
async fn authenticate(
    state: AppState,
    payload: Value,
    secret_slot: Arc<Mutex<Option<String>>>,
    address: Option<IpAddr>,
) -> async_graphql::Result<Data> {
    let secret = secret_of(&payload);
    if let Err(wait) = state.limiter.admits(address, secret.as_deref()).await {
        return Err(Error::new(format!(
            "4429: {}",
            crate::http::rate_limit::refusal_text(wait)
        )));
    }
    let Some(secret) = secret else {
        state.limiter.failed(address);
        return Err(Error::new(
            "4401: send {\"Authorization\": \"Bearer <token>\"} in connection_init",
        ));
    };
    let principal = auth::authenticate_secret(&state.db, &state.token_cache, &secret)
        .await
        .map_err(|e| {
            if matches!(e, DomainError::Unauthenticated(_)) {
                state.limiter.failed(address);
            }
            Error::new(format!("4403: {e}"))
        })?;
    state.token_usage.touch(principal.actor.id);
    *secret_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(secret);
    Ok(subscription_data(&state, principal))
}

/// Our close codes travel in the error text as "44xx: message".
fn close_frame(code: u16, reason: String) -> CloseFrame {
    let (code, reason) = match reason.split_once(": ") {
        Some((prefix, rest)) if prefix.len() == 4 && prefix.starts_with("44") => {
            (prefix.parse().unwrap_or(code), rest.to_owned())
        }
        _ if code == 1011 => (
            4401,
            "Unauthorized: subscribe after connection_ack".to_owned(),
        ),
        _ => (code, reason),
    };
    let reason: String = reason.chars().take(120).collect();
    CloseFrame {
        code,
        reason: reason.into(),
    }
}

/// What the socket does with one message from the client.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Hand it to the protocol.
    Pass,
    /// Answer this error frame for the operation instead.
    Refuse(String),
    /// Close the socket with this code and reason.
    Close(u16, String),
}

/// Screens client messages before the protocol parses them: nesting too
/// deep for the parsers, and more subscriptions than a socket may hold.
struct Screen {
    protocol: WebSocketProtocols,
    max_subscriptions: usize,
    /// Depth and alias bounds of each operation's document.
    shape_limits: ShapeLimits,
    /// Ids of the operations the client started and that have not ended.
    active: HashSet<String>,
    /// Ids of operations refused with an `error` frame, whose `complete`
    /// the engine still sends and the protocol does not want.
    refused: HashSet<String>,
}

impl Screen {
    fn client_message(&mut self, bytes: &[u8]) -> Verdict {
        if let Err(err) = nesting::check_json(bytes) {
            return Verdict::Close(4400, err.to_string());
        }
        let Ok(message) = serde_json::from_slice::<Value>(bytes) else {
            return Verdict::Pass;
        };
        let id = message.get("id").and_then(Value::as_str).map(str::to_owned);
        match (message.get("type").and_then(Value::as_str), id) {
            (Some("subscribe" | "start"), Some(id)) => {
                let query = message
                    .pointer("/payload/query")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let shape = nesting::check_document(query)
                    .map_err(|err| err.to_string())
                    .and_then(|()| match async_graphql::parser::parse_query(query) {
                        // The protocol reports a document that does not parse.
                        Err(_) => Ok(()),
                        Ok(doc) => self.shape_limits.check(&doc).map_err(|e| e.to_string()),
                    });
                if let Err(message) = shape {
                    return Verdict::Refuse(self.error_frame(&id, &message, "QUERY_TOO_COMPLEX"));
                }
                if !self.active.contains(&id) && self.active.len() >= self.max_subscriptions {
                    let message = format!(
                        "this socket already holds {} subscriptions, the most it may",
                        self.max_subscriptions
                    );
                    return Verdict::Refuse(self.error_frame(
                        &id,
                        &message,
                        "TOO_MANY_SUBSCRIPTIONS",
                    ));
                }
                self.active.insert(id);
                Verdict::Pass
            }
            (Some("complete" | "stop"), Some(id)) => {
                self.active.remove(&id);
                Verdict::Pass
            }
            _ => Verdict::Pass,
        }
    }

    /// What to send of a server message: as it is, rewritten, or nothing.
    /// A document the engine refused before running it (a syntax or
    /// validation error, which async-graphql sends as a `next` without codes,
    /// then `complete`) becomes one `error` frame with the codes HTTP gives,
    /// as the protocol asks, and its `complete` is dropped. Notes the
    /// operations the server ended.
    fn server_message(&mut self, text: String) -> Option<String> {
        if text.starts_with(r#"{"type":"complete""#)
            && let Ok(message) = serde_json::from_str::<Value>(&text)
            && let Some(id) = message.get("id").and_then(Value::as_str)
        {
            self.active.remove(id);
            return (!self.refused.remove(id)).then_some(text);
        }
        if (text.starts_with(r#"{"type":"next""#) || text.starts_with(r#"{"type":"data""#))
            && text.contains(r#""errors""#)
            && let Ok(message) = serde_json::from_str::<Value>(&text)
            && let Some(id) = message.get("id").and_then(Value::as_str)
            && let Some(frame) = self.refused_document(id, &message["payload"])
        {
            self.refused.insert(id.to_owned());
            return Some(frame);
        }
        Some(text)
    }

    /// The `error` frame for a response that refused its document: no data,
    /// and errors that carry no code (the engine's own).
    fn refused_document(&self, id: &str, payload: &Value) -> Option<String> {
        let errors = payload.get("errors")?.as_array()?;
        let refused = payload.get("data").is_none_or(Value::is_null)
            && !errors.is_empty()
            && errors
                .iter()
                .all(|e| e.pointer("/extensions/code").is_none());
        if !refused {
            return None;
        }
        let coded: Vec<Value> = errors
            .iter()
            .map(|e| {
                let mut e = e.clone();
                let message = e["message"].as_str().unwrap_or_default().to_owned();
                let (code, one_line) = crate::graphql::engine_error(&message, true);
                if let Some(one_line) = one_line {
                    e["message"] = Value::from(one_line);
                }
                e["extensions"] = json!({ "code": code });
                e
            })
            .collect();
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => Value::Array(coded),
            _ => coded.into_iter().next().unwrap_or_default(),
        };
        Some(json!({ "id": id, "type": "error", "payload": payload }).to_string())
    }

    /// An error that ends one operation, in the socket's protocol.
    fn error_frame(&self, id: &str, message: &str, code: &str) -> String {
        let error = json!({ "message": message, "extensions": { "code": code } });
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => json!([error]),
            _ => error,
        };
        json!({ "id": id, "type": "error", "payload": payload }).to_string()
    }
}

async fn serve(
    socket: WebSocket,
    protocol: WebSocketProtocols,
    state: AppState,
    address: Option<IpAddr>,
) {
    let _open = state.metrics.websocket();
    let (mut sink, stream) = socket.split();
    let screen = Arc::new(Mutex::new(Screen {
        protocol,
        max_subscriptions: state.config.http.max_subscriptions_per_socket,
        shape_limits: ShapeLimits::from(&state.config.limits),
        active: HashSet::new(),
        refused: HashSet::new(),
    }));
    let (verdicts, mut refusals) = tokio::sync::mpsc::unbounded_channel::<Verdict>();
    let reader_screen = screen.clone();
    // When the client last sent anything (a pong included), for keep-alive.
    let heard = Arc::new(Mutex::new(std::time::Instant::now()));
    let reader_heard = heard.clone();
    let input = stream
        .take_while(|msg| futures::future::ready(msg.is_ok()))
        .filter_map(move |msg| {
            *reader_heard.lock().unwrap_or_else(|e| e.into_inner()) = std::time::Instant::now();
            let bytes = match msg {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            };
            let passed = bytes.filter(|bytes| {
                let verdict = reader_screen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .client_message(bytes);
                verdict == Verdict::Pass || {
                    let _ = verdicts.send(verdict);
                    false
                }
            });
            futures::future::ready(passed)
        });
    let secret: Arc<Mutex<Option<String>>> = Arc::default();
    let init_state = state.clone();
    let init_secret = secret.clone();
    let mut protocol_stream =
        async_graphql::http::WebSocket::new(state.schema.clone(), input, protocol)
            .on_connection_init(move |payload| {
                authenticate(init_state, payload, init_secret, address)
            })
            .keepalive_timeout(None);
    let deadline = tokio::time::sleep(state.config.http.ws_init_timeout());
    tokio::pin!(deadline);
    let mut recheck = TokenRecheck::new(&state);
    let mut acknowledged = false;
    let ping_every = state.config.http.ws_ping();
    let mut ping = tokio::time::interval(ping_every.unwrap_or(Duration::from_secs(3600)));
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            _ = ping.tick(), if ping_every.is_some() => {
                let every = ping_every.unwrap_or_default();
                let silent = heard.lock().unwrap_or_else(|e| e.into_inner()).elapsed();
                if silent > 2 * every {
                    let frame = CloseFrame { code: 1001, reason: "Going away: no answer to pings".into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            message = protocol_stream.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if !acknowledged && text.contains("connection_ack") {
                        acknowledged = true;
                    }
                    let sent = screen.lock().unwrap_or_else(|e| e.into_inner()).server_message(text);
                    if let Some(text) = sent
                        && sink.send(Message::Text(text.into())).await.is_err()
                    {
                        break;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let _ = sink.send(Message::Close(Some(close_frame(code, reason)))).await;
                    break;
                }
                None => break,
            },
            Some(verdict) = refusals.recv() => match verdict {
                Verdict::Refuse(frame) => {
                    if sink.send(Message::Text(frame.into())).await.is_err() {
                        break;
                    }
                }
                Verdict::Close(code, reason) => {
                    let _ = sink.send(Message::Close(Some(close_frame(code, reason)))).await;
                    break;
                }
                Verdict::Pass => {}
            },
            _ = state.shutdown.cancelled() => {
                let frame = CloseFrame { code: 1001, reason: "Going away: the server is shutting down".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            _ = &mut deadline, if !acknowledged => {
                let frame = CloseFrame { code: 4408, reason: "Connection initialisation timeout".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            heard = recheck.due(), if acknowledged => {
                if !heard || !token_still_valid(&state, current(&secret).as_deref()).await {
                    let _ = sink.send(Message::Close(Some(revoked_frame()))).await;
                    break;
                }
            }
        }
    }
    let _ = sink.close().await;
}

/// The socket's secret, once connection_init gave one.
fn current(secret: &Mutex<Option<String>>) -> Option<String> {
    secret.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn revoked_frame() -> CloseFrame {
    CloseFrame {
        code: 4403,
        reason: "Forbidden: the token has been revoked".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_from_connection_init() {
        assert_eq!(
            secret_of(&json!({"Authorization": "Bearer qk_a"})).as_deref(),
            Some("qk_a")
        );
        assert_eq!(
            secret_of(&json!({"authorization": "qk_b"})).as_deref(),
            Some("qk_b")
        );
        assert_eq!(
            secret_of(&json!({"headers": {"Authorization": "Bearer qk_c"}})).as_deref(),
            Some("qk_c")
        );
        assert_eq!(secret_of(&json!({})), None);
        assert_eq!(secret_of(&Value::Null), None);
    }

    #[test]
    fn close_codes_come_from_the_error_text() {
        assert_eq!(
            close_frame(1002, "4403: the token is not valid".into()).code,
            4403
        );
        assert_eq!(close_frame(1002, "4401: send a token".into()).code, 4401);
        assert_eq!(
            close_frame(1011, "The handshake is not completed.".into()).code,
            4401
        );
        assert_eq!(close_frame(1002, "bad message".into()).code, 1002);
    }
}
