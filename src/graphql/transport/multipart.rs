//! GraphQL over `multipart/form-data`, as the GraphQL multipart request spec
//! (<https://github.com/jaydenseric/graphql-multipart-request-spec>) lays it out, for uploads:
//! an `operations` field (the JSON request, with `null` where a file goes), a `map` field
//! (`{"0": ["variables.input.file"]}`), then the file fields. This is what Apollo's, urql's and
//! Relay's upload clients send, and what `async_graphql::Upload` arguments read.
//!
//! Conduit takes one file per request, the size of one image: `operations` and `map` share
//! `MAX_BODY_BYTES`, the file is read no further than one byte past `UPLOAD_MAX_BYTES` (the
//! service then refuses it as too large, as it does for REST), and nothing after the file is
//! read. A form that breaks the spec is a 400 `BAD_REQUEST` saying what is wrong.

use std::collections::HashMap;

use async_graphql::UploadValue;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest as _, Multipart, Request};
use axum::http::HeaderValue;

use super::{BodyLimits, RequestError, from_json};
use crate::error::AppError;

/// `multipart/form-data`, with or without parameters (the boundary).
pub fn is_multipart(content_type: &HeaderValue) -> bool {
    content_type.to_str().is_ok_and(|value| {
        value.split(';').next().is_some_and(|media_type| {
            media_type
                .trim()
                .eq_ignore_ascii_case("multipart/form-data")
        })
    })
}

/// The request the form describes, its file attached where `map` says.
pub async fn read(
    request: Request,
    limits: BodyLimits,
) -> Result<async_graphql::Request, RequestError> {
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| {
            RequestError::bad_request(format!(
                "the body is not a valid multipart form: {}",
                rejection.body_text()
            ))
        })?;
    let mut operations = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut text_room = limits.json_bytes;
    while let Some(mut field) = form.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" => {
                let text = read_text(&mut field, &mut text_room, limits.json_bytes).await?;
                let value = serde_json::from_slice(&text).map_err(|error| {
                    RequestError::bad_request(format!("`operations` is not valid JSON: {error}"))
                })?;
                operations = Some(from_json(value)?);
            }
            "map" => {
                let text = read_text(&mut field, &mut text_room, limits.json_bytes).await?;
                map = Some(serde_json::from_slice(&text).map_err(|_| {
                    RequestError::bad_request(
                        r#"`map` must be a JSON object from file field names to lists of paths, such as {"0": ["variables.input.file"]}"#,
                    )
                })?);
            }
            _ => {
                let (Some(mut request), Some(mut map)) = (operations, map) else {
                    return Err(RequestError::bad_request(
                        "`operations` and `map` must come before the files",
                    ));
                };
                let paths = map.remove(&name).ok_or_else(|| {
                    RequestError::bad_request(format!("the form field `{name}` is not in `map`"))
                })?;
                if !map.is_empty() {
                    return Err(RequestError::bad_request(
                        "send one file per request: `map` names more than one",
                    ));
                }
                let upload = UploadValue {
                    filename: field.file_name().unwrap_or_default().to_owned(),
                    content_type: field.content_type().map(str::to_owned),
                    content: read_file(&mut field, limits.file_bytes).await?,
                };
                for path in paths {
                    request.set_upload(&path, upload.try_clone().map_err(internal)?);
                }
                // Nothing after the one file is read.
                return Ok(request);
            }
        }
    }
    match (operations, map) {
        (None, _) => Err(RequestError::bad_request(
            "the form has no `operations` field (the GraphQL request as JSON)",
        )),
        (Some(_), None) => Err(RequestError::bad_request(
            "the form has no `map` field (which variable each file goes to)",
        )),
        (Some(_), Some(map)) if !map.is_empty() => Err(RequestError::bad_request(
            "the form lacks the file fields that `map` names",
        )),
        // A form without files is a plain request.
        (Some(request), Some(_)) => Ok(request),
    }
}

/// A text field, counted against the room `operations` and `map` share; 413 past it.
async fn read_text(
    field: &mut Field<'_>,
    room: &mut usize,
    limit: usize,
) -> Result<Vec<u8>, RequestError> {
    let mut text = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if chunk.len() > *room {
            return Err(AppError::PayloadTooLarge { limit }.into());
        }
        *room -= chunk.len();
        text.extend_from_slice(&chunk);
    }
    Ok(text)
}

/// The file's bytes, no further than one byte past `max_bytes`.
async fn read_file(field: &mut Field<'_>, max_bytes: usize) -> Result<bytes::Bytes, RequestError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        let room = (max_bytes + 1).saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() > max_bytes {
            break;
        }
    }
    Ok(bytes.into())
}

fn malformed(error: MultipartError) -> RequestError {
    RequestError::bad_request(format!(
        "the body is not a valid multipart form: {}",
        error.body_text()
    ))
}

fn internal(error: std::io::Error) -> RequestError {
    AppError::Internal(error.into()).into()
}
