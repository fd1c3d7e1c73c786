//! The `where` and `orderBy` inputs of lists, turned into the domain's
//! filters and orders.

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::Order;

use super::scalars::Json;
use super::types::{ActorTypeGql, RunStatusGql, VersionStatusGql};
use crate::domain::artifacts::versions::{self, VersionOrderField as DomainVersionOrderField};
use crate::domain::query::json_filter;
use crate::domain::runs::{self, RunOrderField as DomainRunOrderField};

/// Conditions on the JSON at one path; all given must hold. Types compare as
/// JSON types (the string "10" is not the number 10); gt, gte, lt and lte
/// compare numbers with numbers and strings with strings only.
#[derive(InputObject, Clone)]
#[graphql(name = "JsonPathFilter")]
pub(crate) struct JsonPathFilterInput {
    /// A dot path into the value (a.b.0.c).
    /// Segments of A-Z, a-z, 0-9, _ and - (at most 32, each at most 64
    /// characters); an all-digit segment indexes an array.
    pub path: String,
    /// Equal to this JSON.
    pub eq: Option<Json>,
    /// Present and not equal to this JSON.
    pub ne: Option<Json>,
    /// Greater than this number or string.
    pub gt: Option<Json>,
    /// Greater than or equal to this number or string.
    pub gte: Option<Json>,
    /// Less than this number or string.
    pub lt: Option<Json>,
    /// Less than or equal to this number or string.
    pub lte: Option<Json>,
    /// Whether the path exists.
    pub exists: Option<bool>,
    /// JSON containment: the value at the path contains this (objects by keys, arrays by elements).
    pub contains: Option<Json>,
}

impl From<JsonPathFilterInput> for json_filter::JsonPathFilter {
    fn from(f: JsonPathFilterInput) -> Self {
        let json = |j: Option<Json>| j.map(|j| j.0);
        json_filter::JsonPathFilter {
            path: f.path,
            eq: json(f.eq),
            ne: json(f.ne),
            gt: json(f.gt),
            gte: json(f.gte),
            lt: json(f.lt),
            lte: json(f.lte),
            exists: f.exists,
            contains: json(f.contains),
        }
    }
}

/// Which versions a list holds; every condition given must hold.
#[derive(InputObject, Default)]
#[graphql(name = "VersionFilter")]
pub(crate) struct VersionFilterInput {
    /// Only versions in one of these statuses.
    pub status: Option<Vec<VersionStatusGql>>,
    /// Only keys equal to this dot path or below it (`brand`: brand and brand.logo, not brandx).
    pub schema_key_prefix: Option<String>,
    /// Only versions created by actors of these types.
    pub created_by_type: Option<Vec<ActorTypeGql>>,
    /// Only versions created at or after this.
    pub created_after: Option<DateTime<Utc>>,
    /// Only versions created before this.
    pub created_before: Option<DateTime<Utc>>,
    /// Only versions made by this run (`run_...`).
    pub source_run_id: Option<async_graphql::ID>,
    /// Every filter must hold.
    pub value: Option<Vec<JsonPathFilterInput>>,
    /// Full-text match over the value.
    /// Every word must occur (stemmed: "runs" finds "running") in the value's strings or the schema key;
    /// at most 256 characters and 16 words, else VALIDATION_FAILED.
    pub search: Option<String>,
}

impl VersionFilterInput {
    /// The domain filter, with the list's own `status` and
    /// `schemaKeyPrefix` arguments added to those of `where`.
    pub(crate) fn into_filter(
        self,
        status: Option<Vec<VersionStatusGql>>,
        schema_key_prefix: Option<String>,
    ) -> async_graphql::Result<versions::VersionFilter> {
        let statuses = both_statuses(status, self.status);
        if schema_key_prefix.is_some() && self.schema_key_prefix.is_some() {
            return Err("give schemaKeyPrefix once: as an argument or in `where`".into());
        }
        Ok(versions::VersionFilter {
            statuses,
            schema_key_prefix: schema_key_prefix.or(self.schema_key_prefix),
            schema_key: None,
            created_by_types: self
                .created_by_type
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            created_after: self.created_after,
            created_before: self.created_before,
            source_run_id: self.source_run_id.map(|id| id.0),
            value: self
                .value
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            search: self.search,
        })
    }
}

