//! The server: binds, serves the HTTP router, runs housekeeping, and shuts
//! down gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::db::{Db, DbOptions};
use crate::http::{AppState, router};

/// A bound, running server.
pub struct Server {
    /// The address it listens on (the port chosen when it asked for 0).
    pub addr: SocketAddr,
    /// The state its handlers share.
    pub(crate) state: AppState,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    flusher: tokio::task::JoinHandle<()>,
    webhooks: tokio::task::JoinHandle<()>,
}

/// Housekeeping: writes the last-used times of tokens as often as
/// `config.tokens` says, every ten minutes prunes idempotency keys and
/// events past their time (`config.limits`, `config.events`), and once a
/// day (the first an hour after start) applies the projects' retention
/// policies.
async fn background(state: AppState) {
    const PRUNE_EVERY: Duration = Duration::from_secs(600);
    const RETAIN_EVERY: Duration = Duration::from_secs(24 * 3600);
    let config = &state.config;
    let mut ticks = tokio::time::interval(config.tokens.usage_flush_interval());
    let mut last_prune: Option<tokio::time::Instant> = None;
    let mut next_retention = tokio::time::Instant::now() + Duration::from_secs(3600);
    loop {
        ticks.tick().await;
        if tokio::time::Instant::now() >= next_retention {
            next_retention = tokio::time::Instant::now() + RETAIN_EVERY;
            match crate::domain::retention::apply(&state.db, state.store.as_ref(), false).await {
                Ok(report) => tracing::info!(?report, "retention applied"),
                Err(err) => tracing::warn!(error = %err, "could not apply retention"),
            }
        }
        if let Err(err) = state.token_usage.flush(&state.db).await {
            tracing::warn!(error = %err, "could not record token usage");
        }
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(tokio::time::Instant::now());
            if let Err(err) =
                crate::domain::write::idempotency::prune(&state.db, config.limits.idempotency_ttl())
                    .await
            {
                tracing::warn!(error = %err, "could not prune idempotency keys");
            }
            if let Err(err) =
                crate::domain::write::events::prune(&state.db, config.events.retention()).await
            {
                tracing::warn!(error = %err, "could not prune events");
            }
        }
    }
}

/// The server without its socket: the routes every request goes through and
/// the housekeeping task, running. `Server::start_with` serves it on
/// `config.http.listen`; tests may also drive `router` in process.
pub struct App {
    state: AppState,
    /// Every route, with its layers.
    pub router: axum::Router,
    /// Cancelled to begin shutting down: open WebSockets close with 1001.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// Token usage and pruning, until aborted.
    pub housekeeping: tokio::task::JoinHandle<()>,
    /// The webhook sender, until `shutdown` is cancelled.
    pub webhooks: tokio::task::JoinHandle<()>,
}

impl App {
    /// Builds the state, the router and the housekeeping task over `db`
    /// (connected and migrated), without binding a socket.
    pub async fn new(db: Db, config: &ServeConfig) -> anyhow::Result<App> {
        let state = AppState::new(db, config).await?;
        let router = router(state.clone());
        let housekeeping = tokio::spawn(background(AppState {
            db: state.db.for_background(),
            ..state.clone()
        }));
        let webhooks = crate::webhooks::start(
            state.db.for_background(),
            config.webhooks.clone(),
            state.hub.clone(),
            state.shutdown.clone(),
        );
        Ok(App {
            shutdown: state.shutdown.clone(),
            state,
            router,
            housekeeping,
            webhooks,
        })
    }
}

impl Server {
    /// Connects, migrates, binds `config.http.listen` and serves until `shutdown` resolves.
    pub async fn start(
        config: &ServeConfig,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<Server> {
        let db = Db::connect_with(
            &config.database.database_url,
            &DbOptions::from(&config.database),
        )
        .await?;
        db.migrate().await?;
        Self::start_with(db, config, shutdown).await
    }

    /// Serves `db`, already connected and migrated, as `config` says.
    pub async fn start_with(
        db: Db,
        config: &ServeConfig,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<Server> {
        let App {
            state,
            router: app,
            housekeeping: flusher,
            webhooks,
            ..
        } = App::new(db, config).await?;
        let listen = config.http.listen;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let going_away = state.shutdown.clone();
        let handle = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                shutdown.await;
                going_away.cancel();
            })
            .await
        });
        Ok(Server {
            addr,
            state,
            handle,
            flusher,
            webhooks,
        })
    }

    /// The database it serves.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Waits until the server has shut down, then writes pending token usage.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.handle.await??;
        // Upgraded sockets outlive the HTTP server: give them the moment
        // they need to send their close frames.
        self.state.sockets.close();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.state.sockets.wait()).await;
        // The sender stops at the shutdown signal; let it give its leases back.
        let _ = tokio::time::timeout(Duration::from_secs(5), self.webhooks).await;
        self.flusher.abort();
        self.state.token_usage.flush(&self.state.db).await?;
        Ok(())
    }
}
