//! Plain HTTP for files: `POST /files` streams an upload for agents that do
//! not speak multipart, `GET /files/{id}` streams the bytes back (with Range
//! requests and ETags). Both take the API's bearer token and project scoping.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONNECTION, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RANGE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use entity::file;
use futures::TryStreamExt;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::domain::artifacts::files::{self, NewUpload};
use crate::domain::ids::{self, IdKind};
use crate::domain::{DomainError, Limits, Principal, Session};
use crate::storage::boxed;

fn error(err: DomainError) -> Response {
    let status = match &err {
        DomainError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
        DomainError::NotFound { .. } => StatusCode::NOT_FOUND,
        DomainError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        DomainError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
        DomainError::Unavailable(_) | DomainError::OutcomeUnknown(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        DomainError::Database(_) | DomainError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let message = match &err {
        DomainError::Database(_) | DomainError::Internal(_) => {
            tracing::error!(error = %err, "file request failed");
            "internal error".to_owned()
        }
        other => other.to_string(),
    };
    (
        status,
        Json(json!({ "error": { "code": err.code(), "message": message } })),
    )
        .into_response()
}

/// The JSON shape of a file, as in the GraphQL API.
pub(crate) fn file_json(f: &file::Model) -> serde_json::Value {
    let id = ids::encode(IdKind::File, f.id);
    json!({
        "id": id,
        "sha256": f.sha256,
        "size": f.size,
        "contentType": f.content_type,
        "filename": f.filename,
        "url": format!("/files/{id}"),
        "createdAt": f.created_at,
    })
}

async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Principal, Response> {
    state.caller(headers).await.map_err(error)
}

#[derive(Deserialize)]
pub(crate) struct UploadParams {
    filename: Option<String>,
    #[serde(rename = "projectId")]
    project_id: Option<String>,
}

/// `POST /files`: the body is the file; Content-Type is kept; the filename
/// comes from `?filename=` or an `X-Filename` header, the project from
/// `?projectId=` (see `files::NewUpload`).
pub(crate) async fn upload(
    State(state): State<AppState>,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let principal = match caller(&state, &headers).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.limits.max_upload_bytes) {
        let mut response = error(DomainError::PayloadTooLarge {
            what: "upload",
            size: declared.unwrap_or_default(),
            limit: state.config.limits.max_upload_bytes,
        });
        // The body is left unread, so this connection ends here: say so,
        // or the client may send its next request down a closed socket.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let meta = NewUpload {
        content_type: header(CONTENT_TYPE.as_str())
            .unwrap_or_else(|| "application/octet-stream".into()),
        filename: params.filename.or_else(|| header("x-filename")),
        project_id: params.project_id,
    };
    let limits = Limits::from(&state.config.limits);
    let s = Session {
        db: &state.db,
        principal: &principal,
        limits: &limits,
    };
    let stream = boxed(body.into_data_stream());
    match files::upload(
        s,
        state.store.as_ref(),
        stream,
        meta,
        state.config.limits.max_upload_bytes,
    )
    .await
    {
        Ok(f) => {
            state.metrics.file_received(f.size.max(0) as u64);
            (StatusCode::CREATED, Json(file_json(&f))).into_response()
        }
        Err(err) => error(err),
    }
}

/// One byte range of `size` bytes: `bytes=a-b`, `bytes=a-` or `bytes=-n`.
/// `Err` when it cannot be satisfied; `Ok(None)` when absent or not a single range.
fn parse_range(
    header: Option<&HeaderValue>,
    size: u64,
) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(spec) = header.and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = spec.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (start, end) = spec.split_once('-').ok_or(())?;
    let range = match (start.trim(), end.trim()) {
        ("", n) => {
            let n: u64 = n.parse().map_err(|_| ())?;
            if n == 0 {
                return Err(());
            }
            size.saturating_sub(n)..size
        }
        (a, "") => a.parse::<u64>().map_err(|_| ())?..size,
        (a, b) => {
            let a: u64 = a.parse().map_err(|_| ())?;
            let b: u64 = b.parse().map_err(|_| ())?;
            if b < a {
                return Err(());
            }
            a..(b + 1).min(size)
        }
    };
    if range.start >= size || range.is_empty() {
        return Err(());
    }
    Ok(Some(range))
}

