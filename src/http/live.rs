//! What both subscription transports (graphql-ws in `ws`, Server-Sent
//! Events in `sse`) share: the data a subscription runs with, and when and
//! how its token is checked again while it stays open.

use std::time::Duration;

use async_graphql::Data;
use tokio::time::{Interval, MissedTickBehavior};

use super::AppState;
use crate::auth;
use crate::domain::{DomainError, Principal};
use crate::graphql::loaders::new_loaders;

/// What a subscription's resolvers read: its caller, and loaders without a
/// cache across events, so that each event shows the current state.
pub(crate) fn subscription_data(state: &AppState, principal: Principal) -> Data {
    let mut data = Data::default();
    data.insert(principal);
    let loaders = new_loaders(
        state.db.clone(),
        state.store.clone(),
        state.config.http.batch_delay(),
        None,
    );
    loaders.enable_all_cache(false);
    data.insert(loaders);
    data
}

/// When an open subscription's token is checked again: on every revocation
/// through this server, and every token-cache lifetime for revocations
/// made elsewhere.
pub(crate) struct TokenRecheck {
    revocations: tokio::sync::watch::Receiver<u64>,
    every: Interval,
}

impl TokenRecheck {
    /// Starts counting from now: the token was just checked.
    pub(crate) fn new(state: &AppState) -> Self {
        let period = state.token_cache.ttl().max(Duration::from_millis(500));
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        TokenRecheck {
            revocations: state.token_cache.revocations(),
            every,
        }
    }

    /// Waits until a check is due (cancel-safe, so it can stand in a
    /// `select!`). False when revocations can no longer be heard: the
    /// token is then taken as revoked.
    pub(crate) async fn due(&mut self) -> bool {
        tokio::select! {
            changed = self.revocations.changed() => changed.is_ok(),
            _ = self.every.tick() => true,
        }
    }
}

/// Whether `secret` still authenticates. A database error keeps the
/// subscription open: it is not the token's fault.
pub(crate) async fn token_still_valid(state: &AppState, secret: Option<&str>) -> bool {
    let Some(secret) = secret else { return true };
    !matches!(
        auth::authenticate_secret(&state.db, &state.token_cache, secret).await,
        Err(DomainError::Unauthenticated(_))
    )
}
