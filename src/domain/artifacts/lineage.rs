//! Lineage: which artifact versions fed the run that made a version, and
//! what fed those, level by level: one query per level, whatever the width.

use std::collections::HashSet;

use entity::{RunArtifactDirection, artifact_version as version, run_artifact};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::domain::Session;
use crate::domain::error::{DomainError, DomainResult};

/// The deepest [`upstream`] walks: bounds the queries one request can cost.
pub(crate) const MAX_DEPTH: i32 = 10;

/// One upstream step: `version` was read by run `via_run` on the way to the
/// starting version, `depth` runs up.
#[derive(Debug, Clone)]
pub(crate) struct Upstream {
    /// How many runs up from the starting version, from 1.
    pub depth: i32,
    /// The run that read `version`.
    pub via_run: Uuid,
    /// The upstream version.
    pub version: version::Model,
}

/// The versions upstream of `start`, `depth` levels of runs up (1 to
/// [`MAX_DEPTH`], else VALIDATION_FAILED), each once, at its shallowest
/// depth; versions the caller cannot see are left out, and so is what lies
/// beyond them.
pub(crate) async fn upstream(
    s: Session<'_>,
    start: &version::Model,
    depth: i32,
) -> DomainResult<Vec<Upstream>> {
    if !(1..=MAX_DEPTH).contains(&depth) {
        return Err(DomainError::validation(format!(
            "depth must be 1 to {MAX_DEPTH}"
        )));
    }
    let mut out = Vec::new();
    let mut seen: HashSet<Uuid> = HashSet::from([start.id]);
    let mut runs: Vec<Uuid> = start.source_run_id.into_iter().collect();
    for level in 1..=depth {
        if runs.is_empty() {
            break;
        }
        let rows = run_artifact::Entity::find()
            .filter(
                s.db.dialect()
                    .uuid_in(run_artifact::Column::RunId, runs.clone()),
            )
            .filter(run_artifact::Column::Direction.eq(RunArtifactDirection::Input))
            .order_by_asc(run_artifact::Column::RunId)
            .order_by_asc(run_artifact::Column::Sort)
            .find_also_related(version::Entity)
            .all(&s.db.conn)
            .await?;
        let mut next_runs = Vec::new();
        for (link, found) in rows {
            let Some(v) = found else { continue };
            if !seen.insert(v.id) || !s.principal.can_see(v.project_id) {
                continue;
            }
            if let Some(r) = v.source_run_id
                && !next_runs.contains(&r)
            {
                next_runs.push(r);
            }
            out.push(Upstream {
                depth: level,
                via_run: link.run_id,
                version: v,
            });
        }
        runs = next_runs;
    }
    Ok(out)
}
