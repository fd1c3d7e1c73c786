//! Querying the graph: filters inside values and contexts, run filters,
//! orders in both directions across pages with inserts in between.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    value_filters_compare_as_json,
    bad_value_filters_are_refused,
    orders_page_both_ways_and_stay_stable_under_inserts,
    run_filters_and_orders,
    projects_filter_on_their_context,
    a_filtered_page_costs_the_statements_of_an_unfiltered_one,
);

const VERSIONS: &str = "query($where: VersionFilter, $status: [VersionStatus!]) { project(slug: \"q\") { versions(first: 100, where: $where, status: $status, orderBy: {field: CREATED_AT, direction: ASC}) { totalCount edges { node { schemaKey } } } } }";

/// The keys of the versions `filter` selects, oldest first.
async fn keys(s: &TestServer, filter: Value) -> Vec<String> {
    let data = s.admin(VERSIONS, json!({ "where": filter })).await;
    let connection = &data["project"]["versions"];
    let keys: Vec<String> = connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["schemaKey"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(connection["totalCount"], keys.len(), "{filter}");
    keys
}

async fn seed_values(s: &TestServer) -> String {
    let project = s.create_project("q").await;
    for (key, value) in [
        (
            "a",
            json!({"brand": {"colors": [{"hex": "#1A365D"}], "name": "Acme", "score": 10, "tags": ["x", "y"], "ok": true, "note": null}}),
        ),
        (
            "b",
            json!({"brand": {"colors": [{"hex": "#FFFFFF"}, {"hex": "#1A365D"}], "name": "Beta", "score": "10", "tags": ["y"], "ok": false}}),
        ),
        ("c", json!({"other": 1.5})),
    ] {
        s.create_version(&project, key, value, None).await;
    }
    project
}

async fn value_filters_compare_as_json(s: TestServer) {
    seed_values(&s).await;
    let on =
        |path: &str, op: &str, operand: Value| json!({ "value": [{ "path": path, op: operand }] });
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (on("brand.colors.0.hex", "eq", json!("#1A365D")), vec!["a"]),
        (on("brand.colors.1.hex", "eq", json!("#1A365D")), vec!["b"]),
        (on("brand.score", "eq", json!(10)), vec!["a"]),
        (on("brand.score", "eq", json!("10")), vec!["b"]),
        (on("brand.ok", "eq", json!(true)), vec!["a"]),
        (on("brand.ok", "eq", json!(false)), vec!["b"]),
        (
            on("brand.colors.0", "eq", json!({"hex": "#1A365D"})),
            vec!["a"],
        ),
        (on("brand.tags", "eq", json!(["x", "y"])), vec!["a"]),
        (on("other", "eq", json!(1.5)), vec!["c"]),
        (on("brand.name", "ne", json!("Acme")), vec!["b"]),
        (on("brand.score", "gt", json!(5)), vec!["a"]),
        (on("brand.score", "gte", json!(10)), vec!["a"]),
        (on("brand.score", "lt", json!(10.5)), vec!["a"]),
        (on("brand.score", "lte", json!(9)), vec![]),
        (on("brand.name", "gt", json!("B")), vec!["b"]),
        (on("brand.name", "lte", json!("Acme")), vec!["a"]),
        (on("brand", "exists", json!(true)), vec!["a", "b"]),
        (on("brand", "exists", json!(false)), vec!["c"]),
        (on("brand.note", "exists", json!(true)), vec!["a"]),
        (on("brand.tags", "contains", json!(["x"])), vec!["a"]),
        (on("brand.tags", "contains", json!("y")), vec!["a", "b"]),
        (on("brand", "contains", json!({"name": "Beta"})), vec!["b"]),
        (
            on("brand.colors", "contains", json!([{"hex": "#FFFFFF"}])),
            vec!["b"],
        ),
        (
            on("brand", "contains", json!({"colors": [{"hex": "#1A365D"}]})),
            vec!["a", "b"],
        ),
        (
            on("brand.colors.0", "contains", json!({"hex": "#FFFFFF"})),
            vec!["b"],
        ),
        (on("brand.score", "contains", json!(10)), vec!["a"]),
        // The array-holds-a-scalar rule applies at the path, not below it.
        (on("brand", "contains", json!({"tags": "y"})), vec![]),
        (
            on("brand", "contains", json!({"tags": ["y"]})),
            vec!["a", "b"],
        ),
        (
            json!({ "value": [
                { "path": "brand", "exists": true },
                { "path": "brand.score", "gt": 5 }
            ] }),
            vec!["a"],
        ),
        (
            json!({ "value": [{ "path": "brand.name", "gte": "A", "lt": "B" }] }),
            vec!["a"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(keys(&s, filter.clone()).await, expected, "{filter}");
    }
    // With the other filters of the list.
    let data = s
        .admin(
            VERSIONS,
            json!({ "where": on("brand", "exists", json!(true)), "status": ["APPROVED"] }),
        )
        .await;
    assert_eq!(data["project"]["versions"]["totalCount"], 0);
}

async fn bad_value_filters_are_refused(s: TestServer) {
    seed_values(&s).await;
    for filter in [
        json!({ "value": [{ "path": "brand..x", "eq": 1 }] }),
        json!({ "value": [{ "path": "", "eq": 1 }] }),
        json!({ "value": [{ "path": "a b", "eq": 1 }] }),
        json!({ "value": [{ "path": "brand" }] }),
        json!({ "value": [{ "path": "brand", "gt": {"x": 1} }] }),
        json!({ "value": [{ "path": "brand", "lt": [1] }] }),
        json!({ "value": [{ "path": "brand", "gte": true }] }),
        json!({ "value": [{ "path": "brand", "contains": (0..100).collect::<Vec<_>>() }] }),
        json!({ "value": vec![json!({ "path": "a", "exists": true }); 17] }),
        json!({ "sourceRunId": "ver_1" }),
        json!({ "createdAfter": "1900-01-01T00:00:00Z" }),
    ] {
        let (_, body) = s
            .post(Some(&s.admin), VERSIONS, json!({ "where": filter }))
            .await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{filter}: {body}"
        );
    }
    // A path holding SQL is only ever a bound value.
    let (_, body) = s
        .post(
            Some(&s.admin),
            VERSIONS,
            json!({ "where": { "value": [{ "path": "brand", "eq": "x' OR 1=1 --" }] } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["project"]["versions"]["totalCount"], 0);
}

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String, $order: VersionOrder) { project(slug: \"q\") { versions(first: $first, after: $after, last: $last, before: $before, orderBy: $order) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { schemaKey versionNumber } } } } }";

fn labels(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}{}",
                e["node"]["schemaKey"].as_str().unwrap(),
                e["node"]["versionNumber"]
            )
        })
        .collect()
}

