//! Schemas that evolve (upgrade patches, dry runs, values read in a newer
//! shape, promotion in the newest shape) and fields gated by tier, in every
//! read path.

use serde_json::{Value, json};

use crate::common::{TestServer, code};
use crate::live::Ws;
use crate::{backend_tests, server_tests};

backend_tests!(
    a_chain_of_upgrades_reads_old_values_in_new_shapes,
    registration_is_refused_when_old_values_would_not_validate,
    tiers_are_set_by_admins_only,
);

server_tests!(tiers_gate_every_read_path);

const REGISTER: &str = "mutation($k: String!, $schema: JSON!, $up: JSON) { registerSchema(input: {schemaKey: $k, jsonSchema: $schema, upgrade: $up}) { version upgrade } }";
const VALUE_AS: &str = "query($id: ID!, $as: Int) { artifactVersion(id: $id) { schemaVersion digest value(asSchemaVersion: $as) } }";
const APPROVE: &str = "mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }";
const PROMOTE: &str = "mutation($p: ID!, $v: Int!) { promote(input: {projectId: $p, expectedContextVersion: $v}) { contextVersion } }";
const SET_TIER: &str =
    "mutation($p: ID!, $t: String!) { setProjectTier(input: {projectId: $p, tier: $t}) { tier } }";

fn v1() -> Value {
    json!({ "type": "object", "required": ["colour"], "properties": { "colour": { "type": "string" } } })
}
fn v2() -> Value {
    json!({ "type": "object", "required": ["color", "size"], "additionalProperties": false,
            "properties": { "color": { "type": "string" }, "size": { "type": "string" } } })
}
fn v2_upgrade() -> Value {
    json!([{ "op": "move", "from": "/colour", "path": "/color" }, { "op": "add", "path": "/size", "value": "m" }])
}
fn v3() -> Value {
    json!({ "type": "object", "required": ["color", "pro"], "additionalProperties": false,
            "properties": { "color": { "type": "string" },
                            "pro": { "x-quire-tier": "business", "type": "object", "required": ["size"] } } })
}
fn v3_upgrade() -> Value {
    json!([{ "op": "add", "path": "/pro", "value": {} }, { "op": "move", "from": "/size", "path": "/pro/size" }])
}

async fn register(s: &TestServer, key: &str, schema: Value, up: Option<Value>) -> (i32, Value) {
    let (_, body) = s
        .post(
            Some(&s.admin),
            REGISTER,
            json!({ "k": key, "schema": schema, "up": up }),
        )
        .await;
    match body["data"]["registerSchema"]["version"].as_i64() {
        Some(v) => (v as i32, Value::Null),
        None => (0, body["errors"][0].clone()),
    }
}

async fn value_as(s: &TestServer, id: &Value, as_version: Option<i32>) -> Value {
    s.admin(VALUE_AS, json!({ "id": id, "as": as_version }))
        .await["artifactVersion"]
        .clone()
}

async fn a_chain_of_upgrades_reads_old_values_in_new_shapes(s: TestServer) {
    let project = s.create_project("p").await;
    assert_eq!(register(&s, "brand.palette", v1(), None).await.0, 1);
    let a = s
        .create_version(&project, "brand.palette", json!({ "colour": "navy" }), None)
        .await;
    assert_eq!(
        register(&s, "brand.palette", v2(), Some(v2_upgrade()))
            .await
            .0,
        2
    );
    let b = s
        .create_version(
            &project,
            "brand.palette",
            json!({ "color": "red", "size": "l" }),
            None,
        )
        .await;
    assert_eq!(
        register(&s, "brand.palette", v3(), Some(v3_upgrade()))
            .await
            .0,
        3
    );
    s.admin(SET_TIER, json!({ "p": project, "t": "strategic" }))
        .await;

    // The stored value never changes; each newer shape is the chain applied.
    let own = value_as(&s, &a["id"], None).await;
    assert_eq!(own["value"], json!({ "colour": "navy" }));
    assert_eq!(own["schemaVersion"], 1);
    assert_eq!(
        value_as(&s, &a["id"], Some(1)).await["value"],
        json!({ "colour": "navy" })
    );
    assert_eq!(
        value_as(&s, &a["id"], Some(2)).await["value"],
        json!({ "color": "navy", "size": "m" })
    );
    let at3 = value_as(&s, &a["id"], Some(3)).await;
    assert_eq!(
        at3["value"],
        json!({ "color": "navy", "pro": { "size": "m" } })
    );
    assert_eq!(
        at3["digest"], own["digest"],
        "the digest is the stored value's"
    );
    assert_eq!(
        value_as(&s, &b["id"], Some(3)).await["value"],
        json!({ "color": "red", "pro": { "size": "l" } })
    );
    for (id, bad) in [(&a["id"], 0), (&a["id"], 4), (&b["id"], 1)] {
        let (_, body) = s
            .post(Some(&s.admin), VALUE_AS, json!({ "id": id, "as": bad }))
            .await;
        assert_eq!(
            code(&body["errors"][0]),
            "VALIDATION_FAILED",
            "{bad}: {body}"
        );
    }
    let schema = s
        .admin(
            "{ artifactSchema(schemaKey: \"brand.palette\") { version upgrade } }",
            json!({}),
        )
        .await;
    assert_eq!(
        schema["artifactSchema"],
        json!({ "version": 3, "upgrade": v3_upgrade() })
    );

    // Promotion writes the newest shape into the context; the version stays as stored.
    s.admin(APPROVE, json!({ "id": a["id"] })).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 0 })).await;
    let data = s
        .admin(
            "{ project(slug: \"p\") { context contextEntries { path value } } }",
            json!({}),
        )
        .await;
    let newest = json!({ "color": "navy", "pro": { "size": "m" } });
    assert_eq!(
        data["project"]["context"],
        json!({ "brand": { "palette": newest } })
    );
    assert_eq!(
        data["project"]["contextEntries"],
        json!([{ "path": "brand.palette", "value": newest }])
    );
    assert_eq!(
        value_as(&s, &a["id"], None).await["value"],
        json!({ "colour": "navy" })
    );
}

