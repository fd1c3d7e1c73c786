//! Full-text search over versions' values and schema keys: `Query.search`
//! (best match first, scoped to the caller's projects) and
//! `VersionFilter.search` inside a project.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    search_ranks_stems_and_requires_every_word,
    search_is_scoped_to_the_callers_projects,
    search_pages_by_rank_without_gaps,
    bad_searches_are_refused,
    a_searched_page_costs_the_statements_of_an_unfiltered_one,
);

const SEARCH: &str = "query($q: String!, $p: ID, $first: Int, $after: String) { search(query: $q, projectId: $p, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { schemaKey project { slug } } } } }";

/// The schema keys `search` returns for `q`, in its order.
async fn found(s: &TestServer, token: &str, q: &str, project: Option<&str>) -> Vec<String> {
    let data = s
        .as_token(token, SEARCH, json!({ "q": q, "p": project, "first": 100 }))
        .await;
    let keys = schema_keys(&data["search"]);
    assert_eq!(data["search"]["totalCount"], keys.len(), "{q}");
    keys
}

fn schema_keys(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["schemaKey"].as_str().unwrap().to_owned())
        .collect()
}

async fn seed(s: &TestServer, slug: &str) -> String {
    let project = s.create_project(slug).await;
    for (key, value) in [
        (
            "mvp.scope",
            json!({ "summary": "Onboarding flow for new users", "size": 3 }),
        ),
        (
            "brand.palette",
            json!({ "notes": "onboarding onboarding onboarding" }),
        ),
        (
            "risk.log",
            json!({ "items": [{ "text": "users keep running into errors" }, { "text": "budget" }] }),
        ),
    ] {
        s.create_version(&project, key, value, None).await;
    }
    project
}

