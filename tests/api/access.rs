//! Roles, project scoping and token management over real HTTP.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code, multipart};

backend_tests!(
    reader_is_refused_every_mutation,
    roles_between_writer_and_reviewer,
    project_scoping,
    scoped_admin_stays_in_its_project
);

const SCHEMA: &str = r#"{ __schema {
  mutationType { fields { name args { name type { ...T } } type { ...T } } }
  types { name kind inputFields { name type { ...T } } enumValues { name } }
} }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// A value of `ty` that passes validation: required input fields filled with
/// placeholders, so that a request reaches the role guard.
fn placeholder(ty: &Value, types: &[Value]) -> Value {
    match ty["kind"].as_str().unwrap() {
        "NON_NULL" => placeholder(&ty["ofType"], types),
        "LIST" => json!([placeholder(&ty["ofType"], types)]),
        _ => {
            let name = ty["name"].as_str().unwrap();
            let def = types.iter().find(|t| t["name"] == name).unwrap();
            match (def["kind"].as_str().unwrap(), name) {
                ("ENUM", _) => def["enumValues"][0]["name"].clone(),
                ("INPUT_OBJECT", _) => {
                    let mut obj = Map::new();
                    for field in def["inputFields"].as_array().unwrap() {
                        if field["type"]["kind"] == "NON_NULL" {
                            obj.insert(
                                field["name"].as_str().unwrap().to_owned(),
                                placeholder(&field["type"], types),
                            );
                        }
                    }
                    Value::Object(obj)
                }
                (_, "Int") => json!(1),
                (_, "Float") => json!(1.5),
                (_, "Boolean") => json!(true),
                (_, "JSON") => json!({}),
                (_, "Decimal") => json!("1.5"),
                (_, "DateTime") => json!("2026-01-01T00:00:00Z"),
                (_, "ID") => json!("prj_00000000000000000000000000000000"),
                (_, "Upload") => json!(UPLOAD),
                _ => json!("placeholder"),
            }
        }
    }
}

