//! GraphQL over HTTP (the GraphQL-over-HTTP specification): POST with
//! application/json, GET for queries only, GraphiQL for browsers, and the
//! `application/graphql-response+json` media type with 4xx statuses for
//! requests that cannot be parsed, validated or authenticated.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request, Response, ServerError};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};

use super::AppState;
use super::apq::ApqError;
use super::multipart::{MultipartError, MultipartLimits};
use crate::domain::Principal;
use crate::graphql::error::{assign_codes, has_code, to_graphql};
use crate::graphql::loaders::new_loaders;
use crate::graphql::output::{ResponseBudget, Wire};
use crate::graphql::shape::ShapeLimits;
use crate::metrics::Operation;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type the client gets, from its Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    GraphqlResponseJson,
    Json,
}

impl ResponseType {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            ResponseType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            ResponseType::Json => "application/json; charset=utf-8",
        })
    }
}

/// Media ranges the client accepts (q=0 excluded), in the order it sent them.
pub(super) fn accepted(headers: &HeaderMap) -> Vec<String> {
    let Some(value) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    value
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';').map(str::trim);
            let range = pieces.next()?.to_ascii_lowercase();
            let refused = pieces.any(|p| p.replace(' ', "") == "q=0");
            (!range.is_empty() && !refused).then_some(range)
        })
        .collect()
}

/// None when the client accepts neither GraphQL response type (HTTP 406).
fn negotiate(headers: &HeaderMap) -> Option<ResponseType> {
    let ranges = accepted(headers);
    if ranges.is_empty() {
        return Some(ResponseType::Json);
    }
    for range in &ranges {
        match range.as_str() {
            GRAPHQL_RESPONSE_JSON => return Some(ResponseType::GraphqlResponseJson),
            JSON | "application/*" | "*/*" => return Some(ResponseType::Json),
            _ => {}
        }
    }
    None
}

fn wants_html(headers: &HeaderMap) -> bool {
    accepted(headers).iter().any(|r| r == "text/html")
}

fn error_response(
    status: StatusCode,
    kind: ResponseType,
    error: async_graphql::Error,
) -> HttpResponse {
    let mut response = Response::from_errors(vec![error.into_server_error(Default::default())]);
    assign_codes(&mut response);
    respond(status, kind, &BatchResponse::Single(response))
}

/// A request refused before it is a GraphQL request (no document, a body
/// that is not one, a batch too long): an input error, VALIDATION_FAILED.
fn request_error(
    status: StatusCode,
    kind: ResponseType,
    message: impl Into<String>,
) -> HttpResponse {
    coded_error(status, kind, "VALIDATION_FAILED", message)
}

fn respond(status: StatusCode, kind: ResponseType, body: &BatchResponse) -> HttpResponse {
    with_body(status, kind, serialize(body))
}

fn serialize(body: &BatchResponse) -> Vec<u8> {
    match body {
        BatchResponse::Single(r) => serde_json::to_vec(&ResponseBody(r)),
        BatchResponse::Batch(rs) => {
            serde_json::to_vec(&rs.iter().map(ResponseBody).collect::<Vec<_>>())
        }
    }
    .unwrap_or_default()
}

fn with_body(status: StatusCode, kind: ResponseType, json: Vec<u8>) -> HttpResponse {
    let mut response = (status, json).into_response();
    response.headers_mut().insert(CONTENT_TYPE, kind.header());
    response
}

/// Sends an executed response, or PAYLOAD_TOO_LARGE in its place when it
/// is over the response size limit.
fn respond_within(
    status: StatusCode,
    kind: ResponseType,
    body: &BatchResponse,
    max_bytes: usize,
) -> HttpResponse {
    let json = serialize(body);
    if json.len() <= max_bytes {
        return with_body(status, kind, json);
    }
    too_large_response(
        kind,
        format!("the response would be {} bytes", json.len()),
        max_bytes,
    )
}

/// A response refused for its size (HTTP 200: the request was fine, its
/// answer is too large to send), with the limit as `extensions.limit`.
fn too_large_response(kind: ResponseType, would_be: String, limit: usize) -> HttpResponse {
    let message =
        format!("{would_be}, over the limit of {limit} bytes: ask for fewer items or fields");
    let mut response = Response::from_errors(vec![ServerError::new(message, None)]);
    set_code(&mut response, "PAYLOAD_TOO_LARGE");
    for error in &mut response.errors {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("limit", limit as u64);
    }
    respond(StatusCode::OK, kind, &BatchResponse::Single(response))
}

