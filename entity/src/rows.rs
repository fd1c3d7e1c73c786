//! Decoding the models that are read in bulk (a page's versions, runs and
//! steps, a relation's rows).
//!
//! SeaORM decodes an `Option` column by decoding the value and, for a NULL,
//! formatting an error message naming the column, which it then turns into
//! `None`. Versions, runs and steps have many nullable columns, mostly NULL:
//! on a runs dashboard (50 runs, 1,000 output versions) those messages were
//! a tenth of the server's CPU. [`FromRow`] decodes the three models with a
//! look at each nullable value first; the other models keep SeaORM's own
//! decoding. Each hand-written decoder names every field of its model (no
//! `..`), so a new column does not compile until it is read here too.

use sea_orm::sqlx::{Row, ValueRef};
use sea_orm::{DbErr, FromQueryResult, QueryResult, TryGetable};

use crate::{JsonText, artifact_version, run, run_step};

/// A model decoded from a row that holds its columns under their own names.
pub trait FromRow: Sized {
    fn from_row(res: &QueryResult) -> Result<Self, DbErr>;
}

/// Column `col`, which holds a value.
fn get<T: TryGetable>(res: &QueryResult, col: &str) -> Result<T, DbErr> {
    T::try_get(res, "", col).map_err(Into::into)
}

/// Column `col`: None for NULL, and (as SeaORM reads an `Option`) when the
/// statement did not select it.
fn nullable<T: TryGetable>(res: &QueryResult, col: &str) -> Result<Option<T>, DbErr> {
    if is_null(res, col) {
        return Ok(None);
    }
    Option::<T>::try_get(res, "", col).map_err(Into::into)
}

/// Whether column `col` is there and NULL, asked of the driver's row.
fn is_null(res: &QueryResult, col: &str) -> bool {
    if let Some(row) = res.try_as_pg_row() {
        return row.try_get_raw(col).is_ok_and(|v| v.is_null());
    }
    if let Some(row) = res.try_as_sqlite_row() {
        return row.try_get_raw(col).is_ok_and(|v| v.is_null());
    }
    false
}

/// Models whose rows are decoded by SeaORM (few nullable columns, or read one
/// at a time).
macro_rules! decoded_by_sea_orm {
    ($($model:path),* $(,)?) => {$(
        impl FromRow for $model {
            fn from_row(res: &QueryResult) -> Result<Self, DbErr> {
                <$model as FromQueryResult>::from_query_result(res, "")
            }
        }
    )*};
}

decoded_by_sea_orm!(
    crate::annotation_revision::Model,
    crate::approval::Model,
    crate::approval_policy::Model,
    crate::file::Model,
    crate::project::Model,
    crate::project_tier_change::Model,
    crate::webhook_delivery::Model,
);

impl FromRow for artifact_version::Model {
    fn from_row(res: &QueryResult) -> Result<Self, DbErr> {
        Ok(artifact_version::Model {
            id: get(res, "id")?,
            project_id: get(res, "project_id")?,
            schema_key: get(res, "schema_key")?,
            version_number: get(res, "version_number")?,
            status: get(res, "status")?,
            // NULL: a list that shows no values left it out (JsonText::unread).
            value: nullable(res, "value")?.unwrap_or_else(JsonText::unread),
            schema_version: nullable(res, "schema_version")?,
            annotations: nullable(res, "annotations")?,
            digest: get(res, "digest")?,
            primary_file_id: nullable(res, "primary_file_id")?,
            source_run_id: nullable(res, "source_run_id")?,
            source_step_id: nullable(res, "source_step_id")?,
            created_by_id: get(res, "created_by_id")?,
            created_by_name: get(res, "created_by_name")?,
            created_by_type: get(res, "created_by_type")?,
            created_at: get(res, "created_at")?,
            reviewed_by_id: nullable(res, "reviewed_by_id")?,
            reviewed_by_name: nullable(res, "reviewed_by_name")?,
            reviewed_by_type: nullable(res, "reviewed_by_type")?,
            reviewed_at: nullable(res, "reviewed_at")?,
            rejection_reason: nullable(res, "rejection_reason")?,
            promoted_context_version: nullable(res, "promoted_context_version")?,
            base_version_id: nullable(res, "base_version_id")?,
            annotations_revision: get(res, "annotations_revision")?,
            approval_policy_id: nullable(res, "approval_policy_id")?,
            archived_key: nullable(res, "archived_key")?,
            rule_outcome: nullable(res, "rule_outcome")?,
        })
    }
}

