//! The GraphQL multipart request (uploads): an `operations` field holding
//! the request's JSON, a `map` field saying which variables each file
//! fills, and the files.
//!
//! Read here rather than by async-graphql's reader, which allows every field
//! the size of a file: the JSON fields are held to the JSON body limit and
//! measured for nesting like any JSON body, while files spool to temporary
//! files as they arrive, so memory stays flat.

use std::collections::HashMap;
use std::io::{Seek, Write};

use async_graphql::{BatchRequest, UploadValue};
use axum::body::Body;
use futures::TryStreamExt;
use multer::{Constraints, Multipart, SizeLimit};

use crate::nesting::{self, TooDeep};

/// Why a multipart request was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MultipartError {
    #[error("the `{field}` field is over the limit of {limit} bytes")]
    FieldTooLarge { field: String, limit: u64 },
    #[error("a file is over the upload limit of {limit} bytes")]
    FileTooLarge { limit: u64 },
    #[error(transparent)]
    TooDeep(#[from] TooDeep),
    #[error("bad multipart request: {0}")]
    Malformed(String),
}

/// The limits a multipart request is read under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MultipartLimits {
    /// The `operations` and `map` fields, like a JSON body.
    pub max_json_bytes: u64,
    /// Each file.
    pub max_file_bytes: u64,
    /// Most files in one request.
    pub max_files: usize,
}

fn malformed(err: impl std::fmt::Display) -> MultipartError {
    MultipartError::Malformed(err.to_string())
}

/// Reads a multipart request into a batch whose upload variables hold the files.
pub(crate) async fn receive(
    content_type: &str,
    body: Body,
    limits: MultipartLimits,
) -> Result<BatchRequest, MultipartError> {
    let boundary = multer::parse_boundary(content_type).map_err(malformed)?;
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .for_field("operations", limits.max_json_bytes)
            .for_field("map", limits.max_json_bytes)
            .per_field(limits.max_file_bytes),
    );
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let mut multipart = Multipart::with_constraints(stream, boundary, constraints);
    let mut batch: Option<BatchRequest> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files: Vec<(String, UploadValue)> = Vec::new();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| refusal(e, limits))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" | "map" => {
                let bytes = field.bytes().await.map_err(|e| refusal(e, limits))?;
                nesting::check_json(&bytes)?;
                if name == "operations" {
                    batch = Some(serde_json::from_slice(&bytes).map_err(malformed)?);
                } else {
                    map = Some(serde_json::from_slice(&bytes).map_err(malformed)?);
                }
            }
            _ => {
                let Some(filename) = field.file_name().map(str::to_owned) else {
                    continue;
                };
                if files.len() >= limits.max_files {
                    return Err(malformed(format!(
                        "a request carries at most {} files",
                        limits.max_files
                    )));
                }
                let content_type = field.content_type().map(ToString::to_string);
                let mut file = tempfile::tempfile().map_err(malformed)?;
                while let Some(chunk) = field.chunk().await.map_err(|e| refusal(e, limits))? {
                    file.write_all(&chunk).map_err(malformed)?;
                }
                file.rewind().map_err(malformed)?;
                files.push((
                    name,
                    UploadValue {
                        filename,
                        content_type,
                        content: file,
                    },
                ));
            }
        }
    }
    let mut batch = batch.ok_or_else(|| malformed("the `operations` field is missing"))?;
    let mut map = map.ok_or_else(|| malformed("the `map` field is missing"))?;
    for (name, upload) in files {
        for path in map.remove(&name).unwrap_or_default() {
            let upload = upload.try_clone().map_err(malformed)?;
            match &mut batch {
                BatchRequest::Single(request) => request.set_upload(&path, upload),
                BatchRequest::Batch(requests) => {
                    let target = path
                        .split_once('.')
                        .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)));
                    if let Some((i, rest)) = target
                        && let Some(request) = requests.get_mut(i)
                    {
                        request.set_upload(rest, upload);
                    }
                }
            }
        }
    }
    if let Some(name) = map.keys().next() {
        return Err(malformed(format!(
            "the map names a file `{name}` that was not sent"
        )));
    }
    Ok(batch)
}

/// A size refusal says which limit; anything else is a malformed request.
fn refusal(err: multer::Error, limits: MultipartLimits) -> MultipartError {
    match err {
        multer::Error::FieldSizeExceeded { field_name, limit } => match field_name.as_deref() {
            Some(field @ ("operations" | "map")) => MultipartError::FieldTooLarge {
                field: field.to_owned(),
                limit,
            },
            _ => MultipartError::FileTooLarge {
                limit: limits.max_file_bytes,
            },
        },
        other => malformed(other),
    }
}
