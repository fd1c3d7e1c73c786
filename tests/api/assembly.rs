//! Context for the next agent: step summaries (write-once, counted) and
//! `assembleContext` (three tiers in prompt order, cut to a token budget).

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};
use quire::domain::tokenizer::Tokenizer;

backend_tests!(
    step_outputs_and_summaries_are_counted,
    summaries_are_written_once,
    assembly_orders_the_tiers,
    assembly_drops_whole_items_by_priority,
    assembly_refuses_bad_input_and_other_projects,
);

// A long batching window, as the statement tests have: under a loaded
// machine a short one can close between two items' version loads.
crate::each_backend!(assembly_costs_fixed_statements, |backend| {
    TestServer::in_process(backend, |c| c.http.batch_delay_us = 200_000)
});

crate::each_backend!(a_deployment_counts_with_cl100k, |backend| {
    TestServer::in_process(backend, |c| c.limits.tokenizer = Tokenizer::Cl100kBase)
});

const SUMMARY: &str = "mutation($s: ID!, $text: String!, $n: Int) { recordStepSummary(input: {stepId: $s, summary: $text, tokenCount: $n}) { id summary summaryTokenCount outputTokenCount } }";
const ASSEMBLE: &str = "query($r: ID!, $b: Int!, $paths: [String!], $short: Int) { assembleContext(runId: $r, budgetTokens: $b, paths: $paths, shortTermSteps: $short) { totalTokens budgetTokens contextVersion tokenizer items { tier source text tokens version { versionNumber } step { order } } dropped { tier source tokens } } }";
const STEP: &str = "mutation($r: ID!, $o: Int!, $out: String) { recordRunStep(input: {runId: $r, order: $o, agentId: \"a\", agentName: \"Agent\", output: $out}) { id outputTokenCount } }";

async fn step(s: &TestServer, run: &str, order: i32, output: Option<&str>) -> Value {
    s.admin(STEP, json!({ "r": run, "o": order, "out": output }))
        .await["recordRunStep"]
        .clone()
}

async fn summarize(s: &TestServer, step_id: &Value, text: &str) -> Value {
    s.admin(SUMMARY, json!({ "s": step_id, "text": text }))
        .await["recordStepSummary"]
        .clone()
}

async fn step_outputs_and_summaries_are_counted(s: TestServer) {
    let project = s.create_project("p").await;
    let run = s.start_run(&project, "p").await;
    let t = Tokenizer::O200kBase;
    let text = "Quire keeps every version of every artifact. ☕ <|endoftext|>";
    let recorded = step(&s, &run, 1, Some(text)).await;
    assert_eq!(recorded["outputTokenCount"], t.count(text));
    assert_eq!(
        step(&s, &run, 2, None).await["outputTokenCount"],
        Value::Null
    );
    let summary = summarize(&s, &recorded["id"], "hello world").await;
    assert_eq!(summary["summary"], "hello world");
    assert_eq!(summary["summaryTokenCount"], 2);
    // A caller's count is only checked (issue 30: a summary of 1,401
    // tokens said 0 and broke every budget): a wrong one is refused and
    // nothing is written; the server's own count is accepted.
    let other = step(&s, &run, 3, Some("x")).await;
    let long = "lorem ipsum dolor sit amet ".repeat(280);
    for wrong in [0, 42] {
        let (_, body) = s
            .post(
                Some(&s.admin),
                SUMMARY,
                json!({ "s": other["id"], "text": long, "n": wrong }),
            )
            .await;
        let error = &body["errors"][0];
        assert_eq!(code(error), "VALIDATION_FAILED", "{body}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains(&t.count(&long).to_string())
        );
    }
    let given = s
        .admin(
            SUMMARY,
            json!({ "s": other["id"], "text": "a summary", "n": t.count("a summary") }),
        )
        .await;
    assert_eq!(
        given["recordStepSummary"]["summaryTokenCount"],
        t.count("a summary")
    );
    let data = s
        .admin(
            "query($r: ID!) { run(id: $r) { steps { order summary summaryTokenCount outputTokenCount } } }",
            json!({ "r": run }),
        )
        .await;
    let steps = &data["run"]["steps"];
    assert_eq!(steps[0]["summary"], "hello world");
    assert_eq!(steps[2]["summaryTokenCount"], t.count("a summary"));
    assert_eq!(steps[1]["summary"], Value::Null);
    let assembled = s.admin(ASSEMBLE, json!({ "r": run, "b": 1000 })).await;
    assert_eq!(assembled["assembleContext"]["tokenizer"], "o200k_base");
}

