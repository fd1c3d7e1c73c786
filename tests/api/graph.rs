//! The nested read graph over real HTTP: a project, a run with steps, versions
//! of two keys, read back nested and page by page.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    nested_graph_with_pagination,
    node_and_point_lookups,
    artifacts_and_filters,
    a_run_says_who_started_it,
    plain_fields_answer_every_selection_form,
    run_lists_read_values_only_when_shown,
    a_runs_outputs_and_inputs_read_together,
    lean_lists_answer_as_whole_rows,
    lean_runs_and_steps_answer_as_whole_rows
);

async fn nested_graph_with_pagination(s: TestServer) {
    let project = s.create_project("launch").await;
    let run = s.start_run(&project, "brand-studio").await;
    let step1 = s.record_step(&run, 1).await;
    let step2 = s.record_step(&run, 2).await;
    for i in 1..=3 {
        s.create_version(
            &project,
            "brand.palette",
            json!({"primary": format!("#00000{i}")}),
            Some(&run),
        )
        .await;
    }
    for i in 1..=2 {
        s.create_version(
            &project,
            "mvp.scope",
            json!({"must": ["feature", i]}),
            Some(&run),
        )
        .await;
    }
    let completed = s
        .admin(
            "mutation($id: ID!) { completeRun(input: {runId: $id, output: \"done\"}) { status inputTokens outputTokens completedAt cost } }",
            json!({ "id": run }),
        )
        .await;
    // Usage defaults to the sum of the steps, and so does the cost: each step
    // priced at gpt-4o's shipped price (2.50 / 10.00 per million).
    assert_eq!(completed["completeRun"]["status"], "COMPLETED");
    assert_eq!(completed["completeRun"]["inputTokens"], 300);
    assert_eq!(completed["completeRun"]["outputTokens"], 30);
    assert!(completed["completeRun"]["completedAt"].is_string());
    assert_eq!(completed["completeRun"]["cost"], "0.00105");

    let query = r#"query($after: String) {
      project(slug: "launch") {
        id slug name contextVersion context
        versions(first: 2, after: $after) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node {
            id schemaKey versionNumber status value digest promoted
            project { slug }
            createdBy { id name type }
            previous { versionNumber }
            sourceRun { id pipeline status model steps { id order agentId agentName inputTokens } outputs { versionNumber } }
          } }
        }
      }
    }"#;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = s.admin(query, json!({ "after": after })).await;
        let p = &data["project"];
        assert_eq!(p["id"], project);
        assert_eq!(p["contextVersion"], 0);
        assert_eq!(p["context"], json!({}));
        let conn = &p["versions"];
        assert_eq!(conn["totalCount"], 5);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 0);
        for edge in conn["edges"].as_array().unwrap() {
            let node = &edge["node"];
            assert_eq!(node["status"], "PENDING");
            assert_eq!(node["project"]["slug"], "launch");
            assert_eq!(node["createdBy"]["name"], "test-admin");
            assert_eq!(node["createdBy"]["type"], "HUMAN");
            assert!(
                node["createdBy"]["id"]
                    .as_str()
                    .unwrap()
                    .starts_with("tok_")
            );
            assert_eq!(node["digest"].as_str().unwrap().len(), 64);
            assert_eq!(node["promoted"], false);
            let run = &node["sourceRun"];
            assert_eq!(run["pipeline"], "brand-studio");
            assert_eq!(run["status"], "COMPLETED");
            let steps: Vec<&Value> = run["steps"].as_array().unwrap().iter().collect();
            assert_eq!(steps.len(), 2);
            assert_eq!(steps[0]["id"], step1);
            assert_eq!(steps[1]["id"], step2);
            assert_eq!(steps[1]["order"], 2);
            assert_eq!(run["outputs"].as_array().unwrap().len(), 5);
            let n = node["versionNumber"].as_i64().unwrap();
            if n > 1 {
                assert_eq!(node["previous"]["versionNumber"], n - 1);
            } else {
                assert!(node["previous"].is_null());
            }
            seen.push((
                node["schemaKey"].as_str().unwrap().to_owned(),
                n,
                edge["cursor"].clone(),
            ));
        }
        pages += 1;
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    // Newest first, every version exactly once.
    let order: Vec<(String, i64)> = seen.iter().map(|(k, n, _)| (k.clone(), *n)).collect();
    assert_eq!(
        order,
        vec![
            ("mvp.scope".into(), 2),
            ("mvp.scope".into(), 1),
            ("brand.palette".into(), 3),
            ("brand.palette".into(), 2),
            ("brand.palette".into(), 1),
        ]
    );
}