fn type_literal(ty: &Value) -> String {
    match ty["kind"].as_str().unwrap() {
        "NON_NULL" => format!("{}!", type_literal(&ty["ofType"])),
        "LIST" => format!("[{}]", type_literal(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap().to_owned(),
    }
}

fn is_leaf(ty: &Value) -> bool {
    match ty["kind"].as_str().unwrap() {
        "NON_NULL" | "LIST" => is_leaf(&ty["ofType"]),
        "SCALAR" | "ENUM" => true,
        _ => false,
    }
}

/// Every mutation of the schema, as a request that passes validation.
async fn every_mutation(s: &TestServer) -> Vec<(String, String, Value)> {
    let schema = s.admin(SCHEMA, json!({})).await;
    let types = schema["__schema"]["types"].as_array().unwrap().clone();
    let mut out = Vec::new();
    for field in schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
    {
        let name = field["name"].as_str().unwrap();
        let args = field["args"].as_array().unwrap();
        let params: Vec<String> = args
            .iter()
            .map(|a| {
                format!(
                    "${}: {}",
                    a["name"].as_str().unwrap(),
                    type_literal(&a["type"])
                )
            })
            .collect();
        let call: Vec<String> = args
            .iter()
            .map(|a| format!("{0}: ${0}", a["name"].as_str().unwrap()))
            .collect();
        let selection = if is_leaf(&field["type"]) {
            ""
        } else {
            "{ __typename }"
        };
        let params = if params.is_empty() {
            String::new()
        } else {
            format!("({})", params.join(", "))
        };
        let call = if call.is_empty() {
            String::new()
        } else {
            format!("({})", call.join(", "))
        };
        let query = format!("mutation{params} {{ {name}{call} {selection} }}");
        let mut variables = Map::new();
        for a in args {
            if a["type"]["kind"] == "NON_NULL" {
                variables.insert(
                    a["name"].as_str().unwrap().to_owned(),
                    placeholder(&a["type"], &types),
                );
            }
        }
        out.push((name.to_owned(), query, Value::Object(variables)));
    }
    out
}

/// Sends a mutation; one with an Upload argument goes as a multipart request
/// (the GraphQL multipart request spec), with a small file in each upload.
async fn send(
    s: &TestServer,
    token: &str,
    query: &str,
    variables: &Value,
) -> (reqwest::StatusCode, Value) {
    let uploads: Vec<String> = variables
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| **v == json!(UPLOAD))
        .map(|(k, _)| k.clone())
        .collect();
    if uploads.is_empty() {
        return s.post(Some(token), query, variables.clone()).await;
    }
    let mut vars = variables.clone();
    let mut map = Map::new();
    for (i, name) in uploads.iter().enumerate() {
        vars[name] = Value::Null;
        map.insert(i.to_string(), json!([format!("variables.{name}")]));
    }
    // The spec puts operations and map before the files.
    let operations = json!({ "query": query, "variables": vars }).to_string();
    let map = Value::Object(map).to_string();
    let names: Vec<String> = (0..uploads.len()).map(|i| i.to_string()).collect();
    let mut parts = vec![
        ("operations", None, operations.as_bytes()),
        ("map", None, map.as_bytes()),
    ];
    for name in &names {
        parts.push((name.as_str(), Some("hello.txt"), b"hello".as_slice()));
    }
    let (content_type, body) = multipart(&parts);
    let request = axum::http::Request::post("/graphql")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(body)
        .unwrap();
    let reply = s.send(request).await;
    (reply.status, reply.json())
}

/// Marks a variable to be sent as a file.
const UPLOAD: &str = "<upload>";

async fn snapshot(s: &TestServer) -> Value {
    s.admin(
        "{ projects { totalCount edges { node { contextVersion versions { totalCount } runs { totalCount } } } } tokens { id revokedAt } }",
        json!({}),
    )
    .await
}

async fn reader_is_refused_every_mutation(s: TestServer) {
    let project = s.create_project("guarded").await;
    s.create_version(&project, "k", json!(1), None).await;
    let reader = s.token("READER", None).await;
    let before = snapshot(&s).await;
    let mutations = every_mutation(&s).await;
    assert!(
        mutations.len() >= 8,
        "the schema has {} mutations",
        mutations.len()
    );
    for (name, query, variables) in &mutations {
        let (status, body) = send(&s, &reader, query, variables).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{name}: {body}");
        assert_eq!(code(&body["errors"][0]), "FORBIDDEN", "{name}: {body}");
        assert!(body["data"].is_null(), "{name}: {body}");
    }
    assert_eq!(
        before,
        snapshot(&s).await,
        "a refused call changed something"
    );
    // The admin passes the guard: whatever fails then is not FORBIDDEN.
    for (name, query, variables) in &mutations {
        let (_, body) = send(&s, &s.admin, query, variables).await;
        if let Some(err) = body["errors"].get(0) {
            assert_ne!(code(err), "FORBIDDEN", "{name} refused the admin: {body}");
        }
    }
}

async fn roles_between_writer_and_reviewer(s: TestServer) {
    let project = s.create_project("roles").await;
    let writer = s.token("WRITER", None).await;
    let reviewer = s.token("REVIEWER", None).await;
    let start = "mutation($p: ID!) { startRun(input: {projectId: $p, pipeline: \"p\"}) { id } }";
    let data = s.as_token(&writer, start, json!({ "p": project })).await;
    assert!(data["startRun"]["id"].is_string());
    let (_, body) = s
        .post(Some(&reviewer), start, json!({ "p": project }))
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN");
    let (_, body) = s
        .post(
            Some(&writer),
            "mutation { createProject(input: {slug: \"nope\", name: \"n\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN");
    let (_, body) = s.post(Some(&writer), "{ tokens { id } }", json!({})).await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN");
    // Readers and up may query.
    let data = s
        .as_token(
            &reviewer,
            "{ project(slug: \"roles\") { runs { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["project"]["runs"]["totalCount"], 1);
}

async fn project_scoping(s: TestServer) {
    let a = s.create_project("alpha").await;
    let b = s.create_project("beta").await;
    let run_b = s.start_run(&b, "p").await;
    let step_b = s.record_step(&run_b, 1).await;
    let ver_b = s
        .create_version(&b, "k", json!({"secret": true}), Some(&run_b))
        .await;
    let writer_a = s.token("WRITER", Some(&a)).await;

    let data = s
        .as_token(
            &writer_a,
            r#"query($b: ID!, $r: ID!, $v: ID!, $s: ID!) {
                projects { totalCount edges { node { slug } } }
                beta: project(slug: "beta") { id }
                alpha: project(slug: "alpha") { slug }
                nb: node(id: $b) { id } nr: node(id: $r) { id } nv: node(id: $v) { id } ns: node(id: $s) { id }
                run(id: $r) { id }
                artifactVersion(id: $v) { id }
            }"#,
            json!({ "b": b, "r": run_b, "v": ver_b["id"], "s": step_b }),
        )
        .await;
    assert_eq!(data["projects"]["totalCount"], 1);
    assert_eq!(data["projects"]["edges"][0]["node"]["slug"], "alpha");
    assert!(data["beta"].is_null());
    assert_eq!(data["alpha"]["slug"], "alpha");
    for field in ["nb", "nr", "nv", "ns", "run", "artifactVersion"] {
        assert!(data[field].is_null(), "{field} leaked: {data}");
    }

    // Writes on another project's objects: NOT_FOUND, exactly as for unknown IDs.
    let attempts = [
        (
            "mutation($x: ID!) { startRun(input: {projectId: $x, pipeline: \"p\"}) { id } }",
            json!({ "x": b }),
        ),
        (
            "mutation($x: ID!) { completeRun(input: {runId: $x}) { id } }",
            json!({ "x": run_b }),
        ),
        (
            "mutation($x: ID!) { failRun(input: {runId: $x, error: \"e\"}) { id } }",
            json!({ "x": run_b }),
        ),
        (
            "mutation($x: ID!) { recordRunStep(input: {runId: $x, order: 9, agentId: \"a\", agentName: \"A\"}) { id } }",
            json!({ "x": run_b }),
        ),
        (
            "mutation($x: ID!) { createArtifactVersion(input: {projectId: $x, schemaKey: \"k\", value: 1}) { id } }",
            json!({ "x": b }),
        ),
        (
            "mutation($x: ID!, $r: ID!) { createArtifactVersion(input: {projectId: $x, schemaKey: \"k\", value: 1, sourceRunId: $r}) { id } }",
            json!({ "x": a, "r": run_b }),
        ),
        (
            "mutation($x: ID!, $v: ID!) { startRun(input: {projectId: $x, pipeline: \"p\", inputVersionIds: [$v]}) { id } }",
            json!({ "x": a, "v": ver_b["id"] }),
        ),
        (
            "mutation($x: ID!, $r: ID!) { startRun(input: {projectId: $x, pipeline: \"p\", parentRunId: $r}) { id } }",
            json!({ "x": a, "r": run_b }),
        ),
    ];
    for (query, vars) in attempts {
        let (_, body) = s.post(Some(&writer_a), query, vars).await;
        assert_eq!(code(&body["errors"][0]), "NOT_FOUND", "{query}: {body}");
    }
    // Beta is untouched; alpha works.
    let data = s
        .admin("query($r: ID!) { run(id: $r) { status steps { order } } project(slug: \"beta\") { versions { totalCount } runs { totalCount } } }", json!({ "r": run_b }))
        .await;
    assert_eq!(data["run"]["status"], "RUNNING");
    assert_eq!(data["run"]["steps"].as_array().unwrap().len(), 1);
    assert_eq!(data["project"]["versions"]["totalCount"], 1);
    assert_eq!(data["project"]["runs"]["totalCount"], 1);
    s.as_token(
        &writer_a,
        "mutation($x: ID!) { startRun(input: {projectId: $x, pipeline: \"p\"}) { id } }",
        json!({ "x": a }),
    )
    .await;
}

async fn scoped_admin_stays_in_its_project(s: TestServer) {
    let a = s.create_project("mine").await;
    let b = s.create_project("theirs").await;
    let admin_a = s.token("ADMIN", Some(&a)).await;
    let (_, body) = s
        .post(
            Some(&admin_a),
            "mutation { createProject(input: {slug: \"more\", name: \"m\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "FORBIDDEN");
    let create = "mutation($p: ID) { createToken(input: {name: \"t\", role: READER, actorType: AI, projectId: $p}) { id secret } }";
    let (_, body) = s.post(Some(&admin_a), create, json!({ "p": b })).await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND");
    // A token made without a project inherits the scope.
    let data = s.as_token(&admin_a, create, json!({ "p": null })).await;
    let secret = data["createToken"]["secret"].as_str().unwrap();
    let seen = s
        .as_token(secret, "{ projects { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(seen["projects"]["edges"], json!([{ "node": { "id": a } }]));
    // Tokens of other scopes are invisible and cannot be revoked.
    let other = s.admin("mutation { createToken(input: {name: \"global\", role: READER, actorType: HUMAN}) { id } }", json!({})).await;
    let (_, body) = s
        .post(
            Some(&admin_a),
            "mutation($id: ID!) { revokeToken(id: $id) }",
            json!({ "id": other["createToken"]["id"] }),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND");
    let listed = s
        .as_token(&admin_a, "{ tokens { name project { id } } }", json!({}))
        .await;
    for t in listed["tokens"].as_array().unwrap() {
        assert_eq!(t["project"]["id"], a, "{listed}");
    }
}

backend_tests!(last_used_is_recorded_without_a_write_per_request);

async fn last_used_is_recorded_without_a_write_per_request(default: TestServer) {
    let s = default
        .sibling(|c| c.tokens.token_usage_flush_ms = 100)
        .await;
    let reader = s.token("READER", None).await;
    let before = s.admin("{ tokens { name lastUsedAt } }", json!({})).await;
    let reader_row = before["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "READER-token")
        .unwrap()
        .clone();
    assert!(reader_row["lastUsedAt"].is_null());
    s.as_token(&reader, "{ viewer { name } }", json!({})).await;
    let started = Instant::now();
    loop {
        let data = s.admin("{ tokens { name lastUsedAt } }", json!({})).await;
        let row = data["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "READER-token")
            .unwrap()
            .clone();
        if row["lastUsedAt"].is_string() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "lastUsedAt never recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
