//! The domain tier: the rules of Quire called as the GraphQL layer calls
//! them, with a `Session` over a copy of the migrated database, on SQLite
//! and on PostgreSQL; no router, no HTTP, no GraphQL.

use entity::{ActorType, Role, VersionStatus, artifact_version as version};
use quire::db::Db;
use quire::domain::artifacts::versions::{self, NewVersion};
use quire::domain::context::promotion::{self, Promoted, Promotion};
use quire::domain::ids::{self, IdKind};
use quire::domain::projects::tokens::{self, NewToken};
use quire::domain::projects::{self, NewProject};
use quire::domain::review::{self, Decision, Review};
use quire::domain::{DomainError, DomainResult, Limits, Principal, Session, context};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Backend, Scratch, migrated_database};

/// `mod name` with `sqlite` and `postgres` tests, each calling
/// `async fn name(domain: Domain)` over a database of its own (the
/// PostgreSQL one skips, and passes, when QUIRE_TEST_DATABASE_URL is not set).
macro_rules! domain_tests {
    ($($name:ident),* $(,)?) => {
        $( crate::each_backend!($name, |backend| Domain::new(backend)); )*
    };
}

domain_tests!(
    versions_are_numbered_per_key_without_gaps,
    approving_supersedes_the_approved_version_of_the_key,
    concurrent_decisions_on_one_version_leave_one,
    a_stale_promotion_conflicts_and_changes_nothing,
    another_projects_objects_are_not_found,
    kept_counts_match_the_versions_after_concurrent_writes,
    promoting_one_key_leaves_the_others_in_the_context,
);

/// A migrated database of its own, and an unscoped ADMIN acting on it.
pub struct Domain {
    pub db: Db,
    pub limits: Limits,
    pub admin: Principal,
    _scratch: Scratch,
}

impl Domain {
    async fn new(backend: Backend) -> Option<Domain> {
        let (scratch, url) = migrated_database(backend).await?;
        let db = Db::connect(&url).await.expect("connect");
        let admin = principal(&db, "admin", Role::Admin, None).await;
        Some(Domain {
            db,
            limits: Limits::default(),
            admin,
            _scratch: scratch,
        })
    }

    fn session<'a>(&'a self, principal: &'a Principal) -> Session<'a> {
        Session {
            db: &self.db,
            principal,
            limits: &self.limits,
        }
    }

    fn as_admin(&self) -> Session<'_> {
        self.session(&self.admin)
    }

    /// The principal of a new token named `name`.
    async fn principal(&self, name: &str, role: Role, project: Option<&str>) -> Principal {
        let scope = project.map(|p| ids::decode(IdKind::Project, p).unwrap());
        principal(&self.db, name, role, scope).await
    }

    /// A new project's public id.
    async fn project(&self, slug: &str) -> String {
        let input = NewProject {
            slug: slug.into(),
            name: format!("Project {slug}"),
        };
        let project = projects::create(self.as_admin(), input).await.unwrap();
        ids::encode(IdKind::Project, project.id)
    }

    async fn version(&self, project: &str, key: &str, value: Value) -> version::Model {
        versions::create(self.as_admin(), new_version(project, key, value))
            .await
            .unwrap()
    }

    async fn decide(
        &self,
        who: &Principal,
        decision: Decision,
        version: &version::Model,
    ) -> DomainResult<version::Model> {
        let input = Review {
            decision,
            version_id: ids::encode(IdKind::Version, version.id),
            reason: Some(format!("{decision:?} in a test")),
            feedback: None,
            idempotency_key: None,
        };
        review::decide(self.session(who), input).await
    }

    async fn promote(&self, project: &str, expected: i32) -> DomainResult<Promoted> {
        let input = Promotion {
            project_id: project.to_owned(),
            expected_context_version: expected,
            version_ids: None,
            idempotency_key: None,
        };
        promotion::promote(self.as_admin(), input).await
    }

    /// The version as stored now.
    async fn reread(&self, version: &version::Model) -> version::Model {
        versions::by_id(self.as_admin(), version.id)
            .await
            .unwrap()
            .expect("the version")
    }
}