/// Refuses a document over a shape limit (QUERY_TOO_COMPLEX): nested too
/// deeply for the parser, or over a depth or alias limit once parsed.
fn too_complex(kind: ResponseType, err: impl std::fmt::Display) -> HttpResponse {
    too_complex_with(document_error_status(kind), kind, err)
}

/// Refuses a request body nested too deeply to be read as a GraphQL
/// request at all (HTTP 400 whatever the media type: it is not well formed).
fn body_too_deep(kind: ResponseType, err: crate::nesting::TooDeep) -> HttpResponse {
    too_complex_with(StatusCode::BAD_REQUEST, kind, err)
}

fn too_complex_with(
    status: StatusCode,
    kind: ResponseType,
    err: impl std::fmt::Display,
) -> HttpResponse {
    coded_error(status, kind, "QUERY_TOO_COMPLEX", err.to_string())
}

/// Refuses a request body over a size limit (HTTP 413, PAYLOAD_TOO_LARGE).
fn too_large(kind: ResponseType, message: String) -> HttpResponse {
    coded_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        kind,
        "PAYLOAD_TOO_LARGE",
        message,
    )
}

/// A response of one error with this `extensions.code`.
fn coded_error(
    status: StatusCode,
    kind: ResponseType,
    code: &str,
    message: impl Into<String>,
) -> HttpResponse {
    let mut response = Response::from_errors(vec![ServerError::new(message, None)]);
    set_code(&mut response, code);
    respond(status, kind, &BatchResponse::Single(response))
}

/// The answer to a request whose persisted query (APQ) could not be used:
/// a miss is answered 200, as Apollo's clients expect, and is not to be
/// cached.
fn persisted_query_error(kind: ResponseType, err: ApqError) -> HttpResponse {
    let status = match err {
        ApqError::NotFound | ApqError::NotSupported => StatusCode::OK,
        ApqError::Malformed(_) | ApqError::HashMismatch => document_error_status(kind),
    };
    let mut http = coded_error(status, kind, err.code(), err.to_string());
    http.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, must-revalidate"),
    );
    http
}

/// The document of a request, checked for nesting before it is parsed
/// (variables arrive parsed, by a reader that has its own depth limit).
fn check_nesting(request: &Request) -> Result<(), crate::nesting::TooDeep> {
    crate::nesting::check_document(&request.query)
}

/// Gives the errors of a response this code.
fn set_code(response: &mut Response, code: &str) {
    for error in &mut response.errors {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

/// Whether a response failed before execution (syntax, validation, limits):
/// its errors point at no field, and it has no data.
fn is_request_error(response: &Response) -> bool {
    matches!(response.data, async_graphql::Value::Null)
        && response.is_err()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// The status of a document that could not be parsed or validated (or whose
/// variables could not be coerced): 400 under the GraphQL response media
/// type; 200 under plain JSON, where the GraphQL-over-HTTP specification
/// asks that a well-formed request be answered 200 whatever its errors
/// (intermediaries may drop a 4xx body that a legacy client needs).
fn document_error_status(kind: ResponseType) -> StatusCode {
    match kind {
        ResponseType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        ResponseType::Json => StatusCode::OK,
    }
}

/// The status of an executed request: 401 when unauthenticated, the
/// document error status when it never reached execution, else 200.
fn status_of(kind: ResponseType, response: &BatchResponse) -> StatusCode {
    let responses: Vec<&Response> = match response {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(rs) => rs.iter().collect(),
    };
    if responses.iter().any(|r| has_code(r, "UNAUTHENTICATED")) {
        StatusCode::UNAUTHORIZED
    } else if responses.iter().all(|r| is_request_error(r)) {
        document_error_status(kind)
    } else {
        StatusCode::OK
    }
}

/// A response as the client gets it: a request error has no `data` entry at
/// all. Serialised straight to bytes (no intermediate JSON tree: a review
/// page holds thousands of values).
struct ResponseBody<'a>(&'a Response);

impl serde::Serialize for ResponseBody<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let r = self.0;
        let mut map = serializer.serialize_map(None)?;
        if !is_request_error(r) {
            map.serialize_entry("data", &Wire(&r.data))?;
        }
        if !r.extensions.is_empty() {
            map.serialize_entry("extensions", &r.extensions)?;
        }
        if !r.errors.is_empty() {
            map.serialize_entry("errors", &r.errors)?;
        }
        map.end()
    }
}

/// The caller of a request, or the 401 response to send.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, Unauthenticated> {
    state.caller(headers).await.map_err(Unauthenticated)
}

struct Unauthenticated(crate::domain::DomainError);