/// Uploaded bytes are whatever the uploader said they are: the browser must
/// not guess a type (nosniff), and what it renders runs with no origin, no
/// scripts and no forms (a sandbox CSP), so a file can never act as Quire.
fn never_run(h: &mut HeaderMap) {
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
}

/// Whether a browser may show `content_type` in the page: images other than
/// SVG (which holds scripts), PDF, plain text and JSON. Everything else (HTML,
/// SVG, XML, JavaScript, unknown types) is a download.
fn shown_inline(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("image", sub)) => !sub.contains("svg") && !sub.contains("xml"),
        _ => matches!(
            essence.as_str(),
            "application/pdf" | "text/plain" | "application/json"
        ),
    }
}

/// `inline` or `attachment` (see `shown_inline`), with the filename when
/// there is one, kept to printable ASCII that cannot end the quoted string.
fn disposition(f: &file::Model) -> HeaderValue {
    let kind = if shown_inline(&f.content_type) {
        "inline"
    } else {
        "attachment"
    };
    let Some(name) = &f.filename else {
        return HeaderValue::from_static(kind);
    };
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    HeaderValue::from_str(&format!("{kind}; filename=\"{safe}\""))
        .unwrap_or(HeaderValue::from_static(kind))
}

/// `GET /files/{id}`.
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let principal = match caller(&state, &headers).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    let not_found = || error(DomainError::not_found(IdKind::File, id.clone()));
    let Ok(uuid) = ids::decode(IdKind::File, &id) else {
        return not_found();
    };
    let limits = Limits::from(&state.config.limits);
    let s = Session {
        db: &state.db,
        principal: &principal,
        limits: &limits,
    };
    let found = match files::visible(s, uuid).await {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(),
        Err(err) => return error(err),
    };
    let etag = format!("\"{}\"", found.sha256);
    if headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        let mut response = (StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response();
        never_run(response.headers_mut());
        return response;
    }
    let size = found.size as u64;
    let range = match parse_range(headers.get(RANGE), size) {
        Ok(r) => r,
        Err(()) => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response();
        }
    };
    let download = match state.store.read(&found.storage_key, range.clone()).await {
        Ok(d) => d,
        Err(err) => return error(err.into()),
    };
    let mut response = Response::new(Body::from_stream(
        download.body.map_err(std::io::Error::other),
    ));
    let h = response.headers_mut();
    never_run(h);
    let content_type = HeaderValue::from_str(&found.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(CONTENT_TYPE, content_type);
    h.insert(
        ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    h.insert(CONTENT_DISPOSITION, disposition(&found));
    let served = download.range.clone();
    h.insert(CONTENT_LENGTH, HeaderValue::from(served.end - served.start));
    state.metrics.file_sent(served.end - served.start);
    if range.is_some() {
        let value = format!(
            "bytes {}-{}/{}",
            served.start,
            served.end.saturating_sub(1),
            download.total_size
        );
        h.insert(
            CONTENT_RANGE,
            HeaderValue::from_str(&value).expect("digits are a valid header"),
        );
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(spec: &str, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
        parse_range(Some(&HeaderValue::from_str(spec).unwrap()), size)
    }

    #[test]
    fn only_passive_types_are_inline() {
        for inline in [
            "image/png",
            "image/jpeg",
            "application/pdf",
            "text/plain; charset=utf-8",
            "application/json",
        ] {
            assert!(shown_inline(inline), "{inline}");
        }
        for attachment in [
            "text/html",
            "TEXT/HTML; charset=utf-8",
            "image/svg+xml",
            "Image/SVG+XML",
            "application/xml",
            "text/xml",
            "application/xhtml+xml",
            "text/javascript",
            "application/javascript",
            "application/octet-stream",
            "",
            "garbage",
        ] {
            assert!(!shown_inline(attachment), "{attachment}");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(range("bytes=-5", 100), Ok(Some(95..100)));
        assert_eq!(range("bytes=50-500", 100), Ok(Some(50..100)));
        assert_eq!(range("bytes=100-", 100), Err(()));
        assert_eq!(range("bytes=9-3", 100), Err(()));
        assert_eq!(range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(parse_range(None, 100), Ok(None));
    }
}