async fn principal(db: &Db, name: &str, role: Role, scope: Option<Uuid>) -> Principal {
    let input = NewToken {
        name: name.into(),
        role,
        actor_type: ActorType::Human,
        project_id: scope,
        actor_id: None,
    };
    let (token, _) = tokens::create(&db.conn, input).await.unwrap();
    tokens::principal_of(&token)
}

fn new_version(project: &str, key: &str, value: Value) -> NewVersion {
    NewVersion {
        project_id: project.to_owned(),
        schema_key: key.to_owned(),
        value,
        file_ids: Vec::new(),
        primary_file_id: None,
        source_run_id: None,
        source_step_id: None,
        annotations: None,
        base_version_id: None,
        idempotency_key: None,
    }
}

/// Each key of each project counts from 1; a retried create (same key, same
/// input) is the version it made the first time and takes no number.
async fn versions_are_numbered_per_key_without_gaps(d: Domain) {
    let launch = d.project("launch").await;
    let other = d.project("other").await;
    let mut numbers = Vec::new();
    for i in 0..3 {
        numbers.push(
            d.version(&launch, "brand.logo", json!(i))
                .await
                .version_number,
        );
    }
    assert_eq!(numbers, [1, 2, 3]);
    let palette = d.version(&launch, "brand.palette", json!(["#fff"])).await;
    assert_eq!(palette.version_number, 1);
    let elsewhere = d.version(&other, "brand.logo", json!(0)).await;
    assert_eq!(elsewhere.version_number, 1);

    let retried = NewVersion {
        idempotency_key: Some("upload-42".into()),
        ..new_version(&launch, "brand.logo", json!({ "url": "logo.png" }))
    };
    let first = versions::create(d.as_admin(), retried.clone())
        .await
        .unwrap();
    let again = versions::create(d.as_admin(), retried.clone())
        .await
        .unwrap();
    assert_eq!(first.version_number, 4);
    assert_eq!((again.id, again.version_number), (first.id, 4));
    let reused = NewVersion {
        value: json!({ "url": "other.png" }),
        ..retried
    };
    let err = versions::create(d.as_admin(), reused).await.unwrap_err();
    assert!(
        matches!(&err, DomainError::IdempotencyKeyReused(key) if key == "upload-42"),
        "{err}"
    );

    let next = d.version(&launch, "brand.logo", json!("next")).await;
    assert_eq!(next.version_number, 5);
    let project = ids::decode(IdKind::Project, &launch).unwrap();
    let latest = versions::latest(d.as_admin(), project, "brand.logo")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (latest.id, latest.value.parse().unwrap()),
        (next.id, json!("next"))
    );
}

/// Approving a version supersedes the key's approved one; a decided version
/// cannot be decided again; a writer cannot decide at all; rejecting keeps
/// the reason and leaves the approved version alone.
async fn approving_supersedes_the_approved_version_of_the_key(d: Domain) {
    let project = d.project("review").await;
    let first = d.version(&project, "copy.tagline", json!("first")).await;
    let second = d.version(&project, "copy.tagline", json!("second")).await;
    let third = d.version(&project, "copy.tagline", json!("third")).await;
    let reviewer = d.principal("Rita", Role::Reviewer, None).await;
    let writer = d.principal("Walt", Role::Writer, None).await;

    let err = d
        .decide(&writer, Decision::Approve, &first)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
    assert_eq!(d.reread(&first).await.status, VersionStatus::Pending);

    let approved = d
        .decide(&reviewer, Decision::Approve, &first)
        .await
        .unwrap();
    assert_eq!(approved.status, VersionStatus::Approved);
    assert_eq!(approved.reviewed_by_name.as_deref(), Some("Rita"));
    d.decide(&reviewer, Decision::Approve, &second)
        .await
        .unwrap();
    assert_eq!(d.reread(&first).await.status, VersionStatus::Superseded);
    assert_eq!(d.reread(&second).await.status, VersionStatus::Approved);

    let err = d
        .decide(&reviewer, Decision::Approve, &first)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::InvalidTransition { from, .. } if from == "SUPERSEDED"),
        "{err}"
    );

    let rejected = d.decide(&reviewer, Decision::Reject, &third).await.unwrap();
    assert_eq!(rejected.status, VersionStatus::Rejected);
    assert_eq!(
        rejected.rejection_reason.as_deref(),
        Some("Reject in a test")
    );
    assert_eq!(d.reread(&second).await.status, VersionStatus::Approved);
}