impl Unauthenticated {
    fn with_kind(self, kind: ResponseType) -> HttpResponse {
        error_response(StatusCode::UNAUTHORIZED, kind, to_graphql(self.0))
    }
}

/// Runs a parsed request for an authenticated caller.
async fn execute(
    state: &AppState,
    principal: Principal,
    kind: ResponseType,
    mut batch: BatchRequest,
) -> HttpResponse {
    if let BatchRequest::Batch(requests) = &batch
        && (requests.is_empty() || requests.len() > state.config.http.max_batch)
    {
        return request_error(
            StatusCode::BAD_REQUEST,
            kind,
            format!(
                "a batch holds 1 to {} operations; this one has {}",
                state.config.http.max_batch,
                requests.len()
            ),
        );
    }
    let operations: Vec<(Operation, Option<String>)> = match &mut batch {
        BatchRequest::Single(r) => vec![operation_of(state, r)],
        BatchRequest::Batch(rs) => rs.iter_mut().map(|r| operation_of(state, r)).collect(),
    };
    let docs: Vec<&ExecutableDocument> = match &mut batch {
        BatchRequest::Single(r) => r.parsed_query().ok().into_iter().collect(),
        BatchRequest::Batch(rs) => rs
            .iter_mut()
            .filter_map(|r| r.parsed_query().ok())
            .collect(),
    };
    if let Err(err) = ShapeLimits::from(&state.config.limits).check_all(docs) {
        return too_complex(kind, err);
    }
    let started = std::time::Instant::now();
    let budget = ResponseBudget::new(
        state.config.http.max_response_bytes,
        state.responses.clone(),
    );
    let batch = batch.data(principal).data(budget.clone()).data(new_loaders(
        state.db.clone(),
        state.store.clone(),
        state.config.http.batch_delay(),
        Some(budget.clone()),
    ));
    let timeout = state.config.http.request_timeout();
    let Ok(mut response) = tokio::time::timeout(timeout, state.schema.execute_batch(batch)).await
    else {
        return coded_error(
            StatusCode::SERVICE_UNAVAILABLE,
            kind,
            "QUERY_TOO_COMPLEX",
            format!(
                "the request ran over the time limit of {} ms and was cancelled",
                timeout.as_millis()
            ),
        );
    };
    // A mutation may have committed events: wake this process's reader now
    // (queries write none, and waking for them cost a read of the outbox each).
    if operations
        .iter()
        .any(|(op, _)| !matches!(op, Operation::Query | Operation::Subscription))
    {
        state.hub.wake();
    }
    let elapsed = started.elapsed();
    let failed: Vec<bool> = match &response {
        BatchResponse::Single(r) => vec![r.is_err()],
        BatchResponse::Batch(rs) => rs.iter().map(|r| r.is_err()).collect(),
    };
    for ((op, name), failed) in operations.iter().zip(failed) {
        state
            .metrics
            .operation(*op, name.as_deref(), elapsed, failed);
    }
    match &mut response {
        BatchResponse::Single(r) => assign_codes(r),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(assign_codes),
    }
    let mut http = if budget.busy() && !budget.exceeded() {
        coded_error(
            StatusCode::SERVICE_UNAVAILABLE,
            kind,
            "UNAVAILABLE",
            crate::graphql::output::BUSY,
        )
    } else if budget.exceeded() {
        // Fields were refused as the budget ran out: the partial answer is
        // not sent, one error says why.
        too_large_response(
            kind,
            "the response would be larger (values, outputs and texts are counted as they are read)"
                .into(),
            budget.limit(),
        )
    } else {
        respond_within(
            status_of(kind, &response),
            kind,
            &response,
            state.config.http.max_response_bytes,
        )
    };
    let names: Vec<&str> = operations
        .iter()
        .map(|(_, name)| name.as_deref().unwrap_or("-"))
        .collect();
    http.extensions_mut()
        .insert(super::access_log::Operations(names.join(",")));
    http
}

/// `POST /graphql`: a request or a batch in JSON, or a multipart request
/// with uploads.
pub(crate) async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> HttpResponse {
    if super::sse::wanted(&headers) {
        return super::sse::post(state, headers, body).await;
    }
    let (kind, principal) = match admit(&state, &headers).await {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let received = match content_type.parse::<mime::Mime>().ok() {
        Some(m) if (m.type_(), m.subtype()) == (mime::APPLICATION, mime::JSON) => {
            read_json(&state, kind, body).await
        }
        Some(m) if (m.type_(), m.subtype()) == (mime::MULTIPART, mime::FORM_DATA) => {
            read_multipart(&state, kind, content_type, body).await
        }
        _ => Err(Box::new(request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            kind,
            "send the request as application/json, or multipart/form-data for uploads",
        ))),
    };
    let batch = match received.and_then(|batch| expand(&state, kind, batch)) {
        Ok(batch) => batch,
        Err(refused) => return *refused,
    };
    execute(&state, principal, kind, batch).await
}