async fn a_deployment_counts_with_cl100k(s: TestServer) {
    let project = s.create_project("p").await;
    let run = s.start_run(&project, "p").await;
    let text = "tiktoken is great!";
    let recorded = step(&s, &run, 1, Some(text)).await;
    assert_eq!(recorded["outputTokenCount"], 6);
    assert_ne!(
        Tokenizer::O200kBase.count("naïve café résumé, 東京"),
        Tokenizer::Cl100kBase.count("naïve café résumé, 東京")
    );
    let summary = summarize(&s, &recorded["id"], "naïve café résumé, 東京").await;
    assert_eq!(
        summary["summaryTokenCount"],
        Tokenizer::Cl100kBase.count("naïve café résumé, 東京")
    );
    let assembled = s.admin(ASSEMBLE, json!({ "r": run, "b": 1000 })).await;
    assert_eq!(assembled["assembleContext"]["tokenizer"], "cl100k_base");
}

async fn summaries_are_written_once(s: TestServer) {
    let project = s.create_project("p").await;
    let run = s.start_run(&project, "p").await;
    let first = step(&s, &run, 1, Some("out")).await;
    summarize(&s, &first["id"], "the first").await;
    let (_, body) = s
        .post(
            Some(&s.admin),
            SUMMARY,
            json!({ "s": first["id"], "text": "again" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "INVALID_TRANSITION", "{body}");
    // Six at once on a fresh step: one is written.
    let second = step(&s, &run, 2, Some("out")).await;
    let tries = (0..6).map(|i| {
        let (s, id) = (&s, second["id"].clone());
        async move {
            s.post(
                Some(&s.admin),
                SUMMARY,
                json!({ "s": id, "text": format!("summary {i}") }),
            )
            .await
            .1
        }
    });
    let bodies = futures::future::join_all(tries).await;
    let won: Vec<&Value> = bodies
        .iter()
        .filter(|b| b.get("errors").is_none())
        .collect();
    assert_eq!(won.len(), 1, "{bodies:?}");
    for lost in bodies.iter().filter(|b| b.get("errors").is_some()) {
        assert_eq!(code(&lost["errors"][0]), "INVALID_TRANSITION", "{lost}");
    }
    let stored = s
        .admin(
            "query($r: ID!) { run(id: $r) { steps { summary } } }",
            json!({ "r": run }),
        )
        .await;
    assert_eq!(
        stored["run"]["steps"][1]["summary"],
        won[0]["data"]["recordStepSummary"]["summary"]
    );
    // Bad input, other projects, roles.
    let third = step(&s, &run, 3, None).await;
    for (vars, expected) in [
        (
            json!({ "s": third["id"], "text": "  " }),
            "VALIDATION_FAILED",
        ),
        (
            json!({ "s": third["id"], "text": "x", "n": -1 }),
            "VALIDATION_FAILED",
        ),
        (
            json!({ "s": "stp_00000000000000000000000000000000", "text": "x" }),
            "NOT_FOUND",
        ),
        (json!({ "s": run, "text": "x" }), "VALIDATION_FAILED"),
    ] {
        let (_, body) = s.post(Some(&s.admin), SUMMARY, vars.clone()).await;
        assert_eq!(code(&body["errors"][0]), expected, "{vars}: {body}");
    }
    let huge = "x".repeat(1024 * 1024 + 1);
    let (_, body) = s
        .post(
            Some(&s.admin),
            SUMMARY,
            json!({ "s": third["id"], "text": huge }),
        )
        .await;
    assert_eq!(
        code(&body["errors"][0]),
        "PAYLOAD_TOO_LARGE",
        "{}",
        &body.to_string()[..200]
    );
    let elsewhere = s.create_project("q").await;
    let scoped = s.token("WRITER", Some(&elsewhere)).await;
    let (_, body) = s
        .post(
            Some(&scoped),
            SUMMARY,
            json!({ "s": third["id"], "text": "x" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{body}");
    let reader = s.token("READER", None).await;
    let (_, body) = s
        .post(
            Some(&reader),
            SUMMARY,
            json!({ "s": third["id"], "text": "x" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    // Nothing of the refused calls was written.
    let stored = s
        .admin(
            "query($r: ID!) { run(id: $r) { steps { summary } } }",
            json!({ "r": run }),
        )
        .await;
    assert_eq!(stored["run"]["steps"][2]["summary"], Value::Null);
}

/// Creates, approves and promotes a version of each key, in one promotion
/// expecting context version `expected`.
async fn promoted(s: &TestServer, project: &str, expected: i32, values: Vec<(String, Value)>) {
    let mut ids = Vec::new();
    for (key, value) in values {
        let v = s.create_version(project, &key, value, None).await;
        s.admin(
            "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }",
            json!({ "id": v["id"] }),
        )
        .await;
        ids.push(v["id"].clone());
    }
    s.admin(
        "mutation($p: ID!, $v: Int!, $ids: [ID!]) { promote(input: {projectId: $p, expectedContextVersion: $v, versionIds: $ids}) { contextVersion } }",
        json!({ "p": project, "v": expected, "ids": ids }),
    )
    .await;
}

/// A project with two promoted paths, a parent run of two summarized
/// steps, and its child: four steps with outputs, the first two summarized.
async fn seed(s: &TestServer) -> (String, String) {
    let project = s.create_project("p").await;
    promoted(
        s,
        &project,
        0,
        vec![
            ("brand.palette".into(), json!({ "primary": "#1A365D" })),
            (
                "mvp.scope".into(),
                json!({ "features": ["login", "export"] }),
            ),
        ],
    )
    .await;
    let parent = s.start_run(&project, "plan").await;
    for order in 1..=2 {
        let st = step(s, &parent, order, Some("parent output")).await;
        summarize(
            s,
            &st["id"],
            &format!("parent step {order} chose a palette"),
        )
        .await;
    }
    let child = s
        .admin(
            "mutation($p: ID!, $parent: ID!) { startRun(input: {projectId: $p, pipeline: \"build\", parentRunId: $parent}) { id } }",
            json!({ "p": project, "parent": parent }),
        )
        .await["startRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for order in 1..=4 {
        let output = format!(
            "step {order} output: {}",
            "words ".repeat(order as usize * 5)
        );
        let st = step(s, &child, order, Some(&output)).await;
        if order <= 2 {
            summarize(s, &st["id"], &format!("step {order} in brief")).await;
        }
    }
    (project, child)
}

fn sources(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["tier"].as_str().unwrap(),
                i["source"].as_str().unwrap()
            )
        })
        .collect()
}

async fn assembly_orders_the_tiers(s: TestServer) {
    let (_, child) = seed(&s).await;
    let data = s.admin(ASSEMBLE, json!({ "r": child, "b": 100_000 })).await;
    let a = &data["assembleContext"];
    assert_eq!(
        sources(&a["items"]),
        [
            "PERSISTENT:brand.palette",
            "PERSISTENT:mvp.scope",
            "LONG_TERM:parent/Agent#1",
            "LONG_TERM:parent/Agent#2",
            "LONG_TERM:Agent#1",
            "LONG_TERM:Agent#2",
            "SHORT_TERM:Agent#3",
            "SHORT_TERM:Agent#4",
        ]
    );
    assert_eq!(a["dropped"], json!([]));
    assert_eq!(a["contextVersion"], 1);
    assert_eq!(a["budgetTokens"], 100_000);
    let items = a["items"].as_array().unwrap();
    let persistent: Value = serde_json::from_str(items[0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        persistent,
        json!({ "path": "brand.palette", "version": 1, "value": { "primary": "#1A365D" } })
    );
    assert_eq!(items[0]["version"]["versionNumber"], 1);
    assert_eq!(items[2]["text"], "parent step 1 chose a palette");
    assert_eq!(
        items[7]["text"],
        format!("step 4 output: {}", "words ".repeat(20))
    );
    assert_eq!(items[7]["step"]["order"], 4);
    let t = Tokenizer::O200kBase;
    for item in items {
        assert_eq!(
            item["tokens"],
            t.count(item["text"].as_str().unwrap()),
            "{item}"
        );
    }
    let sum: i64 = items.iter().map(|i| i["tokens"].as_i64().unwrap()).sum();
    assert_eq!(a["totalTokens"], sum);
    // Named paths in the caller's order, and fewer short-term steps.
    let data = s
        .admin(ASSEMBLE, json!({ "r": child, "b": 100_000, "paths": ["mvp.scope", "brand.palette", "brand"], "short": 0 }))
        .await;
    assert_eq!(
        sources(&data["assembleContext"]["items"]),
        [
            "PERSISTENT:mvp.scope",
            "PERSISTENT:brand.palette",
            "PERSISTENT:brand",
            "LONG_TERM:parent/Agent#1",
            "LONG_TERM:parent/Agent#2",
            "LONG_TERM:Agent#1",
            "LONG_TERM:Agent#2",
        ]
    );
}

async fn assembly_drops_whole_items_by_priority(s: TestServer) {
    let (_, child) = seed(&s).await;
    let full = s.admin(ASSEMBLE, json!({ "r": child, "b": 100_000 })).await;
    let all = full["assembleContext"]["items"].as_array().unwrap().clone();
    let tokens = |i: usize| all[i]["tokens"].as_i64().unwrap();
    let total: i64 = (0..all.len()).map(tokens).sum();
    // What may be dropped, in order: long-term oldest first, short-term but
    // the newest, then persistent from the end.
    let order = [2, 3, 4, 5, 6, 1, 0];
    let newest = 7;
    for budget in [
        total,
        total - 1,
        total - tokens(2) - tokens(3),
        tokens(0) + tokens(1) + tokens(newest),
        tokens(0) + tokens(newest),
        tokens(newest),
        tokens(newest) - 3,
        1,
    ] {
        let data = s.admin(ASSEMBLE, json!({ "r": child, "b": budget })).await;
        let a = &data["assembleContext"];
        let kept = a["items"].as_array().unwrap();
        let dropped = a["dropped"].as_array().unwrap();
        let sum: i64 = kept.iter().map(|i| i["tokens"].as_i64().unwrap()).sum();
        assert!(sum <= budget, "budget {budget}: {a}");
        assert_eq!(a["totalTokens"], sum, "budget {budget}");
        // The fewest drops, in priority order, that make it fit.
        let mut expected_drops = Vec::new();
        let mut left = total;
        for &i in &order {
            if left <= budget {
                break;
            }
            left -= tokens(i);
            expected_drops.push(i);
        }
        let want: Vec<String> = expected_drops
            .iter()
            .map(|&i| {
                format!(
                    "{}:{}",
                    all[i]["tier"].as_str().unwrap(),
                    all[i]["source"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(sources(&a["dropped"]), want, "budget {budget}");
        assert_eq!(kept.len() + dropped.len(), all.len(), "budget {budget}");
        // The newest short-term item is always there, cut to its end if need be.
        let last = kept.last().unwrap();
        assert_eq!(last["source"], all[newest]["source"], "budget {budget}");
        let text = last["text"].as_str().unwrap();
        assert!(all[newest]["text"].as_str().unwrap().ends_with(text));
        if budget < tokens(newest) {
            assert!(last["tokens"].as_i64().unwrap() <= budget);
        } else {
            assert_eq!(last["text"], all[newest]["text"]);
        }
    }
    // Named paths: the last named goes first.
    let named = s
        .admin(ASSEMBLE, json!({ "r": child, "b": tokens(0) + tokens(newest), "paths": ["brand.palette", "mvp.scope"] }))
        .await;
    let dropped = sources(&named["assembleContext"]["dropped"]);
    assert_eq!(
        dropped.last().unwrap(),
        "PERSISTENT:mvp.scope",
        "{dropped:?}"
    );
    assert_eq!(
        sources(&named["assembleContext"]["items"]),
        ["PERSISTENT:brand.palette", "SHORT_TERM:Agent#4"]
    );
}

async fn assembly_refuses_bad_input_and_other_projects(s: TestServer) {
    let (_, child) = seed(&s).await;
    let too_many: Vec<String> = (0..501).map(|i| format!("k{i}")).collect();
    for (vars, expected) in [
        (json!({ "r": child, "b": 0 }), "VALIDATION_FAILED"),
        (json!({ "r": child, "b": -5 }), "VALIDATION_FAILED"),
        (json!({ "r": child, "b": 10_000_001 }), "VALIDATION_FAILED"),
        (
            json!({ "r": child, "b": 10, "short": -1 }),
            "VALIDATION_FAILED",
        ),
        (
            json!({ "r": child, "b": 10, "short": 101 }),
            "VALIDATION_FAILED",
        ),
        (
            json!({ "r": child, "b": 10, "paths": ["Bad..path"] }),
            "VALIDATION_FAILED",
        ),
        (
            json!({ "r": child, "b": 10, "paths": ["a", "a"] }),
            "VALIDATION_FAILED",
        ),
        (
            json!({ "r": child, "b": 10, "paths": too_many }),
            "VALIDATION_FAILED",
        ),
        (
            json!({ "r": "run_00000000000000000000000000000000", "b": 10 }),
            "NOT_FOUND",
        ),
        (
            json!({ "r": "ver_00000000000000000000000000000000", "b": 10 }),
            "VALIDATION_FAILED",
        ),
    ] {
        let (_, body) = s.post(Some(&s.admin), ASSEMBLE, vars.clone()).await;
        assert_eq!(
            code(&body["errors"][0]),
            expected,
            "{}: {body}",
            &vars.to_string()[..80.min(vars.to_string().len())]
        );
    }
    let elsewhere = s.create_project("q").await;
    let scoped = s.token("READER", Some(&elsewhere)).await;
    let (_, body) = s
        .post(Some(&scoped), ASSEMBLE, json!({ "r": child, "b": 100 }))
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{body}");
    let (_, body) = s
        .post(None, ASSEMBLE, json!({ "r": child, "b": 100 }))
        .await;
    assert_eq!(code(&body["errors"][0]), "UNAUTHENTICATED", "{body}");
}

async fn assembly_costs_fixed_statements(s: TestServer) {
    let (project, small) = seed(&s).await;
    // A bigger run: 12 steps, all summarized, under 8 promoted paths.
    let big = s.start_run(&project, "big").await;
    for order in 1..=12 {
        let st = step(&s, &big, order, Some("an output")).await;
        summarize(&s, &st["id"], "a summary").await;
    }
    let extra = (0..6).map(|k| (format!("extra.k{k}"), json!({ "k": k })));
    promoted(&s, &project, 1, extra.collect()).await;
    // The fewest of three tries: the server's counter also counts its
    // background reads (the event reader waking after the promotion).
    let mut counts = Vec::new();
    for run in [&small, &big] {
        let mut fewest = u64::MAX;
        for _ in 0..3 {
            let before = s.statements().await;
            let data = s
                .admin(ASSEMBLE, json!({ "r": run, "b": 100_000, "short": 3 }))
                .await;
            fewest = fewest.min(s.statements().await - before);
            assert!(data["assembleContext"]["items"].as_array().unwrap().len() >= 8);
        }
        counts.push(fewest);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements: 4 steps and 2 paths, 12 steps and 8 paths"
    );
    assert!(counts[0] <= 8, "{counts:?}");
}
