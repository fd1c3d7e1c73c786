//! Decoding the models that are read in bulk (a page's versions, runs and
//! steps, a relation's rows).
//!
//! SeaORM decodes an `Option` column by decoding the value and, for a NULL,
//! formatting an error message naming the column, which it then turns into
//! `None`. Versions, runs and steps have many nullable columns, mostly NULL:
//! on a runs dashboard (50 runs, 1,000 output versions) those messages were
//! a tenth of the server's CPU. [`FromRow`] decodes them, and the files,
//! approvals and schemas that combined reads bring, with a look at each
//! nullable value first; the other models keep SeaORM's own decoding.
//! [`FromColumns`] decodes the same models by position, for the statements
//! that select them in their column order (`decoders!`).

use sea_orm::sqlx::{Row, ValueRef};
use sea_orm::{ColIdx, DbErr, FromQueryResult, QueryResult, TryGetable};

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

/// Whether column `idx` (a name or a position) is there and NULL, asked of
/// the driver's row.
fn is_null<I: ColIdx>(res: &QueryResult, idx: I) -> bool {
    if let Some(row) = res.try_as_pg_row() {
        return row
            .try_get_raw(idx.as_sqlx_postgres_index())
            .is_ok_and(|v| v.is_null());
    }
    if let Some(row) = res.try_as_sqlite_row() {
        return row
            .try_get_raw(idx.as_sqlx_sqlite_index())
            .is_ok_and(|v| v.is_null());
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
    crate::approval_policy::Model,
    crate::project::Model,
    crate::project_tier_change::Model,
    crate::webhook_delivery::Model,
);

/// A model decoded from consecutive columns of a row, starting at a given
/// position, in its entity's column order: how a combined read (one UNION
/// ALL of several tables, each row holding every part's columns) decodes
/// its parts without prefixed names, whose lookups (a formatted name per
/// column and part) were most of the cost of decoding such a row.
pub trait FromColumns: Sized {
    /// The model's fields, in the order its columns are read.
    const FIELDS: &'static [&'static str];
    /// The model from every one of its columns, from position `at` on.
    fn from_columns(res: &QueryResult, at: usize) -> Result<Self, DbErr> {
        Self::from_some_columns(res, at, ColumnSet::ALL)
    }
    /// The model from the columns of `read` only, consecutive from `at` in
    /// their order; every other field holds a placeholder: its type's
    /// default (empty, zero, None, the epoch), and for a value
    /// `JsonText::unread`, which the fields showing it read back by id. A lean
    /// read: a list selects only what its selection shows, and the rows it
    /// keeps serve that selection only (see `ColumnSet`).
    fn from_some_columns(res: &QueryResult, at: usize, read: ColumnSet) -> Result<Self, DbErr>;
}

/// Some of a model's columns, by their position in [`FromColumns::FIELDS`]
/// (at most 64): what a lean read selects and decodes. A model decoded from
/// such a read holds placeholders in the other fields, so its
/// rows are kept under a key that names the set, and serve only selections
/// whose fields read within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ColumnSet(u64);

impl ColumnSet {
    /// Every column.
    pub const ALL: ColumnSet = ColumnSet(u64::MAX);
    /// No column.
    pub const NONE: ColumnSet = ColumnSet(0);

    /// The columns of `M` named (as in `FIELDS`, which are the columns'
    /// names); a name `M` does not have is a bug, and panics.
    pub fn of<M: FromColumns>(names: &[&str]) -> ColumnSet {
        names.iter().fold(ColumnSet::NONE, |set, name| {
            let at = M::FIELDS
                .iter()
                .position(|f| f == name)
                .unwrap_or_else(|| panic!("no column {name} among {:?}", M::FIELDS));
            ColumnSet(set.0 | 1 << at)
        })
    }

    /// The columns of both.
    pub fn with(self, other: ColumnSet) -> ColumnSet {
        ColumnSet(self.0 | other.0)
    }

    /// Whether the column at position `at` is in the set.
    pub fn has(self, at: usize) -> bool {
        at < 64 && self.0 & (1 << at) != 0
    }

    /// How many columns of `M` the set holds: the width of its part of a row.
    pub fn count_of<M: FromColumns>(self) -> usize {
        (0..M::FIELDS.len()).filter(|at| self.has(*at)).count()
    }
}

/// The columns of all the sets.
impl FromIterator<ColumnSet> for ColumnSet {
    fn from_iter<I: IntoIterator<Item = ColumnSet>>(sets: I) -> ColumnSet {
        sets.into_iter().fold(ColumnSet::NONE, ColumnSet::with)
    }
}

