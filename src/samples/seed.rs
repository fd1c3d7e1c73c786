//! `quire seed`: a realistic data set for benchmarks, written with batched
//! inserts. Per project: runs of 3-8 steps with token usage and cost; many
//! schema keys, each with several versions in every status (one APPROVED,
//! older ones SUPERSEDED, some REJECTED or CHANGES_REQUESTED, the newest
//! PENDING); the approvals that explain those statuses; files linked to some
//! versions; and lineage (each run reads versions made by earlier runs).
//!
//! It bypasses the domain operations (and so writes no outbox events): it is
//! a loader for measurement, not a way to make data a client could not.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use chrono::{Duration, Utc};
use entity::{
    ActorType, Money, ReviewAction, RunArtifactDirection, RunStatus, VersionStatus, approval,
    artifact_version, artifact_version_file, file, project, run, run_artifact, run_step,
};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use crate::db::Db;
use crate::domain::digest::version_digest;
use crate::domain::ids::new_id;

/// How much benchmark data [`seed`] writes.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    /// Projects to create.
    pub projects: usize,
    /// Artifact versions in each project.
    pub versions_per_project: usize,
    /// Runs in each project.
    pub runs_per_project: usize,
}

/// Rows per INSERT: well under PostgreSQL's 65,535 bind parameters for the widest table.
const BATCH: usize = 1000;

async fn insert_all<A>(db: &Db, progress: &ProgressBar, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        let n = batch.len() as u64;
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec(&db.conn)
            .await?;
        progress.inc(n);
    }
    Ok(())
}

/// Rows written so far, with their rate, on a terminal; nothing otherwise
/// (the per-project lines still say how far it got).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}: {human_pos} rows ({per_sec})")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A deterministic pseudo-random sequence, so that runs of the seed compare.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

const MODELS: [(&str, &str, &str); 3] = [
    ("gpt-4o", "2.50", "10.00"),
    ("gpt-4o-mini", "0.15", "0.60"),
    ("claude-sonnet", "3.00", "15.00"),
];
const PIPELINES: [&str; 4] = ["brand-studio", "mvp-planner", "risk-review", "copywriter"];
const AREAS: [&str; 6] = ["brand", "mvp", "risk", "copy", "research", "launch"];

fn cost(tokens_in: i64, tokens_out: i64, model: usize) -> Money {
    let (_, i, o) = MODELS[model];
    let million = Decimal::from(1_000_000);
    let i: Decimal = i.parse().expect("a literal price");
    let o: Decimal = o.parse().expect("a literal price");
    Money(Decimal::from(tokens_in) * i / million + Decimal::from(tokens_out) * o / million)
}