async fn node_and_point_lookups(s: TestServer) {
    let project = s.create_project("lookups").await;
    let parent = s.start_run(&project, "planner").await;
    let v1 = s
        .create_version(&project, "plan", json!({"steps": 3}), Some(&parent))
        .await;
    let child = s
        .admin(
            "mutation($input: StartRunInput!) { startRun(input: $input) { id variables parent { id } inputs { id } } }",
            json!({ "input": { "projectId": project, "pipeline": "executor", "parentRunId": parent,
                "variables": {"market": "EU"}, "inputVersionIds": [v1["id"]] } }),
        )
        .await;
    let child_id = child["startRun"]["id"].as_str().unwrap().to_owned();
    assert_eq!(child["startRun"]["parent"]["id"], parent);
    assert_eq!(child["startRun"]["variables"], json!({"market": "EU"}));
    assert_eq!(child["startRun"]["inputs"][0]["id"], v1["id"]);
    let step = s.record_step(&child_id, 1).await;

    let data = s
        .admin(
            r#"query($p: ID!, $r: ID!, $c: ID!, $v: ID!, $s: ID!) {
                p: node(id: $p) { id ... on Project { slug } }
                r: node(id: $r) { id ... on Run { pipeline children { id } } }
                s: node(id: $s) { id ... on RunStep { order run { id } } }
                v: node(id: $v) { id ... on ArtifactVersion { schemaKey consumers { id } } }
                run(id: $c) { id project { id } }
                artifactVersion(id: $v) { id versionNumber }
                missing: node(id: "ver_00000000000000000000000000000000") { id }
                garbage: node(id: "nonsense") { id }
                viewer { name type }
            }"#,
            json!({ "p": project, "r": parent, "c": child_id, "v": v1["id"], "s": step }),
        )
        .await;
    assert_eq!(data["p"]["slug"], "lookups");
    assert_eq!(data["r"]["pipeline"], "planner");
    assert_eq!(data["r"]["children"][0]["id"], child_id);
    assert_eq!(data["s"]["order"], 1);
    assert_eq!(data["s"]["run"]["id"], child_id);
    assert_eq!(data["v"]["schemaKey"], "plan");
    assert_eq!(data["v"]["consumers"][0]["id"], child_id);
    assert_eq!(data["run"]["project"]["id"], project);
    assert_eq!(data["artifactVersion"]["versionNumber"], 1);
    assert!(data["missing"].is_null());
    assert!(data["garbage"].is_null());
    assert_eq!(
        data["viewer"],
        json!({"name": "test-admin", "type": "HUMAN"})
    );

    let err = s
        .admin_error("{ projects(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&err), "VALIDATION_FAILED");
    assert!(err["message"].as_str().unwrap().contains("100"));
}

