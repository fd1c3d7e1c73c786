//! Input bounds: token counts, costs, free text and dates are refused with
//! VALIDATION_FAILED and write nothing; sums are exact up to the bounds or
//! refused; values at the bounds pass.

use entity::{ActorType, Money, RunStatus, run};
use quire::domain::ids::{self, IdKind};
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::str::FromStr;

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    token_counts_are_bounded_and_summed_exactly,
    costs_the_money_column_cannot_hold_are_refused,
    cost_summary_sums_are_exact_or_refused,
    free_text_is_bounded,
    dates_are_bounded
);

/// The bound on every token count (validate::MAX_TOKENS).
const MAX_TOKENS: i64 = 1_000_000_000_000;

const PRICE: &str = "mutation($m: String!, $i: Decimal!, $o: Decimal!, $from: DateTime) { setModelPrice(input: {model: $m, inputPerMillion: $i, outputPerMillion: $o, effectiveFrom: $from}) { model effectiveFrom } }";
const START: &str = "mutation($p: ID!, $pipeline: String!, $model: String) { startRun(input: {projectId: $p, pipeline: $pipeline, model: $model}) { id } }";
const STEP: &str = "mutation($r: ID!, $n: Int!, $agent: String! = \"a\", $name: String! = \"A\", $m: String, $i: Int, $o: Int) { recordRunStep(input: {runId: $r, order: $n, agentId: $agent, agentName: $name, model: $m, inputTokens: $i, outputTokens: $o}) { id cost } }";
const COMPLETE: &str = "mutation($id: ID!, $m: String, $i: Int, $o: Int) { completeRun(input: {runId: $id, model: $m, inputTokens: $i, outputTokens: $o}) { status inputTokens outputTokens cost } }";
const RUN: &str =
    "query($id: ID!) { run(id: $id) { status inputTokens outputTokens cost error steps { id } } }";
const SUMMARY: &str = "query($slug: String!, $from: DateTime, $to: DateTime) { project(slug: $slug) { costSummary(groupBy: PIPELINE, from: $from, to: $to) { key runs inputTokens outputTokens cost } } }";

