//! Projects: creating them and finding the ones a caller may see.

use chrono::Utc;
use entity::Role;
use entity::{project, project_tier_change};
use sea_orm::ActiveModelTrait;
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use crate::db::Dialect;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{self, IdKind};
use crate::domain::query::json_filter::{self, JsonPathFilter};
use crate::domain::query::pagination::{self, Page, PageArgs, Total};
use crate::domain::write::transact;
use crate::domain::{Session, validate};

/// What [`create`] needs.
pub struct NewProject {
    /// The unique, URL-safe handle clients look the project up by.
    pub slug: String,
    /// A display name.
    pub name: String,
}

/// Creates a project with an empty context at version 0, in one transaction.
/// ADMIN with an unscoped token; CONFLICT when the slug is taken.
pub async fn create(s: Session<'_>, input: NewProject) -> DomainResult<project::Model> {
    s.principal.require_role(Role::Admin)?;
    if s.principal.project_scope.is_some() {
        return Err(DomainError::Forbidden(
            "a token scoped to one project cannot create projects".into(),
        ));
    }
    validate::slug(&input.slug)?;
    validate::name("name", &input.name)?;
    let now = Utc::now();
    let model = project::Model {
        id: ids::new_id(),
        slug: input.slug,
        name: input.name,
        context: json!({}),
        context_version: 0,
        tier: None,
        created_at: now,
        updated_at: now,
    };
    let model = &model;
    transact(s.db, move |txn| async move {
        let taken = project::Entity::find()
            .filter(project::Column::Slug.eq(&model.slug))
            .one(&txn)
            .await?
            .is_some();
        if taken {
            return Err(DomainError::conflict(format!(
                "a project with slug {:?} already exists",
                model.slug
            )));
        }
        let active: project::ActiveModel = model.clone().into();
        project::Entity::insert(active)
            .exec(&txn)
            .await
            .map_err(|e| {
                let err = DomainError::from(e);
                if err.is_unique_violation() {
                    DomainError::conflict(format!(
                        "a project with slug {:?} already exists",
                        model.slug
                    ))
                } else {
                    err
                }
            })?;
        entity::context_revision::Entity::insert(entity::context_revision::ActiveModel {
            project_id: Set(model.id),
            context_version: Set(0),
            context: Set(json!({})),
            created_at: Set(now),
        })
        .exec(&txn)
        .await?;
        Ok(model.clone())
    })
    .await
}

/// The project with `slug`, or `None` when absent or out of the caller's scope.
pub async fn by_slug(s: Session<'_>, slug: &str) -> DomainResult<Option<project::Model>> {
    validate::slug(slug)?;
    let found = project::Entity::find()
        .filter(project::Column::Slug.eq(slug))
        .one(&s.db.conn)
        .await?;
    Ok(found.filter(|p| s.principal.can_see(p.id)))
}

/// The project with `id`, or `None` when absent or out of the caller's scope.
pub async fn by_id(s: Session<'_>, id: Uuid) -> DomainResult<Option<project::Model>> {
    if !s.principal.can_see(id) {
        return Ok(None);
    }
    Ok(project::Entity::find_by_id(id).one(&s.db.conn).await?)
}

/// The project a mutation names by public ID; NOT_FOUND when absent or out of scope.
pub async fn require(s: Session<'_>, id_text: &str) -> DomainResult<project::Model> {
    let id = ids::decode(IdKind::Project, id_text)?;
    by_id(s, id)
        .await?
        .ok_or_else(|| DomainError::not_found(IdKind::Project, id_text))
}

/// Sets a project's tier (one of the configured tiers), with a row in its
/// tier audit trail, in one transaction; setting the tier it has changes
/// nothing. ADMIN with an unscoped token (a tier is the deployment's to
/// grant); NOT_FOUND for a project it cannot see, VALIDATION_FAILED for a
/// tier that is not configured.
pub async fn set_tier(s: Session<'_>, id_text: &str, tier: &str) -> DomainResult<project::Model> {
    s.principal.require_role(Role::Admin)?;
    if s.principal.project_scope.is_some() {
        return Err(DomainError::Forbidden(
            "a token scoped to one project cannot set tiers".into(),
        ));
    }
    let tiers = &s.limits.tiers;
    if tiers.rank(tier).is_none() {
        return Err(DomainError::validation(format!(
            "tier {tier:?} is not one of the configured tiers ({})",
            tiers.names().join(", ")
        )));
    }
    let project = require(s, id_text).await?;
    transact(s.db, move |txn| async move {
        let project = Dialect::of(&txn)
            .locked_for_write(project::Entity::find_by_id(project.id))
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::not_found(IdKind::Project, id_text))?;
        if crate::domain::tiers::tier_of(&project, tiers) == tier {
            return Ok(project);
        }
        let now = Utc::now();
        let actor = &s.principal.actor;
        project_tier_change::Entity::insert(project_tier_change::ActiveModel::from(
            project_tier_change::Model {
                id: ids::new_id(),
                project_id: project.id,
                from_tier: project.tier.clone(),
                to_tier: tier.to_owned(),
                actor_id: actor.id,
                actor_name: actor.name.clone(),
                actor_type: actor.actor_type,
                created_at: now,
            },
        ))
        .exec(&txn)
        .await?;
        let updated = project::Model {
            tier: Some(tier.to_owned()),
            updated_at: now,
            ..project
        };
        project::Entity::update(project::ActiveModel::from(updated.clone()).reset_all())
            .exec(&txn)
            .await?;
        Ok(updated)
    })
    .await
}

/// Which projects [`list`] returns; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// Only slugs that start with this.
    pub slug_prefix: Option<String>,
    /// Conditions on paths inside the context.
    pub context: Vec<JsonPathFilter>,
}

/// The projects the caller may see (a scoped token: its own) that match
/// `filter`, oldest first.
pub async fn list(
    s: Session<'_>,
    filter: &ProjectFilter,
    args: &PageArgs,
) -> DomainResult<Page<project::Model>> {
    let mut select = project::Entity::find();
    if let Some(scope) = s.principal.project_scope {
        select = select.filter(project::Column::Id.eq(scope));
    }
    if let Some(prefix) = &filter.slug_prefix {
        validate::text("slugPrefix", prefix, validate::MAX_SLUG_CHARS)?;
        // Slugs hold no LIKE wildcards but `_` cannot occur either: a-z, 0-9, -.
        if !prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(DomainError::validation(
                "slugPrefix holds a-z, 0-9 and - only, as slugs do",
            ));
        }
        select = select.filter(project::Column::Slug.starts_with(prefix));
    }
    if !filter.context.is_empty() {
        // A context filter reaches only what the tier reads: a scoped
        // token's project's, and for many projects the lowest (fail closed).
        let gated = crate::domain::schemas::tier_reach::load(&s.db.conn).await?;
        if !gated.is_empty() {
            let tier = match s.principal.project_scope {
                Some(id) => crate::domain::schemas::tier_reach::project_tier(s, id).await?,
                None => s.limits.tiers.lowest().to_owned(),
            };
            gated.check_context_filters(&s.limits.tiers, &tier, &filter.context)?;
        }
        select = select.filter(json_filter::all_of(
            s.db.dialect(),
            "\"projects\".\"context\"",
            &filter.context,
        )?);
    }
    let conn = match filter.context.is_empty() {
        true => &s.db.conn,
        false => s.db.value_planned(),
    };
    pagination::by_uuid(
        conn,
        select,
        Total::Rows,
        project::Column::Id,
        Order::Asc,
        |p| p.id,
        args,
    )
    .await
}
