//! The one mapping from domain errors to GraphQL errors, and the codes of
//! errors that async-graphql raises itself (parsing, validation, limits).

use async_graphql::{ErrorExtensionValues, Response, Value};

use crate::domain::DomainError;

/// Turns a domain error into a GraphQL error carrying `extensions.code`.
pub(crate) fn to_graphql(err: DomainError) -> async_graphql::Error {
    let code = err.code();
    let message = match &err {
        // Database details are for the log, not for clients.
        DomainError::Database(_) | DomainError::Internal(_) => {
            tracing::error!(error = %err, "internal error");
            "internal error".to_owned()
        }
        other => other.to_string(),
    };
    let mut error = async_graphql::Error::new(message);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    match &err {
        DomainError::Validation { violations, .. } if !violations.is_empty() => {
            let list: Vec<Value> = violations
                .iter()
                .map(|v| {
                    let mut m = async_graphql::indexmap::IndexMap::new();
                    m.insert(
                        async_graphql::Name::new("pointer"),
                        Value::from(v.pointer.clone()),
                    );
                    m.insert(
                        async_graphql::Name::new("message"),
                        Value::from(v.message.clone()),
                    );
                    Value::Object(m)
                })
                .collect();
            ext.set("violations", Value::List(list));
        }
        DomainError::Conflict {
            current_context_version: Some(current),
            ..
        } => ext.set("currentContextVersion", *current),
        DomainError::PayloadTooLarge { limit, .. } => ext.set("limit", *limit),
        _ => {}
    }
    error.extensions = Some(ext);
    error
}

/// `result.api()?` in resolvers: the explicit route from domain results to
/// GraphQL results (a bare `?` would drop the code).
pub(crate) trait ApiResult<T> {
    fn api(self) -> async_graphql::Result<T>;
}

impl<T> ApiResult<T> for Result<T, DomainError> {
    fn api(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

/// Gives every error of a response a code (errors raised by async-graphql
/// itself, for syntax, validation, input coercion, depth and complexity
/// limits, carry none), puts a syntax error's message on one line (its
/// place is in `locations`), and drops locations at line 0: errors made
/// outside any document have no location, and the specification counts from 1.
pub(crate) fn assign_codes(response: &mut Response) {
    let request_error = matches!(response.data, Value::Null);
    for error in &mut response.errors {
        error.locations.retain(|pos| pos.line > 0);
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            let (code, message) = engine_error(&error.message, request_error);
            if let Some(message) = message {
                error.message = message;
            }
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code);
        }
    }
}

/// The code of an error async-graphql raised, and the message to send in
/// place of its own when that one spans lines:
/// - GRAPHQL_PARSE_FAILED: the document is not GraphQL (pest's report, whose
///   drawing of the place becomes `locations` only);
/// - QUERY_TOO_COMPLEX: over a depth, complexity or time limit;
/// - VALIDATION_FAILED: a value that does not fit its argument or variable
///   (the input checks the contract names);
/// - GRAPHQL_VALIDATION_FAILED: any other error that stopped the document
///   before it ran (an unknown field, an undefined variable or fragment);
/// - INTERNAL: anything else.
pub(crate) fn engine_error(message: &str, request_error: bool) -> (&'static str, Option<String>) {
    if let Some(expected) = syntax_error(message) {
        ("GRAPHQL_PARSE_FAILED", Some(expected))
    } else if message.contains("too complex")
        || message.contains("nested too deep")
        || message.contains("time limit")
    {
        ("QUERY_TOO_COMPLEX", None)
    } else if message.starts_with("Invalid value for")
        || message.starts_with("Failed to parse")
        || message.contains("Internal: invalid")
    {
        ("VALIDATION_FAILED", None)
    } else if request_error {
        ("GRAPHQL_VALIDATION_FAILED", None)
    } else {
        ("INTERNAL", None)
    }
}

/// A one-line message for pest's multi-line syntax report (` --> 1:29`, the
/// line drawn with a caret, `= expected ...`); `None` for other messages.
fn syntax_error(message: &str) -> Option<String> {
    if !message.starts_with(" --> ") {
        return None;
    }
    let expected = message
        .lines()
        .rev()
        .find_map(|line| line.trim_start().strip_prefix("= "))
        .unwrap_or("unexpected input");
    Some(format!("Syntax error: {expected}"))
}

/// Whether any error of the response has this code.
pub(crate) fn has_code(response: &Response, code: &str) -> bool {
    response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .is_some_and(|v| *v == Value::from(code))
    })
}
