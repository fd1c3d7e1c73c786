//! The transactional outbox: each state change appends one row in the
//! transaction that makes the change, so that subscribers see exactly the
//! changes that committed.
//!
//! What happened is one typed [`Change`]. A row stores it as its `kind`
//! column (the variant's tag, e.g. `version.status`) and its `payload` (the
//! variant's fields, as JSON), so the rows stay readable in SQL; statuses are
//! their stored words (`APPROVED`) and IDs their public form (`apv_…`).

use chrono::{DateTime, Utc};
use entity::{RunStatus, VersionStatus};
use sea_orm::{ActiveValue::NotSet, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::{Dialect, WriteTxn};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind, new_id};

/// The PostgreSQL NOTIFY channel that tells every process's event reader
/// that new events have committed.
pub(crate) const CHANNEL: &str = "quire_events";

/// A state change, as recorded in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Change {
    /// A run was started.
    #[serde(rename = "run.created")]
    RunCreated {
        /// The status it started in.
        #[serde(with = "stored_word")]
        status: RunStatus,
    },
    /// A run recorded a step or changed status.
    #[serde(rename = "run.updated")]
    RunUpdated {
        /// The run's status after the change.
        #[serde(with = "stored_word")]
        status: RunStatus,
        /// The step recorded, if that was the change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<PublicId>,
    },
    /// A step of a run got its summary (written once, after the step).
    #[serde(rename = "run.step_summarized")]
    StepSummarized {
        /// The run's status at the time.
        #[serde(with = "stored_word")]
        status: RunStatus,
        /// The step summarized.
        step: PublicId,
    },
    /// A version was created, PENDING review.
    #[serde(rename = "version.created", rename_all = "camelCase")]
    VersionCreated {
        /// The version's schema key.
        schema_key: String,
        /// Its number within the key.
        version_number: i32,
        /// Whether a policy's rule approved it in the transaction that
        /// created it: then it never joins the review queue.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reviewed_on_creation: bool,
    },
    /// A version's review status changed.
    #[serde(rename = "version.status", rename_all = "camelCase")]
    VersionStatus {
        /// The status it left.
        #[serde(with = "stored_word")]
        from: VersionStatus,
        /// The status it entered.
        #[serde(with = "stored_word")]
        to: VersionStatus,
        /// The version's schema key.
        schema_key: String,
        /// The review that made the change (none for a supersession).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approval: Option<PublicId>,
        /// Whether the change was a rule's, in the transaction that created
        /// the version (it leaves no review queue it never joined).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reviewed_on_creation: bool,
    },
    /// Versions were promoted into the project's context.
    #[serde(rename = "context.promoted", rename_all = "camelCase")]
    ContextPromoted {
        /// The context version the promotion produced.
        context_version: i32,
        /// The versions promoted, in order.
        promoted: Vec<PublicId>,
    },
    /// A kind this build does not know (written by a newer one); skipped.
    #[serde(other)]
    Unknown,
}

/// How a change moved a version relative to its project's review queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueueMove {
    /// The version became PENDING (it was created).
    Joined,
    /// The version left PENDING (approved, rejected or sent back).
    Left,
}

impl Change {
    /// The version status this change announces (which the version may have
    /// moved on from since): PENDING for a new version, the new status of a
    /// status change.
    pub(crate) fn announced_version_status(&self) -> Option<VersionStatus> {
        match self {
            Change::VersionCreated { .. } => Some(VersionStatus::Pending),
            Change::VersionStatus { to, .. } => Some(*to),
            _ => None,
        }
    }

    /// The status a version moved from (None: it is new) and to, for a
    /// change that created a version or moved its status.
    pub(crate) fn version_move(&self) -> Option<(Option<VersionStatus>, VersionStatus)> {
        match self {
            Change::VersionCreated { .. } => Some((None, VersionStatus::Pending)),
            Change::VersionStatus { from, to, .. } => Some((Some(*from), *to)),
            _ => None,
        }
    }

