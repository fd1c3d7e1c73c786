//! `quire mcp` (issue 35) driven by the official SDK's client over stdio:
//! every tool listed with a described JSON Schema, every tool called as an
//! agent would in one loop, and refusals that carry Quire's codes.

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

use crate::common::TestServer;
use crate::server_tests;

server_tests!(an_agent_uses_every_tool);

/// `quire mcp` against `s`, acting with `token`.
async fn connect(s: &TestServer, token: &str) -> RunningService<RoleClient, ()> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_quire"));
    command
        .arg("mcp")
        .env("QUIRE_URL", s.url("/graphql"))
        .env("QUIRE_TOKEN", token)
        .env("RUST_LOG", "warn");
    let transport = TokioChildProcess::new(command).expect("quire mcp starts");
    ().serve(transport).await.expect("the MCP handshake")
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(tool.to_owned())
        .with_arguments(args.as_object().expect("an object").clone());
    client
        .call_tool(params)
        .await
        .expect("the call is answered")
}

/// The tool's structured answer, failing the test on a tool error.
fn ok(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result
        .structured_content
        .clone()
        .expect("structured content")
}

/// The code of a tool error.
fn refused(result: &CallToolResult) -> String {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    result.structured_content.as_ref().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn an_agent_uses_every_tool(s: TestServer) {
    let project = s.create_project("agents").await;
    let writer = s.token("WRITER", Some(&project)).await;
    let client = connect(&s, &writer).await;

    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "assemble_context",
            "complete_run",
            "create_version",
            "get_context",
            "get_version_status",
            "list_context_entries",
            "record_step",
            "search_versions",
            "start_run"
        ]
    );
    for tool in &tools {
        assert!(
            tool.description.as_ref().is_some_and(|d| d.len() > 20),
            "{}",
            tool.name
        );
        let schema = Value::Object(tool.input_schema.as_ref().clone());
        assert_eq!(schema["type"], "object", "{}: {schema}", tool.name);
        for (name, property) in schema["properties"].as_object().unwrap() {
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{}.{name} is described: {schema}",
                tool.name
            );
        }
    }

    // The loop an agent runs: a run, a step, a version, its review, the context.
    let run = ok(&call(
        &client,
        "start_run",
        json!({ "project": "agents", "pipeline": "brand-studio", "model": "gpt-4o" }),
    )
    .await);
    assert_eq!(run["status"], "RUNNING");
    let run_id = run["id"].as_str().unwrap();
    let step = ok(&call(
        &client,
        "record_step",
        json!({
            "run_id": run_id, "order": 1, "agent_id": "designer", "agent_name": "Designer",
            "output": "A navy palette", "input_tokens": 1200, "output_tokens": 300
        }),
    )
    .await);
    assert_eq!(step["inputTokens"], 1200);
    let version = ok(&call(&client, "create_version", json!({
        "project": project, "schema_key": "brand.palette", "value": { "primary": "#1A365D", "mood": "calm lighthouse" },
        "source_run_id": run_id, "source_step_id": step["id"], "idempotency_key": "palette-1"
    })).await);
    assert_eq!(version["versionNumber"], 1);
    assert_eq!(version["status"], "PENDING");
    let again = ok(&call(&client, "create_version", json!({
        "project": project, "schema_key": "brand.palette", "value": { "primary": "#1A365D", "mood": "calm lighthouse" },
        "source_run_id": run_id, "source_step_id": step["id"], "idempotency_key": "palette-1"
    })).await);
    assert_eq!(again["id"], version["id"], "idempotent");
    let done = ok(&call(
        &client,
        "complete_run",
        json!({ "run_id": run_id, "output": "done" }),
    )
    .await);
    assert_eq!(done["status"], "COMPLETED");

    let status = ok(&call(
        &client,
        "get_version_status",
        json!({ "version_id": version["id"] }),
    )
    .await);
    assert_eq!(status["status"], "PENDING");
    assert_eq!(status["approvalProgress"]["stillNeeded"], 1);

    // A reviewer approves and promotes (through the API); the agent reads it.
    s.admin(
        "mutation($v: ID!) { approveVersion(input: {versionId: $v}) { status } }",
        json!({ "v": version["id"] }),
    )
    .await;
    s.admin(
        "mutation($p: ID!) { promote(input: {projectId: $p, expectedContextVersion: 0}) { contextVersion } }",
        json!({ "p": project }),
    )
    .await;
    let status = ok(&call(
        &client,
        "get_version_status",
        json!({ "version_id": version["id"] }),
    )
    .await);
    assert_eq!(status["status"], "APPROVED");
    assert_eq!(status["approvals"][0]["action"], "APPROVE");

    let context = ok(&call(
        &client,
        "get_context",
        json!({ "project": "agents", "path": "brand" }),
    )
    .await);
    assert_eq!(context["contextVersion"], 1);
    assert_eq!(context["context"]["palette"]["primary"], "#1A365D");
    let by_id = ok(&call(&client, "get_context", json!({ "project": project })).await);
    assert_eq!(by_id["slug"], "agents");
    let entries = ok(&call(
        &client,
        "list_context_entries",
        json!({ "project": "agents" }),
    )
    .await);
    assert_eq!(entries["contextEntries"][0]["path"], "brand.palette");
    assert_eq!(
        entries["contextEntries"][0]["version"]["sourceRun"]["id"],
        run_id
    );

    let next = ok(&call(
        &client,
        "start_run",
        json!({ "project": "agents", "pipeline": "copywriter" }),
    )
    .await);
    let assembled = ok(&call(
        &client,
        "assemble_context",
        json!({ "run_id": next["id"], "budget_tokens": 500 }),
    )
    .await);
    assert_eq!(assembled["contextVersion"], 1);
    assert!(assembled["totalTokens"].as_i64().unwrap() <= 500);
    assert_eq!(assembled["items"][0]["tier"], "PERSISTENT", "{assembled}");

    let found = ok(&call(&client, "search_versions", json!({ "query": "lighthouse" })).await);
    assert_eq!(found["totalCount"], 1);
    assert_eq!(found["versions"][0]["id"], version["id"]);

    // Refusals carry Quire's codes; the tools stay up after them.
    let missing = call(
        &client,
        "get_version_status",
        json!({ "version_id": "ver_00000000000000000000000000000000" }),
    )
    .await;
    assert_eq!(refused(&missing), "NOT_FOUND");
    let other = s.create_project("elsewhere").await;
    let outside = call(
        &client,
        "create_version",
        json!({ "project": other, "schema_key": "x", "value": 1 }),
    )
    .await;
    assert_eq!(
        refused(&outside),
        "NOT_FOUND",
        "a scoped token sees no other project"
    );
    let closed = call(
        &client,
        "record_step",
        json!({
            "run_id": run_id, "order": 2, "agent_id": "late", "agent_name": "Late"
        }),
    )
    .await;
    assert_eq!(refused(&closed), "INVALID_TRANSITION");
    let bad = call(&client, "search_versions", json!({ "query": "!!!" })).await;
    assert_eq!(refused(&bad), "VALIDATION_FAILED");
    let nowhere = call(
        &client,
        "get_context",
        json!({ "project": "no-such-project" }),
    )
    .await;
    assert_eq!(refused(&nowhere), "NOT_FOUND");
    client.cancel().await.unwrap();

    // A token that is not valid: every call says so.
    let stranger = connect(&s, "qk_not-a-token").await;
    let result = call(&stranger, "get_context", json!({ "project": "agents" })).await;
    assert_eq!(refused(&result), "UNAUTHENTICATED");
    stranger.cancel().await.unwrap();
}
