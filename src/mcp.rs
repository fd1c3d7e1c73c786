//! `quire mcp`: tools for agents over the Model Context Protocol (stdio),
//! built with the official Rust SDK (`rmcp`). Each tool is one named
//! GraphQL operation sent to a running Quire with the token from the
//! environment, so an agent gets exactly what that token may see and do
//! (roles, project scope, tiers, limits) and nothing the public API does
//! not offer. A failed operation is a tool error whose structured content
//! carries Quire's `code` (`NOT_FOUND`, `VALIDATION_FAILED`, ...).

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
use serde::Deserialize;
use serde_json::{Value, json};

/// Where the tools send their operations, and as whom.
#[derive(clap::Args, Debug, Clone)]
pub struct McpConfig {
    /// The Quire server's GraphQL endpoint.
    #[arg(
        long,
        env = "QUIRE_URL",
        default_value = "http://127.0.0.1:8080/graphql"
    )]
    pub url: String,

    /// The token the tools act with (an agent's WRITER token, say).
    #[arg(long, env = "QUIRE_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// Serves the tools on stdin/stdout until the client closes them.
pub async fn serve_stdio(config: McpConfig) -> anyhow::Result<()> {
    let tools = QuireTools::new(config);
    let running = tools.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}

/// The tools, over one HTTP client.
#[derive(Clone)]
pub struct QuireTools {
    config: McpConfig,
    http: reqwest::Client,
    #[allow(dead_code, reason = "read by the tool_handler macro")]
    tool_router: ToolRouter<Self>,
}

/// Which project's context to read, and where in it.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ContextArgs {
    #[schemars(description = "The project's slug (acme-launch) or ID (prj_...).")]
    project: String,
    #[schemars(description = "A dot path into the context (brand.palette); omitted: all of it.")]
    path: Option<String>,
}

/// Which context entries to list.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct EntriesArgs {
    #[schemars(description = "The project's slug or ID (prj_...).")]
    project: String,
    #[schemars(
        description = "Only this path and the paths below it (brand lists brand and brand.logo); omitted: every path."
    )]
    path_prefix: Option<String>,
}

/// What to assemble a context for, and within which budget.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AssembleArgs {
    #[schemars(description = "The run the context is assembled for (run_...).")]
    run_id: String,
    #[schemars(description = "The most tokens the assembled items may hold, 1 to 1,000,000.")]
    budget_tokens: i32,
    #[schemars(
        description = "Context paths to include, most wanted first; omitted: every promoted path."
    )]
    paths: Option<Vec<String>>,
    #[schemars(description = "How many of the run's last steps to include verbatim (default 3).")]
    short_term_steps: Option<i32>,
}

/// What to search for, and where.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SearchArgs {
    #[schemars(
        description = "Words to find in versions' values and schema keys (all must occur, stemmed); at most 256 characters."
    )]
    query: String,
    #[schemars(
        description = "Only this project's versions (prj_...); omitted: every project the token may see."
    )]
    project_id: Option<String>,
    #[schemars(description = "How many results, best first: 1 to 100 (default 10).")]
    first: Option<i32>,
}

/// The version to create.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CreateVersionArgs {
    #[schemars(description = "The project's slug or ID (prj_...).")]
    project: String,
    #[schemars(description = "The artifact's schema key, a dot path (brand.palette).")]
    schema_key: String,
    #[schemars(description = "The artifact's value: any JSON the key's schema accepts.")]
    value: Value,
    #[schemars(description = "The run that made it (run_...), still open.")]
    source_run_id: Option<String>,
    #[schemars(description = "The step of that run that made it (stp_...).")]
    source_step_id: Option<String>,
    #[schemars(description = "Free-form JSON notes kept with the version.")]
    annotations: Option<Value>,
    #[schemars(
        description = "The version this revises (ver_...), when answering review feedback."
    )]
    base_version_id: Option<String>,
    #[schemars(
        description = "Makes a retried call return the first one's version instead of creating another."
    )]
    idempotency_key: Option<String>,
}