    /// The run status this change announces.
    pub(crate) fn announced_run_status(&self) -> Option<RunStatus> {
        match self {
            Change::RunCreated { status }
            | Change::RunUpdated { status, .. }
            | Change::StepSummarized { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether this is a change to a run (its subject is the run).
    pub(crate) fn is_run(&self) -> bool {
        matches!(
            self,
            Change::RunCreated { .. } | Change::RunUpdated { .. } | Change::StepSummarized { .. }
        )
    }

    /// The step a run change recorded or summarized.
    pub(crate) fn step(&self) -> Option<Uuid> {
        match self {
            Change::RunUpdated { step, .. } => step.map(|p| p.id),
            Change::StepSummarized { step, .. } => Some(step.id),
            _ => None,
        }
    }

    /// Whether this creates a run or a version rather than changing one.
    pub(crate) fn is_creation(&self) -> bool {
        matches!(
            self,
            Change::RunCreated { .. } | Change::VersionCreated { .. }
        )
    }

    /// The schema key of a change to a version (its subject is the version).
    pub(crate) fn version_key(&self) -> Option<&str> {
        match self {
            Change::VersionCreated { schema_key, .. }
            | Change::VersionStatus { schema_key, .. } => Some(schema_key),
            _ => None,
        }
    }

    /// The review-queue rule: a version is in its project's queue while it
    /// is PENDING.
    pub(crate) fn queue_move(&self) -> Option<QueueMove> {
        match self {
            Change::VersionCreated {
                reviewed_on_creation: false,
                ..
            } => Some(QueueMove::Joined),
            Change::VersionStatus {
                from: VersionStatus::Pending,
                reviewed_on_creation: false,
                ..
            } => Some(QueueMove::Left),
            _ => None,
        }
    }

    /// The row's `kind` and `payload`.
    fn to_row(&self) -> DomainResult<(String, Value)> {
        let tagged =
            serde_json::to_value(self).map_err(|e| DomainError::Internal(e.to_string()))?;
        match (tagged.get("kind"), tagged.get("payload")) {
            (Some(Value::String(kind)), payload) => {
                Ok((kind.clone(), payload.cloned().unwrap_or_else(|| json!({}))))
            }
            _ => Err(DomainError::Internal(format!(
                "an event without a kind: {tagged}"
            ))),
        }
    }

    /// The change a row records; [`Change::Unknown`] (logged) for a payload
    /// this build cannot read.
    fn from_row(kind: &str, payload: &Value) -> Change {
        let tagged = json!({ "kind": kind, "payload": payload });
        serde_json::from_value(tagged).unwrap_or_else(|err| {
            tracing::warn!(kind, %err, "an outbox event this build cannot read; skipped");
            Change::Unknown
        })
    }
}

/// One committed outbox event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    /// Its place in the outbox: events are delivered in this order, and a
    /// subscription resumes after one.
    pub position: i64,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// What it is about: the run, the version, or (for a promotion) the project.
    pub subject: Uuid,
    /// What happened.
    pub change: Change,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<entity::event::Model> for Event {
    fn from(row: entity::event::Model) -> Self {
        Event {
            position: row.position,
            project_id: row.project_id,
            subject: row.entity_id,
            change: Change::from_row(&row.kind, &row.payload),
            created_at: row.created_at,
        }
    }
}

/// Records `change` to `subject` in the transaction that makes it.
pub async fn append(
    txn: &WriteTxn,
    project_id: Uuid,
    subject: Uuid,
    change: Change,
) -> DomainResult<()> {
    if let Some((from, to)) = change.version_move() {
        crate::domain::write::version_counts::moved(txn, project_id, from, to);
    }
    let (kind, payload) = change.to_row()?;
    let row = entity::event::ActiveModel {
        position: NotSet,
        id: Set(new_id()),
        project_id: Set(project_id),
        kind: Set(kind),
        entity_id: Set(subject),
        payload: Set(payload),
        created_at: Set(Utc::now()),
    };
    entity::event::Entity::insert(row).exec(txn).await?;
    // Delivered at commit, to the readers of every process.
    Dialect::of(txn).notify(txn, CHANNEL).await?;
    Ok(())
}

/// Deletes events older than `retention` and records how far it went, so
/// that resuming from a pruned cursor fails clearly. Returns how many.
pub(crate) async fn prune(db: &crate::db::Db, retention: std::time::Duration) -> DomainResult<u64> {
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let cutoff =
        Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(7));
    crate::domain::write::transact(db, |txn| async move {
        let highest: Option<Option<i64>> = entity::event::Entity::find()
            .select_only()
            .column_as(entity::event::Column::Position.max(), "highest")
            .filter(entity::event::Column::CreatedAt.lt(cutoff))
            .into_tuple()
            .one(&txn)
            .await?;
        let Some(through) = highest.flatten() else {
            return Ok(0);
        };
        let deleted = entity::event::Entity::delete_many()
            .filter(entity::event::Column::Position.lte(through))
            .exec(&txn)
            .await?;
        entity::outbox_state::Entity::update_many()
            .col_expr(
                entity::outbox_state::Column::PrunedThrough,
                sea_orm::sea_query::Expr::value(through),
            )
            .filter(entity::outbox_state::Column::Id.eq(1))
            .filter(entity::outbox_state::Column::PrunedThrough.lt(through))
            .exec(&txn)
            .await?;
        Ok(deleted.rows_affected)
    })
    .await
}

/// A public ID (`apv_…`) in a payload: written in its public form, read
/// back with its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicId {
    /// What it names.
    pub kind: IdKind,
    /// The row.
    pub id: Uuid,
}

impl PublicId {
    /// `id` of `kind`.
    pub fn new(kind: IdKind, id: Uuid) -> Self {
        PublicId { kind, id }
    }
}

impl Serialize for PublicId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&ids::encode(self.kind, self.id))
    }
}

