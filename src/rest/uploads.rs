//! `/api/uploads`: image uploads (multipart form, field `file`) and serving what was stored.

use axum::Json;
use axum::extract::{FromRequest as _, Multipart, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse as _, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::AuthUser;
use crate::db::Session;
use crate::error::AppError;
use crate::request_origin::request_origin;
use crate::service::uploads::{self, IMMUTABLE, PRESIGNED_URL_LIFETIME, StoredImage};
use crate::state::AppState;

/// What the form may carry besides the file's bytes (part headers, other small fields) before
/// the request is 413: the route's body limit is `UPLOAD_MAX_BYTES` plus this.
pub const FORM_OVERHEAD_BYTES: usize = 64 * 1024;

/// A redirect to a presigned URL may be reused by this client only, and for less than the
/// URL's [`PRESIGNED_URL_LIFETIME`]: a cached redirect never leads to an expired signature.
const REDIRECT_CACHING: HeaderValue = HeaderValue::from_static("private, max-age=240");
const _: () = assert!(240 < PRESIGNED_URL_LIFETIME.as_secs());

#[derive(Serialize, ToSchema)]
pub struct UploadEnvelope {
    upload: Upload,
}

/// A stored image.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    /// Absolute URL of the image: `{UPLOADS_BASE_URL or the request's origin}/api/uploads/{key}`.
    url: String,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`, from the bytes.
    content_type: String,
    /// Bytes.
    size: u32,
    /// Pixels.
    width: u32,
    /// Pixels.
    height: u32,
}

impl From<uploads::Upload> for Upload {
    fn from(upload: uploads::Upload) -> Self {
        Upload {
            url: upload.url,
            content_type: upload.content_type,
            size: upload.size,
            width: upload.width,
            height: upload.height,
        }
    }
}

/// The form `POST /api/uploads` reads.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the form for the OpenAPI document")]
pub struct UploadForm {
    /// The image: PNG, JPEG, GIF or WebP (judged from its bytes), at most `UPLOAD_MAX_BYTES`
    /// and `UPLOAD_MAX_PIXELS`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// `POST /api/uploads`: store an image; 201 with its URL, to use as the user's `image` or in an
/// article body.
#[utoipa::path(post, path = "/api/uploads", operation_id = "CreateUpload", tag = "Uploads",
    security(("Token" = [])), request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadEnvelope),
        (status = 401, description = "No token, or an invalid one", body = ErrorBody),
        (status = 422, description = "No `file` field, or not a PNG, JPEG, GIF or WebP image within UPLOAD_MAX_BYTES and UPLOAD_MAX_PIXELS", body = ErrorBody),
        (status = 400, description = "Not a multipart/form-data body", body = ErrorBody),
        (status = 413, description = "Form fields besides `file` larger than 64 KiB", body = ErrorBody),
        (status = 429, description = "More than UPLOADS_PER_MINUTE uploads by this user; wait Retry-After seconds", body = ErrorBody),
        (status = 503, description = "The image store cannot be reached", body = ErrorBody)))]
pub async fn create_upload(
    State(state): State<AppState>,
    db: Session,
    AuthUser(viewer): AuthUser,
    request: Request,
) -> Result<(StatusCode, Json<UploadEnvelope>), AppError> {
    let origin = request_origin(request.headers());
    let form = Multipart::from_request(request, &state)
        .await
        .map_err(|rejection| {
            AppError::bad_request(
                "body",
                format!("must be multipart/form-data: {}", rejection.body_text()),
            )
        })?;
    let file = read_file_field(form, state.config().uploads.max_bytes).await?;
    let upload = uploads::upload_image(&db, &state, viewer, file, &origin).await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadEnvelope {
            upload: upload.into(),
        }),
    ))
}

/// The first `file` field's bytes, read no further than one byte past `max_bytes` (enough for
/// the service to refuse it as too large); `None` without such a field. Other fields are
/// skipped, up to [`FORM_OVERHEAD_BYTES`] together.
async fn read_file_field(
    mut form: Multipart,
    max_bytes: usize,
) -> Result<Option<bytes::Bytes>, AppError> {
    let malformed = |error: axum::extract::multipart::MultipartError| {
        AppError::bad_request(
            "body",
            format!("is not a valid form: {}", error.body_text()),
        )
    };
    let mut other_bytes = 0;
    while let Some(mut field) = form.next_field().await.map_err(malformed)? {
        let is_file = field.name() == Some("file");
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if is_file {
                let room = (max_bytes + 1).saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if bytes.len() > max_bytes {
                    break;
                }
            } else {
                other_bytes += chunk.len();
                if other_bytes > FORM_OVERHEAD_BYTES {
                    return Err(AppError::PayloadTooLarge {
                        limit: max_bytes + FORM_OVERHEAD_BYTES,
                    });
                }
            }
        }
        if is_file {
            return Ok(Some(bytes.into()));
        }
    }
    Ok(None)
}

/// `GET /api/uploads/{key}`: a stored image. From local files: its bytes with their
/// `Content-Type`, cacheable for a year. From S3: 302 to a presigned URL of the object, valid for
/// five minutes — no bytes pass through Conduit and the bucket stays private; the object
/// carries its own `Content-Type` and `Cache-Control`.
#[utoipa::path(get, path = "/api/uploads/{key}", operation_id = "GetUpload", tag = "Uploads",
    params(("key" = String, Path, description = "The last segment of an upload's URL")),
    responses((status = 200, description = "The image's bytes (local store)",
            content(("image/png"), ("image/jpeg"), ("image/gif"), ("image/webp"))),
        (status = 302, description = "To a presigned URL of the image, valid for 5 minutes (S3 store)",
            headers(("Location" = String, description = "The presigned URL"))),
        (status = 400, description = "A key that is not valid UTF-8", body = ErrorBody),
        (status = 404, description = "No such upload", body = ErrorBody),
        (status = 503, description = "The image store cannot be reached", body = ErrorBody)))]
pub async fn get_upload(
    State(state): State<AppState>,
    db: Session,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let response = match uploads::open(&db, &state, &key).await? {
        StoredImage::Bytes {
            content_type,
            bytes,
        } => {
            let headers = [
                (CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
                // Only ever an image: nothing in it may run or load anything.
                (
                    CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("default-src 'none'; sandbox"),
                ),
            ];
            (headers, bytes).into_response()
        }
        StoredImage::Redirect(url) => {
            let location = HeaderValue::try_from(url).map_err(|error| {
                AppError::Internal(anyhow::anyhow!(
                    "a presigned URL is no header value: {error}"
                ))
            })?;
            let headers = [(LOCATION, location), (CACHE_CONTROL, REDIRECT_CACHING)];
            (StatusCode::FOUND, headers).into_response()
        }
    };
    Ok(response)
}
