//! Model prices, exact costs, cost analytics, lineage and run transitions.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    exact_costs_and_price_history,
    cost_summary_groupings,
    lineage_both_ways,
    cancel_and_large_outputs
);

const PRICE: &str = "mutation($m: String!, $i: Decimal!, $o: Decimal!, $from: DateTime) { setModelPrice(input: {model: $m, inputPerMillion: $i, outputPerMillion: $o, effectiveFrom: $from}) { model inputPerMillion outputPerMillion effectiveFrom } }";
const START: &str = "mutation($p: ID!, $pipeline: String!, $model: String) { startRun(input: {projectId: $p, pipeline: $pipeline, model: $model}) { id } }";
const COMPLETE: &str = "mutation($id: ID!, $i: Int, $o: Int) { completeRun(input: {runId: $id, inputTokens: $i, outputTokens: $o}) { status cost inputTokens outputTokens } }";

async fn run_with_usage(
    s: &TestServer,
    project: &str,
    pipeline: &str,
    model: &str,
    i: i64,
    o: i64,
) -> Value {
    let run = s
        .admin(
            START,
            json!({ "p": project, "pipeline": pipeline, "model": model }),
        )
        .await;
    let id = run["startRun"]["id"].as_str().unwrap();
    s.admin(COMPLETE, json!({ "id": id, "i": i, "o": o })).await["completeRun"].clone()
}