async fn page(s: &TestServer, vars: Value) -> Value {
    s.admin(PAGE, vars).await["project"]["versions"].clone()
}

async fn orders_page_both_ways_and_stay_stable_under_inserts(s: TestServer) {
    let project = s.create_project("q").await;
    for key in ["d", "b", "f", "a", "e", "c"] {
        s.create_version(&project, key, json!(1), None).await;
    }
    let by_key = json!({"field": "SCHEMA_KEY", "direction": "ASC"});
    let first = page(&s, json!({ "first": 2, "order": by_key })).await;
    assert_eq!(labels(&first), ["a1", "b1"]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    // Inserts before and after the cursor: the next page goes on from it.
    s.create_version(&project, "a", json!(2), None).await;
    s.create_version(&project, "bb", json!(1), None).await;
    let after = first["pageInfo"]["endCursor"].clone();
    let second = page(&s, json!({ "first": 3, "after": after, "order": by_key })).await;
    assert_eq!(labels(&second), ["bb1", "c1", "d1"]);
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(second["totalCount"], 8);
    // Backward from the second page's start: what precedes it, in list order.
    let before = second["pageInfo"]["startCursor"].clone();
    let back = page(&s, json!({ "last": 2, "before": before, "order": by_key })).await;
    assert_eq!(labels(&back), ["a2", "b1"]);
    assert_eq!(back["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(back["pageInfo"]["hasNextPage"], true);
    let back = page(&s, json!({ "last": 5, "before": before, "order": by_key })).await;
    assert_eq!(labels(&back), ["a1", "a2", "b1"]);
    assert_eq!(back["pageInfo"]["hasPreviousPage"], false);
    // The last items of the whole list.
    let tail = page(&s, json!({ "last": 2, "order": by_key })).await;
    assert_eq!(labels(&tail), ["e1", "f1"]);
    assert_eq!(tail["pageInfo"]["hasNextPage"], false);

    // Descending, and by number, and by creation (the default, newest first).
    let desc = json!({"field": "SCHEMA_KEY", "direction": "DESC"});
    let top = page(&s, json!({ "first": 3, "order": desc })).await;
    assert_eq!(labels(&top), ["f1", "e1", "d1"]);
    let next = page(
        &s,
        json!({ "first": 3, "after": top["pageInfo"]["endCursor"], "order": desc }),
    )
    .await;
    assert_eq!(labels(&next), ["c1", "bb1", "b1"]);
    let by_number = json!({"field": "VERSION_NUMBER", "direction": "DESC"});
    let numbered = page(&s, json!({ "first": 1, "order": by_number })).await;
    assert_eq!(labels(&numbered), ["a2"]);
    let newest = page(&s, json!({ "first": 2 })).await;
    assert_eq!(labels(&newest), ["bb1", "a2"]);
    let oldest = page(&s, json!({ "last": 2 })).await;
    assert_eq!(labels(&oldest), ["b1", "d1"]);
    let by_created = json!({"field": "CREATED_AT", "direction": "ASC"});
    let created = page(&s, json!({ "first": 2, "order": by_created })).await;
    assert_eq!(labels(&created), ["d1", "b1"]);
    let walked = page(
        &s,
        json!({ "first": 100, "after": created["pageInfo"]["endCursor"], "order": by_created }),
    )
    .await;
    assert_eq!(labels(&walked), ["f1", "a1", "e1", "c1", "a2", "bb1"]);

    // Mixed directions, and a cursor of another order, are refused.
    for vars in [
        json!({ "first": 1, "last": 1 }),
        json!({ "after": first["pageInfo"]["endCursor"], "before": before, "order": by_key }),
        json!({ "first": 1, "after": newest["pageInfo"]["endCursor"], "order": by_key }),
        json!({ "last": 101 }),
    ] {
        let (_, body) = s.post(Some(&s.admin), PAGE, vars.clone()).await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{vars}: {body}"
        );
    }
}

async fn run_filters_and_orders(s: TestServer) {
    let project = s.create_project("runs").await;
    let start = "mutation($p: ID!, $m: String!, $pl: String!) { startRun(input: {projectId: $p, pipeline: $pl, model: $m}) { id } }";
    let complete = "mutation($r: ID!, $i: Int!, $o: Int!) { completeRun(input: {runId: $r, inputTokens: $i, outputTokens: $o}) { cost } }";
    let mut ids = Vec::new();
    // gpt-4o at 2.50 / 10.00 per million: costs 0.0035, 0.035, 0.35; one open.
    for (model, pipeline, tokens) in [
        ("gpt-4o", "brand", Some(1_000)),
        ("gpt-4o", "mvp", Some(10_000)),
        ("house-model", "brand", Some(5)),
        ("gpt-4o", "brand", Some(100_000)),
        ("gpt-4o", "brand", None),
    ] {
        let data = s
            .admin(start, json!({ "p": project, "m": model, "pl": pipeline }))
            .await;
        let id = data["startRun"]["id"].as_str().unwrap().to_owned();
        if let Some(t) = tokens {
            s.admin(complete, json!({ "r": id, "i": t, "o": t / 10 }))
                .await;
        }
        ids.push(id);
    }
    let runs = "query($where: RunFilter, $order: RunOrder, $last: Int) { project(slug: \"runs\") { runs(where: $where, orderBy: $order, last: $last) { totalCount edges { node { id cost } } } } }";
    let of = |data: &Value| -> Vec<usize> {
        data["project"]["runs"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                ids.iter()
                    .position(|id| e["node"]["id"] == id.as_str())
                    .unwrap()
            })
            .collect()
    };
    let cases = [
        (json!({ "where": { "model": "gpt-4o" } }), vec![4, 3, 1, 0]),
        (
            json!({ "where": { "model": "gpt-4o", "pipeline": "brand" } }),
            vec![4, 3, 0],
        ),
        (json!({ "where": { "minCost": "0.035" } }), vec![3, 1]),
        (json!({ "where": { "minCost": "0.0350000001" } }), vec![3]),
        (json!({ "where": { "minCost": "0" } }), vec![3, 1, 0]),
        (json!({ "where": { "status": ["RUNNING"] } }), vec![4]),
        (
            json!({ "order": { "field": "COST", "direction": "DESC" } }),
            vec![3, 1, 0, 4, 2],
        ),
        (
            json!({ "order": { "field": "COST", "direction": "ASC" }, "where": { "minCost": "0.001" } }),
            vec![0, 1, 3],
        ),
        (
            json!({ "order": { "field": "COMPLETED_AT", "direction": "ASC" } }),
            vec![0, 1, 2, 3, 4],
        ),
        (
            json!({ "order": { "field": "COMPLETED_AT", "direction": "ASC" }, "last": 2 }),
            vec![3, 4],
        ),
        (
            json!({ "order": { "field": "CREATED_AT", "direction": "ASC" } }),
            vec![0, 1, 2, 3, 4],
        ),
    ];
    for (vars, expected) in cases {
        let data = s.admin(runs, vars.clone()).await;
        assert_eq!(of(&data), expected, "{vars}");
        assert_eq!(
            data["project"]["runs"]["totalCount"],
            expected
                .len()
                .max(if vars.get("last").is_some() { 5 } else { 0 }),
            "{vars}"
        );
    }
    let now = chrono::Utc::now();
    let data = s
        .admin(
            runs,
            json!({ "where": { "createdAfter": (now - chrono::Duration::hours(1)).to_rfc3339(), "createdBefore": now.to_rfc3339() } }),
        )
        .await;
    assert_eq!(data["project"]["runs"]["totalCount"], 5);
    let data = s
        .admin(
            runs,
            json!({ "where": { "createdAfter": now.to_rfc3339() } }),
        )
        .await;
    assert_eq!(data["project"]["runs"]["totalCount"], 0);
    for bad in [
        json!({ "where": { "minCost": "100000000000" } }),
        json!({ "where": { "model": "m".repeat(201) } }),
    ] {
        let (_, body) = s.post(Some(&s.admin), runs, bad.clone()).await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{bad}: {body}"
        );
    }
}