/// A request refused before it runs: the response that says why.
pub(super) type Refused = Box<HttpResponse>;

/// One GraphQL request in a JSON body, for a transport that runs one
/// operation (Server-Sent Events): its caller and the request, held to every
/// check a POST passes (the token, the body limit, nesting, persisted
/// queries, depth and aliases), or the JSON response that refuses it. A
/// document that does not parse is left for execution to report. Refusals
/// are `application/graphql-response+json`, whose statuses say what went
/// wrong (400 for a document refused), since no stream was started.
pub(super) async fn admit_single(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Principal, Request), Refused> {
    let kind = ResponseType::GraphqlResponseJson;
    let principal = authenticate(state, headers)
        .await
        .map_err(|refused| Box::new(refused.with_kind(kind)))?;
    let batch = expand(state, kind, read_json(state, kind, body).await?)?;
    let BatchRequest::Single(mut request) = batch else {
        return Err(Box::new(request_error(
            StatusCode::BAD_REQUEST,
            kind,
            "an event stream runs one operation: send one request, not a batch",
        )));
    };
    state.parsed_queries.parse(&mut request);
    if let Ok(doc) = request.parsed_query()
        && let Err(err) = ShapeLimits::from(&state.config.limits).check(doc)
    {
        return Err(Box::new(too_complex(kind, err)));
    }
    Ok((principal, request))
}

/// The response type the client accepts and who it is, before anything of
/// the request is read.
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(ResponseType, Principal), Refused> {
    let Some(kind) = negotiate(headers) else {
        return Err(Box::new(
            (
                StatusCode::NOT_ACCEPTABLE,
                "accept application/graphql-response+json or application/json",
            )
                .into_response(),
        ));
    };
    match authenticate(state, headers).await {
        Ok(principal) => Ok((kind, principal)),
        Err(response) => Err(Box::new(response.with_kind(kind))),
    }
}

/// A JSON body, held to the body limit and to the nesting bound.
async fn read_json(
    state: &AppState,
    kind: ResponseType,
    body: Body,
) -> Result<BatchRequest, Refused> {
    let limit = state.config.http.max_body_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Box::new(too_large(
            kind,
            format!("the request body is over the limit of {limit} bytes"),
        ))
    })?;
    crate::nesting::check_json(&bytes).map_err(|err| Box::new(body_too_deep(kind, err)))?;
    serde_json::from_slice::<BatchRequest>(&bytes).map_err(|err| {
        Box::new(request_error(
            StatusCode::BAD_REQUEST,
            kind,
            format!("the body is not a GraphQL request in JSON: {err}"),
        ))
    })
}

/// The GraphQL multipart request spec: files spool to temporary files as
/// they arrive, and the JSON fields are held to the body limit.
async fn read_multipart(
    state: &AppState,
    kind: ResponseType,
    content_type: &str,
    body: Body,
) -> Result<BatchRequest, Refused> {
    let limits = MultipartLimits {
        max_json_bytes: state.config.http.max_body_bytes as u64,
        max_file_bytes: state.config.limits.max_upload_bytes,
        max_files: 10,
    };
    let batch = match super::multipart::receive(content_type, body, limits).await {
        Ok(batch) => batch,
        Err(MultipartError::TooDeep(err)) => return Err(Box::new(body_too_deep(kind, err))),
        Err(err @ (MultipartError::FieldTooLarge { .. } | MultipartError::FileTooLarge { .. })) => {
            return Err(Box::new(too_large(kind, err.to_string())));
        }
        Err(err @ MultipartError::Malformed(_)) => {
            return Err(Box::new(request_error(
                StatusCode::BAD_REQUEST,
                kind,
                err.to_string(),
            )));
        }
    };
    let requests: Vec<&Request> = match &batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter().collect(),
    };
    let received: u64 = requests
        .iter()
        .flat_map(|r| &r.uploads)
        .filter_map(|u| u.content.metadata().ok())
        .map(|m| m.len())
        .sum();
    state.metrics.file_received(received);
    Ok(batch)
}

