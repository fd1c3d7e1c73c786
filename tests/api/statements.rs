//! Nested pages load through DataLoaders: the number of SQL statements for
//! project -> versions -> sourceRun -> steps does not grow with the page size.

use serde_json::{Value, json};

use crate::common::TestServer;

// Both backends, with a batch window wide enough that an unoptimised test
// build on a busy 2-core machine registers a whole page's keys before the
// first batch leaves (release builds do it well within the 2 ms default),
// and no token cache, so that every request looks its token up.
crate::each_backend!(statements_do_not_grow_with_page_size, |backend| {
    TestServer::in_process(backend, |c| {
        c.http.batch_delay_us = 200_000;
        c.tokens.token_cache_ms = 0;
    })
});

const QUERY: &str = r#"query($first: Int!) {
  project(slug: "counted") {
    versions(first: $first) {
      edges { node {
        id value files { id } approvals { id actor { name } }
        sourceRun { id model steps { id order inputTokens } }
      } }
    }
  }
}"#;

async fn statements_for(s: &TestServer, first: usize) -> (u64, usize) {
    let before = s.statements().await;
    let data = s.admin(QUERY, json!({ "first": first })).await;
    let after = s.statements().await;
    let edges = data["project"]["versions"]["edges"].as_array().unwrap();
    for edge in edges {
        let orders: Vec<i64> = edge["node"]["sourceRun"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| step["order"].as_i64().unwrap())
            .collect();
        assert_eq!(orders, [1, 2, 3], "{edge}");
    }
    (after - before, edges.len())
}

/// 50 versions from 25 runs of 3 steps each, in project `counted`.
async fn seed_counted(s: &TestServer) {
    let project = s.create_project("counted").await;
    for r in 0..25 {
        let run = s.start_run(&project, "bulk").await;
        for order in 1..=3 {
            s.record_step(&run, order).await;
        }
        for v in 0..2 {
            s.create_version(&project, &format!("key.k{r}"), json!({"v": v}), Some(&run))
                .await;
        }
    }
}

async fn statements_do_not_grow_with_page_size(s: TestServer) {
    seed_counted(&s).await;
    let (small, n_small) = statements_for(&s, 5).await;
    let (large, n_large) = statements_for(&s, 50).await;
    assert_eq!((n_small, n_large), (5, 50));
    assert_eq!(
        small, large,
        "statements grew with the page size: {small} for 5, {large} for 50"
    );
    // Token, project, page (with its count), runs joined with their steps,
    // and files with approvals and the keys' schemas (a value's tier
    // gating) in one.
    assert_eq!(large, 5, "statements for one nested page");

    // totalCount rides on the page's own statement, and counts every row
    // whatever the cursor, including past the last page.
    let mut after = Value::Null;
    let mut sizes = Vec::new();
    loop {
        let before = s.statements().await;
        let data = s.admin(COUNTED, json!({ "after": after })).await;
        let cost = s.statements().await - before;
        let versions = &data["project"]["versions"];
        assert_eq!(versions["totalCount"], 50, "{data}");
        let edges = versions["edges"].as_array().unwrap().len();
        // An empty page has no row to carry the count: one COUNT more.
        let expected = if edges == 0 { 4 } else { 3 };
        assert_eq!(cost, expected, "token, project and the counted page");
        sizes.push(edges);
        if edges == 0 {
            break;
        }
        after = versions["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(sizes, [20, 20, 10, 0]);
}

const COUNTED: &str = r#"query($after: String) {
  project(slug: "counted") {
    versions(first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id } }
    }
  }
}"#;

crate::backend_tests!(a_token_seen_lately_costs_no_lookup);

async fn a_token_seen_lately_costs_no_lookup(s: TestServer) {
    let reader = s.token("READER", None).await;
    let viewer = "{ viewer { name } }";
    let before = s.statements().await;
    s.as_token(&reader, viewer, json!({})).await;
    let first = s.statements().await - before;
    let before = s.statements().await;
    let data = s.as_token(&reader, viewer, json!({})).await;
    let second = s.statements().await - before;
    assert_eq!(data["viewer"]["name"], "READER-token");
    // The first request looked the token up; the second found it cached
    // (the test servers keep tokens for a minute).
    assert_eq!((first, second), (1, 0));
}

