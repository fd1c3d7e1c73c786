//! The one mapping from domain errors to GraphQL errors, and the codes of
//! errors that async-graphql raises itself (parsing, validation, limits).

use async_graphql::{ErrorExtensionValues, Response, ServerError, Value};

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
/// limits, carry none), and drops locations at line 0: errors made outside
/// any document have no location, and the specification counts from 1.
pub(crate) fn assign_codes(response: &mut Response) {
    let request_error = matches!(response.data, Value::Null);
    for error in &mut response.errors {
        error.locations.retain(|pos| pos.line > 0);
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            let code = code_for_engine_error(error, request_error);
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code);
        }
    }
}

fn code_for_engine_error(error: &ServerError, request_error: bool) -> &'static str {
    let message = error.message.as_str();
    if message.contains("too complex")
        || message.contains("nested too deep")
        || message.contains("time limit")
    {
        "QUERY_TOO_COMPLEX"
    } else if request_error
        || message.starts_with("Failed to parse")
        || message.starts_with("Invalid value for argument")
        || message.contains("Internal: invalid")
    {
        "VALIDATION_FAILED"
    } else {
        "INTERNAL"
    }
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
