//! One subscriber's feed: events of one project after a cursor, first
//! replayed from the table, then live from the hub, with no gap and no
//! duplicate. A subscriber that falls behind the hub's buffer catches up from
//! the table again, so a slow client costs memory only up to the buffer.

use std::sync::Arc;

use entity::event;
use futures::Stream;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::reader::{Event, EventHub, is_pruned};
use crate::db::Db;
use crate::domain::{DomainError, DomainResult};

const PAGE: u64 = 500;

/// Events of `project_id` after position `after` (None: from now on).
pub(crate) async fn feed(
    hub: Arc<EventHub>,
    db: Db,
    project_id: Uuid,
    after: Option<i64>,
) -> DomainResult<impl Stream<Item = DomainResult<Event>> + Send + 'static> {
    if let Some(after) = after
        && is_pruned(&db.conn, after).await?
    {
        return Err(DomainError::NotFound {
            kind: "event cursor",
            id: format!(
                "{after} (older than the event retention; subscribe without `after` and re-read the state)"
            ),
        });
    }
    // Subscribe before reading the head, so that nothing falls in between.
    let mut live = hub.subscribe();
    let mut cursor = after.unwrap_or_else(|| hub.head());
    Ok(async_stream::try_stream! {
        loop {
            // Catch up from the table, up to what the reader has made final.
            loop {
                let head = hub.head();
                if cursor >= head {
                    break;
                }
                let rows = event::Entity::find()
                    .filter(event::Column::ProjectId.eq(project_id))
                    .filter(event::Column::Position.gt(cursor))
                    .filter(event::Column::Position.lte(head))
                    .order_by_asc(event::Column::Position)
                    .limit(PAGE)
                    .all(&db.conn)
                    .await
                    .map_err(DomainError::from)?;
                let last_page = (rows.len() as u64) < PAGE;
                for row in rows {
                    cursor = row.position;
                    yield Arc::new(row.into());
                }
                if last_page {
                    cursor = cursor.max(head);
                }
            }
            // Then live.
            loop {
                match live.recv().await {
                    Ok(event) => {
                        if event.position <= cursor {
                            continue;
                        }
                        cursor = event.position;
                        if event.project_id == project_id {
                            yield event;
                        }
                    }
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return,
                }
            }
        }
    })
}