/// Reviewers racing on one pending version: one decision wins, every other
/// is told the version is no longer pending, and it stays as the winner left it.
async fn concurrent_decisions_on_one_version_leave_one(d: Domain) {
    let project = d.project("race").await;
    let contested = d.version(&project, "mvp.scope", json!("contested")).await;
    let mut reviewers = Vec::new();
    for i in 0..8 {
        reviewers.push(
            d.principal(&format!("reviewer-{i}"), Role::Reviewer, None)
                .await,
        );
    }
    let decisions = reviewers.iter().enumerate().map(|(i, reviewer)| {
        let decision = if i % 2 == 0 {
            Decision::Approve
        } else {
            Decision::Reject
        };
        d.decide(reviewer, decision, &contested)
    });
    let results = futures::future::join_all(decisions).await;
    let winners: Vec<&version::Model> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for result in &results {
        if let Err(err) = result {
            assert!(
                matches!(err, DomainError::InvalidTransition { .. }),
                "{err}"
            );
        }
    }
    let stored = d.reread(&contested).await;
    assert_eq!(stored.status, winners[0].status);
    assert_eq!(stored.reviewed_by_name, winners[0].reviewed_by_name);
}

/// Two promoters read context version 0; the second to promote is told the
/// context moved on (and to what), and nothing of its promotion is applied.
/// Promoting again from the version it now reads succeeds, and the earlier
/// context stays readable by its version.
async fn a_stale_promotion_conflicts_and_changes_nothing(d: Domain) {
    let project = d.project("ctx").await;
    let project_id = ids::decode(IdKind::Project, &project).unwrap();
    for (key, value) in [
        ("brand.logo", json!({ "url": "a.png" })),
        ("mvp.scope", json!("small")),
    ] {
        let v = d.version(&project, key, value).await;
        d.decide(&d.admin, Decision::Approve, &v).await.unwrap();
    }
    let first = d.promote(&project, 0).await.unwrap();
    let promoted_context =
        json!({ "brand": { "logo": { "url": "a.png" } }, "mvp": { "scope": "small" } });
    assert_eq!(first.context_version, 1);
    assert_eq!(first.project.context, promoted_context);
    assert_eq!(first.promoted.len(), 2);

    let logo = d
        .version(&project, "brand.logo", json!({ "url": "b.png" }))
        .await;
    d.decide(&d.admin, Decision::Approve, &logo).await.unwrap();
    let err = d.promote(&project, 0).await.unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Conflict {
                current_context_version: Some(1),
                ..
            }
        ),
        "{err}"
    );
    let unchanged = projects::by_id(d.as_admin(), project_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (unchanged.context_version, &unchanged.context),
        (1, &promoted_context)
    );
    assert_eq!(d.reread(&logo).await.promoted_context_version, None);

    let second = d.promote(&project, 1).await.unwrap();
    assert_eq!(second.context_version, 2);
    assert_eq!(
        second.project.context,
        json!({ "brand": { "logo": { "url": "b.png" } }, "mvp": { "scope": "small" } })
    );
    let at = |version| context::at_version(d.as_admin(), project_id, version);
    assert_eq!(at(1).await.unwrap(), Some(promoted_context));
    assert_eq!(at(0).await.unwrap(), Some(json!({})));
    assert_eq!(at(3).await.unwrap(), None);
}