/// Column `at`, which holds a value.
fn get_at<T: TryGetable>(res: &QueryResult, at: usize) -> Result<T, DbErr> {
    T::try_get_by_index(res, at).map_err(Into::into)
}

/// Column `at`: None for NULL.
fn nullable_at<T: TryGetable>(res: &QueryResult, at: usize) -> Result<Option<T>, DbErr> {
    if is_null(res, at) {
        return Ok(None);
    }
    Option::<T>::try_get_by_index(res, at).map_err(Into::into)
}

/// Implements [`FromRow`] (by name) and [`FromColumns`] (by position) for
/// a model from its fields in column order, each `get` (holds a value),
/// `nullable`, or `unread` (a value a list left out: NULL reads as
/// `JsonText::unread`). Every field is named (no `..`), so a new column does
/// not compile until it is read here too; a test (in
/// `domain::query::reads`, the combined reads' module) holds `FIELDS` to
/// the entity's column order.
macro_rules! decoders {
    ($model:path { $($field:ident: $kind:ident),* $(,)? }) => {
        impl FromRow for $model {
            fn from_row(res: &QueryResult) -> Result<Self, DbErr> {
                Ok(Self {
                    $($field: decoders!(@$kind res, stringify!($field), get, nullable)),*
                })
            }
        }
        impl FromColumns for $model {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn from_some_columns(
                res: &QueryResult,
                at: usize,
                read: ColumnSet,
            ) -> Result<Self, DbErr> {
                let mut column = at;
                let mut field = 0;
                let mut next = || {
                    field += 1;
                    match read.has(field - 1) {
                        true => {
                            column += 1;
                            Some(column - 1)
                        }
                        false => None,
                    }
                };
                Ok(Self {
                    $($field: match next() {
                        Some(at) => decoders!(@$kind res, at, get_at, nullable_at),
                        None => decoders!(@left_out $kind),
                    }),*
                })
            }
        }
    };
    (@get $res:expr, $col:expr, $get:ident, $nullable:ident) => { $get($res, $col)? };
    (@nullable $res:expr, $col:expr, $get:ident, $nullable:ident) => { $nullable($res, $col)? };
    (@left_out unread) => { JsonText::unread() };
    (@left_out $kind:ident) => { Default::default() };
    (@unread $res:expr, $col:expr, $get:ident, $nullable:ident) => {
        $nullable($res, $col)?.unwrap_or_else(JsonText::unread)
    };
}

decoders!(crate::file::Model {
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

decoders!(crate::approval::Model {
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

decoders!(crate::artifact_schema::Model {
    id: get,
    schema_key: get,
    version: get,
    json_schema: get,
    upgrade: nullable,
    created_at: get,
});

decoders!(artifact_version::Model {
    id: get,
    project_id: get,
    schema_key: get,
    version_number: get,
    status: get,
    value: unread,
    schema_version: nullable,
    annotations: nullable,
    digest: get,
    primary_file_id: nullable,
    source_run_id: nullable,
    source_step_id: nullable,
    created_by_id: get,
    created_by_name: get,
    created_by_type: get,
    created_at: get,
    reviewed_by_id: nullable,
    reviewed_by_name: nullable,
    reviewed_by_type: nullable,
    reviewed_at: nullable,
    rejection_reason: nullable,
    promoted_context_version: nullable,
    base_version_id: nullable,
    annotations_revision: get,
    approval_policy_id: nullable,
    archived_key: nullable,
    rule_outcome: nullable,
});

decoders!(run::Model {
    id: get,
    project_id: get,
    pipeline: get,
    status: get,
    input: nullable,
    variables: nullable,
    output: nullable,
    error: nullable,
    model: nullable,
    input_tokens: nullable,
    output_tokens: nullable,
    cost: nullable,
    parent_run_id: nullable,
    created_by_id: get,
    created_by_name: get,
    created_by_type: get,
    created_at: get,
    started_at: nullable,
    completed_at: nullable,
});

decoders!(run_step::Model {
    id: get,
    run_id: get,
    position: get,
    agent_id: get,
    agent_name: get,
    output: nullable,
    model: nullable,
    input_tokens: nullable,
    output_tokens: nullable,
    cost: nullable,
    created_at: get,
    output_token_count: nullable,
    summary: nullable,
    summary_token_count: nullable,
    summarized_by_id: nullable,
    summarized_by_name: nullable,
    summarized_by_type: nullable,
    summarized_at: nullable,
});