/// Each request's persisted query filled in (APQ), then its document held
/// to the nesting bound.
fn expand(
    state: &AppState,
    kind: ResponseType,
    mut batch: BatchRequest,
) -> Result<BatchRequest, Refused> {
    let apq = &state.persisted_queries;
    match &mut batch {
        BatchRequest::Single(r) => apq.resolve(r),
        BatchRequest::Batch(rs) => rs.iter_mut().try_for_each(|r| apq.resolve(r)),
    }
    .map_err(|err| Box::new(persisted_query_error(kind, err)))?;
    // A request with no document at all (no `query`, no persisted query's
    // hash) is not a GraphQL request: 400, as GraphQL over HTTP asks.
    let empty = match &batch {
        BatchRequest::Single(r) => r.query.trim().is_empty(),
        BatchRequest::Batch(rs) => rs.iter().any(|r| r.query.trim().is_empty()),
    };
    if empty {
        return Err(Box::new(request_error(
            StatusCode::BAD_REQUEST,
            kind,
            "the request has no `query` (and no persisted query's hash): send the GraphQL document as `query`",
        )));
    }
    match &batch {
        BatchRequest::Single(r) => check_nesting(r),
        BatchRequest::Batch(rs) => rs.iter().try_for_each(check_nesting),
    }
    .map_err(|err| Box::new(too_complex(kind, err)))?;
    Ok(batch)
}

/// The type and name of the operation a request would run (for metrics and
/// the log line); the type is Invalid when the document does not parse or
/// names no operation (execution reports that). The parsed document stays
/// in the request, so execution does not parse it again.
fn operation_of(state: &AppState, request: &mut Request) -> (Operation, Option<String>) {
    state.parsed_queries.parse(request);
    let name = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return (Operation::Invalid, name);
    };
    let found = match (&doc.operations, name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some((op.node.ty, None)),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(name).map(|op| (op.node.ty, Some(name.to_owned())))
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .iter()
            .next()
            .map(|(name, op)| (op.node.ty, Some(name.to_string()))),
        _ => None,
    };
    match found {
        Some((ty, name)) => (
            match ty {
                OperationType::Query => Operation::Query,
                OperationType::Mutation => Operation::Mutation,
                OperationType::Subscription => Operation::Subscription,
            },
            name,
        ),
        None => (Operation::Invalid, name),
    }
}

/// `GET /graphql`: a query (never a mutation) in the query string, or
/// GraphiQL for a browser that asks for HTML.
pub(crate) async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> HttpResponse {
    let query = query.unwrap_or_default();
    let has_query = query.split('&').any(|pair| pair.starts_with("query="));
    if !has_query && wants_html(&headers) {
        return super::embedded::PLAYGROUND.respond("index.html", &headers);
    }
    // Nothing of an anonymous request is parsed.
    let (kind, principal) = match admit(&state, &headers).await {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    let mut request = match async_graphql::http::parse_query_string(&query) {
        Ok(mut r) if !r.query.is_empty() || r.extensions.contains_key("persistedQuery") => {
            if let Err(err) = state.persisted_queries.resolve(&mut r) {
                return persisted_query_error(kind, err);
            }
            r
        }
        Ok(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                kind,
                "a GET request needs a `query` parameter",
            );
        }
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                kind,
                format!("bad query string: {err}"),
            );
        }
    };
    if let Err(err) = check_nesting(&request) {
        return too_complex(kind, err);
    }
    if operation_of(&state, &mut request).0 == Operation::Mutation {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            kind,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let response = execute(&state, principal, kind, BatchRequest::Single(request)).await;
    cacheable(response, &headers).await
}

/// A GET answer (a query by hash, as persisted queries send it, or by
/// text) as an HTTP cache may keep it: `Cache-Control: private, no-cache`
/// (it is the token's own answer; revalidate each time), an `ETag` of its
/// bytes, and 304 Not Modified when `If-None-Match` names that tag.
async fn cacheable(response: HttpResponse, request: &HeaderMap) -> HttpResponse {
    use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the response could not be read",
        )
            .into_response();
    };
    use sha2::Digest;
    // Weak: the compression layer may send these bytes in other encodings.
    let tag = format!("W/\"{}\"", &hex::encode(sha2::Sha256::digest(&bytes))[..32]);
    let tag = HeaderValue::from_str(&tag).expect("hex digits");
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    parts
        .headers
        .insert(VARY, HeaderValue::from_static("authorization, accept"));
    parts.headers.insert(ETAG, tag.clone());
    let unchanged = request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == tag.to_str().unwrap_or_default())
        });
    if unchanged {
        parts.status = StatusCode::NOT_MODIFIED;
        return HttpResponse::from_parts(parts, Body::empty());
    }
    HttpResponse::from_parts(parts, Body::from(bytes))
}