/// The run to start.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct StartRunArgs {
    #[schemars(description = "The project's slug or ID (prj_...).")]
    project: String,
    #[schemars(description = "The pipeline's name (brand-studio).")]
    pipeline: String,
    #[schemars(description = "The model the run uses (gpt-4o).")]
    model: Option<String>,
    #[schemars(description = "The run's input text.")]
    input: Option<String>,
    #[schemars(description = "The run that started this one (run_...).")]
    parent_run_id: Option<String>,
    #[schemars(description = "The versions the run reads (ver_...), for lineage.")]
    input_version_ids: Option<Vec<String>>,
    #[schemars(description = "Makes a retried call return the first one's run.")]
    idempotency_key: Option<String>,
}

/// The step to record.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct StepArgs {
    #[schemars(description = "The run (run_...), still open.")]
    run_id: String,
    #[schemars(description = "The step's position in the run, from 1; each once.")]
    order: i32,
    #[schemars(description = "The agent's stable ID (writer).")]
    agent_id: String,
    #[schemars(description = "The agent's display name (Writer).")]
    agent_name: String,
    #[schemars(description = "What the step produced, as text.")]
    output: Option<String>,
    #[schemars(description = "The model the step used; default: the run's.")]
    model: Option<String>,
    #[schemars(description = "Input tokens the step used.")]
    input_tokens: Option<i32>,
    #[schemars(description = "Output tokens the step used.")]
    output_tokens: Option<i32>,
    #[schemars(description = "Makes a retried call return the first one's step.")]
    idempotency_key: Option<String>,
}

/// The run to complete.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CompleteRunArgs {
    #[schemars(description = "The run (run_...), still open.")]
    run_id: String,
    #[schemars(description = "The run's final output, as text.")]
    output: Option<String>,
    #[schemars(description = "Makes a retried call return the first one's result.")]
    idempotency_key: Option<String>,
}

/// The version whose review status to read.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct VersionArgs {
    #[schemars(description = "The version (ver_...).")]
    version_id: String,
}

/// `project(slug:)` or `node(id:)`, as the argument names it, selecting `fields`.
fn project_query(project: &str, fields: &str) -> (String, Value) {
    if project.starts_with("prj_") {
        (
            format!(
                "query($p: ID!, $path: String) {{ project: node(id: $p) {{ ... on Project {{ {fields} }} }} }}"
            ),
            json!({ "p": project }),
        )
    } else {
        (
            format!("query($p: String!, $path: String) {{ project(slug: $p) {{ {fields} }} }}"),
            json!({ "p": project }),
        )
    }
}

/// A tool's answer: the data as JSON text and as structured content.
fn answer(data: Value) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(data.to_string())]);
    result.structured_content = Some(data);
    result
}

/// A tool error carrying Quire's code.
fn refusal(code: &str, message: &str) -> CallToolResult {
    let error = json!({ "code": code, "message": message });
    let mut result = CallToolResult::error(vec![ContentBlock::text(format!("{code}: {message}"))]);
    result.structured_content = Some(error);
    result
}

impl QuireTools {
    /// The tools, acting as `config.token` against `config.url`.
    pub fn new(config: McpConfig) -> Self {
        QuireTools {
            config,
            http: reqwest::Client::new(),
            tool_router: Self::tool_router(),
        }
    }