/// A token scoped to one project finds nothing of another: its versions
/// cannot be decided, read, promoted or added to, and are left untouched.
async fn another_projects_objects_are_not_found(d: Domain) {
    let mine = d.project("mine").await;
    let theirs = d.project("theirs").await;
    let their_version = d.version(&theirs, "brand.logo", json!("theirs")).await;
    let scoped = d.principal("scoped", Role::Admin, Some(&mine)).await;

    let err = d
        .decide(&scoped, Decision::Approve, &their_version)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound { .. }), "{err}");
    assert_eq!(
        d.reread(&their_version).await.status,
        VersionStatus::Pending
    );
    let seen = versions::by_id(d.session(&scoped), their_version.id)
        .await
        .unwrap();
    assert!(seen.is_none());

    let promote = Promotion {
        project_id: theirs.clone(),
        expected_context_version: 0,
        version_ids: None,
        idempotency_key: None,
    };
    let err = promotion::promote(d.session(&scoped), promote)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound { .. }), "{err}");

    let err = versions::create(
        d.session(&scoped),
        new_version(&theirs, "brand.logo", json!(1)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::NotFound { .. }), "{err}");
    let theirs_id = ids::decode(IdKind::Project, &theirs).unwrap();
    let latest = versions::latest(d.as_admin(), theirs_id, "brand.logo")
        .await
        .unwrap();
    assert_eq!(latest.map(|v| v.id), Some(their_version.id));

    let own = versions::create(
        d.session(&scoped),
        new_version(&mine, "brand.logo", json!(1)),
    )
    .await
    .unwrap();
    assert_eq!(own.version_number, 1);
}

/// A project's totals by status are kept by the writes (`version_counts`),
/// not counted: after creates and decisions racing on shared keys (some of
/// them losing, some retried with their idempotency key), every status's
/// kept total equals a count of the rows, and another project's writes are
/// not in it.
async fn kept_counts_match_the_versions_after_concurrent_writes(d: Domain) {
    use quire::domain::artifacts::versions::VersionFilter;
    use quire::domain::query::pagination::PageArgs;
    let project = d.project("tally").await;
    let other = d.project("elsewhere").await;
    let reviewer = d.principal("Rita", Role::Reviewer, None).await;
    d.version(&other, "q.k0", json!("not ours")).await;

    // Twelve values on four keys, each sent twice at once: a keyed create
    // twice with its key (it counts once), the others as two versions.
    let inputs = (0..12).flat_map(|j| {
        let base = new_version(&project, &format!("q.k{}", j % 4), json!(j));
        match j % 3 {
            0 => {
                let keyed = NewVersion {
                    idempotency_key: Some(format!("create-{j}")),
                    ..base
                };
                [keyed.clone(), keyed]
            }
            _ => [
                base.clone(),
                NewVersion {
                    value: json!([j]),
                    ..base
                },
            ],
        }
    });
    let creates = inputs.map(|input| versions::create(d.as_admin(), input));
    let created: Vec<version::Model> = futures::future::join_all(creates)
        .await
        .into_iter()
        .map(|r| r.expect("create"))
        .collect();
    let distinct: std::collections::HashSet<Uuid> = created.iter().map(|v| v.id).collect();
    assert_eq!(distinct.len(), 20);
    // Each version decided twice at once, in different ways: one wins.
    let decisions = created.iter().enumerate().flat_map(|(i, v)| {
        let first = [
            Decision::Approve,
            Decision::Reject,
            Decision::RequestChanges,
        ][i % 3];
        [
            d.decide(&reviewer, first, v),
            d.decide(&reviewer, Decision::Approve, v),
        ]
    });
    let decided = futures::future::join_all(decisions).await;
    assert!(decided.iter().any(|r| r.is_ok()));
    for result in &decided {
        if let Err(err) = result {
            assert!(
                matches!(err, DomainError::InvalidTransition { .. }),
                "{err}"
            );
        }
    }
    d.version(&project, "q.k0", json!("still pending")).await;

    let project_id = ids::decode(IdKind::Project, &project).unwrap();
    let d = &d;
    let total = |statuses: Vec<VersionStatus>, counted: bool| {
        let filter = VersionFilter {
            statuses,
            // A key filter makes the page count its rows.
            schema_key_prefix: counted.then(|| "q".to_owned()),
            ..Default::default()
        };
        async move {
            let args = PageArgs::new(Some(1), None, true).unwrap();
            versions::list(
                d.as_admin(),
                project_id,
                &filter,
                None,
                sea_orm::Order::Asc,
                &args,
            )
            .await
            .unwrap()
            .total_count
            .unwrap()
        }
    };
    let mut seen = 0;
    for status in [
        VersionStatus::Pending,
        VersionStatus::Approved,
        VersionStatus::Rejected,
        VersionStatus::ChangesRequested,
        VersionStatus::Superseded,
    ] {
        let kept = total(vec![status], false).await;
        assert_eq!(kept, total(vec![status], true).await, "{status:?}");
        seen += kept;
    }
    assert!(total(vec![VersionStatus::Approved], false).await > 0);
    assert!(total(vec![VersionStatus::Pending], false).await > 0);
    // The twenty made at once and the one made after them.
    assert_eq!(seen, 21);
    assert_eq!(total(Vec::new(), false).await, seen);
    assert_eq!(total(Vec::new(), true).await, seen);
}

