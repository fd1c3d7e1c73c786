//! Features where they meet (issue 30): what one feature promises must
//! hold on every path another feature opens.

use serde_json::{Value, json};

use crate::common::{TestServer, code};
use crate::live::Ws;
use crate::{backend_tests, server_tests};

backend_tests!(
    a_generation_claim_protects_its_key,
    a_write_returns_the_cost_reads_return,
    promoted_keys_do_not_nest,
    an_upgrade_gives_every_read_of_the_context_one_shape,
    both_databases_answer_alike,
    tiers_hide_from_filters_and_search,
    a_review_ui_reads_progress_and_histories,
    a_promotion_of_nothing_changes_nothing,
);

server_tests!(a_version_a_rule_approves_at_once_never_enters_the_queue,);

const START: &str = "mutation($p: ID!, $k: String!, $r: ID, $l: Int) { startGeneration(input: {projectId: $p, schemaKey: $k, runId: $r, leaseSeconds: $l}) { state leaseExpiresAt run { id } } }";
const CREATE: &str = "mutation($i: CreateArtifactVersionInput!) { createArtifactVersion(input: $i) { id versionNumber } }";

fn version(project: &str, key: &str, run: Option<&str>, n: i64) -> Value {
    json!({ "i": { "projectId": project, "schemaKey": key, "sourceRunId": run, "value": { "n": n } } })
}