    /// Runs one operation; its data, or the tool error of its first error.
    async fn run(&self, query: &str, variables: Value) -> Result<Value, CallToolResult> {
        let response = self
            .http
            .post(&self.config.url)
            .bearer_auth(&self.config.token)
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| refusal("UNAVAILABLE", &format!("Quire did not answer: {e}")))?;
        let body: Value = response
            .json()
            .await
            .map_err(|e| refusal("UNAVAILABLE", &format!("Quire's answer is not JSON: {e}")))?;
        if let Some(error) = body["errors"].as_array().and_then(|e| e.first()) {
            let code = error["extensions"]["code"].as_str().unwrap_or("INTERNAL");
            let message = error["message"].as_str().unwrap_or("failed");
            return Err(refusal(code, message));
        }
        Ok(body["data"].clone())
    }

    /// A project's ID, from its slug or ID.
    async fn project_id(&self, project: &str) -> Result<String, CallToolResult> {
        if project.starts_with("prj_") {
            return Ok(project.to_owned());
        }
        let data = self
            .run(
                "query($s: String!) { project(slug: $s) { id } }",
                json!({ "s": project }),
            )
            .await?;
        data["project"]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| refusal("NOT_FOUND", &format!("no project {project:?}")))
    }

    /// A query of the project's `fields` (with `$path`), or NOT_FOUND.
    async fn project_tool(
        &self,
        project: &str,
        fields: &str,
        path: Option<String>,
    ) -> CallToolResult {
        let (query, mut variables) = project_query(project, fields);
        variables["path"] = json!(path);
        match self.run(&query, variables).await {
            Ok(data) if data["project"].is_null() => {
                refusal("NOT_FOUND", &format!("no project {project:?}"))
            }
            Ok(data) => answer(data["project"].clone()),
            Err(refused) => refused,
        }
    }

    /// A mutation whose `input` names the project (by slug or ID); its
    /// data under `field`, or its tool error.
    async fn in_project(
        &self,
        project: &str,
        mutation: &str,
        input: impl FnOnce(String) -> Value,
        field: &str,
    ) -> CallToolResult {
        match self.project_id(project).await {
            Ok(id) => self.tool(mutation, json!({ "i": input(id) }), field).await,
            Err(refused) => refused,
        }
    }

    /// The operation's data under `field`, or its tool error.
    async fn tool(&self, query: &str, variables: Value, field: &str) -> CallToolResult {
        match self.run(query, variables).await {
            Ok(data) => answer(data[field].clone()),
            Err(refused) => refused,
        }
    }
}