/// Asserts that a request fails with VALIDATION_FAILED and a message naming
/// `field`; returns the message.
async fn refused(s: &TestServer, query: &str, variables: Value, field: &str) -> String {
    let (_, body) = s.post(Some(&s.admin), query, variables).await;
    let error = &body["errors"][0];
    assert_eq!(code(error), "VALIDATION_FAILED", "{body}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(field), "{field} not named in {message:?}");
    message.to_owned()
}

async fn start(s: &TestServer, project: &str, model: &str) -> String {
    let data = s
        .admin(
            START,
            json!({ "p": project, "pipeline": "p", "model": model }),
        )
        .await;
    data["startRun"]["id"].as_str().unwrap().to_owned()
}

async fn run_state(s: &TestServer, id: &str) -> Value {
    s.admin(RUN, json!({ "id": id })).await["run"].clone()
}

async fn token_counts_are_bounded_and_summed_exactly(s: TestServer) {
    let project = s.create_project("tokens").await;
    s.admin(PRICE, json!({ "m": "m", "i": "3", "o": "15" }))
        .await;
    let run = start(&s, &project, "m").await;

    // The issue's case: steps of i64::MAX, and counts just past the bound.
    for (field, i, o) in [
        ("inputTokens", i64::MAX, 0),
        ("inputTokens", MAX_TOKENS + 1, 0),
        ("outputTokens", 0, MAX_TOKENS + 1),
        ("outputTokens", 0, -1),
    ] {
        refused(&s, STEP, json!({ "r": run, "n": 1, "i": i, "o": o }), field).await;
        refused(&s, COMPLETE, json!({ "id": run, "i": i, "o": o }), field).await;
    }
    let state = run_state(&s, &run).await;
    assert_eq!(
        state,
        json!({"status": "RUNNING", "inputTokens": null, "outputTokens": null, "cost": null, "error": null, "steps": []})
    );

    // Steps at the bound pass; a run whose steps sum past it cannot complete.
    s.admin(STEP, json!({ "r": run, "n": 1, "i": MAX_TOKENS, "o": 0 }))
        .await;
    s.admin(STEP, json!({ "r": run, "n": 2, "i": 1, "o": 0 }))
        .await;
    refused(&s, COMPLETE, json!({ "id": run }), "inputTokens").await;
    let state = run_state(&s, &run).await;
    assert_eq!(state["status"], "RUNNING");
    assert!(state["inputTokens"].is_null(), "{state}");

    // Steps summing exactly to the bound: the run and costSummary agree.
    let summed = start(&s, &project, "m").await;
    let s1 = s
        .admin(
            STEP,
            json!({ "r": summed, "n": 1, "i": MAX_TOKENS - 1, "o": 1 }),
        )
        .await;
    assert_eq!(s1["recordRunStep"]["cost"], "3000000.000012");
    s.admin(
        STEP,
        json!({ "r": summed, "n": 2, "i": 1, "o": MAX_TOKENS - 1 }),
    )
    .await;
    let done = s.admin(COMPLETE, json!({ "id": summed })).await;
    assert_eq!(
        done["completeRun"],
        json!({"status": "COMPLETED", "inputTokens": MAX_TOKENS, "outputTokens": MAX_TOKENS, "cost": "18000000"})
    );
    // Reported usage at the bound.
    let reported = start(&s, &project, "m").await;
    let done = s
        .admin(
            COMPLETE,
            json!({ "id": reported, "i": MAX_TOKENS, "o": MAX_TOKENS }),
        )
        .await;
    assert_eq!(done["completeRun"]["cost"], "18000000");
    let data = s.admin(SUMMARY, json!({ "slug": "tokens" })).await;
    assert_eq!(
        data["project"]["costSummary"],
        json!([{"key": "p", "runs": 3, "inputTokens": 2 * MAX_TOKENS, "outputTokens": 2 * MAX_TOKENS, "cost": "36000000"}])
    );
}

async fn costs_the_money_column_cannot_hold_are_refused(s: TestServer) {
    let project = s.create_project("dear").await;
    // The highest price there is: a trillion tokens cost 10^12, and
    // numeric(20,10) holds less than 10^10.
    s.admin(
        PRICE,
        json!({ "m": "dear", "i": "1000000", "o": "1000000" }),
    )
    .await;
    let run = start(&s, &project, "dear").await;
    refused(
        &s,
        STEP,
        json!({ "r": run, "n": 1, "i": MAX_TOKENS }),
        "cost",
    )
    .await;
    refused(&s, COMPLETE, json!({ "id": run, "i": MAX_TOKENS }), "cost").await;
    let state = run_state(&s, &run).await;
    assert_eq!(state["status"], "RUNNING");
    assert_eq!(state["steps"], json!([]));
    assert!(state["cost"].is_null());

    // Just under the ceiling passes, exactly.
    let done = s
        .admin(COMPLETE, json!({ "id": run, "i": 9_999_999_999i64 }))
        .await;
    assert_eq!(done["completeRun"]["cost"], "9999999999");
}

/// Inserts a completed run as older code could have stored it.
async fn insert_run(s: &TestServer, project: &str, pipeline: &str, tokens: i64, cost: &str) {
    let now = chrono::Utc::now();
    let model = run::Model {
        id: ids::new_id(),
        project_id: ids::decode(IdKind::Project, project).unwrap(),
        pipeline: pipeline.into(),
        status: RunStatus::Completed,
        input: None,
        variables: None,
        output: None,
        error: None,
        model: Some("m".into()),
        input_tokens: Some(tokens),
        output_tokens: Some(0),
        cost: Some(Money(Decimal::from_str(cost).unwrap())),
        parent_run_id: None,
        created_by_id: ids::new_id(),
        created_by_name: "legacy".into(),
        created_by_type: ActorType::System,
        created_at: now,
        started_at: Some(now),
        completed_at: Some(now),
    };
    run::Entity::insert(run::ActiveModel::from(model))
        .exec(&s.db.conn)
        .await
        .expect("insert a run");
}

async fn cost_summary_sums_are_exact_or_refused(s: TestServer) {
    // Rows as large as a column holds: sums up to i64::MAX tokens are exact,
    // and so are costs past what one i64 of 1e-10 units holds.
    let edge = s.create_project("edge").await;
    let top = "9999999999.9999999999";
    insert_run(&s, &edge, "p", i64::MAX - 1, top).await;
    insert_run(&s, &edge, "p", 1, top).await;
    let data = s.admin(SUMMARY, json!({ "slug": "edge" })).await;
    assert_eq!(
        data["project"]["costSummary"],
        json!([{"key": "p", "runs": 2, "inputTokens": i64::MAX, "outputTokens": 0, "cost": "19999999999.9999999998"}])
    );

    // One past i64::MAX: refused, not wrapped, clamped or zeroed.
    let over = s.create_project("over").await;
    insert_run(&s, &over, "p", i64::MAX, "0").await;
    insert_run(&s, &over, "p", 1, "0").await;
    refused(&s, SUMMARY, json!({ "slug": "over" }), "inputTokens").await;
}

async fn free_text_is_bounded(s: TestServer) {
    let name = |n: usize| "é".repeat(n);
    let text = |n: usize| "x".repeat(n);
    let project = s.create_project("texts").await;

    // Names: 200 characters pass (multi-byte ones too), 201 do not.
    let create = "mutation($slug: String!, $name: String!) { createProject(input: {slug: $slug, name: $name}) { id } }";
    refused(
        &s,
        create,
        json!({ "slug": "long", "name": name(201) }),
        "name",
    )
    .await;
    let token = "mutation($name: String!) { createToken(input: {name: $name, role: READER, actorType: AI}) { id } }";
    refused(&s, token, json!({ "name": text(100_000) }), "name").await;
    refused(
        &s,
        START,
        json!({ "p": project, "pipeline": text(900 * 1024) }),
        "pipeline",
    )
    .await;
    refused(
        &s,
        START,
        json!({ "p": project, "pipeline": "p", "model": name(201) }),
        "model",
    )
    .await;
    refused(
        &s,
        PRICE,
        json!({ "m": name(201), "i": "1", "o": "1" }),
        "model",
    )
    .await;
    let run = start(&s, &project, "m").await;
    for (field, vars) in [
        ("agentId", json!({ "r": run, "n": 1, "agent": name(201) })),
        ("agentName", json!({ "r": run, "n": 1, "name": name(201) })),
        ("model", json!({ "r": run, "n": 1, "m": name(201) })),
    ] {
        refused(&s, STEP, vars, field).await;
    }
    refused(&s, COMPLETE, json!({ "id": run, "m": name(201) }), "model").await;
    let fail =
        "mutation($id: ID!, $e: String!) { failRun(input: {runId: $id, error: $e}) { status } }";
    refused(&s, fail, json!({ "id": run, "e": text(8193) }), "error").await;
    let cancel =
        "mutation($id: ID!, $r: String) { cancelRun(input: {runId: $id, reason: $r}) { status } }";
    refused(&s, cancel, json!({ "id": run, "r": text(8193) }), "reason").await;
    let version = s.create_version(&project, "k", json!(1), None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reject = "mutation($id: ID!, $r: String) { rejectVersion(input: {versionId: $id, reason: $r}) { status } }";
    refused(
        &s,
        reject,
        json!({ "id": version, "r": text(8193) }),
        "reason",
    )
    .await;

    // Lookups and filters too.
    refused(
        &s,
        "query($slug: String!) { project(slug: $slug) { id } }",
        json!({ "slug": text(65) }),
        "slug",
    )
    .await;
    refused(
        &s,
        "query($p: String) { project(slug: \"texts\") { runs(pipeline: $p) { totalCount } } }",
        json!({ "p": text(201) }),
        "pipeline",
    )
    .await;
    refused(
        &s,
        "query($a: String) { projects(after: $a) { totalCount } }",
        json!({ "a": text(401) }),
        "after",
    )
    .await;

    // Nothing was written.
    let data = s
        .admin(
            "query($r: ID!, $v: ID!) { projects { totalCount } tokens { id } modelPrices { model } run(id: $r) { status error steps { id } } artifactVersion(id: $v) { status rejectionReason } project(slug: \"texts\") { runs { totalCount } } }",
            json!({ "r": run, "v": version }),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "projects": {"totalCount": 1},
            "tokens": [{"id": data["tokens"][0]["id"]}],
            "modelPrices": shipped_prices(),
            "run": {"status": "RUNNING", "error": null, "steps": []},
            "artifactVersion": {"status": "PENDING", "rejectionReason": null},
            "project": {"runs": {"totalCount": 1}}
        })
    );

    // At the bounds, everything passes.
    s.admin(create, json!({ "slug": text(64), "name": name(200) }))
        .await;
    s.admin(token, json!({ "name": name(200) })).await;
    let at_bound = s
        .admin(
            START,
            json!({ "p": project, "pipeline": name(200), "model": name(200) }),
        )
        .await["startRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.admin(
        STEP,
        json!({ "r": at_bound, "n": 1, "agent": name(200), "name": name(200), "m": name(200) }),
    )
    .await;
    s.admin(PRICE, json!({ "m": name(200), "i": "1", "o": "1" }))
        .await;
    s.admin(reject, json!({ "id": version, "r": name(8192) }))
        .await;
    s.admin(fail, json!({ "id": run, "e": name(8192) })).await;
    let data = s
        .admin(
            "query($r: ID!, $p: String) { run(id: $r) { error } project(slug: \"texts\") { runs(pipeline: $p) { totalCount } } }",
            json!({ "r": run, "p": name(200) }),
        )
        .await;
    assert_eq!(data["run"]["error"], name(8192));
    assert_eq!(data["project"]["runs"]["totalCount"], 1);
}