async fn artifacts_and_filters(s: TestServer) {
    let project = s.create_project("artifacts").await;
    for key in ["brand.logo", "brand.palette", "brand_x", "mvp.scope"] {
        s.create_version(&project, key, json!({"k": key}), None)
            .await;
    }
    s.create_version(&project, "brand.logo", json!({"k": "logo v2"}), None)
        .await;

    let data = s
        .admin(
            r#"{ project(slug: "artifacts") {
                all: artifacts(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { schemaKey latest { versionNumber value } current { id } versions(first: 5) { totalCount } } } }
                brand: artifacts(schemaKeyPrefix: "brand") { edges { node { schemaKey } } }
                logo: artifact(schemaKey: "brand.logo") { schemaKey latest { versionNumber } versions { edges { node { versionNumber } } } }
                none: artifact(schemaKey: "nope") { schemaKey }
                queue: reviewQueue(first: 10, schemaKeyPrefix: "brand") { totalCount edges { node { schemaKey versionNumber } } }
                pending: versions(status: [PENDING]) { totalCount }
                approved: versions(status: [APPROVED]) { totalCount }
                approvals { totalCount edges { node { id } } }
            } }"#,
            json!({}),
        )
        .await;
    let p = &data["project"];
    assert_eq!(p["all"]["totalCount"], 4);
    assert_eq!(p["all"]["pageInfo"]["hasNextPage"], true);
    let first_two: Vec<&str> = p["all"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["schemaKey"].as_str().unwrap())
        .collect();
    assert_eq!(first_two, ["brand.logo", "brand.palette"]);
    assert_eq!(p["all"]["edges"][0]["node"]["latest"]["versionNumber"], 2);
    assert_eq!(
        p["all"]["edges"][0]["node"]["latest"]["value"],
        json!({"k": "logo v2"})
    );
    assert!(p["all"]["edges"][0]["node"]["current"].is_null());
    assert_eq!(p["all"]["edges"][0]["node"]["versions"]["totalCount"], 2);
    // Prefixes match whole segments: `brand_x` is not under `brand`.
    let brand: Vec<&str> = p["brand"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["schemaKey"].as_str().unwrap())
        .collect();
    assert_eq!(brand, ["brand.logo", "brand.palette"]);
    assert_eq!(p["logo"]["latest"]["versionNumber"], 2);
    assert_eq!(
        p["logo"]["versions"]["edges"][0]["node"]["versionNumber"],
        2
    );
    assert!(p["none"].is_null());
    // The review queue is oldest first.
    let queue: Vec<(String, i64)> = p["queue"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["schemaKey"].as_str().unwrap().to_owned(),
                e["node"]["versionNumber"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        queue,
        vec![
            ("brand.logo".into(), 1),
            ("brand.palette".into(), 1),
            ("brand.logo".into(), 2)
        ]
    );
    assert_eq!(p["pending"]["totalCount"], 5);
    assert_eq!(p["approved"]["totalCount"], 0);
    assert_eq!(p["approvals"]["totalCount"], 0);

    // The second page of artifacts continues after the cursor.
    let after = p["all"]["pageInfo"]["endCursor"].clone();
    let data = s
        .admin(
            "query($after: String) { project(slug: \"artifacts\") { artifacts(first: 2, after: $after) { pageInfo { hasNextPage } edges { node { schemaKey } } } } }",
            json!({ "after": after }),
        )
        .await;
    let rest: Vec<&str> = data["project"]["artifacts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["schemaKey"].as_str().unwrap())
        .collect();
    assert_eq!(rest, ["brand_x", "mvp.scope"]);
    assert_eq!(
        data["project"]["artifacts"]["pageInfo"]["hasNextPage"],
        false
    );
}

/// Run.createdBy: the actor of the token that started the run, as the run
/// stored it, read back by another caller.
async fn a_run_says_who_started_it(s: TestServer) {
    let project = s.create_project("who").await;
    let writer = s.token("WRITER", None).await;
    let started = s
        .as_token(
            &writer,
            "mutation($p: ID!) { startRun(input: {projectId: $p, pipeline: \"draft\"}) { id createdBy { id name type } } }",
            json!({ "p": project }),
        )
        .await;
    let by = &started["startRun"]["createdBy"];
    assert_eq!(by["name"], "WRITER-token");
    assert_eq!(by["type"], "AI");
    assert!(by["id"].as_str().unwrap().starts_with("tok_"), "{by}");
    let read = s
        .admin(
            "query($id: ID!) { run(id: $id) { createdBy { id name type } } }",
            json!({ "id": started["startRun"]["id"] }),
        )
        .await;
    assert_eq!(&read["run"]["createdBy"], by);
}

/// Objects whose plain fields resolve in place (src/graphql/plain.rs) answer
/// every form of selection as the engine does: aliases, the same field twice,
/// fragments on the type and on an interface it implements, `__typename`, a nested object selected twice (merged), and relations beside
/// plain fields, in the selection's order.
async fn plain_fields_answer_every_selection_form(s: TestServer) {
    let project = s.create_project("forms").await;
    let run = s.start_run(&project, "forms-pipeline").await;
    s.record_step(&run, 1).await;
    s.record_step(&run, 2).await;
    let version = s
        .create_version(
            &project,
            "brand.palette",
            json!({"primary": "#000"}),
            Some(&run),
        )
        .await["id"]
        .clone();
    s.admin(
        "mutation($id: ID!) { rejectVersion(input: {versionId: $id, reason: \"no\"}) { id } }",
        json!({ "id": version }),
    )
    .await;
    let query = r#"query($run: ID!, $version: ID!) {
      run(id: $run) {
        __typename
        theId: id
        ... on Run { pipeline status }
        ...RunBits
        ... on Node { id }
        createdBy { id }
        createdBy { name __typename }
        steps { order again: order ... on RunStep { agentName } }
        outputs {
          id schemaKey status rejectionReason
          approvals { action reason actor { name type } }
          reviewedBy { name }
          project { slug }
        }
      }
      artifactVersion(id: $version) { ... on ArtifactVersion { versionNumber } value }
    }
    fragment RunBits on Run { model steps { agentId } }"#;
    let (status, body) = s
        .post(
            Some(&s.admin),
            query,
            json!({ "run": run, "version": version }),
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    let got = &body["data"]["run"];
    assert_eq!(got["__typename"], "Run");
    assert_eq!(got["theId"], json!(run));
    assert_eq!(got["id"], json!(run));
    assert_eq!(got["pipeline"], "forms-pipeline");
    assert_eq!(got["status"], "RUNNING");
    assert!(got["createdBy"]["id"].as_str().unwrap().starts_with("tok_"));
    assert_eq!(got["createdBy"]["__typename"], "Actor");
    assert!(got["createdBy"]["name"].is_string());
    let steps = got["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    for (step, order) in steps.iter().zip([1, 2]) {
        assert_eq!(step["order"], order);
        assert_eq!(step["again"], order);
        assert!(
            step["agentName"].is_string() && step["agentId"].is_string(),
            "{step}"
        );
    }
    let output = &got["outputs"][0];
    assert_eq!(output["id"], version);
    assert_eq!(output["status"], "REJECTED");
    assert_eq!(output["rejectionReason"], "no");
    assert_eq!(output["approvals"][0]["action"], "REJECT");
    assert_eq!(output["approvals"][0]["reason"], "no");
    assert!(
        output["approvals"][0]["actor"]["type"].is_string(),
        "{output}"
    );
    assert_eq!(
        output["approvals"][0]["actor"]["name"],
        output["reviewedBy"]["name"]
    );
    assert_eq!(output["project"]["slug"], "forms");
    assert_eq!(body["data"]["artifactVersion"]["versionNumber"], 1);
    assert_eq!(
        body["data"]["artifactVersion"]["value"],
        json!({"primary": "#000"})
    );

    // The response keeps the selection's order, relations among plain fields.
    let (_, text) = s
        .post_text(
            Some(&s.admin),
            "query($run: ID!) { run(id: $run) { status outputs { id } pipeline steps { order } id } }",
            json!({ "run": run }),
        )
        .await;
    let at = |key: &str| {
        text.find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key} in {text}"))
    };
    assert!(
        at("status") < at("outputs") && at("outputs") < at("pipeline"),
        "{text}"
    );
    assert!(
        at("pipeline") < at("steps") && at("steps") < at("order"),
        "{text}"
    );
}