// The page's children are read by the page itself (one statement per
// relation), so 32 clients at once cost exactly 32 times one client, at
// the default batch window: nothing depends on which items of a page
// happen to reach a loader together. The event reader's poll is slowed so
// that only the requests run statements.
crate::each_backend!(statements_stay_fixed_under_32_clients, |backend| {
    TestServer::start_with(backend, |c| c.events.event_poll_ms = 3_600_000)
});

async fn statements_stay_fixed_under_32_clients(s: TestServer) {
    seed_counted(&s).await;
    // The token is looked up once, then cached.
    statements_for(&s, 50).await;
    let (alone, n) = statements_for(&s, 50).await;
    assert_eq!(
        (alone, n),
        (4, 50),
        "project, page, runs with steps, files with approvals and schemas"
    );
    for round in 0..3 {
        let before = s.statements().await;
        let pages =
            futures::future::join_all((0..32).map(|_| s.admin(QUERY, json!({ "first": 50 }))))
                .await;
        let spent = s.statements().await - before;
        for page in &pages {
            let edges = page["project"]["versions"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), 50);
            assert!(edges.iter().all(|e| {
                e["node"]["sourceRun"]["steps"]
                    .as_array()
                    .is_some_and(|steps| steps.len() == 3)
            }));
        }
        assert_eq!(
            spent,
            32 * alone,
            "round {round}: 32 concurrent pages cost {spent} statements, not 32 x {alone}"
        );
    }
}

// A version read by ID reads its files, approvals and its key's schemas
// itself, in one statement: two statements (the version, then the rest)
// per read, also with 32
// clients at once, and no wait for the loaders' batching window, which this
// server sets to two minutes (a read that waited for it would be cancelled
// by the server's 30 s request time limit).
crate::each_backend!(a_point_read_reads_its_children_at_once, |backend| {
    TestServer::start_with(backend, |c| {
        c.events.event_poll_ms = 3_600_000;
        c.http.batch_delay_us = 120_000_000;
    })
});

async fn a_point_read_reads_its_children_at_once(s: TestServer) {
    const POINT: &str = "query($id: ID!) { artifactVersion(id: $id) { id value files { id } approvals { action actor { name } } } }";
    const APPROVE: &str =
        "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";
    let project = s.create_project("point").await;
    let mut ids = Vec::new();
    for n in 0..8 {
        let version = s
            .create_version(&project, &format!("point.k{n}"), json!({ "n": n }), None)
            .await;
        let id = version["id"].as_str().unwrap().to_owned();
        if n % 2 == 0 {
            s.admin(APPROVE, json!({ "id": id })).await;
        }
        ids.push(id);
    }
    // The token is looked up once, then cached.
    s.admin(POINT, json!({ "id": ids[0] })).await;
    let before = s.statements().await;
    let alone = s.admin(POINT, json!({ "id": ids[0] })).await;
    assert_eq!(
        s.statements().await - before,
        2,
        "version, then files, approvals and schemas"
    );
    assert_eq!(
        alone["artifactVersion"]["approvals"][0]["action"],
        "APPROVE"
    );

    let before = s.statements().await;
    let reads = futures::future::join_all(
        (0..32).map(|i| s.admin(POINT, json!({ "id": ids[i % ids.len()] }))),
    )
    .await;
    assert_eq!(s.statements().await - before, 32 * 2);
    for (i, read) in reads.iter().enumerate() {
        let version = &read["artifactVersion"];
        let n = i % ids.len();
        assert_eq!(version["id"], ids[n]);
        assert_eq!(version["value"], json!({ "n": n }));
        assert_eq!(version["files"], json!([]));
        let approvals = version["approvals"].as_array().unwrap().len();
        assert_eq!(approvals, usize::from(n % 2 == 0), "{read}");
    }
}