async fn projects_filter_on_their_context(s: TestServer) {
    let approve = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";
    let promote = "mutation($p: ID!) { promote(input: {projectId: $p, expectedContextVersion: 0}) { contextVersion } }";
    for (slug, logo) in [
        ("acme-launch", Some("#1A365D")),
        ("acme-docs", None),
        ("beta", Some("#FFFFFF")),
    ] {
        let project = s.create_project(slug).await;
        if let Some(hex) = logo {
            let v = s
                .create_version(&project, "brand.logo", json!({ "hex": hex }), None)
                .await;
            s.admin(approve, json!({ "id": v["id"] })).await;
            s.admin(promote, json!({ "p": project })).await;
        }
    }
    let query = "query($where: ProjectFilter) { projects(where: $where) { totalCount edges { node { slug } } } }";
    let slugs = |data: &Value| -> Vec<String> {
        data["projects"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    for (filter, expected) in [
        (
            json!({ "slugPrefix": "acme-" }),
            vec!["acme-launch", "acme-docs"],
        ),
        (
            json!({ "context": [{ "path": "brand.logo", "exists": true }] }),
            vec!["acme-launch", "beta"],
        ),
        (
            json!({ "slugPrefix": "acme", "context": [{ "path": "brand.logo", "exists": true }] }),
            vec!["acme-launch"],
        ),
        (
            json!({ "context": [{ "path": "brand", "contains": { "logo": { "hex": "#FFFFFF" } } }] }),
            vec!["beta"],
        ),
        (
            json!({ "context": [{ "path": "brand.logo.hex", "eq": "#1A365D" }] }),
            vec!["acme-launch"],
        ),
    ] {
        let data = s.admin(query, json!({ "where": filter })).await;
        assert_eq!(slugs(&data), expected, "{filter}");
    }
    // A scoped token filters within its own project only.
    let beta = s
        .admin("{ project(slug: \"beta\") { id } }", json!({}))
        .await["project"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scoped = s.token("READER", Some(&beta)).await;
    let data = s
        .as_token(
            &scoped,
            query,
            json!({ "where": { "context": [{ "path": "brand.logo", "exists": true }] } }),
        )
        .await;
    assert_eq!(slugs(&data), ["beta"]);
    let (_, body) = s
        .post(
            Some(&s.admin),
            query,
            json!({ "where": { "slugPrefix": "A%" } }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");
}

async fn a_filtered_page_costs_the_statements_of_an_unfiltered_one(s: TestServer) {
    let project = seed_values(&s).await;
    let run = s.start_run(&project, "p").await;
    s.record_step(&run, 1).await;
    for i in 0..5 {
        s.create_version(
            &project,
            "brand.logo",
            json!({ "brand": { "i": i } }),
            Some(&run),
        )
        .await;
    }
    let query = "query($where: VersionFilter) { project(slug: \"q\") { versions(first: 20, where: $where) { totalCount edges { node { id files { id } approvals { action } sourceRun { id steps { order } } } } } } }";
    let mut counts = Vec::new();
    for filter in [
        json!(null),
        json!({ "value": [{ "path": "brand", "exists": true }] }),
    ] {
        let before = s.statements().await;
        let data = s.admin(query, json!({ "where": filter })).await;
        counts.push(s.statements().await - before);
        assert!(data["project"]["versions"]["totalCount"].as_i64().unwrap() >= 7);
    }
    // One more: the schemas' gated fields, which a filter may not reach
    // (`domain::schemas::tier_reach`); nothing that grows with the page.
    assert_eq!(counts[0] + 1, counts[1], "statements: unfiltered, filtered");
}