/// A run's outputs and inputs are read without their values unless the
/// selection shows them; a field that needs the value or the annotations
/// of such a row still answers them, alone or beside aliases that read
/// them, on a page of runs and on one run.
async fn run_lists_read_values_only_when_shown(s: TestServer) {
    let project = s.create_project("lists").await;
    let run = s.start_run(&project, "lists-pipeline").await;
    let created = s
        .admin(
            "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id } }",
            json!({ "input": {
                "projectId": project, "schemaKey": "brand.palette",
                "value": {"primary": "#123456"}, "sourceRunId": run,
                "annotations": {"confidence": 0.5}
            } }),
        )
        .await;
    let version = created["createArtifactVersion"]["id"].clone();
    let fields = r#"
        bare: outputs { id schemaKey digest }
        noted: outputs { id annotations }
        valued: outputs { id value annotations }"#;
    let one = s
        .admin(
            &format!("query($run: ID!) {{ run(id: $run) {{ {fields} }} }}"),
            json!({ "run": run }),
        )
        .await;
    let page = s
        .admin(
            &format!(
                "query {{ project(slug: \"lists\") {{ runs(first: 5) {{ edges {{ node {{ {fields} }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    for got in [&one["run"], &page["project"]["runs"]["edges"][0]["node"]] {
        assert_eq!(got["bare"][0]["id"], version);
        assert_eq!(got["bare"][0]["digest"].as_str().map(str::len), Some(64));
        assert_eq!(got["noted"][0]["annotations"], json!({"confidence": 0.5}));
        assert_eq!(got["valued"][0]["value"], json!({"primary": "#123456"}));
        assert_eq!(got["valued"][0]["annotations"], json!({"confidence": 0.5}));
    }
    // A list read without values still gives the stored digest.
    let digest = s
        .admin(
            "query($id: ID!) { artifactVersion(id: $id) { digest } }",
            json!({ "id": version }),
        )
        .await;
    assert_eq!(
        one["run"]["bare"][0]["digest"],
        digest["artifactVersion"]["digest"]
    );
}

/// A run's outputs and inputs come from one statement, each list with its
/// values only when its own selection shows them: every combination answers
/// what each list holds, in link order, on `run(id)` and on a page of runs.
async fn a_runs_outputs_and_inputs_read_together(s: TestServer) {
    let project = s.create_project("both").await;
    let maker = s.start_run(&project, "maker").await;
    let mut made = Vec::new();
    for i in 0..3 {
        let key = format!("k.in{i}");
        let version = s
            .create_version(&project, &key, json!({ "in": i }), Some(&maker))
            .await;
        made.push(version["id"].as_str().unwrap().to_owned());
    }
    let data = s
        .admin(
            "mutation($input: StartRunInput!) { startRun(input: $input) { id } }",
            json!({ "input": { "projectId": project, "pipeline": "reader", "inputVersionIds": [made[2], made[0]] } }),
        )
        .await;
    let reader = data["startRun"]["id"].as_str().unwrap().to_owned();
    // Recorded out of order; read in order, with the lists, in one statement.
    s.record_step(&reader, 2).await;
    s.record_step(&reader, 1).await;
    let out = s
        .create_version(&project, "k.out", json!({ "out": 1 }), Some(&reader))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shapes = [
        "outputs { id value } inputs { id }",
        "outputs { id } inputs { id value }",
        "outputs { id value } inputs { id value }",
        "inputs { id value } outputs { id }",
        "steps { order } outputs { id value } inputs { id }",
        "inputs { id } steps { order } outputs { id }",
    ];
    for shape in shapes {
        let one = s
            .admin(
                &format!("query($id: ID!) {{ run(id: $id) {{ {shape} }} }}"),
                json!({ "id": reader }),
            )
            .await;
        let page = s
            .admin(
                &format!("{{ project(slug: \"both\") {{ runs(first: 10) {{ edges {{ node {{ id {shape} }} }} }} }} }}"),
                json!({}),
            )
            .await;
        let listed = page["project"]["runs"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["id"] == reader.as_str())
            .cloned()
            .unwrap();
        for got in [&one["run"], &listed] {
            let ids = |list: &str| -> Vec<String> {
                got[list]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["id"].as_str().unwrap().to_owned())
                    .collect()
            };
            assert_eq!(ids("outputs"), vec![out.as_str()], "{shape}: {got}");
            if shape.contains("steps") {
                assert_eq!(
                    got["steps"],
                    json!([{ "order": 1 }, { "order": 2 }]),
                    "{shape}"
                );
            }
            // In the order startRun was given them.
            assert_eq!(
                ids("inputs"),
                [made[2].clone(), made[0].clone()],
                "{shape}: {got}"
            );
            if shape.contains("outputs { id value }") {
                assert_eq!(got["outputs"][0]["value"], json!({ "out": 1 }), "{shape}");
            }
            if shape.contains("inputs { id value }") {
                for v in got["inputs"].as_array().unwrap() {
                    let i = made.iter().position(|m| v["id"] == m.as_str()).unwrap();
                    assert_eq!(v["value"], json!({ "in": i }), "{shape}");
                }
            }
        }
        // The maker's outputs are the three inputs, in the order made.
        let maker_outputs = s
            .admin(
                &format!("query($id: ID!) {{ run(id: $id) {{ {shape} }} }}"),
                json!({ "id": maker }),
            )
            .await;
        let ids: Vec<&str> = maker_outputs["run"]["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            made.iter().map(String::as_str).collect::<Vec<_>>(),
            "{shape}"
        );
        assert_eq!(maker_outputs["run"]["inputs"], json!([]), "{shape}");
    }
}