async fn registration_is_refused_when_old_values_would_not_validate(s: TestServer) {
    let p1 = s.create_project("p1").await;
    let p2 = s.create_project("p2").await;
    register(&s, "brand.palette", v1(), None).await;
    s.create_version(&p1, "brand.palette", json!({ "colour": "navy" }), None)
        .await;
    let latest1 = s
        .create_version(&p1, "brand.palette", json!({ "colour": "teal" }), None)
        .await;
    let latest2 = s
        .create_version(&p2, "brand.palette", json!({ "colour": "gold" }), None)
        .await;
    let ids = |err: &Value| -> String { err["extensions"]["violations"].to_string() };

    // No upgrade: every version that can still be promoted fails v2 (both
    // projects' latest, and p1's older PENDING one), and each is listed.
    let (version, err) = register(&s, "brand.palette", v2(), None).await;
    assert_eq!(version, 0);
    assert_eq!(code(&err), "VALIDATION_FAILED", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("3 existing version(s)"),
        "{err}"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("without an upgrade"),
        "{err}"
    );
    for latest in [&latest1, &latest2] {
        assert!(ids(&err).contains(latest["id"].as_str().unwrap()), "{err}");
    }
    // An upgrade that leaves them invalid (no size): refused, listing them.
    let half = json!([{ "op": "move", "from": "/colour", "path": "/color" }]);
    let (_, err) = register(&s, "brand.palette", v2(), Some(half)).await;
    assert_eq!(code(&err), "VALIDATION_FAILED", "{err}");
    assert!(ids(&err).contains("size"), "{err}");
    // An upgrade that does not apply (a failed test) and malformed ones.
    let failing = json!([{ "op": "test", "path": "/colour", "value": "navy" }]);
    let (_, err) = register(&s, "brand.palette", v2(), Some(failing)).await;
    assert_eq!(code(&err), "VALIDATION_FAILED", "{err}");
    for bad in [
        json!({ "op": "add" }),
        json!([{ "op": "explode", "path": "/a" }]),
    ] {
        let (_, err) = register(&s, "brand.palette", v2(), Some(bad.clone())).await;
        assert_eq!(code(&err), "VALIDATION_FAILED", "{bad}: {err}");
    }
    // Nothing was registered by the refusals.
    let schema = s
        .admin(
            "{ artifactSchema(schemaKey: \"brand.palette\") { version } }",
            json!({}),
        )
        .await;
    assert_eq!(schema["artifactSchema"]["version"], 1);
    // A schema marking an unknown tier is refused.
    let gold = json!({ "type": "object", "properties": { "x": { "x-quire-tier": "gold" } } });
    let (_, err) = register(&s, "other.key", gold, None).await;
    assert_eq!(code(&err), "VALIDATION_FAILED", "{err}");
    // The full upgrade registers.
    assert_eq!(
        register(&s, "brand.palette", v2(), Some(v2_upgrade()))
            .await
            .0,
        2
    );
}

