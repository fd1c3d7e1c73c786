//! Step summaries: written once after a step, for the long-term tier of the
//! next agents' context (`domain::context::assembly`).

use chrono::Utc;
use entity::{Role, run, run_step};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::write::events::{self, Change, PublicId};
use crate::domain::write::transact;
use crate::domain::{Session, check_size, validate};

/// What [`record`] needs.
#[derive(Debug, Clone)]
pub struct NewSummary {
    /// The step's public ID.
    pub step_id: String,
    /// The summary text.
    pub summary: String,
    /// Its tokens as the caller counted them: only checked against the
    /// server's count (the configured tokenizer's), which is what is stored.
    pub token_count: Option<i64>,
}

/// Writes a step's summary and its token count, once, with the actor and
/// time, in one transaction with a `run.step_summarized` event on the run.
/// WRITER; NOT_FOUND for a step the caller cannot see, INVALID_TRANSITION
/// when the step already has a summary, VALIDATION_FAILED for an empty
/// summary or a token count other than the server's, PAYLOAD_TOO_LARGE for a summary
/// over the output limit.
pub async fn record(s: Session<'_>, input: NewSummary) -> DomainResult<run_step::Model> {
    s.principal.require_role(Role::Writer)?;
    let step_id = ids::decode(IdKind::Step, &input.step_id)?;
    if input.summary.trim().is_empty() {
        return Err(DomainError::validation("summary must not be empty"));
    }
    check_size("summary", input.summary.len(), s.limits.max_output_bytes)?;
    validate::tokens("tokenCount", input.token_count)?;
    // Budgets are kept with this count (`assembly`): it is the server's,
    // never the caller's word.
    let tokens = s.limits.tokenizer.count(&input.summary);
    if let Some(claimed) = input.token_count.filter(|c| *c != tokens) {
        return Err(DomainError::validation(format!(
            "tokenCount is {claimed}, but the summary has {tokens} tokens with the server's tokenizer ({}): omit tokenCount, or send that count",
            s.limits.tokenizer.name()
        )));
    }
    let input = &input;
    transact(s.db, move |txn| async move {
        let missing = || DomainError::not_found(IdKind::Step, &input.step_id);
        let (step, run) = run_step::Entity::find_by_id(step_id)
            .find_also_related(run::Entity)
            .one(&txn)
            .await?
            .ok_or_else(missing)?;
        let run = run
            .filter(|r| s.principal.can_see(r.project_id))
            .ok_or_else(missing)?;
        let actor = &s.principal.actor;
        let now = Utc::now();
        // Write-once: of two at once, the second finds the summary set.
        let written = run_step::Entity::update_many()
            .col_expr(
                run_step::Column::Summary,
                Expr::value(input.summary.clone()),
            )
            .col_expr(run_step::Column::SummaryTokenCount, Expr::value(tokens))
            .col_expr(run_step::Column::SummarizedById, Expr::value(actor.id))
            .col_expr(
                run_step::Column::SummarizedByName,
                Expr::value(actor.name.clone()),
            )
            .col_expr(
                run_step::Column::SummarizedByType,
                Expr::value(actor.actor_type),
            )
            .col_expr(run_step::Column::SummarizedAt, Expr::value(now))
            .filter(run_step::Column::Id.eq(step.id))
            .filter(run_step::Column::Summary.is_null())
            .exec(&txn)
            .await?;
        if written.rows_affected == 0 {
            return Err(DomainError::InvalidTransition {
                kind: "run step",
                action: "summarize",
                from: "SUMMARIZED".into(),
            });
        }
        events::append(
            &txn,
            run.project_id,
            run.id,
            Change::StepSummarized {
                status: run.status,
                step: PublicId::new(IdKind::Step, step.id),
            },
        )
        .await?;
        Ok(run_step::Model {
            summary: Some(input.summary.clone()),
            summary_token_count: Some(tokens),
            summarized_by_id: Some(actor.id),
            summarized_by_name: Some(actor.name.clone()),
            summarized_by_type: Some(actor.actor_type),
            summarized_at: Some(now),
            ..step
        })
    })
    .await
}
