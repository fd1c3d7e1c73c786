//! The outbox reader and its broadcast channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use entity::event;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::{Notify, broadcast};

use crate::db::Db;
use crate::domain::write::events::CHANNEL;

#[derive(Debug, Clone)]
pub(crate) struct HubConfig {
    /// Poll even without a wake-up this often.
    pub poll_interval: Duration,
    /// Skip a gap that nothing explains after this long.
    pub gap_timeout: Duration,
    /// Events buffered per subscriber before it must catch up from the table.
    pub capacity: usize,
    /// The database URL, for the PostgreSQL listener.
    pub database_url: String,
}

impl HubConfig {
    /// As `events` says, for the database at `database_url`.
    pub(crate) fn new(
        events: &crate::config::EventsConfig,
        database_url: impl Into<String>,
    ) -> Self {
        HubConfig {
            poll_interval: events.poll_interval(),
            gap_timeout: GAP_TIMEOUT,
            capacity: events.subscriber_buffer,
            database_url: database_url.into(),
        }
    }
}

impl Default for HubConfig {
    /// The configuration's defaults, with no database URL (no listener).
    fn default() -> Self {
        HubConfig::new(&crate::config::EventsConfig::default(), String::new())
    }
}

/// How long a gap that nothing explains is waited on before it is skipped.
const GAP_TIMEOUT: Duration = Duration::from_secs(30);

/// An event as the hub hands it out: decoded once, shared by every subscriber.
pub(crate) type Event = Arc<crate::domain::write::events::Event>;

pub(crate) struct EventHub {
    sender: broadcast::Sender<Event>,
    wake: Notify,
    /// The last position handed out: every event at or below it is final.
    head: AtomicI64,
    /// Events the reader took out of the table (for /metrics: lag and rate).
    pub delivered: AtomicI64,
    /// What recent events' subscribers loaded, so that a thousand
    /// subscribers of one event cost one query, not a thousand.
    loaded: std::sync::Mutex<std::collections::VecDeque<(i64, Loaded)>>,
}

type Loaded = Arc<tokio::sync::OnceCell<Arc<dyn std::any::Any + Send + Sync>>>;

/// Recent events whose loaded entities are kept.
const LOADED_KEPT: usize = 512;

/// A hole in the positions that the reader is waiting on.
struct Gap {
    first_seen: Instant,
    /// On PostgreSQL: a transaction id assigned after the gap was seen, so
    /// above that of every transaction that could hold the gap's positions;
    /// the gap is explained once no transaction below it is running.
    after_xid: Option<i64>,
    /// Every writer that could fill the gap had ended when last checked. The
    /// gap may only be skipped if a read of the table made after that check
    /// still shows it: an event that committed just before the check but
    /// after the previous read must be delivered, not skipped.
    settled: bool,
}

impl EventHub {
    /// Starts the reader (and, on PostgreSQL, the listener) for this process.
    pub(crate) async fn start(db: Db, config: HubConfig) -> Result<Arc<EventHub>, sea_orm::DbErr> {
        let head = latest_position(&db).await?;
        let (sender, _) = broadcast::channel(config.capacity.max(16));
        let hub = Arc::new(EventHub {
            sender,
            wake: Notify::new(),
            head: AtomicI64::new(head),
            delivered: AtomicI64::new(0),
            loaded: Default::default(),
        });
        if db.dialect().notifies() && !config.database_url.is_empty() {
            tokio::spawn(listen(Arc::downgrade(&hub), config.database_url.clone()));
        }
        tokio::spawn(read_loop(Arc::downgrade(&hub), db, config));
        Ok(hub)
    }

    /// Tells the reader that new events may have committed.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    pub(crate) fn head(&self) -> i64 {
        self.head.load(Ordering::Acquire)
    }

    /// Loads what event `position` is about once for all its subscribers.
    pub(crate) async fn load_once<T, E, F>(&self, position: i64, load: F) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<T, E>>,
    {
        let cell = {
            let mut recent = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
            match recent.iter().find(|(p, _)| *p == position) {
                Some((_, cell)) => cell.clone(),
                None => {
                    let cell: Loaded = Default::default();
                    recent.push_back((position, cell.clone()));
                    if recent.len() > LOADED_KEPT {
                        recent.pop_front();
                    }
                    cell
                }
            }
        };
        let value = cell
            .get_or_try_init(|| async {
                load.await
                    .map(|v| Arc::new(v) as Arc<dyn std::any::Any + Send + Sync>)
            })
            .await?;
        Ok(value
            .downcast_ref::<T>()
            .cloned()
            .expect("one type per event position"))
    }

    pub(crate) fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// The newest event's position (0 when there is none).