async fn tiers_are_set_by_admins_only(s: TestServer) {
    let project = s.create_project("p").await;
    let tier = "{ project(slug: \"p\") { tier } }";
    assert_eq!(s.admin(tier, json!({})).await["project"]["tier"], "core");
    assert_eq!(
        s.admin(SET_TIER, json!({ "p": project, "t": "business" }))
            .await["setProjectTier"]["tier"],
        "business"
    );
    assert_eq!(
        s.admin(tier, json!({})).await["project"]["tier"],
        "business"
    );
    let (_, body) = s
        .post(
            Some(&s.admin),
            SET_TIER,
            json!({ "p": project, "t": "gold" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "VALIDATION_FAILED", "{body}");
    let scoped_admin = s.token("ADMIN", Some(&project)).await;
    let writer = s.token("WRITER", None).await;
    for token in [&scoped_admin, &writer] {
        let (_, body) = s
            .post(
                Some(token),
                SET_TIER,
                json!({ "p": project, "t": "strategic" }),
            )
            .await;
        assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{body}");
    }
    let (_, body) = s
        .post(
            Some(&s.admin),
            SET_TIER,
            json!({ "p": "prj_00000000000000000000000000000000", "t": "core" }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{body}");
    assert_eq!(
        s.admin(tier, json!({})).await["project"]["tier"],
        "business"
    );
}

fn gated() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": { "type": "string" },
            "pricing": { "x-quire-tier": "business" },
            "sections": { "type": "array", "items": { "type": "object", "properties": {
                "title": { "type": "string" }, "swot": { "x-quire-tier": "strategic" } } } }
        }
    })
}

fn full() -> Value {
    json!({ "name": "Acme", "pricing": { "plan": "pro" }, "sections": [{ "title": "one", "swot": "s1" }, { "title": "two", "swot": "s2" }] })
}

/// What a project at each tier reads, in every path.
fn expected(tier: &str) -> Value {
    match tier {
        "core" => json!({ "name": "Acme", "sections": [{ "title": "one" }, { "title": "two" }] }),
        "business" => {
            json!({ "name": "Acme", "pricing": { "plan": "pro" }, "sections": [{ "title": "one" }, { "title": "two" }] })
        }
        _ => full(),
    }
}

async fn tiers_gate_every_read_path(s: TestServer) {
    let project = s.create_project("p").await;
    assert_eq!(register(&s, "mvp.plan", gated(), None).await.0, 1);
    let mut ws = Ws::connect(&s, &s.admin).await;
    let events = "subscription($p: ID!, $after: String) { versionStatusChanged(projectId: $p, after: $after) { version { value } } }";
    ws.subscribe("versions", events, json!({ "p": project }))
        .await;
    let v = s.create_version(&project, "mvp.plan", full(), None).await;
    let event = ws.next_data("versions").await;
    assert_eq!(
        event["versionStatusChanged"]["version"]["value"],
        expected("core")
    );
    s.admin(APPROVE, json!({ "id": v["id"] })).await;
    s.admin(PROMOTE, json!({ "p": project, "v": 0 })).await;
    let run = s.start_run(&project, "p").await;
    let digest = v["digest"].clone();
    let read = "query($id: ID!, $r: ID!) {
        artifactVersion(id: $id) { digest value diff }
        project(slug: \"p\") { tier context contextAt(version: 1) contextEntries { value } }
        assembleContext(runId: $r, budgetTokens: 10000) { items { text } } }";
    let mut digests = Vec::new();
    for tier in ["core", "business", "strategic"] {
        s.admin(SET_TIER, json!({ "p": project, "t": tier })).await;
        let data = s.admin(read, json!({ "id": v["id"], "r": run })).await;
        let want = expected(tier);
        assert_eq!(data["project"]["tier"], tier);
        let version = &data["artifactVersion"];
        assert_eq!(version["value"], want, "{tier}");
        // A tier that does not reach a gated field reads its view's digest.
        digests.push(version["digest"].clone());
        assert_eq!(
            version["diff"],
            json!([{ "op": "replace", "path": "", "value": want }]),
            "{tier}"
        );
        let project_data = &data["project"];
        assert_eq!(project_data["context"]["mvp"]["plan"], want, "{tier}");
        assert_eq!(project_data["contextAt"]["mvp"]["plan"], want, "{tier}");
        assert_eq!(project_data["contextEntries"][0]["value"], want, "{tier}");
        let text = data["assembleContext"]["items"][0]["text"]
            .as_str()
            .unwrap();
        let item: Value = serde_json::from_str(text).unwrap();
        assert_eq!(item["value"], want, "{tier}");
    }
    // Each tier's digest is of what it reads: the created version's (read
    // at core) is core's; only strategic reads the full value's.
    assert_eq!(digests[0], digest);
    assert_ne!(digests[0], digests[1]);
    assert_ne!(digests[1], digests[2]);
    // A new version's event reads at the tier the project has then (the
    // approval's event, delivered earlier, is skipped).
    let v2 = s.create_version(&project, "mvp.plan", full(), None).await;
    ws.next_data("versions").await;
    let event = ws.next_data("versions").await;
    assert_eq!(event["versionStatusChanged"]["version"]["value"], full());
    assert_eq!(v2["digest"], digests[2]);
}