/// Writes the plan; returns the slugs of the projects made.
pub async fn seed(
    db: &Db,
    plan: &SeedPlan,
    actor_id: Uuid,
    actor_name: &str,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let started = Instant::now();
    let progress = progress_bar();
    let mut slugs = Vec::new();
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    let base_time = Utc::now() - Duration::days(30);
    for p in 0..plan.projects {
        progress.set_message(format!("project {}/{}", p + 1, plan.projects));
        let now = Utc::now();
        let slug = format!("bench-{p}-{}", &new_id().simple().to_string()[24..]);
        let project_id = new_id();
        project::Entity::insert(project::ActiveModel::from(project::Model {
            id: project_id,
            slug: slug.clone(),
            name: format!("Benchmark project {p}"),
            context: json!({}),
            context_version: 0,
            created_at: now,
            updated_at: now,
            ..Default::default()
        }))
        .exec(&db.conn)
        .await?;

        // Runs and steps.
        let runs_n = plan.runs_per_project.max(1);
        let mut runs = Vec::with_capacity(runs_n);
        let mut steps = Vec::new();
        let mut step_ids = Vec::with_capacity(runs_n);
        for r in 0..runs_n {
            let model = r % MODELS.len();
            let id = new_id();
            let created = base_time + Duration::seconds((r as i64) * 30);
            let n_steps = dice.range(3, 8) as i32;
            let (mut tin, mut tout) = (0i64, 0i64);
            let mut last_step = None;
            for order in 1..=n_steps {
                let (si, so) = (dice.range(200, 4000) as i64, dice.range(50, 1500) as i64);
                tin += si;
                tout += so;
                let step_id = new_id();
                last_step = Some(step_id);
                steps.push(run_step::ActiveModel::from(run_step::Model {
                    id: step_id,
                    run_id: id,
                    position: order,
                    agent_id: format!("agent-{order}"),
                    agent_name: format!("Agent {order}"),
                    output: Some(format!("step {order} of run {r} finished")),
                    model: Some(MODELS[model].0.to_owned()),
                    input_tokens: Some(si),
                    output_tokens: Some(so),
                    cost: Some(cost(si, so, model)),
                    created_at: created,
                    ..Default::default()
                }));
            }
            step_ids.push(last_step);
            runs.push(run::Model {
                id,
                project_id,
                pipeline: PIPELINES[r % PIPELINES.len()].to_owned(),
                status: if r % 17 == 0 {
                    RunStatus::Failed
                } else {
                    RunStatus::Completed
                },
                input: Some(format!("Run {r} of the benchmark")),
                variables: Some(json!({ "market": "EU", "run": r })),
                output: Some("done".into()),
                model: Some(MODELS[model].0.to_owned()),
                input_tokens: Some(tin),
                output_tokens: Some(tout),
                cost: Some(cost(tin, tout, model)),
                created_by_id: actor_id,
                created_by_name: actor_name.to_owned(),
                created_by_type: ActorType::Ai,
                created_at: created,
                started_at: Some(created),
                completed_at: Some(created + Duration::seconds(20)),
                ..Default::default()
            });
        }
        insert_all(
            db,
            &progress,
            runs.iter().cloned().map(run::ActiveModel::from).collect(),
        )
        .await?;
        insert_all(db, &progress, steps).await?;

        // Files: a few per project, linked to some versions.
        let files: Vec<file::Model> = (0..8)
            .map(|i| {
                let sha = crate::domain::digest::sha256_hex(format!("{project_id}/{i}").as_bytes());
                file::Model {
                    id: new_id(),
                    project_id: Some(project_id),
                    storage_key: format!("blobs/{}/{sha}", &sha[..2]),
                    sha256: sha,
                    size: 10_000 + i * 1000,
                    content_type: "image/png".into(),
                    filename: Some(format!("asset-{i}.png")),
                    uploaded_by_id: None,
                    uploaded_by_name: None,
                    uploaded_by_type: None,
                    created_at: now,
                }
            })
            .collect();
        insert_all(
            db,
            &progress,
            files.iter().cloned().map(file::ActiveModel::from).collect(),
        )
        .await?;

        // Versions: keys of 4-8 versions each.
        let mut versions = Vec::with_capacity(plan.versions_per_project);
        let mut approvals = Vec::new();
        let mut links = Vec::new();
        let mut lineage = Vec::new();
        let mut key_index = 0;
        while versions.len() < plan.versions_per_project {
            let per_key =
                (dice.range(4, 8) as usize).min(plan.versions_per_project - versions.len());
            let key = format!("{}.k{key_index}", AREAS[key_index % AREAS.len()]);
            key_index += 1;
            let approved_at = per_key.saturating_sub(2).max(1);
            for n in 1..=per_key {
                let run_i = (versions.len() * 7 + n) % runs_n;
                let source = &runs[run_i];
                let status = if n == per_key && per_key > 1 {
                    VersionStatus::Pending
                } else if n == approved_at {
                    VersionStatus::Approved
                } else if n < approved_at {
                    match n % 5 {
                        0 => VersionStatus::Rejected,
                        3 => VersionStatus::ChangesRequested,
                        _ => VersionStatus::Superseded,
                    }
                } else {
                    VersionStatus::Rejected
                };
                let id = new_id();
                let value = json!({ "key": key, "n": n, "text": format!("value {n} of {key}"), "items": [n, n * 2, n * 3] });
                let with_file = n % 3 == 0;
                let file_shas: Vec<String> = if with_file {
                    vec![files[n % files.len()].sha256.clone()]
                } else {
                    vec![]
                };
                let created = source.created_at + Duration::seconds(25);
                let decided = status != VersionStatus::Pending;
                versions.push(artifact_version::ActiveModel::from(
                    artifact_version::Model {
                        id,
                        project_id,
                        schema_key: key.clone(),
                        version_number: n as i32,
                        status,
                        digest: version_digest(&value, &file_shas),
                        value: value.into(),
                        annotations: Some(json!({ "confidence": 0.7 })),
                        primary_file_id: with_file.then(|| files[n % files.len()].id),
                        source_run_id: Some(source.id),
                        source_step_id: step_ids[run_i],
                        created_by_id: actor_id,
                        created_by_name: actor_name.to_owned(),
                        created_by_type: ActorType::Ai,
                        created_at: created,
                        reviewed_by_id: decided.then_some(actor_id),
                        reviewed_by_name: decided.then(|| actor_name.to_owned()),
                        reviewed_by_type: decided.then_some(ActorType::Human),
                        reviewed_at: decided.then(|| created + Duration::minutes(5)),
                        rejection_reason: (status == VersionStatus::Rejected)
                            .then(|| "off-brand".to_owned()),
                        annotations_revision: 1,
                        ..Default::default()
                    },
                ));
                if with_file {
                    links.push(artifact_version_file::ActiveModel::from(
                        artifact_version_file::Model {
                            version_id: id,
                            sort: 0,
                            file_id: files[n % files.len()].id,
                        },
                    ));
                }
                lineage.push(run_artifact::ActiveModel::from(run_artifact::Model {
                    run_id: source.id,
                    version_id: id,
                    direction: RunArtifactDirection::Output,
                    sort: n as i32,
                }));
                // A later run reads this version.
                if n == 1 && run_i + 1 < runs_n {
                    lineage.push(run_artifact::ActiveModel::from(run_artifact::Model {
                        run_id: runs[run_i + 1].id,
                        version_id: id,
                        direction: RunArtifactDirection::Input,
                        sort: key_index as i32,
                    }));
                }
                let action = match status {
                    VersionStatus::Approved | VersionStatus::Superseded => {
                        Some(ReviewAction::Approve)
                    }
                    VersionStatus::Rejected => Some(ReviewAction::Reject),
                    VersionStatus::ChangesRequested => Some(ReviewAction::RequestChanges),
                    VersionStatus::Pending => None,
                };
                for (i, action) in action
                    .into_iter()
                    .chain((status == VersionStatus::Superseded).then_some(ReviewAction::Supersede))
                    .enumerate()
                {
                    approvals.push(approval::ActiveModel::from(approval::Model {
                        id: new_id(),
                        version_id: Some(id),
                        project_id,
                        run_id: Some(source.id),
                        action,
                        actor_id,
                        actor_name: actor_name.to_owned(),
                        actor_type: ActorType::Human,
                        reason: Some(format!("review {i}")),
                        created_at: created + Duration::minutes(5 + i as i64),
                        ..Default::default()
                    }));
                }
            }
        }
        // Lineage rows must be unique per (run, version, direction).
        let mut seen = std::collections::HashSet::new();
        lineage.retain(|l| {
            seen.insert((
                l.run_id.clone().unwrap(),
                l.version_id.clone().unwrap(),
                l.direction.clone().unwrap(),
            ))
        });
        insert_all(db, &progress, versions).await?;
        insert_all(db, &progress, links).await?;
        insert_all(db, &progress, lineage).await?;
        insert_all(db, &progress, approvals).await?;
        crate::domain::write::version_counts::recount(&db.conn, project_id).await?;
        progress.suspend(|| {
            eprintln!(
                "seeded project {} ({}/{}) in {:.1?} so far",
                slug,
                p + 1,
                plan.projects,
                started.elapsed()
            )
        });
        slugs.push(slug);
    }
    // Statistics and the visibility map, as autovacuum would leave a live
    // database: without them the planner guesses and counts read the heap.
    let maintenance = db.dialect().refresh_statistics();
    progress.set_message("analysing");
    sea_orm::ConnectionTrait::execute_unprepared(&db.conn, maintenance).await?;
    progress.finish_and_clear();
    Ok(slugs)
}
