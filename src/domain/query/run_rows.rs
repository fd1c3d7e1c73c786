//! Runs and steps as most reads want them: without their outputs (which may
//! be large; `output` resolves them on their own), in shapes the loaders and
//! the run list share.

use entity::rows::{ColumnSet, FromColumns};
use entity::{run, run_step};
use sea_orm::sea_query::{Expr, JoinType};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, IdenStatic, Iterable, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait, Select,
};
use std::sync::LazyLock;
use uuid::Uuid;

use crate::db::Dialect;
use crate::db::template::{Slot, Templates};
use crate::domain::error::DomainResult;

/// Adds every column of `F` to `select`, named `{prefix}{column}`, with NULL
/// in place of the columns `left_out`: lists and nested loads do not read
/// outputs or values, which may be large, unless a client asks for them.
pub(crate) fn columns_without<E: EntityTrait, F: EntityTrait>(
    select: Select<E>,
    prefix: &str,
    left_out: &[F::Column],
) -> Select<E> {
    columns_among::<E, F>(select, prefix, ColumnSet::ALL, left_out)
}

/// [`columns_without`] of the columns of `F` at the positions of `shown`
/// only, in their order (a lean read, `FromColumns::from_some_columns`).
pub(crate) fn columns_among<E: EntityTrait, F: EntityTrait>(
    mut select: Select<E>,
    prefix: &str,
    shown: ColumnSet,
    left_out: &[F::Column],
) -> Select<E> {
    for (at, c) in F::Column::iter().enumerate() {
        if !shown.has(at) {
            continue;
        }
        let alias = format!("{prefix}{}", c.as_str());
        select = if left_out.iter().any(|l| l.as_str() == c.as_str()) {
            select.column_as(Expr::cust("NULL"), alias)
        } else {
            select.column_as(c, alias)
        };
    }
    select
}

/// Runs without their output (NULL in its place).
pub(crate) fn runs_without_output() -> Select<run::Entity> {
    columns_without::<_, run::Entity>(
        run::Entity::find().select_only(),
        "",
        &[run::Column::Output],
    )
}

/// Steps without their output (NULL in its place).
pub(crate) fn steps_without_output() -> Select<run_step::Entity> {
    columns_without::<_, run_step::Entity>(
        run_step::Entity::find().select_only(),
        "",
        &[run_step::Column::Output],
    )
}

/// Which columns of a run, and of its steps, a read of runs with their
/// steps selects: those its fields show (a lean read,
/// `FromColumns::from_some_columns`; the other fields hold placeholders).
/// The columns that tie the rows together and to the caller's scope are
/// always read: a run's id and project, a step's id, run and position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunShape {
    /// The run's columns.
    pub run: ColumnSet,
    /// Its steps' columns.
    pub steps: ColumnSet,
}

impl RunShape {
    /// Both shapes' columns.
    pub fn with(self, other: RunShape) -> RunShape {
        RunShape {
            run: self.run.with(other.run),
            steps: self.steps.with(other.steps),
        }
    }

    /// The shape with the columns every read needs added.
    fn with_keys(self) -> RunShape {
        static KEYS: LazyLock<RunShape> = LazyLock::new(|| RunShape {
            run: ColumnSet::of::<run::Model>(&[
                run::Column::Id.as_str(),
                run::Column::ProjectId.as_str(),
            ]),
            steps: step_keys(),
        });
        self.with(*KEYS)
    }
}

/// The columns of a step every read of steps selects: its id, its run and
/// its position (their order).
pub(crate) fn step_keys() -> ColumnSet {
    static KEYS: LazyLock<ColumnSet> = LazyLock::new(|| {
        ColumnSet::of::<run_step::Model>(&[
            run_step::Column::Id.as_str(),
            run_step::Column::RunId.as_str(),
            run_step::Column::Position.as_str(),
        ])
    });
    *KEYS
}

/// Runs by id with their steps (in order), outputs left out, of each only
/// the columns of `shape`, in one joined statement: a run's columns repeat
/// on each of its step rows, which costs less than a second round trip for
/// the steps.
pub(crate) async fn runs_with_steps<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = Uuid>,
    shape: RunShape,
) -> DomainResult<Vec<(run::Model, Vec<run_step::Model>)>> {
    let dialect = Dialect::of(conn);
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let shape = shape.with_keys();
    static TEMPLATES: LazyLock<Templates<RunShape>> = LazyLock::new(Templates::new);
    let statement = TEMPLATES.statement(dialect, shape, &[Slot::Uuids(&ids)], |markers| {
        // The run's columns are prefixed so as not to clash with the step's;
        // both are decoded by position, not by name.
        const RUN: &str = "r_";
        const STEP: &str = "";
        let select = columns_among::<_, run::Entity>(
            run::Entity::find().select_only(),
            RUN,
            shape.run,
            &[run::Column::Output],
        );
        let select = columns_among::<_, run_step::Entity>(
            select,
            STEP,
            shape.steps,
            &[run_step::Column::Output],
        );
        // The steps side is filtered by the ids too: a plan kept for any
        // number of ids (PostgreSQL's generic plan) would otherwise scan
        // every step.
        let step_ids = markers.uuids(0);
        let steps = run_step::Relation::Run
            .def()
            .rev()
            .on_condition(move |_, _| {
                Condition::all()
                    .add(dialect.uuid_in(run_step::Column::RunId, step_ids.iter().copied()))
            });
        select
            .join(JoinType::LeftJoin, steps)
            .filter(dialect.uuid_in(run::Column::Id, markers.uuids(0)))
            .order_by_asc(run::Column::Id)
            .order_by_asc(run_step::Column::Position)
            .into_query()
    });
    let mut out: Vec<(run::Model, Vec<run_step::Model>)> = Vec::new();
    // Both read by position: the run's columns first, then the step's
    // (whose id comes first).
    let step_at = shape.run.count_of::<run::Model>();
    for row in conn.query_all_raw(statement).await? {
        // A run without steps comes back once, with NULL step columns.
        let step = match row.try_get_by_index::<Option<Uuid>>(step_at)? {
            Some(_) => Some(run_step::Model::from_some_columns(
                &row,
                step_at,
                shape.steps,
            )?),
            None => None,
        };
        match out.last_mut() {
            Some((run, steps)) if step.as_ref().is_some_and(|s| s.run_id == run.id) => {
                steps.extend(step)
            }
            _ => out.push((
                run::Model::from_some_columns(&row, 0, shape.run)?,
                step.into_iter().collect(),
            )),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;

    #[test]
    fn lists_do_not_read_outputs() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let runs = runs_without_output().build(backend).to_string();
            assert!(!runs.contains(r#""runs"."output""#), "{runs}");
            assert!(runs.contains(r#"NULL AS "output""#), "{runs}");
            assert!(runs.contains(r#""runs"."pipeline""#), "{runs}");
            let steps = steps_without_output().build(backend).to_string();
            assert!(!steps.contains(r#""run_steps"."output""#), "{steps}");
        }
    }
}