// The same with a value filter and a full-text search on the page: 32
// filtered pages at once cost 32 times one (filtered reads go through their
// own pool on PostgreSQL, counted like the others).
crate::each_backend!(filtered_pages_stay_fixed_under_32_clients, |backend| {
    TestServer::start_with(backend, |c| c.events.event_poll_ms = 3_600_000)
});

async fn filtered_pages_stay_fixed_under_32_clients(s: TestServer) {
    seed_counted(&s).await;
    let query = r#"query($where: VersionFilter) { project(slug: "counted") {
        versions(first: 50, where: $where) { edges { node {
          id value files { id } approvals { id actor { name } } sourceRun { id model steps { id order } } } } } } }"#;
    for filter in [
        json!({ "value": [{ "path": "v", "eq": 1 }] }),
        json!({ "search": "key" }),
    ] {
        let vars = json!({ "where": filter });
        s.admin(query, vars.clone()).await;
        let before = s.statements().await;
        let page = s.admin(query, vars.clone()).await;
        let alone = s.statements().await - before;
        let expected_rows = page["project"]["versions"]["edges"]
            .as_array()
            .unwrap()
            .len();
        assert!(expected_rows >= 25, "{filter}: {page}");
        let before = s.statements().await;
        let pages = futures::future::join_all((0..32).map(|_| s.admin(query, vars.clone()))).await;
        let spent = s.statements().await - before;
        for page in &pages {
            assert_eq!(
                page["project"]["versions"]["edges"]
                    .as_array()
                    .unwrap()
                    .len(),
                expected_rows
            );
        }
        assert_eq!(
            spent,
            32 * alone,
            "{filter}: 32 pages cost {spent}, not 32 x {alone}"
        );
    }
}

// A page of runs reads its steps and outputs (and what those versions show)
// itself, as a page of versions does; so does one run read by ID. The runs
// dashboard and the run detail page cost the same statements for every
// client of 32 at once, and the loaders' batching window, set to two
// minutes here, is never waited for.
crate::each_backend!(runs_pages_stay_fixed_under_32_clients, |backend| {
    TestServer::start_with(backend, |c| {
        c.events.event_poll_ms = 3_600_000;
        c.http.batch_delay_us = 120_000_000;
    })
});

const RUNS_DASHBOARD: &str = include_str!("../queries/runs_dashboard.graphql");
const RUN_DETAIL: &str = include_str!("../queries/run_detail.graphql");

async fn runs_pages_stay_fixed_under_32_clients(s: TestServer) {
    seed_counted(&s).await;
    let dashboard = || s.admin(RUNS_DASHBOARD, json!({ "slug": "counted" }));
    let first = dashboard().await;
    let run = first["project"]["runs"]["edges"][0]["node"]["id"].clone();
    let detail = || s.admin(RUN_DETAIL, json!({ "id": run }));
    detail().await;

    let before = s.statements().await;
    let page = dashboard().await;
    let alone = s.statements().await - before;
    let runs = page["project"]["runs"]["edges"].as_array().unwrap();
    assert_eq!(runs.len(), 25);
    assert!(runs.iter().all(|r| {
        r["node"]["steps"].as_array().is_some_and(|s| s.len() == 3)
            && r["node"]["outputs"]
                .as_array()
                .is_some_and(|o| o.len() == 2)
    }));
    assert_eq!(
        alone, 4,
        "project, runs (with their count), steps with outputs, schemas"
    );
    let before = s.statements().await;
    detail().await;
    let detail_alone = s.statements().await - before;
    assert_eq!(
        detail_alone, 3,
        "the run with its steps, its outputs with its inputs, files with approvals and schemas"
    );

    let before = s.statements().await;
    let pages = futures::future::join_all((0..32).map(|_| dashboard())).await;
    assert!(
        pages.iter().all(|p| p == &page),
        "every client reads the same page"
    );
    let spent = s.statements().await - before;
    assert_eq!(spent, 32 * alone, "32 dashboards cost {spent} statements");
    let before = s.statements().await;
    futures::future::join_all((0..32).map(|_| detail())).await;
    let spent = s.statements().await - before;
    assert_eq!(
        spent,
        32 * detail_alone,
        "32 detail pages cost {spent} statements"
    );
}
