//! A small, realistic demo project for `quire serve --demo`, so that a
//! newcomer sees a populated graph in GraphiQL at once.

use entity::{ActorType, Role};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::db::Db;
use crate::domain::artifacts::versions::NewVersion;
use crate::domain::error::DomainResult;
use crate::domain::principal::Principal;
use crate::domain::projects::tokens::{self, NewToken};
use crate::domain::runs::{Completion, NewRun, NewStep, Usage};
use crate::domain::{Limits, Session, artifacts::versions, ids, projects, runs};

/// The name of the admin token `serve --demo` prints.
pub(crate) const DEMO_TOKEN_NAME: &str = "demo-admin";

/// A fresh demo admin token, the one live token of that name: those of
/// earlier starts are revoked in the same transaction, so restarts do not
/// pile up admin tokens that never expire. Returns the secret.
pub async fn replace_demo_token(db: &Db) -> DomainResult<String> {
    use sea_orm::{ColumnTrait, QueryFilter};
    crate::domain::write::transact(db, |txn| async move {
        let earlier = entity::api_token::Entity::find()
            .filter(entity::api_token::Column::Name.eq(DEMO_TOKEN_NAME))
            .filter(entity::api_token::Column::RevokedAt.is_null())
            .all(&txn)
            .await?;
        for token in earlier {
            tokens::revoke(&txn, token.id).await?;
        }
        let (_, secret) = tokens::create(
            &txn,
            NewToken {
                name: DEMO_TOKEN_NAME.into(),
                role: Role::Admin,
                actor_type: ActorType::Human,
                project_id: None,
                actor_id: None,
            },
        )
        .await?;
        Ok(secret)
    })
    .await
}

/// Fills an empty database with the demo project; does nothing when any
/// project exists. Returns whether it seeded.
pub async fn seed_if_empty(db: &Db) -> DomainResult<bool> {
    if entity::project::Entity::find().count(&db.conn).await? > 0 {
        return Ok(false);
    }
    let (token, _) = tokens::create(
        &db.conn,
        NewToken {
            name: "demo-pipeline".into(),
            role: Role::Admin,
            actor_type: ActorType::Ai,
            project_id: None,
            actor_id: None,
        },
    )
    .await?;
    let principal: Principal = tokens::principal_of(&token);
    let limits = Limits::default();
    let s = Session {
        db,
        principal: &principal,
        limits: &limits,
    };

    let project = projects::create(
        s,
        projects::NewProject {
            slug: "acme-launch".into(),
            name: "Acme product launch".into(),
        },
    )
    .await?;
    let project_id = ids::encode(ids::IdKind::Project, project.id);

    let plan = [
        (
            "brand-studio",
            "gpt-4o",
            vec![
                ("researcher", "Market researcher", 1800, 600),
                ("designer", "Brand designer", 2400, 900),
            ],
            vec![
                (
                    "brand.palette",
                    json!({"primary": "#1F6FEB", "accent": "#F78166", "neutral": "#6E7781"}),
                ),
                (
                    "brand.voice",
                    json!({"tone": "confident, plain", "avoid": ["jargon", "hype"]}),
                ),
            ],
        ),
        (
            "brand-studio",
            "gpt-4o",
            vec![
                ("designer", "Brand designer", 2100, 800),
                ("critic", "Design critic", 900, 300),
            ],
            vec![(
                "brand.palette",
                json!({"primary": "#0B5FFF", "accent": "#FF7A59", "neutral": "#57606A"}),
            )],
        ),
        (
            "mvp-planner",
            "claude-sonnet",
            vec![
                ("pm", "Product manager", 3200, 1400),
                ("architect", "Architect", 2800, 1600),
                ("risk", "Risk analyst", 1500, 700),
            ],
            vec![
                (
                    "mvp.scope",
                    json!({"must": ["sign-up", "artifact review"], "later": ["billing"]}),
                ),
                (
                    "mvp.risks",
                    json!([{"risk": "reviewer backlog", "likelihood": "medium"}]),
                ),
            ],
        ),
    ];
    for (pipeline, model, steps, outputs) in plan {
        let run = runs::start(
            s,
            NewRun {
                project_id: project_id.clone(),
                pipeline: pipeline.into(),
                input: Some(format!("Run the {pipeline} pipeline for the Acme launch")),
                variables: Some(json!({"market": "EU", "audience": "developers"})),
                model: Some(model.into()),
                parent_run_id: None,
                input_version_ids: vec![],
                idempotency_key: None,
            },
        )
        .await?;
        let run_id = ids::encode(ids::IdKind::Run, run.id);
        let mut last_step = None;
        for (order, (agent_id, agent_name, tin, tout)) in steps.into_iter().enumerate() {
            let step = runs::record_step(
                s,
                NewStep {
                    run_id: run_id.clone(),
                    order: order as i32 + 1,
                    agent_id: agent_id.into(),
                    agent_name: agent_name.into(),
                    output: Some(format!("{agent_name} finished")),
                    usage: Usage {
                        model: Some(model.into()),
                        input_tokens: Some(tin),
                        output_tokens: Some(tout),
                    },
                    idempotency_key: None,
                },
            )
            .await?;
            last_step = Some(step.id);
        }
        for (key, value) in outputs {
            versions::create(
                s,
                NewVersion {
                    project_id: project_id.clone(),
                    schema_key: key.into(),
                    value,
                    file_ids: vec![],
                    primary_file_id: None,
                    source_run_id: Some(run_id.clone()),
                    source_step_id: last_step.map(|id| ids::encode(ids::IdKind::Step, id)),
                    annotations: Some(json!({"confidence": 0.8})),
                    base_version_id: None,
                    idempotency_key: None,
                },
            )
            .await?;
        }
        runs::complete(
            s,
            Completion {
                run_id,
                output: Some("done".into()),
                usage: Usage {
                    model: None,
                    input_tokens: None,
                    output_tokens: None,
                },
                idempotency_key: None,
            },
        )
        .await?;
    }
    Ok(true)
}