/// A run's lists are read lean: only the columns their selection shows.
/// Each field answers alone through such a list (on one run and on a page
/// of runs, to an admin and to a reader of a project whose tier a schema
/// gates) exactly as it answers from the version's whole row: versions
/// approved and promoted, rejected, pending; with annotations, a source
/// step, a base version and a gated field. Aliases that show different
/// columns answer each as their own.
async fn lean_lists_answer_as_whole_rows(server: TestServer) {
    let s = &server;
    let project = s.create_project("lean").await;
    let reader = s.token("READER", Some(&project)).await;
    s.admin(
        "mutation($schema: JSON!) { registerSchema(input: {schemaKey: \"deal.terms\", jsonSchema: $schema}) { version } }",
        json!({ "schema": { "type": "object", "properties": {
            "name": { "type": "string" },
            "price": { "x-quire-tier": "business", "type": "integer" }
        } } }),
    )
    .await;
    let run = s.start_run(&project, "lean-pipeline").await;
    let step = s.record_step(&run, 1).await;
    let create = |input: Value| async move {
        s.admin(
            "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await["createArtifactVersion"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let deal = create(json!({
        "projectId": project, "schemaKey": "deal.terms", "value": {"name": "A", "price": 4200},
        "sourceRunId": run, "sourceStepId": step, "annotations": {"confidence": 0.9}
    }))
    .await;
    s.admin(
        "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }",
        json!({ "id": deal }),
    )
    .await;
    s.admin(
        "mutation($p: ID!) { promote(input: {projectId: $p, expectedContextVersion: 0}) { contextVersion } }",
        json!({ "p": project }),
    )
    .await;
    let rejected = create(json!({
        "projectId": project, "schemaKey": "brand.palette", "value": {"primary": "#111"},
        "sourceRunId": run
    }))
    .await;
    s.admin(
        "mutation($id: ID!) { rejectVersion(input: {versionId: $id, reason: \"too dark\"}) { status } }",
        json!({ "id": rejected }),
    )
    .await;
    create(json!({
        "projectId": project, "schemaKey": "brand.palette", "value": {"primary": "#eee"},
        "sourceRunId": run, "baseVersionId": rejected
    }))
    .await;
    let fields = [
        "__typename",
        "schemaKey",
        "versionNumber",
        "status",
        "value",
        "archived",
        "schemaVersion",
        "annotations",
        "ruleOutcome",
        "annotationsRevision",
        "digest",
        "files { id }",
        "approvals { action reason }",
        "project { slug }",
        "primaryFile { id }",
        "sourceRun { id }",
        "sourceStep { order }",
        "createdBy { id name type }",
        "createdAt",
        "reviewedBy { id name type }",
        "reviewedAt",
        "rejectionReason",
        "promoted",
        // Fields a lean read does not know: they get the whole row.
        "base { id }",
        "previous { versionNumber }",
        "approvalProgress { requiredApprovals ruleOutcome }",
        "diff",
    ];
    for token in [s.admin.clone(), reader] {
        let ask = |query: String, variables: Value| {
            let token = token.clone();
            async move { s.as_token(&token, &query, variables).await }
        };
        for field in fields {
            let one = ask(
                format!("query($run: ID!) {{ run(id: $run) {{ outputs {{ id {field} }} }} }}"),
                json!({ "run": run }),
            )
            .await;
            let page = ask(
                format!("{{ project(slug: \"lean\") {{ runs(first: 5) {{ edges {{ node {{ outputs {{ id {field} }} }} }} }} }} }}"),
                json!({}),
            )
            .await;
            let listed = [
                &one["run"]["outputs"],
                &page["project"]["runs"]["edges"][0]["node"]["outputs"],
            ];
            for list in listed {
                let list = list.as_array().expect("a list of outputs");
                assert_eq!(list.len(), 3, "{field}: {list:?}");
                for got in list {
                    let whole = ask(
                        format!("query($id: ID!) {{ artifactVersion(id: $id) {{ id {field} }} }}"),
                        json!({ "id": got["id"] }),
                    )
                    .await;
                    assert_eq!(got, &whole["artifactVersion"], "{field}");
                }
            }
        }
        // Two aliases of one list, showing different columns.
        let both = ask(
            "query($run: ID!) { run(id: $run) { a: outputs { id status } b: outputs { id createdBy { name } reviewedBy { name } } } }".to_owned(),
            json!({ "run": run }),
        )
        .await;
        for (alias, field) in [
            ("a", "status"),
            ("b", "createdBy { name } reviewedBy { name }"),
        ] {
            for got in both["run"][alias].as_array().unwrap() {
                let whole = ask(
                    format!("query($id: ID!) {{ artifactVersion(id: $id) {{ id {field} }} }}"),
                    json!({ "id": got["id"] }),
                )
                .await;
                assert_eq!(got, &whole["artifactVersion"], "{alias}");
            }
        }
    }
    // The schema gates the deal's price from this project's tier: the
    // fields above went through the gated reads (value, digest).
    let shown = s
        .admin(
            "query($run: ID!) { run(id: $run) { outputs { id value } } }",
            json!({ "run": run }),
        )
        .await;
    let deal_value = shown["run"]["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == deal.as_str())
        .map(|v| v["value"].clone());
    assert_eq!(deal_value, Some(json!({"name": "A"})));
}