#[tool_router]
impl QuireTools {
    #[tool(
        description = "Read a project's context: the approved values promoted at their schema-key paths, as this token's tier may see them, with the context version (pass it on to runs that use it)."
    )]
    async fn get_context(
        &self,
        Parameters(args): Parameters<ContextArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .project_tool(
                &args.project,
                "id slug contextVersion context(path: $path)",
                args.path,
            )
            .await)
    }

    #[tool(
        description = "List a project's context entries: each promoted path with its value, the version it came from (and that version's run), when and by whom it was promoted."
    )]
    async fn list_context_entries(
        &self,
        Parameters(args): Parameters<EntriesArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .project_tool(
                &args.project,
                "contextVersion contextEntries(pathPrefix: $path) { path value contextVersion promotedAt promotedBy { name type } version { id schemaKey versionNumber sourceRun { id pipeline model } } }",
                args.path_prefix,
            )
            .await)
    }

    #[tool(
        description = "Assemble the context for a run as an agent's prompt should get it, within a token budget: persistent (promoted values), long-term (step summaries) and short-term (the last steps' outputs) items, with what was dropped to fit."
    )]
    async fn assemble_context(
        &self,
        Parameters(args): Parameters<AssembleArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .tool(
                "query($r: ID!, $b: Int!, $p: [String!], $s: Int) { assembleContext(runId: $r, budgetTokens: $b, paths: $p, shortTermSteps: $s) { contextVersion totalTokens tokenizer items { tier source text tokens version { id } } dropped { tier source tokens } } }",
                json!({ "r": args.run_id, "b": args.budget_tokens, "p": args.paths, "s": args.short_term_steps }),
                "assembleContext",
            )
            .await)
    }

    #[tool(
        description = "Search artifact versions by the words in their values and schema keys, best match first."
    )]
    async fn search_versions(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(match self
            .run(
                "query($q: String!, $p: ID, $n: Int) { search(query: $q, projectId: $p, first: $n) { totalCount edges { node { id schemaKey versionNumber status value project { slug } } } } }",
                json!({ "q": args.query, "p": args.project_id, "n": args.first.unwrap_or(10) }),
            )
            .await
        {
            Ok(data) => {
                let found: Vec<Value> = data["search"]["edges"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| e["node"].clone())
                    .collect();
                answer(json!({ "totalCount": data["search"]["totalCount"], "versions": found }))
            }
            Err(refused) => refused,
        })
    }

    #[tool(
        description = "Create a new version of an artifact (PENDING review), from a run and step if given. The value must fit the key's schema; a key claimed by another run is CONFLICT."
    )]
    async fn create_version(
        &self,
        Parameters(args): Parameters<CreateVersionArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .in_project(
                &args.project,
                "mutation($i: CreateArtifactVersionInput!) { createArtifactVersion(input: $i) { id schemaKey versionNumber status digest } }",
                |project_id| json!({
                    "projectId": project_id, "schemaKey": args.schema_key, "value": args.value,
                    "sourceRunId": args.source_run_id, "sourceStepId": args.source_step_id,
                    "annotations": args.annotations, "baseVersionId": args.base_version_id,
                    "idempotencyKey": args.idempotency_key,
                }),
                "createArtifactVersion",
            )
            .await)
    }

    #[tool(description = "Start a run of a pipeline in a project; it is RUNNING at once.")]
    async fn start_run(
        &self,
        Parameters(args): Parameters<StartRunArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .in_project(
                &args.project,
                "mutation($i: StartRunInput!) { startRun(input: $i) { id pipeline model status createdAt } }",
                |project_id| json!({
                    "projectId": project_id, "pipeline": args.pipeline, "model": args.model,
                    "input": args.input, "parentRunId": args.parent_run_id,
                    "inputVersionIds": args.input_version_ids, "idempotencyKey": args.idempotency_key,
                }),
                "startRun",
            )
            .await)
    }

    #[tool(
        description = "Record a step of an open run, with its output and token usage (its cost is priced by the server)."
    )]
    async fn record_step(
        &self,
        Parameters(args): Parameters<StepArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .tool(
                "mutation($i: RecordRunStepInput!) { recordRunStep(input: $i) { id order agentName model inputTokens outputTokens outputTokenCount cost } }",
                json!({ "i": {
                    "runId": args.run_id, "order": args.order, "agentId": args.agent_id,
                    "agentName": args.agent_name, "output": args.output, "model": args.model,
                    "inputTokens": args.input_tokens, "outputTokens": args.output_tokens,
                    "idempotencyKey": args.idempotency_key,
                } }),
                "recordRunStep",
            )
            .await)
    }

    #[tool(description = "Complete an open run, with its final output; it is COMPLETED.")]
    async fn complete_run(
        &self,
        Parameters(args): Parameters<CompleteRunArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .tool(
                "mutation($i: CompleteRunInput!) { completeRun(input: $i) { id status inputTokens outputTokens cost completedAt } }",
                json!({ "i": { "runId": args.run_id, "output": args.output, "idempotencyKey": args.idempotency_key } }),
                "completeRun",
            )
            .await)
    }

    #[tool(
        description = "Read a version's review status: PENDING, APPROVED, REJECTED, CHANGES_REQUESTED or SUPERSEDED, the approvals still needed, and the reviews so far with their reasons and feedback."
    )]
    async fn get_version_status(
        &self,
        Parameters(args): Parameters<VersionArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(match self
            .run(
                "query($v: ID!) { artifactVersion(id: $v) { id schemaKey versionNumber status promoted approvalProgress { requiredApprovals approvals stillNeeded missingActorTypes } approvals { action reason feedback actor { name type } createdAt } } }",
                json!({ "v": args.version_id }),
            )
            .await
        {
            Ok(data) if data["artifactVersion"].is_null() => {
                refusal("NOT_FOUND", &format!("no version {:?}", args.version_id))
            }
            Ok(data) => answer(data["artifactVersion"].clone()),
            Err(refused) => refused,
        })
    }
}

#[tool_handler]
impl ServerHandler for QuireTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_instructions(
            "Quire keeps every version of every artifact a pipeline makes, with the run that made it, \
             and the approved values promoted into each project's context. Read the context before \
             you generate (get_context or assemble_context), record your run and steps, create versions \
             from them, and check get_version_status for the reviewers' decision.",
        )
    }
}
