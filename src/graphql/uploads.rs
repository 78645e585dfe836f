//! Image uploads in GraphQL: `uploadImage`, sent as a GraphQL multipart request (see
//! `transport::multipart`), over the same service function as `POST /api/uploads`.

use async_graphql::{Context, InputObject, Object, SimpleObject, Upload};

use super::context::ContextExt as _;
use super::error::graphql_error;
use crate::service::uploads;

/// A stored image; `url` can be the viewer's `image` or go into an article body.
#[derive(SimpleObject)]
pub struct UploadedImage {
    /// Absolute URL of the image: `{UPLOADS_BASE_URL or the request's origin}/api/uploads/{key}`.
    pub url: String,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`, from the bytes.
    pub content_type: String,
    /// Bytes.
    pub size: u32,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
}

impl From<uploads::Upload> for UploadedImage {
    fn from(upload: uploads::Upload) -> Self {
        UploadedImage {
            url: upload.url,
            content_type: upload.content_type,
            size: upload.size,
            width: upload.width,
            height: upload.height,
        }
    }
}

#[derive(InputObject)]
pub struct UploadImageInput {
    /// The image, a file of the multipart request: PNG, JPEG, GIF or WebP (judged from its
    /// bytes), at most `UPLOAD_MAX_BYTES` and `UPLOAD_MAX_PIXELS`.
    pub file: Upload,
}

#[derive(SimpleObject)]
pub struct UploadImagePayload {
    pub image: UploadedImage,
}

#[derive(Default)]
pub struct UploadMutation;

#[Object]
impl UploadMutation {
    /// Stores an image of the viewer. Send it as a GraphQL multipart request (a form with
    /// `operations`, `map` and the file; with an `Authorization` header). VALIDATION_FAILED on
    /// `file` for anything but a PNG, JPEG, GIF or WebP within the limits; past the viewer's
    /// `UPLOADS_PER_MINUTE` (shared with REST) RATE_LIMITED, with `extensions.retryAfter`.
    async fn upload_image(
        &self,
        context: &Context<'_>,
        input: UploadImageInput,
    ) -> async_graphql::Result<UploadImagePayload> {
        let viewer = context.require_viewer()?;
        // Held in memory (async-graphql's `tempfile` feature is off), so this cannot fail.
        let file = input.file.value(context).ok().map(|file| file.content);
        let upload = uploads::upload_image(
            context.db(),
            context.state(),
            viewer,
            file,
            context.origin(),
        )
        .await
        .map_err(graphql_error)?;
        Ok(UploadImagePayload {
            image: upload.into(),
        })
    }
}