/// Issue 16's promotion bug: promoting brand.font alone must not take out
/// brand.logo, whose promoted version was superseded by an approved but
/// unpromoted successor. A promotion changes exactly the keys it promotes;
/// the superseded value stays until its successor is promoted.
async fn promoting_one_key_leaves_the_others_in_the_context(d: Domain) {
    let project = d.project("loop").await;
    let reviewer = d.principal("Rita", Role::Reviewer, None).await;
    let promote_only = |ids: Vec<&version::Model>, expected: i32| Promotion {
        project_id: project.clone(),
        expected_context_version: expected,
        version_ids: Some(
            ids.iter()
                .map(|v| ids::encode(IdKind::Version, v.id))
                .collect(),
        ),
        idempotency_key: None,
    };
    let v4 = d.version(&project, "brand.logo", json!("logo-4.svg")).await;
    d.decide(&reviewer, Decision::Approve, &v4).await.unwrap();
    d.promote(&project, 0).await.unwrap();
    let v5 = d.version(&project, "brand.logo", json!("logo-5.svg")).await;
    d.decide(&reviewer, Decision::Approve, &v5).await.unwrap();
    assert_eq!(d.reread(&v4).await.status, VersionStatus::Superseded);
    let font = d.version(&project, "brand.font", json!("Inter")).await;
    d.decide(&reviewer, Decision::Approve, &font).await.unwrap();

    let done = promotion::promote(d.as_admin(), promote_only(vec![&font], 1))
        .await
        .unwrap();
    assert_eq!(done.context_version, 2);
    assert_eq!(
        done.project.context,
        json!({ "brand": { "logo": "logo-4.svg", "font": "Inter" } })
    );
    // v4's value is still what the context holds at brand.logo.
    assert_eq!(d.reread(&v4).await.promoted_context_version, Some(1));
    assert_eq!(d.reread(&v5).await.promoted_context_version, None);

    let done = promotion::promote(d.as_admin(), promote_only(vec![&v5], 2))
        .await
        .unwrap();
    assert_eq!(
        done.project.context,
        json!({ "brand": { "logo": "logo-5.svg", "font": "Inter" } })
    );
    assert_eq!(d.reread(&v4).await.promoted_context_version, None);
    assert_eq!(d.reread(&v5).await.promoted_context_version, Some(3));
    // Promoting everything left now changes nothing but the version.
    let done = d.promote(&project, 3).await.unwrap();
    assert!(done.promoted.is_empty());
    assert_eq!(
        done.project.context,
        json!({ "brand": { "logo": "logo-5.svg", "font": "Inter" } })
    );
}