/// The statuses a list's `status` argument and its `where.status` both
/// allow (either alone when the other is absent or empty).
fn both_statuses<G: Into<T>, T: PartialEq>(
    argument: Option<Vec<G>>,
    inner: Option<Vec<G>>,
) -> Vec<T> {
    let list = |v: Option<Vec<G>>| -> Vec<T> {
        v.unwrap_or_default().into_iter().map(Into::into).collect()
    };
    let (argument, inner) = (list(argument), list(inner));
    match (argument.is_empty(), inner.is_empty()) {
        (true, _) => inner,
        (_, true) => argument,
        _ => argument.into_iter().filter(|s| inner.contains(s)).collect(),
    }
}

/// Ascending or descending.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "OrderDirection")]
pub(crate) enum OrderDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

impl From<OrderDirection> for Order {
    fn from(d: OrderDirection) -> Self {
        match d {
            OrderDirection::Asc => Order::Asc,
            OrderDirection::Desc => Order::Desc,
        }
    }
}

/// What a version list may be ordered by; ties go by creation.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "VersionOrderField", remote = "DomainVersionOrderField")]
pub(crate) enum VersionOrderField {
    /// When the version was created.
    CreatedAt,
    /// Its schema key.
    SchemaKey,
    /// Its number within its key.
    VersionNumber,
}

/// The order of a version list.
#[derive(InputObject)]
#[graphql(name = "VersionOrder")]
pub(crate) struct VersionOrder {
    /// What to order by.
    pub field: VersionOrderField,
    /// Which way.
    pub direction: OrderDirection,
}

/// Which runs a list holds; every condition given must hold.
#[derive(InputObject, Default)]
#[graphql(name = "RunFilter")]
pub(crate) struct RunFilterInput {
    /// Only runs in one of these statuses.
    pub status: Option<Vec<RunStatusGql>>,
    /// Only runs of this pipeline (exact name).
    pub pipeline: Option<String>,
    /// Only runs of this model (exact name).
    pub model: Option<String>,
    /// Only runs created at or after this.
    pub created_after: Option<DateTime<Utc>>,
    /// Only runs created before this.
    pub created_before: Option<DateTime<Utc>>,
    /// Only runs whose stored cost is at least this (exact; runs without a cost are left out).
    pub min_cost: Option<Decimal>,
}

impl RunFilterInput {
    /// The domain filter, with the list's own `status` and `pipeline`
    /// arguments added to those of `where`.
    pub(crate) fn into_filter(
        self,
        status: Option<Vec<RunStatusGql>>,
        pipeline: Option<String>,
    ) -> async_graphql::Result<runs::RunFilter> {
        let statuses = both_statuses(status, self.status);
        if pipeline.is_some() && self.pipeline.is_some() {
            return Err("give pipeline once: as an argument or in `where`".into());
        }
        Ok(runs::RunFilter {
            statuses,
            pipeline: pipeline.or(self.pipeline),
            model: self.model,
            created_after: self.created_after,
            created_before: self.created_before,
            min_cost: self.min_cost,
        })
    }
}

/// What a run list may be ordered by; ties go by creation.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "RunOrderField", remote = "DomainRunOrderField")]
pub(crate) enum RunOrderField {
    /// When the run started.
    CreatedAt,
    /// When it closed; open runs come after closed ones ascending.
    CompletedAt,
    /// Its stored cost; runs without one come first ascending.
    Cost,
}

/// The order of a run list.
#[derive(InputObject)]
#[graphql(name = "RunOrder")]
pub(crate) struct RunOrder {
    /// What to order by.
    pub field: RunOrderField,
    /// Which way.
    pub direction: OrderDirection,
}

/// Which projects a list holds; every condition given must hold.
#[derive(InputObject, Default)]
#[graphql(name = "ProjectFilter")]
pub(crate) struct ProjectFilterInput {
    /// Only slugs starting with this.
    pub slug_prefix: Option<String>,
    /// Every filter must hold on the project's context.
    pub context: Option<Vec<JsonPathFilterInput>>,
}

impl From<ProjectFilterInput> for crate::domain::projects::ProjectFilter {
    fn from(f: ProjectFilterInput) -> Self {
        crate::domain::projects::ProjectFilter {
            slug_prefix: f.slug_prefix,
            context: f
                .context
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}