/// While run A holds a claim, another run's version of the key (or one
/// without a run) is CONFLICT naming the holder and the lease's end; A
/// writes, renews its lease by claiming again, and once its lease passed
/// to B, A's late write is CONFLICT too. A claim on a key without versions
/// is readable; after the claim ends anyone writes again.
async fn a_generation_claim_protects_its_key(s: TestServer) {
    let project = s.create_project("p").await;
    let run_a = s.start_run(&project, "a").await;
    let run_b = s.start_run(&project, "b").await;
    let claim =
        |run: &str, lease: i64| json!({ "p": project, "k": "brand.logo", "r": run, "l": lease });
    let claimed = s.admin(START, claim(&run_a, 600)).await["startGeneration"].clone();
    assert_eq!(claimed["state"], "GENERATING");

    // Readable before the key has any version.
    let seen = s
        .admin(
            "query($k: String!) { project(slug: \"p\") { generation(schemaKey: $k) { state run { id } leaseExpiresAt } } }",
            json!({ "k": "brand.logo" }),
        )
        .await;
    assert_eq!(seen["project"]["generation"]["state"], "GENERATING");
    assert_eq!(seen["project"]["generation"]["run"]["id"], run_a.as_str());

    for other in [Some(run_b.as_str()), None] {
        let (_, body) = s
            .post(
                Some(&s.admin),
                CREATE,
                version(&project, "brand.logo", other, 1),
            )
            .await;
        let error = &body["errors"][0];
        assert_eq!(code(error), "CONFLICT", "{body}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&run_a) && message.contains("until"),
            "{message}"
        );
    }
    let written = s
        .admin(CREATE, version(&project, "brand.logo", Some(&run_a), 1))
        .await;
    assert_eq!(written["createArtifactVersion"]["versionNumber"], 1);

    // The holder renews; another run still cannot claim.
    let renewed = s.admin(START, claim(&run_a, 1)).await["startGeneration"].clone();
    assert_eq!(renewed["state"], "GENERATING", "{renewed}");
    let (_, body) = s.post(Some(&s.admin), START, claim(&run_b, 600)).await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");

    // A's lease passes; B claims; A's late write is refused.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    s.admin(START, claim(&run_b, 600)).await;
    let (_, body) = s
        .post(
            Some(&s.admin),
            CREATE,
            version(&project, "brand.logo", Some(&run_a), 2),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");
    let written = s
        .admin(CREATE, version(&project, "brand.logo", Some(&run_b), 2))
        .await;
    assert_eq!(written["createArtifactVersion"]["versionNumber"], 2);

    // Once B finishes, versions without a run work as before.
    s.admin(
        "mutation($p: ID!) { finishGeneration(input: {projectId: $p, schemaKey: \"brand.logo\"}) { state } }",
        json!({ "p": project }),
    )
    .await;
    let written = s
        .admin(CREATE, version(&project, "brand.logo", None, 3))
        .await;
    assert_eq!(written["createArtifactVersion"]["versionNumber"], 3);
    // Other keys were never held.
    s.admin(CREATE, version(&project, "brand.voice", Some(&run_b), 1))
        .await;
}

/// The review queue's stream announced an auto-approved version as ADDED
/// then REMOVED; approved in the transaction that created it, it was never
/// in the queue, and the stream now says nothing of it.
async fn a_version_a_rule_approves_at_once_never_enters_the_queue(s: TestServer) {
    let project = s.create_project("q").await;
    s.admin(
        "mutation($i: ApprovalPolicyInput!) { setApprovalPolicy(input: $i) { id } }",
        json!({ "i": { "projectId": project, "schemaKeyPattern": "auto.*",
            "autoApproveWhen": { "==": [1, 1] } } }),
    )
    .await;
    let mut ws = Ws::connect(&s, &s.admin).await;
    ws.subscribe(
        "queue",
        "subscription($p: ID!, $after: String) { reviewQueue(projectId: $p, after: $after) { change version { id } } }",
        json!({ "p": project }),
    )
    .await;
    let auto = s
        .create_version(&project, "auto.ok", json!({ "n": 1 }), None)
        .await;
    assert_eq!(auto["status"], "APPROVED");
    let pending = s
        .create_version(&project, "manual.k", json!({ "n": 2 }), None)
        .await;
    let first = ws.next_data("queue").await;
    assert_eq!(first["reviewQueue"]["change"], "ADDED", "{first}");
    assert_eq!(
        first["reviewQueue"]["version"]["id"], pending["id"],
        "{first}"
    );
    ws.quiet(std::time::Duration::from_millis(300)).await;
}

/// recordRunStep returned 0.0000037037036703 while 0.0000037037 was
/// stored: the cost is rounded once, as the column keeps it.
async fn a_write_returns_the_cost_reads_return(s: TestServer) {
    let project = s.create_project("c").await;
    s.admin(
        "mutation { setModelPrice(input: {model: \"odd-model\", inputPerMillion: \"3.7037036703\", outputPerMillion: \"0\"}) { model } }",
        json!({}),
    )
    .await;
    let run = s.start_run(&project, "p").await;
    let written = s
        .admin(
            "mutation($r: ID!) { recordRunStep(input: {runId: $r, order: 1, agentId: \"a\", agentName: \"A\", model: \"odd-model\", inputTokens: 1}) { id cost } }",
            json!({ "r": run }),
        )
        .await;
    let cost = written["recordRunStep"]["cost"].clone();
    assert_eq!(cost, "0.0000037037");
    let read = s
        .admin(
            "query($r: ID!) { run(id: $r) { steps { cost } } }",
            json!({ "r": run }),
        )
        .await;
    assert_eq!(read["run"]["steps"][0]["cost"], cost);
}

const APPROVE: &str = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";
const PROMOTE: &str = "mutation($p: ID!, $v: Int!, $ids: [ID!]) { promote(input: {projectId: $p, expectedContextVersion: $v, versionIds: $ids}) { contextVersion } }";
const CONTEXT: &str =
    "{ project(slug: \"n\") { contextVersion context contextEntries { path value } } }";

/// Promoting `x` (5) then `x.y` made the context {"x": {"y": 1}} while
/// contextEntries still listed x = 5. A promoted value is one whole: a key
/// below a promoted key is CONFLICT; a key above promoted ones replaces
/// them, in the context and its entries alike.
async fn promoted_keys_do_not_nest(s: TestServer) {
    let project = s.create_project("n").await;
    let approved = |key: &str, value: Value| {
        let (s, project, key) = (&s, project.clone(), key.to_owned());
        async move {
            let v = s.create_version(&project, &key, value, None).await;
            s.admin(APPROVE, json!({ "id": v["id"] })).await;
            v["id"].clone()
        }
    };
    let x = approved("x", json!(5)).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 0, "ids": [x] }))
        .await;
    let xy = approved("x.y", json!(1)).await;
    let (_, body) = s
        .post(
            Some(&s.admin),
            PROMOTE,
            json!({ "p": project, "v": 1, "ids": [xy] }),
        )
        .await;
    let error = &body["errors"][0];
    assert_eq!(code(error), "CONFLICT", "{body}");
    assert!(
        error["message"].as_str().unwrap().contains("below x"),
        "{body}"
    );
    // Promoting everything approved (x.y among it) is refused the same way.
    let (_, body) = s
        .post(Some(&s.admin), PROMOTE, json!({ "p": project, "v": 1 }))
        .await;
    assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");
    let now = s.admin(CONTEXT, json!({})).await;
    assert_eq!(now["project"]["context"], json!({ "x": 5 }));
    assert_eq!(
        now["project"]["contextEntries"],
        json!([{ "path": "x", "value": 5 }])
    );
    // A key above promoted ones replaces them, in both reads.
    let ab = approved("a.b", json!("inner")).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 1, "ids": [ab] }))
        .await;
    let a = approved("a", json!({ "c": 2 })).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 2, "ids": [a] }))
        .await;
    let now = s.admin(CONTEXT, json!({})).await;
    assert_eq!(
        now["project"]["context"],
        json!({ "x": 5, "a": { "c": 2 } })
    );
    let mut paths: Vec<String> = now["project"]["contextEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    assert_eq!(paths, vec!["a", "x"]);
}

