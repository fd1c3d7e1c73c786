//! GraphQL over WebSocket at /graphql/ws: graphql-transport-ws (the
//! graphql-ws library) and the older subscriptions-transport-ws. The token
//! travels in connection_init's payload as `{"Authorization": "Bearer ..."}`.
//!
//! Close codes of graphql-transport-ws: 4401 when the token is missing (or a
//! subscribe comes before the acknowledgement), 4403 when it is not valid,
//! 4408 when connection_init does not arrive in time.

use std::time::Duration;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql::{Data, Error};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::Value;

use crate::app::AppState;
use crate::domain::tokens;
use crate::graphql::loaders::new_loaders;

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
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
        .on_upgrade(move |socket| serve(socket, protocol, state))
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

async fn authenticate(state: AppState, payload: Value) -> async_graphql::Result<Data> {
    let Some(secret) = secret_of(&payload) else {
        return Err(Error::new(
            "4401: send {\"Authorization\": \"Bearer <token>\"} in connection_init",
        ));
    };
    let principal = tokens::authenticate(&state.db, &secret)
        .await
        .map_err(|e| Error::new(format!("4403: {e}")))?;
    state.token_usage.touch(principal.actor.id);
    let mut data = Data::default();
    data.insert(principal);
    // No cache across events: each event shows the current state.
    let loaders = new_loaders(state.db.clone(), state.batch_delay);
    loaders.enable_all_cache(false);
    data.insert(loaders);
    Ok(data)
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

async fn serve(socket: WebSocket, protocol: WebSocketProtocols, state: AppState) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|msg| futures::future::ready(msg.is_ok()))
        .filter_map(|msg| {
            futures::future::ready(match msg {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let init_state = state.clone();
    let mut protocol_stream =
        async_graphql::http::WebSocket::new(state.schema.clone(), input, protocol)
            .on_connection_init(move |payload| authenticate(init_state, payload))
            .keepalive_timeout(None);
    let deadline = tokio::time::sleep(state.ws_init_timeout.max(Duration::from_millis(10)));
    tokio::pin!(deadline);
    let mut acknowledged = false;
    loop {
        tokio::select! {
            message = protocol_stream.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if !acknowledged && text.contains("connection_ack") {
                        acknowledged = true;
                    }
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let _ = sink.send(Message::Close(Some(close_frame(code, reason)))).await;
                    break;
                }
                None => break,
            },
            _ = &mut deadline, if !acknowledged => {
                let frame = CloseFrame { code: 4408, reason: "Connection initialisation timeout".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
        }
    }
    let _ = sink.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