pub(crate) async fn latest_position(db: &Db) -> Result<i64, sea_orm::DbErr> {
    crate::domain::write::events::head(&db.conn).await
}

async fn read_loop(hub: std::sync::Weak<EventHub>, db: Db, config: HubConfig) {
    let mut gap: Option<Gap> = None;
    loop {
        let Some(strong) = hub.upgrade() else { return };
        let wait = match &gap {
            Some(g) if g.settled => Duration::ZERO,
            Some(_) => Duration::from_millis(20),
            None => config.poll_interval,
        };
        tokio::select! {
            _ = strong.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        if let Err(err) = read_batch(&strong, &db, &config, &mut gap).await {
            tracing::warn!(error = %err, "event reader: reading the outbox failed");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// Hands out every event that is final, in order; returns when it meets the
/// end of the table or an unexplained gap.
async fn read_batch(
    hub: &EventHub,
    db: &Db,
    config: &HubConfig,
    gap: &mut Option<Gap>,
) -> Result<(), sea_orm::DbErr> {
    loop {
        let head = hub.head();
        let rows = event::Entity::find()
            .filter(event::Column::Position.gt(head))
            .order_by_asc(event::Column::Position)
            .limit(500)
            .all(&db.conn)
            .await?;
        if rows.is_empty() {
            *gap = None;
            return Ok(());
        }
        let full = rows.len() == 500;
        let mut next = head;
        for row in rows {
            if row.position != next + 1 {
                if !gap_explained(db, config, gap).await {
                    return Ok(());
                }
                tracing::debug!(
                    from = next + 1,
                    to = row.position - 1,
                    "event reader: skipping rolled-back positions"
                );
            }
            *gap = None;
            next = row.position;
            hub.head.store(next, Ordering::Release);
            hub.delivered.fetch_add(1, Ordering::Relaxed);
            // No receivers is fine: nobody is listening right now.
            let _ = hub.sender.send(Arc::new(row.into()));
        }
        if !full {
            return Ok(());
        }
    }
}

/// Whether the gap in front of the reader can be skipped as rolled back.
async fn gap_explained(db: &Db, config: &HubConfig, gap: &mut Option<Gap>) -> bool {
    let dialect = db.dialect();
    let Some(seen) = gap else {
        let after_xid = if dialect.serial_writers() {
            None
        } else {
            // Without an id the gap cannot be reasoned about yet: look
            // again on the next read rather than wait for the timeout.
            match dialect.new_transaction_id(&db.conn).await {
                Some(xid) => Some(xid),
                None => return false,
            }
        };
        *gap = Some(Gap {
            first_seen: Instant::now(),
            after_xid,
            settled: false,
        });
        return false;
    };
    if seen.settled {
        // The rows in hand were read after every possible writer had ended,
        // and the gap is still there: its events were rolled back.
        return true;
    }
    let age = seen.first_seen.elapsed();
    if age >= config.gap_timeout {
        tracing::warn!("event reader: skipping a gap unexplained after {age:?}");
        return true;
    }
    // Every transaction that was running when the gap was seen has ended.
    // Settle, and let the next read of the table decide.
    seen.settled = match seen.after_xid {
        // Serial writers commit in order: a gap that outlives a moment was
        // rolled back.
        _ if dialect.serial_writers() => age >= Duration::from_millis(200),
        Some(after) if age >= Duration::from_millis(50) => dialect
            .oldest_running_transaction(&db.conn)
            .await
            .is_some_and(|xmin| xmin > after),
        _ => false,
    };
    false
}

/// Wakes the reader on every NOTIFY; reconnects when the connection drops.
async fn listen(hub: std::sync::Weak<EventHub>, url: String) {
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(err) => {
                tracing::warn!(error = %err, "event listener: cannot connect");
                tokio::time::sleep(Duration::from_secs(1)).await;
                if hub.upgrade().is_none() {
                    return;
                }
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %err, "event listener: LISTEN failed");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => match hub.upgrade() {
                    Some(h) => h.wake(),
                    None => return,
                },
                // The connection was lost and re-established: notifications
                // may have been missed, so look at the table now.
                Ok(None) => match hub.upgrade() {
                    Some(h) => h.wake(),
                    None => return,
                },
                Err(err) => {
                    tracing::warn!(error = %err, "event listener: receive failed");
                    break;
                }
            }
        }
    }
}

/// Whether `position` is older than what the outbox still holds.
pub(crate) async fn is_pruned(
    db: &impl ConnectionTrait,
    position: i64,
) -> Result<bool, sea_orm::DbErr> {
    let state = entity::outbox_state::Entity::find_by_id(1).one(db).await?;
    Ok(state.is_some_and(|s| position < s.pruned_through))
}