/// Runs read with their steps, and steps read in a page of runs, are read
/// lean: only the columns their selections show. Each field of a run and
/// of a step answers alone, through every read that shows them with their
/// steps (`run(id)`, a version's `sourceRun` by id, in the review queue and
/// in a run's outputs, a page of runs), exactly as it answers from the
/// whole row (`node`), to an admin and to the project's reader; aliases that
/// show different columns answer each as their own, and a reader of another
/// project still sees nothing.
async fn lean_runs_and_steps_answer_as_whole_rows(server: TestServer) {
    let s = &server;
    let project = s.create_project("lean-runs").await;
    let other = s.create_project("elsewhere").await;
    let reader = s.token("READER", Some(&project)).await;
    let outsider = s.token("READER", Some(&other)).await;
    s.admin(
        "mutation { setModelPrice(input: {model: \"gpt-4o\", inputPerMillion: \"2.5\", outputPerMillion: \"10\"}) { model } }",
        json!({}),
    )
    .await;
    let parent = s.start_run(&project, "parent-pipeline").await;
    let start = |input: Value| async move {
        s.admin(
            "mutation($input: StartRunInput!) { startRun(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await["startRun"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let done = start(json!({
        "projectId": project, "pipeline": "lean-done", "input": "the brief",
        "variables": {"tone": "calm"}, "model": "gpt-4o", "parentRunId": parent
    }))
    .await;
    let failed = start(json!({"projectId": project, "pipeline": "lean-failed"})).await;
    let first = s
        .admin(
            "mutation($input: RecordRunStepInput!) { recordRunStep(input: $input) { id } }",
            json!({ "input": { "runId": done, "order": 3, "agentId": "writer", "agentName": "Writer",
                "output": "a draft", "model": "gpt-4o", "inputTokens": 1200, "outputTokens": 300 } }),
        )
        .await["recordRunStep"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.admin(
        "mutation($id: ID!) { recordStepSummary(input: {stepId: $id, summary: \"drafted\"}) { id } }",
        json!({ "id": first }),
    )
    .await;
    s.record_step(&done, 7).await;
    s.record_step(&failed, 1).await;
    let project_id = project.as_str();
    let version_of = |run: String| async move {
        s.create_version(
            project_id,
            "brand.palette",
            json!({"primary": "#123"}),
            Some(&run),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let from_done = version_of(done.clone()).await;
    let from_failed = version_of(failed.clone()).await;
    s.admin(
        "mutation($input: CompleteRunInput!) { completeRun(input: $input) { id } }",
        json!({ "input": { "runId": done, "output": "the result", "inputTokens": 2000, "outputTokens": 500 } }),
    )
    .await;
    s.admin(
        "mutation($id: ID!) { failRun(input: {runId: $id, error: \"out of budget\"}) { id } }",
        json!({ "id": failed }),
    )
    .await;
    let run_fields = [
        "__typename",
        "project { slug }",
        "pipeline",
        "status",
        "input",
        "variables",
        "output",
        "error",
        "model",
        "inputTokens",
        "outputTokens",
        "cost",
        "parent { id }",
        "children { id }",
        "steps { order }",
        "createdBy { id name type }",
        "inputs { id }",
        "outputs { id }",
        "createdAt",
        "startedAt",
        "completedAt",
    ];
    let step_fields = [
        "__typename",
        "run { id }",
        "order",
        "agentId",
        "agentName",
        "output",
        "summary",
        "summaryTokenCount",
        "outputTokenCount",
        "model",
        "inputTokens",
        "outputTokens",
        "cost",
        "createdAt",
    ];
    // Every read that shows a run with its steps (`{shown}`), and where in
    // its answer the runs are.
    let reads = |shown: &str| -> Vec<(String, Value, Vec<&'static str>)> {
        let by_run = |run: &str| {
            (
                format!("query($id: ID!) {{ run(id: $id) {{ id {shown} }} }}"),
                json!({ "id": run }),
                vec!["run"],
            )
        };
        let by_version = |version: &str| {
            (
                format!(
                    "query($id: ID!) {{ artifactVersion(id: $id) {{ sourceRun {{ id {shown} }} }} }}"
                ),
                json!({ "id": version }),
                vec!["artifactVersion", "sourceRun"],
            )
        };
        vec![
            by_run(&done),
            by_run(&failed),
            by_version(&from_done),
            by_version(&from_failed),
            (
                format!(
                    "{{ project(slug: \"lean-runs\") {{ reviewQueue(first: 10) {{ edges {{ node {{ sourceRun {{ id {shown} }} }} }} }} }} }}"
                ),
                json!({}),
                vec!["project", "reviewQueue", "edges", "*", "node", "sourceRun"],
            ),
            (
                format!(
                    "query($id: ID!) {{ run(id: $id) {{ outputs {{ sourceRun {{ id {shown} }} }} }} }}"
                ),
                json!({ "id": done }),
                vec!["run", "outputs", "*", "sourceRun"],
            ),
            (
                format!(
                    "{{ project(slug: \"lean-runs\") {{ runs(first: 10) {{ edges {{ node {{ id {shown} }} }} }} }} }}"
                ),
                json!({}),
                vec!["project", "runs", "edges", "*", "node"],
            ),
        ]
    };
    // The values at `path` (`*`: each item of a list).
    fn at<'a>(value: &'a Value, path: &[&str]) -> Vec<&'a Value> {
        match path.split_first() {
            None => vec![value],
            Some((&"*", rest)) => value
                .as_array()
                .expect("a list")
                .iter()
                .flat_map(|item| at(item, rest))
                .collect(),
            Some((key, rest)) => at(&value[*key], rest),
        }
    }
    for token in [s.admin.clone(), reader] {
        let ask = |query: String, variables: Value| {
            let token = token.clone();
            async move { s.as_token(&token, &query, variables).await }
        };
        let whole = |id: Value, kind: &'static str, field: String| {
            let ask = &ask;
            async move {
                ask(
                    format!(
                        "query($id: ID!) {{ node(id: $id) {{ ... on {kind} {{ id {field} }} }} }}"
                    ),
                    json!({ "id": id }),
                )
                .await["node"]
                    .clone()
            }
        };
        for field in run_fields {
            let shown = format!("{field} steps {{ id }}");
            for (query, variables, path) in reads(&shown) {
                let got = ask(query.clone(), variables).await;
                let runs = at(&got, &path);
                assert!(!runs.is_empty(), "{query}: {got}");
                for run in runs {
                    let expected = whole(run["id"].clone(), "Run", shown.clone()).await;
                    assert_eq!(run, &expected, "{query}");
                }
            }
        }
        for field in step_fields {
            for (query, variables, path) in reads(&format!("steps {{ id {field} }}")) {
                let got = ask(query.clone(), variables).await;
                let runs = at(&got, &path);
                let shown: usize = runs
                    .iter()
                    .map(|r| r["steps"].as_array().unwrap().len())
                    .sum();
                assert!(shown > 0, "{query}: {got}");
                for run in runs {
                    for step in run["steps"].as_array().expect("steps") {
                        let expected = whole(step["id"].clone(), "RunStep", field.to_owned()).await;
                        assert_eq!(step, &expected, "{query}");
                    }
                }
            }
        }
        // Aliases showing different columns, of the steps and of the run.
        let aliased = "a: steps { id order cost } b: steps { id agentName summary }";
        for (query, variables, path) in reads(aliased) {
            let got = ask(query.clone(), variables).await;
            for run in at(&got, &path) {
                for (alias, field) in [("a", "order cost"), ("b", "agentName summary")] {
                    for step in run[alias].as_array().expect("steps") {
                        let expected = whole(step["id"].clone(), "RunStep", field.to_owned()).await;
                        assert_eq!(step, &expected, "{alias} of {query}");
                    }
                }
            }
        }
        let sources = ask(
            "query($id: ID!) { artifactVersion(id: $id) { a: sourceRun { id model steps { id order } } b: sourceRun { id status error steps { id agentId } } } }".to_owned(),
            json!({ "id": from_done }),
        )
        .await;
        for (alias, field) in [
            ("a", "model steps { id order }"),
            ("b", "status error steps { id agentId }"),
        ] {
            let got = &sources["artifactVersion"][alias];
            let expected = whole(got["id"].clone(), "Run", field.to_owned()).await;
            assert_eq!(got, &expected, "{alias}");
        }
    }
    // A reader of another project sees neither run, with or without steps.
    for shown in ["model", "model steps { order }"] {
        let got = s
            .as_token(
                &outsider,
                &format!("query($id: ID!) {{ run(id: $id) {{ {shown} }} }}"),
                json!({ "id": done }),
            )
            .await;
        assert_eq!(got["run"], Value::Null, "{shown}");
    }
    // The fields above read what was written: the completed run's cost and
    // its first step's summary and output are not placeholders.
    let shown = s
        .admin(
            "query($id: ID!) { run(id: $id) { cost error steps { order summary output cost } } }",
            json!({ "id": done }),
        )
        .await;
    assert_ne!(shown["run"]["cost"], Value::Null, "{shown}");
    assert_eq!(shown["run"]["steps"][0]["summary"], "drafted", "{shown}");
    assert_eq!(shown["run"]["steps"][0]["output"], "a draft", "{shown}");
    assert_ne!(shown["run"]["steps"][0]["cost"], Value::Null, "{shown}");
}