async fn exact_costs_and_price_history(s: TestServer) {
    let project = s.create_project("costs").await;
    let data = s
        .admin(PRICE, json!({ "m": "gpt-4o", "i": "2.50", "o": "10.00" }))
        .await;
    assert_eq!(data["setModelPrice"]["inputPerMillion"], "2.5");
    s.admin(
        PRICE,
        json!({ "m": "gpt-4o-mini", "i": "0.15", "o": "0.60" }),
    )
    .await;

    let done = run_with_usage(&s, &project, "p", "gpt-4o", 1000, 500).await;
    assert_eq!(done["cost"], "0.0075");
    let mini = run_with_usage(&s, &project, "p", "gpt-4o-mini", 7, 3).await;
    assert_eq!(mini["cost"], "0.00000285");
    // No price: the run completes, cost unknown.
    let unpriced = run_with_usage(&s, &project, "p", "home-grown", 10, 10).await;
    assert_eq!(unpriced["status"], "COMPLETED");
    assert!(unpriced["cost"].is_null());

    // Steps are priced when recorded; a run without reported usage sums them.
    let run = s
        .admin(
            START,
            json!({ "p": project, "pipeline": "steps", "model": "gpt-4o" }),
        )
        .await;
    let run_id = run["startRun"]["id"].as_str().unwrap().to_owned();
    let step = "mutation($r: ID!, $n: Int!, $m: String, $i: Int, $o: Int) { recordRunStep(input: {runId: $r, order: $n, agentId: \"a\", agentName: \"A\", model: $m, inputTokens: $i, outputTokens: $o}) { cost model } }";
    let s1 = s
        .admin(step, json!({ "r": run_id, "n": 1, "i": 1000, "o": 500 }))
        .await;
    assert_eq!(
        s1["recordRunStep"],
        json!({"cost": "0.0075", "model": "gpt-4o"})
    );
    let s2 = s
        .admin(
            step,
            json!({ "r": run_id, "n": 2, "m": "gpt-4o-mini", "i": 7, "o": 3 }),
        )
        .await;
    assert_eq!(s2["recordRunStep"]["cost"], "0.00000285");
    let done = s.admin(COMPLETE, json!({ "id": run_id })).await;
    assert_eq!(
        done["completeRun"],
        json!({"status": "COMPLETED", "cost": "0.00750285", "inputTokens": 1007, "outputTokens": 503})
    );

    // A new price applies from now on; stored costs keep the old one.
    s.admin(PRICE, json!({ "m": "gpt-4o", "i": "5", "o": "20" }))
        .await;
    let later = run_with_usage(&s, &project, "p", "gpt-4o", 1000, 500).await;
    assert_eq!(later["cost"], "0.015");
    // A price from tomorrow is not in force yet.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    s.admin(
        PRICE,
        json!({ "m": "gpt-4o", "i": "100", "o": "100", "from": tomorrow }),
    )
    .await;
    let data = s
        .admin("query($id: ID!) { run(id: $id) { cost } modelPrices { model inputPerMillion outputPerMillion } }", json!({ "id": run_id }))
        .await;
    assert_eq!(data["run"]["cost"], "0.00750285");
    // The shipped prices are listed too, each model once, in model order;
    // a price set overrides the shipped one of its model.
    let prices = data["modelPrices"].as_array().unwrap();
    let models: Vec<&str> = prices
        .iter()
        .map(|p| p["model"].as_str().unwrap())
        .collect();
    let mut sorted = models.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(models, sorted);
    let of = |m: &str| prices.iter().find(|p| p["model"] == m).cloned();
    assert_eq!(
        of("gpt-4o"),
        Some(json!({"model": "gpt-4o", "inputPerMillion": "5", "outputPerMillion": "20"}))
    );
    assert_eq!(
        of("gpt-4o-mini"),
        Some(json!({"model": "gpt-4o-mini", "inputPerMillion": "0.15", "outputPerMillion": "0.6"}))
    );
    assert_eq!(
        of("claude-sonnet-4"),
        Some(json!({"model": "claude-sonnet-4", "inputPerMillion": "3", "outputPerMillion": "15"}))
    );
    let (_, body) = s
        .post(
            Some(&s.admin),
            PRICE,
            json!({ "m": "bad", "i": "-1", "o": "1" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");
}

async fn cost_summary_groupings(s: TestServer) {
    let project = s.create_project("summary").await;
    s.admin(PRICE, json!({ "m": "gpt-4o", "i": "2.50", "o": "10.00" }))
        .await;
    s.admin(PRICE, json!({ "m": "mini", "i": "0.15", "o": "0.60" }))
        .await;
    run_with_usage(&s, &project, "p1", "gpt-4o", 1000, 500).await;
    run_with_usage(&s, &project, "p1", "mini", 7, 3).await;
    run_with_usage(&s, &project, "p2", "gpt-4o", 1000, 500).await;
    run_with_usage(&s, &project, "p2", "unpriced", 10, 10).await;

    let query = "query($g: CostGrouping!, $from: DateTime, $to: DateTime) { project(slug: \"summary\") { costSummary(groupBy: $g, from: $from, to: $to) { key runs inputTokens outputTokens cost } } }";
    let by = |g: &str| json!({ "g": g });
    let data = s.admin(query, by("MODEL")).await;
    assert_eq!(
        data["project"]["costSummary"],
        json!([
            {"key": "gpt-4o", "runs": 2, "inputTokens": 2000, "outputTokens": 1000, "cost": "0.015"},
            {"key": "mini", "runs": 1, "inputTokens": 7, "outputTokens": 3, "cost": "0.00000285"},
            {"key": "unpriced", "runs": 1, "inputTokens": 10, "outputTokens": 10, "cost": "0"}
        ])
    );
    let data = s.admin(query, by("PIPELINE")).await;
    assert_eq!(
        data["project"]["costSummary"],
        json!([
            {"key": "p1", "runs": 2, "inputTokens": 1007, "outputTokens": 503, "cost": "0.00750285"},
            {"key": "p2", "runs": 2, "inputTokens": 1010, "outputTokens": 510, "cost": "0.0075"}
        ])
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let data = s.admin(query, by("DAY")).await;
    assert_eq!(
        data["project"]["costSummary"],
        json!([{"key": today, "runs": 4, "inputTokens": 2017, "outputTokens": 1013, "cost": "0.01500285"}])
    );
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let data = s
        .admin(query, json!({ "g": "DAY", "from": tomorrow }))
        .await;
    assert_eq!(data["project"]["costSummary"], json!([]));
    let data = s
        .admin(
            query,
            json!({ "g": "MODEL", "from": yesterday, "to": tomorrow }),
        )
        .await;
    assert_eq!(data["project"]["costSummary"].as_array().unwrap().len(), 3);
}

async fn lineage_both_ways(s: TestServer) {
    let project = s.create_project("lineage").await;
    let start = "mutation($p: ID!, $inputs: [ID!]) { startRun(input: {projectId: $p, pipeline: \"chain\", inputVersionIds: $inputs}) { id } }";
    let a = s.admin(start, json!({ "p": project })).await["startRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v1 = s
        .create_version(&project, "research", json!({"facts": 3}), Some(&a))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = s
        .admin(start, json!({ "p": project, "inputs": [v1] }))
        .await["startRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v2 = s
        .create_version(&project, "plan", json!({"steps": 2}), Some(&b))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = s
        .admin(start, json!({ "p": project, "inputs": [v2, v1] }))
        .await["startRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v3 = s
        .create_version(&project, "launch", json!({"go": true}), Some(&c))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let data = s
        .admin(
            r#"query($v1: ID!, $v3: ID!, $b: ID!) {
                v3: artifactVersion(id: $v3) { lineage(depth: 3) { depth run { id } version { id schemaKey } } sourceRun { inputs { id } } }
                shallow: artifactVersion(id: $v3) { lineage(depth: 1) { version { id } } }
                v1: artifactVersion(id: $v1) { consumers { id } lineage { depth } }
                b: run(id: $b) { inputs { id } outputs { id } }
            }"#,
            json!({ "v1": v1, "v3": v3, "b": b }),
        )
        .await;
    let lineage: Vec<(i64, String, String)> = data["v3"]["lineage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["depth"].as_i64().unwrap(),
                e["run"]["id"].as_str().unwrap().to_owned(),
                e["version"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lineage,
        vec![(1, c.clone(), v2.clone()), (1, c.clone(), v1.clone())]
    );
    assert_eq!(data["shallow"]["lineage"].as_array().unwrap().len(), 2);
    assert_eq!(
        data["v3"]["sourceRun"]["inputs"],
        json!([{ "id": v2 }, { "id": v1 }])
    );
    let consumers: Vec<&str> = data["v1"]["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(consumers, [b.as_str(), c.as_str()]);
    assert_eq!(data["v1"]["lineage"], json!([]));
    assert_eq!(data["b"]["inputs"], json!([{ "id": v1 }]));
    assert_eq!(data["b"]["outputs"], json!([{ "id": v2 }]));

    // Depth 2 from v2's own lineage reaches v1 through run b.
    let data = s.admin("query($v: ID!) { artifactVersion(id: $v) { lineage(depth: 2) { depth run { id } version { id } } } }", json!({ "v": v2 })).await;
    assert_eq!(
        data["artifactVersion"]["lineage"],
        json!([{ "depth": 1, "run": { "id": b }, "version": { "id": v1 } }])
    );
    let (_, body) = s
        .post(
            Some(&s.admin),
            "query($v: ID!) { artifactVersion(id: $v) { lineage(depth: 11) { depth } } }",
            json!({ "v": v3 }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED");
}

async fn cancel_and_large_outputs(default: TestServer) {
    // Outputs up to 100 KiB here, so that an oversized one still fits the 1 MiB body limit.
    let s = default
        .sibling(|c| c.limits.max_output_bytes = 100 * 1024)
        .await;
    let project = s.create_project("outputs").await;
    let cancel = "mutation($id: ID!) { cancelRun(input: {runId: $id, reason: \"superseded by a newer run\"}) { status error completedAt } }";
    let run = s.start_run(&project, "p").await;
    let data = s.admin(cancel, json!({ "id": run })).await;
    assert_eq!(data["cancelRun"]["status"], "CANCELLED");
    assert_eq!(data["cancelRun"]["error"], "superseded by a newer run");
    for query in [cancel, COMPLETE] {
        let (_, body) = s.post(Some(&s.admin), query, json!({ "id": run })).await;
        assert_eq!(code(&body["errors"][0]), "INVALID_TRANSITION");
    }

    let big = "y".repeat(100 * 1024 + 1);
    let run2 = s.start_run(&project, "p").await;
    let complete = "mutation($id: ID!, $out: String) { completeRun(input: {runId: $id, output: $out}) { status } }";
    let (_, body) = s
        .post(Some(&s.admin), complete, json!({ "id": run2, "out": big }))
        .await;
    assert_eq!(code(&body["errors"][0]), "PAYLOAD_TOO_LARGE");
    let step = "mutation($id: ID!, $out: String) { recordRunStep(input: {runId: $id, order: 1, agentId: \"a\", agentName: \"A\", output: $out}) { id } }";
    let (_, body) = s
        .post(Some(&s.admin), step, json!({ "id": run2, "out": big }))
        .await;
    assert_eq!(code(&body["errors"][0]), "PAYLOAD_TOO_LARGE");

    // Outputs under the limit come back when asked for, in lists too.
    let output = "z".repeat(100 * 1024);
    s.admin(step, json!({ "id": run2, "out": "step says hi" }))
        .await;
    s.admin(complete, json!({ "id": run2, "out": output }))
        .await;
    let data = s
        .admin("{ project(slug: \"outputs\") { runs { edges { node { status output steps { output } } } } } }", json!({}))
        .await;
    let runs = data["project"]["runs"]["edges"].as_array().unwrap();
    assert_eq!(
        runs[0]["node"]["output"].as_str().unwrap().len(),
        100 * 1024
    );
    assert_eq!(runs[0]["node"]["steps"][0]["output"], "step says hi");
    assert!(
        runs[1]["node"]["output"].is_null(),
        "a cancelled run has no output"
    );
}