const REGISTER: &str = "mutation($k: String!, $schema: JSON!, $up: JSON) { registerSchema(input: {schemaKey: $k, jsonSchema: $schema, upgrade: $up}) { version } }";

/// A value promoted before an upgrade kept its old shape in `context`,
/// `contextAt` and assembleContext while `contextEntries` showed the new
/// one, and the dry run checked only each key's latest version. Now the
/// registration upgrades the contexts (a new revision) and checks every
/// version that can still be promoted.
async fn an_upgrade_gives_every_read_of_the_context_one_shape(s: TestServer) {
    let project = s.create_project("u").await;
    let v1 = json!({ "type": "object", "properties": { "colour": { "type": "string" } } });
    s.admin(REGISTER, json!({ "k": "brand.palette", "schema": v1 }))
        .await;
    let navy = s
        .create_version(&project, "brand.palette", json!({ "colour": "navy" }), None)
        .await;
    s.admin(APPROVE, json!({ "id": navy["id"] })).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 0 })).await;
    // An older APPROVED version the strict v2 would refuse, under a newer
    // PENDING one it accepts.
    let odd = s
        .create_version(
            &project,
            "brand.palette",
            json!({ "colour": "teal", "note": 1 }),
            None,
        )
        .await;
    s.admin(APPROVE, json!({ "id": odd["id"] })).await;
    s.create_version(&project, "brand.palette", json!({ "colour": "red" }), None)
        .await;
    let up = json!([{ "op": "move", "from": "/colour", "path": "/color" }]);
    let strict = json!({ "type": "object", "additionalProperties": false,
        "properties": { "color": { "type": "string" } } });
    let (_, body) = s
        .post(
            Some(&s.admin),
            REGISTER,
            json!({ "k": "brand.palette", "schema": strict, "up": up }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");
    assert!(
        body.to_string().contains(odd["id"].as_str().unwrap()),
        "{body}"
    );

    let loose = json!({ "type": "object", "properties": { "color": { "type": "string" } } });
    let registered = s
        .admin(
            REGISTER,
            json!({ "k": "brand.palette", "schema": loose, "up": up }),
        )
        .await;
    assert_eq!(registered["registerSchema"]["version"], 2);
    let run = s.start_run(&project, "next").await;
    let read = s
        .admin(
            "query($r: ID!) { project(slug: \"u\") { contextVersion context contextAt(version: 2)
                contextEntries { value } }
              assembleContext(runId: $r, budgetTokens: 1000) { items { text } } }",
            json!({ "r": run }),
        )
        .await;
    let shape = json!({ "color": "navy" });
    let p = &read["project"];
    assert_eq!(p["contextVersion"], 2, "{read}");
    assert_eq!(p["context"]["brand"]["palette"], shape);
    assert_eq!(p["contextAt"]["brand"]["palette"], shape);
    assert_eq!(p["contextEntries"][0]["value"], shape);
    let text = read["assembleContext"]["items"][0]["text"]
        .as_str()
        .unwrap();
    let item: Value = serde_json::from_str(text).unwrap();
    assert_eq!(item["value"], shape, "{text}");
}