async fn dates_are_bounded(s: TestServer) {
    s.create_project("dates").await;
    for date in [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "-0100-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
    ] {
        let messages = [
            refused(
                &s,
                PRICE,
                json!({ "m": "m", "i": "1", "o": "1", "from": date }),
                "effectiveFrom",
            )
            .await,
            refused(
                &s,
                SUMMARY,
                json!({ "slug": "dates", "from": date }),
                "from",
            )
            .await,
            refused(&s, SUMMARY, json!({ "slug": "dates", "to": date }), "to").await,
        ];
        for message in messages {
            assert!(message.contains("2000 to 2100"), "{message}");
        }
    }
    let prices = entity::model_price::Entity::find()
        .count(&s.db.conn)
        .await
        .unwrap();
    assert_eq!(prices, 0, "a refused price was stored");

    let (first, last) = ("2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z");
    for date in [first, last] {
        s.admin(PRICE, json!({ "m": "m", "i": "1", "o": "1", "from": date }))
            .await;
    }
    let data = s
        .admin(
            SUMMARY,
            json!({ "slug": "dates", "from": first, "to": last }),
        )
        .await;
    assert_eq!(data["project"]["costSummary"], json!([]));
}

/// `modelPrices { model }` before any price is set: the shipped defaults.
fn shipped_prices() -> Value {
    let mut models: Vec<&str> = quire::domain::runs::pricing::DEFAULT_PRICES
        .iter()
        .map(|p| p.0)
        .collect();
    models.dedup();
    Value::Array(models.into_iter().map(|m| json!({ "model": m })).collect())
}
