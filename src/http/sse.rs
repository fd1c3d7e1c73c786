//! GraphQL over Server-Sent Events: the graphql-sse protocol's "distinct
//! connections" mode, for clients and proxies that cannot hold a WebSocket.
//! A client POSTs one operation to /graphql with `Accept: text/event-stream`
//! and reads `next` events (each an execution result) and then `complete`;
//! closing the connection ends the subscription.
//!
//! It passes every check a WebSocket subscription passes: the bearer token
//! (and the failed-login limiter, which wraps the route), the nesting, depth
//! and alias screens, the codes of refused documents, resume by `after`
//! (an argument of the subscriptions themselves), and revocation: a revoked
//! token ends the stream, as it closes a socket.

use std::convert::Infallible;
use std::time::Duration;

use async_graphql::Request;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::json;

use super::AppState;
use super::live::{TokenRecheck, subscription_data, token_still_valid};
use crate::graphql::error::assign_codes;

/// Whether the client asks for an event stream first.
pub(crate) fn wanted(headers: &HeaderMap) -> bool {
    super::graphql::accepted(headers)
        .first()
        .is_some_and(|range| range == "text/event-stream")
}

/// `POST /graphql` with `Accept: text/event-stream`.
pub(crate) async fn post(state: AppState, headers: HeaderMap, body: Body) -> Response {
    let (principal, mut request) = match super::graphql::admit_single(&state, &headers, body).await
    {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    let secret = crate::auth::bearer(&headers).map(str::to_owned);
    request.data = subscription_data(&state, principal);
    let keep_alive = state
        .config
        .http
        .ws_ping()
        .unwrap_or(Duration::from_secs(20));
    let events = stream(state, request, secret);
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(keep_alive))
        .into_response()
}

/// The results as `next` events, then `complete`; a revoked token or a
/// server shutting down ends it early.
fn stream(
    state: AppState,
    request: Request,
    secret: Option<String>,
) -> impl futures::Stream<Item = Result<Event, Infallible>> {
    async_stream::stream! {
        let mut results = state.schema.execute_stream(request).boxed();
        let mut recheck = TokenRecheck::new(&state);
        let mut ended = None;
        loop {
            tokio::select! {
                next = results.next() => match next {
                    Some(mut response) => {
                        assign_codes(&mut response);
                        let data = serde_json::to_string(&response).unwrap_or_default();
                        yield Ok(Event::default().event("next").data(data));
                    }
                    None => break,
                },
                heard = recheck.due() => {
                    if !heard || !token_still_valid(&state, secret.as_deref()).await {
                        ended = Some(("UNAUTHENTICATED", "the token has been revoked"));
                        break;
                    }
                }
                _ = state.shutdown.cancelled() => {
                    ended = Some(("UNAVAILABLE", "the server is shutting down: subscribe again"));
                    break;
                }
            }
        }
        if let Some((code, message)) = ended {
            let error = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
            yield Ok(Event::default().event("next").data(error.to_string()));
        }
        yield Ok(Event::default().event("complete").data(""));
    }
}