const FILTERED: &str = "query($w: [JsonPathFilter!]) { project(slug: \"db\") { versions(where: {value: $w}) { edges { node { schemaKey } } } } }";

async fn keys_matching(s: &TestServer, filter: Value) -> Result<Vec<String>, Value> {
    let (_, body) = s
        .post(Some(&s.admin), FILTERED, json!({ "w": [filter] }))
        .await;
    if body.get("errors").is_some() {
        return Err(body["errors"][0].clone());
    }
    let mut keys: Vec<String> = body["data"]["project"]["versions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["schemaKey"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    Ok(keys)
}

/// Both databases answer alike: integers past 2^53 compare exactly (a
/// number they would round differently is refused), an all-digit path
/// segment indexes arrays only, and search does not fold accents.
async fn both_databases_answer_alike(s: TestServer) {
    let project = s.create_project("db").await;
    for (key, value) in [
        ("big.a", json!({ "n": 9007199254740993i64 })),
        ("big.b", json!({ "n": 9007199254740992i64 })),
        ("digits.object", json!({ "a": { "0": "x" } })),
        ("digits.array", json!({ "a": ["x"] })),
        ("fruit.basket", json!({ "name": "Äpfel und Birnen" })),
    ] {
        s.create_version(&project, key, value, None).await;
    }
    assert_eq!(
        keys_matching(&s, json!({ "path": "n", "eq": 9007199254740993i64 })).await,
        Ok(vec!["big.a".to_owned()])
    );
    assert_eq!(
        keys_matching(&s, json!({ "path": "n", "gt": 9007199254740992i64 })).await,
        Ok(vec!["big.a".to_owned()])
    );
    for unequal in [
        json!(9007199254740992.5),
        json!(1e300),
        json!(18446744073709551616.0),
    ] {
        let refused = keys_matching(&s, json!({ "path": "n", "eq": unequal })).await;
        assert_eq!(
            refused.as_ref().map_err(|e| code(e).to_owned()),
            Err("VALIDATION_FAILED".to_owned()),
            "{unequal}: {refused:?}"
        );
    }
    assert_eq!(
        keys_matching(&s, json!({ "path": "a.0", "eq": "x" })).await,
        Ok(vec!["digits.array".to_owned()])
    );
    assert_eq!(
        keys_matching(&s, json!({ "path": "a.0", "exists": true })).await,
        Ok(vec!["digits.array".to_owned()])
    );
    let search = |text: &str| {
        let q = format!(
            "{{ search(query: \"{text}\", projectId: \"{project}\") {{ edges {{ node {{ schemaKey }} }} }} }}"
        );
        let s = &s;
        async move {
            s.admin(&q, json!({})).await["search"]["edges"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(search("apfel").await, 0, "accents are not folded");
    assert_eq!(search("äpfel").await, 1);
    assert_eq!(search("ÄPFEL").await, 1, "case is folded");
}

/// At a lower tier a search for a word only in a gated field found the
/// version, and path filters on gated values (versions' and contexts')
/// matched, so hidden numbers could be read by bisection. Now such filters
/// are FORBIDDEN and search leaves out keys gated above the tier.
async fn tiers_hide_from_filters_and_search(s: TestServer) {
    let project = s.create_project("t").await;
    let schema = json!({ "type": "object", "properties": {
        "name": { "type": "string" },
        "pricing": { "x-quire-tier": "business", "type": "object" } } });
    s.admin(REGISTER, json!({ "k": "mvp.plan", "schema": schema }))
        .await;
    let v = s
        .create_version(
            &project,
            "mvp.plan",
            json!({ "name": "Acme", "pricing": { "plan": "zanzibar", "price": 4200 } }),
            None,
        )
        .await;
    s.create_version(
        &project,
        "other.note",
        json!({ "text": "acme zanzibar" }),
        None,
    )
    .await;
    s.admin(APPROVE, json!({ "id": v["id"] })).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 0, "ids": [v["id"]] }))
        .await;
    let reader = s.token("READER", Some(&project)).await;
    let search = |text: &str| {
        let q = format!(
            "{{ search(query: \"{text}\", projectId: \"{project}\") {{ edges {{ node {{ schemaKey }} }} }}
               all: search(query: \"{text}\") {{ edges {{ node {{ schemaKey }} }} }}
               project(slug: \"t\") {{ versions(where: {{search: \"{text}\"}}) {{ totalCount }} }} }}"
        );
        let (s, reader) = (&s, reader.clone());
        async move { s.as_token(&reader, &q, json!({})).await }
    };
    let keys = |found: &Value, at: &str| -> Vec<String> {
        found[at]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["schemaKey"].as_str().unwrap().to_owned())
            .collect()
    };
    let core = search("zanzibar").await;
    assert_eq!(keys(&core, "search"), vec!["other.note"], "{core}");
    assert_eq!(keys(&core, "all"), vec!["other.note"], "{core}");
    assert_eq!(core["project"]["versions"]["totalCount"], 1, "{core}");

    let filter = |path: &str| json!({ "w": [{ "path": path, "gt": 4000 }] });
    let (_, body) = s
        .post(
            Some(&reader),
            FILTERED.replace("\"db\"", "\"t\"").as_str(),
            filter("pricing.price"),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    let contexts = "query($w: [JsonPathFilter!]) { projects(where: {context: $w}) { totalCount } }";
    let (_, body) = s
        .post(Some(&reader), contexts, filter("mvp.plan.pricing.price"))
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    let (_, body) = s
        .post(
            Some(&reader),
            contexts,
            json!({ "w": [{ "path": "mvp.plan.name", "eq": "Acme" }] }),
        )
        .await;
    assert_eq!(body["data"]["projects"]["totalCount"], 1, "{body}");

    // At business, the same filter and search reach the field.
    s.admin(
        "mutation($p: ID!) { setProjectTier(input: {projectId: $p, tier: \"business\"}) { tier } }",
        json!({ "p": project }),
    )
    .await;
    let business = search("zanzibar").await;
    let mut found = keys(&business, "search");
    found.sort();
    assert_eq!(found, vec!["mvp.plan", "other.note"], "{business}");
    let (_, body) = s
        .post(
            Some(&reader),
            FILTERED.replace("\"db\"", "\"t\"").as_str(),
            filter("pricing.price"),
        )
        .await;
    assert_eq!(
        body["data"]["project"]["versions"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{body}"
    );
}

/// What a UI must show is readable: a version's approval progress against
/// its policy, the history of its annotations, a project's tier changes.
async fn a_review_ui_reads_progress_and_histories(s: TestServer) {
    let project = s.create_project("ui").await;
    let policy = s
        .admin(
            "mutation($i: ApprovalPolicyInput!) { setApprovalPolicy(input: $i) { id } }",
            json!({ "i": { "projectId": project, "schemaKeyPattern": "legal.*",
                "requiredApprovals": 2, "requiredActorTypes": ["HUMAN"] } }),
        )
        .await["setApprovalPolicy"]["id"]
        .clone();
    let v = s
        .create_version(&project, "legal.terms", json!({ "t": 1 }), None)
        .await;
    let progress = "query($id: ID!) { artifactVersion(id: $id) { status approvalProgress {
        policy { id } requiredApprovals approvals stillNeeded missingActorTypes ruleOutcome } } }";
    let vars = json!({ "id": v["id"] });
    let read = || {
        let (s, vars) = (&s, vars.clone());
        async move { s.admin(progress, vars).await["artifactVersion"].clone() }
    };
    let before = read().await;
    assert_eq!(
        before["approvalProgress"],
        json!({ "policy": { "id": policy }, "requiredApprovals": 2, "approvals": 0,
            "stillNeeded": 2, "missingActorTypes": ["HUMAN"], "ruleOutcome": null })
    );
    let agent = s.token("REVIEWER", Some(&project)).await;
    s.as_token(&agent, APPROVE, json!({ "id": v["id"] })).await;
    let halfway = read().await;
    assert_eq!(halfway["status"], "PENDING");
    assert_eq!(halfway["approvalProgress"]["approvals"], 1);
    assert_eq!(halfway["approvalProgress"]["stillNeeded"], 1);
    assert_eq!(
        halfway["approvalProgress"]["missingActorTypes"],
        json!(["HUMAN"])
    );
    s.admin(APPROVE, json!({ "id": v["id"] })).await;
    let done = read().await;
    assert_eq!(done["status"], "APPROVED");
    assert_eq!(done["approvalProgress"]["stillNeeded"], 0);
    assert_eq!(done["approvalProgress"]["missingActorTypes"], json!([]));

    let set = "mutation($id: ID!, $a: JSON!, $r: Int!) { setAnnotations(input: {versionId: $id, annotations: $a, expectedRevision: $r}) { annotationsRevision } }";
    s.admin(
        set,
        json!({ "id": v["id"], "a": { "note": "first" }, "r": 1 }),
    )
    .await;
    s.admin(
        set,
        json!({ "id": v["id"], "a": { "note": "second" }, "r": 2 }),
    )
    .await;
    let history = s
        .admin(
            "query($id: ID!) { artifactVersion(id: $id) { annotationHistory { revision annotations actor { name } } } }",
            json!({ "id": v["id"] }),
        )
        .await;
    assert_eq!(
        history["artifactVersion"]["annotationHistory"],
        json!([
            { "revision": 2, "annotations": { "note": "first" }, "actor": { "name": "test-admin" } },
            { "revision": 3, "annotations": { "note": "second" }, "actor": { "name": "test-admin" } }
        ])
    );

    for tier in ["business", "strategic"] {
        s.admin(
            "mutation($p: ID!, $t: String!) { setProjectTier(input: {projectId: $p, tier: $t}) { tier } }",
            json!({ "p": project, "t": tier }),
        )
        .await;
    }
    let changes = s
        .admin(
            "{ project(slug: \"ui\") { tierChanges { fromTier toTier actor { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        changes["project"]["tierChanges"],
        json!([
            { "fromTier": null, "toTier": "business", "actor": { "name": "test-admin" } },
            { "fromTier": "business", "toTier": "strategic", "actor": { "name": "test-admin" } }
        ])
    );
}

/// With nothing APPROVED left, a promotion wrote a context revision that
/// changed nothing but made every other reviewer's expected version stale.
/// Now it answers the current version and writes nothing; an empty list of
/// versions is VALIDATION_FAILED; a stale expected version is still CONFLICT.
async fn a_promotion_of_nothing_changes_nothing(s: TestServer) {
    let project = s.create_project("empty").await;
    let v = s.create_version(&project, "k", json!(1), None).await;
    s.admin(APPROVE, json!({ "id": v["id"] })).await;
    let promote_all = "mutation($p: ID!, $v: Int!) { promote(input: {projectId: $p, expectedContextVersion: $v}) { contextVersion promoted { id } } }";
    let first = s.admin(promote_all, json!({ "p": project, "v": 0 })).await;
    assert_eq!(first["promote"]["contextVersion"], 1);
    let again = s.admin(promote_all, json!({ "p": project, "v": 1 })).await;
    assert_eq!(
        again["promote"],
        json!({ "contextVersion": 1, "promoted": [] })
    );
    let stale = s
        .admin_error(promote_all, json!({ "p": project, "v": 0 }))
        .await;
    assert_eq!(code(&stale), "CONFLICT", "{stale}");
    let empty = s
        .admin_error(PROMOTE, json!({ "p": project, "v": 1, "ids": [] }))
        .await;
    assert_eq!(code(&empty), "VALIDATION_FAILED", "{empty}");
    let read = s
        .admin(
            "query($p: ID!) { node(id: $p) { ... on Project { contextVersion } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(read["node"]["contextVersion"], 1, "no revision was written");
}