impl FromRow for run::Model {
    fn from_row(res: &QueryResult) -> Result<Self, DbErr> {
        Ok(run::Model {
            id: get(res, "id")?,
            project_id: get(res, "project_id")?,
            pipeline: get(res, "pipeline")?,
            status: get(res, "status")?,
            input: nullable(res, "input")?,
            variables: nullable(res, "variables")?,
            output: nullable(res, "output")?,
            error: nullable(res, "error")?,
            model: nullable(res, "model")?,
            input_tokens: nullable(res, "input_tokens")?,
            output_tokens: nullable(res, "output_tokens")?,
            cost: nullable(res, "cost")?,
            parent_run_id: nullable(res, "parent_run_id")?,
            created_by_id: get(res, "created_by_id")?,
            created_by_name: get(res, "created_by_name")?,
            created_by_type: get(res, "created_by_type")?,
            created_at: get(res, "created_at")?,
            started_at: nullable(res, "started_at")?,
            completed_at: nullable(res, "completed_at")?,
        })
    }
}

impl FromRow for run_step::Model {
    fn from_row(res: &QueryResult) -> Result<Self, DbErr> {
        Ok(run_step::Model {
            id: get(res, "id")?,
            run_id: get(res, "run_id")?,
            position: get(res, "position")?,
            agent_id: get(res, "agent_id")?,
            agent_name: get(res, "agent_name")?,
            output: nullable(res, "output")?,
            model: nullable(res, "model")?,
            input_tokens: nullable(res, "input_tokens")?,
            output_tokens: nullable(res, "output_tokens")?,
            cost: nullable(res, "cost")?,
            created_at: get(res, "created_at")?,
            output_token_count: nullable(res, "output_token_count")?,
            summary: nullable(res, "summary")?,
            summary_token_count: nullable(res, "summary_token_count")?,
            summarized_by_id: nullable(res, "summarized_by_id")?,
            summarized_by_name: nullable(res, "summarized_by_name")?,
            summarized_by_type: nullable(res, "summarized_by_type")?,
            summarized_at: nullable(res, "summarized_at")?,
        })
    }
}

/// A model decoded from consecutive columns of a row, starting at a given
/// position, in its entity's column order: how a combined read (one UNION
/// ALL of several tables, each row holding every part's columns) decodes
/// its parts without prefixed names, whose lookups (a formatted name per
/// column and part) were most of the cost of decoding such a row.
pub trait FromColumns: Sized {
    /// The model's fields, in the order its columns are read.
    const FIELDS: &'static [&'static str];
    fn from_columns(res: &QueryResult, at: usize) -> Result<Self, DbErr>;
}

/// Column `at`, which holds a value.
fn get_at<T: TryGetable>(res: &QueryResult, at: usize) -> Result<T, DbErr> {
    T::try_get_by_index(res, at).map_err(Into::into)
}

/// Column `at`: None for NULL.
fn nullable_at<T: TryGetable>(res: &QueryResult, at: usize) -> Result<Option<T>, DbErr> {
    let null = if let Some(row) = res.try_as_pg_row() {
        row.try_get_raw(at).is_ok_and(|v| v.is_null())
    } else if let Some(row) = res.try_as_sqlite_row() {
        row.try_get_raw(at).is_ok_and(|v| v.is_null())
    } else {
        false
    };
    match null {
        true => Ok(None),
        false => Option::<T>::try_get_by_index(res, at).map_err(Into::into),
    }
}

/// Implements [`FromColumns`] for a model from its fields in column order,
/// each `get` (holds a value) or `nullable`. Every field is named (no `..`),
/// and a test (in `domain::query::reads`, the combined reads' module)
/// holds `FIELDS` to the entity's column order.
macro_rules! from_columns {
    ($model:path { $($field:ident: $kind:ident),* $(,)? }) => {
        impl FromColumns for $model {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn from_columns(res: &QueryResult, at: usize) -> Result<Self, DbErr> {
                let mut column = at;
                let mut next = || {
                    column += 1;
                    column - 1
                };
                Ok(Self {
                    $($field: from_columns!(@read $kind, res, next())),*
                })
            }
        }
    };
    (@read get, $res:expr, $at:expr) => { get_at($res, $at)? };
    (@read nullable, $res:expr, $at:expr) => { nullable_at($res, $at)? };
}

from_columns!(crate::file::Model {
    id: get,
    project_id: nullable,
    sha256: get,
    size: get,
    content_type: get,
    filename: nullable,
    storage_key: get,
    uploaded_by_id: nullable,
    uploaded_by_name: nullable,
    uploaded_by_type: nullable,
    created_at: get,
});

from_columns!(crate::approval::Model {
    id: get,
    version_id: nullable,
    project_id: get,
    run_id: nullable,
    action: get,
    actor_id: get,
    actor_name: get,
    actor_type: get,
    reason: nullable,
    feedback: nullable,
    context_version: nullable,
    created_at: get,
});

from_columns!(crate::artifact_schema::Model {
    id: get,
    schema_key: get,
    version: get,
    json_schema: get,
    upgrade: nullable,
    created_at: get,
});