impl<'de> Deserialize<'de> for PublicId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ids::parse_any(&text)
            .map(|(kind, id)| PublicId { kind, id })
            .ok_or_else(|| serde::de::Error::custom(format!("not a public ID: {text:?}")))
    }
}

/// A status as its stored word (`APPROVED`), the form the API also shows.
mod stored_word {
    use sea_orm::ActiveEnum;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(in crate::domain) fn serialize<E, S>(status: &E, serializer: S) -> Result<S::Ok, S::Error>
    where
        E: ActiveEnum<Value = String>,
        S: Serializer,
    {
        serializer.serialize_str(&status.to_value())
    }

    pub(in crate::domain) fn deserialize<'de, E, D>(deserializer: D) -> Result<E, D::Error>
    where
        E: ActiveEnum<Value = String>,
        D: Deserializer<'de>,
    {
        let word = String::deserialize(deserializer)?;
        E::try_from_value(&word).map_err(|_| serde::de::Error::custom(format!("{word:?}")))
    }
}

/// The newest event's position through `conn` (0 when there is none): where
/// a reader or a new webhook starts so as to see only what comes after.
pub(crate) async fn head(conn: &impl sea_orm::ConnectionTrait) -> Result<i64, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, QuerySelect};
    let highest: Option<Option<i64>> = entity::event::Entity::find()
        .select_only()
        .column_as(entity::event::Column::Position.max(), "highest")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(highest.flatten().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows keep the shape that earlier builds wrote, so that events
    /// written before an upgrade are still delivered after it.
    #[test]
    fn rows_keep_their_shape() {
        let approval = Uuid::now_v7();
        let change = Change::VersionStatus {
            from: VersionStatus::Pending,
            to: VersionStatus::Approved,
            schema_key: "brand.palette".into(),
            approval: Some(PublicId::new(IdKind::Approval, approval)),
            reviewed_on_creation: false,
        };
        let (kind, payload) = change.to_row().unwrap();
        assert_eq!(kind, "version.status");
        assert_eq!(
            payload,
            json!({
                "from": "PENDING",
                "to": "APPROVED",
                "schemaKey": "brand.palette",
                "approval": ids::encode(IdKind::Approval, approval),
            })
        );
        assert_eq!(Change::from_row(&kind, &payload), change);

        // An earlier build also wrote the status of a new version.
        let old = json!({ "schemaKey": "scope", "status": "PENDING", "versionNumber": 3 });
        assert_eq!(
            Change::from_row("version.created", &old),
            Change::VersionCreated {
                schema_key: "scope".into(),
                version_number: 3,
                reviewed_on_creation: false,
            }
        );
        let run = json!({ "status": "RUNNING" });
        assert_eq!(
            Change::from_row("run.updated", &run).announced_run_status(),
            Some(RunStatus::Running)
        );
    }

    #[test]
    fn unknown_and_unreadable_rows_are_skipped() {
        assert_eq!(
            Change::from_row("artifact.archived", &json!({})),
            Change::Unknown
        );
        assert_eq!(
            Change::from_row("version.status", &json!({ "to": "SIDEWAYS" })),
            Change::Unknown
        );
    }

    #[test]
    fn the_queue_holds_pending_versions() {
        let created = Change::VersionCreated {
            schema_key: "k".into(),
            version_number: 1,
            reviewed_on_creation: false,
        };
        assert_eq!(created.queue_move(), Some(QueueMove::Joined));
        // Approved by a rule as it was created: never in the queue.
        let approved_at_once = Change::VersionCreated {
            schema_key: "k".into(),
            version_number: 2,
            reviewed_on_creation: true,
        };
        assert_eq!(approved_at_once.queue_move(), None);
        let by_rule = Change::VersionStatus {
            from: VersionStatus::Pending,
            to: VersionStatus::Approved,
            schema_key: "k".into(),
            approval: None,
            reviewed_on_creation: true,
        };
        assert_eq!(by_rule.queue_move(), None);
        let left = |from, to| Change::VersionStatus {
            from,
            to,
            schema_key: "k".into(),
            approval: None,
            reviewed_on_creation: false,
        };
        assert_eq!(
            left(VersionStatus::Pending, VersionStatus::Rejected).queue_move(),
            Some(QueueMove::Left)
        );
        assert_eq!(
            left(VersionStatus::Approved, VersionStatus::Superseded).queue_move(),
            None
        );
    }
}