async fn search_ranks_stems_and_requires_every_word(s: TestServer) {
    seed(&s, "q").await;
    let admin = s.admin.clone();
    // More mentions rank first.
    assert_eq!(
        found(&s, &admin, "onboarding", None).await,
        ["brand.palette", "mvp.scope"]
    );
    // Stemmed, at any depth, in arrays too.
    assert_eq!(found(&s, &admin, "run", None).await, ["risk.log"]);
    assert_eq!(found(&s, &admin, "Errors!", None).await, ["risk.log"]);
    // Schema keys are searched; the value's own member names and numbers are not.
    assert_eq!(found(&s, &admin, "palette", None).await, ["brand.palette"]);
    assert!(found(&s, &admin, "summary", None).await.is_empty());
    // Every word must occur.
    assert_eq!(
        found(&s, &admin, "new users onboarding", None).await,
        ["mvp.scope"]
    );
    assert!(
        found(&s, &admin, "onboarding budget", None)
            .await
            .is_empty()
    );
    // Query syntax of either database is only text here.
    assert_eq!(
        found(&s, &admin, "\"onboarding* (users) -{flow}:^", None).await,
        ["mvp.scope"]
    );
    // A version is searchable as soon as its write is acknowledged.
    let project = s.admin("{ project(slug: \"q\") { id } }", json!({})).await["project"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.create_version(
        &project,
        "launch.plan",
        json!({ "steps": ["Announce the onboarding webinar"] }),
        None,
    )
    .await;
    assert_eq!(found(&s, &admin, "webinar", None).await, ["launch.plan"]);
    // Inside a project, as a filter with the others.
    let data = s
        .admin(
            "{ project(slug: \"q\") { versions(where: {search: \"onboarding\", schemaKeyPrefix: \"brand\"}) { totalCount edges { node { schemaKey } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(schema_keys(&data["project"]["versions"]), ["brand.palette"]);
    assert_eq!(data["project"]["versions"]["totalCount"], 1);
}

async fn search_is_scoped_to_the_callers_projects(s: TestServer) {
    let mine = seed(&s, "mine").await;
    let theirs = seed(&s, "theirs").await;
    let admin = s.admin.clone();
    let slugs = |data: &Value| -> Vec<String> {
        data["search"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["project"]["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    // An unscoped token searches every project, or one.
    assert_eq!(found(&s, &admin, "palette", None).await.len(), 2);
    let data = s
        .admin(SEARCH, json!({ "q": "palette", "p": theirs }))
        .await;
    assert_eq!(slugs(&data), ["theirs"]);
    // A scoped token finds its own project's versions only.
    let scoped = s.token("READER", Some(&mine)).await;
    let data = s.as_token(&scoped, SEARCH, json!({ "q": "palette" })).await;
    assert_eq!(slugs(&data), ["mine"]);
    assert_eq!(data["search"]["totalCount"], 1);
    // Another project's id reads as absent, as an id that does not exist does.
    for project in [theirs.as_str(), "prj_00000000000000000000000000000000"] {
        let (_, body) = s
            .post(
                Some(&scoped),
                SEARCH,
                json!({ "q": "palette", "p": project }),
            )
            .await;
        assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{project}: {body}");
        assert!(body["data"].is_null(), "{body}");
    }
    let (_, body) = s
        .post(
            Some(&scoped),
            SEARCH,
            json!({ "q": "palette", "p": "nonsense" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");
    let data = s
        .as_token(
            &scoped,
            "{ project(slug: \"mine\") { versions(where: {search: \"palette\"}) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 1);
}

async fn search_pages_by_rank_without_gaps(s: TestServer) {
    let project = s.create_project("paged").await;
    for i in 1..=7 {
        let text = vec!["kestrel"; i].join(" ");
        s.create_version(
            &project,
            &format!("k{i}"),
            json!({ "t": text, "pad": "other words here" }),
            None,
        )
        .await;
    }
    let all = found(&s, &s.admin.clone(), "kestrel", None).await;
    assert_eq!(all.len(), 7);
    assert_eq!(all[0], "k7", "most mentions first: {all:?}");
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = s
            .admin(
                SEARCH,
                json!({ "q": "kestrel", "first": 3, "after": after }),
            )
            .await;
        paged.extend(schema_keys(&data["search"]));
        let info = &data["search"]["pageInfo"];
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(paged, all);
}

async fn bad_searches_are_refused(s: TestServer) {
    seed(&s, "q").await;
    let long = "x".repeat(257);
    let many = "word ".repeat(17);
    for q in ["", "  ", "!!! ???", long.as_str(), many.as_str()] {
        let (_, body) = s.post(Some(&s.admin), SEARCH, json!({ "q": q })).await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{q:?}: {body}"
        );
    }
    let error = s
        .admin_error(
            "{ project(slug: \"q\") { versions(where: {search: \"\\\"\"}) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "VALIDATION_FAILED", "{error}");
    let (_, body) = s.post(None, SEARCH, json!({ "q": "palette" })).await;
    assert_eq!(code(&body["errors"][0]), "UNAUTHENTICATED", "{body}");
}

async fn a_searched_page_costs_the_statements_of_an_unfiltered_one(s: TestServer) {
    let project = seed(&s, "q").await;
    let run = s.start_run(&project, "p").await;
    s.record_step(&run, 1).await;
    for i in 0..5 {
        s.create_version(
            &project,
            "brand.logo",
            json!({ "alt": format!("onboarding logo {i}") }),
            Some(&run),
        )
        .await;
    }
    let nested = "files { id } approvals { action } sourceRun { id steps { order } }";
    let in_project = format!(
        "query($where: VersionFilter) {{ project(slug: \"q\") {{ versions(first: 20, where: $where) {{ totalCount edges {{ node {{ id {nested} }} }} }} }} }}"
    );
    let across = format!(
        "{{ search(query: \"onboarding\", first: 20) {{ totalCount edges {{ node {{ id {nested} }} }} }} }}"
    );
    let mut counts = Vec::new();
    for (query, filter) in [
        (
            in_project.as_str(),
            json!({ "value": [{ "path": "alt", "exists": true }] }),
        ),
        (in_project.as_str(), json!({ "search": "onboarding" })),
        (across.as_str(), json!({})),
    ] {
        let before = s.statements().await;
        let data = s.admin(query, json!({ "where": filter })).await;
        counts.push(s.statements().await - before);
        assert!(!data.to_string().contains("\"totalCount\":0"), "{data}");
    }
    // The project lookup is one statement the search across projects does not make.
    assert_eq!(counts[0], counts[1], "statements: filtered, searched");
    assert_eq!(
        counts[2] + 1,
        counts[1],
        "statements: searched across, in project"
    );
}
