//! Image uploads: the rules both interfaces share. An upload is judged by its bytes (format from
//! its signature, size, pixels from its header), counted against the uploader's budget, stored
//! under a new random key, and recorded with its owner in `uploads`. A refused upload stores
//! nothing and writes no row.
//!
//! The URL an upload answers with, `{base}/api/uploads/{key}`, can be a user's `image` or go
//! into an article body; [`open`] serves it. An upload exists while its row does: [`open`]
//! checks the row, so an object is unreachable the moment its row is deleted.
//!
//! A user's old avatar is deleted when the user's `image` moves away from it
//! ([`delete_replaced_avatar`]): the upload was an avatar because it was the user's `image`.

use bytes::Bytes;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::ForViewer as _;
use super::image_format::{self, ImageFormat};
use crate::auth::Viewer;
use crate::db::Session;
use crate::db::models::NewUploadRow;
use crate::db::schema::{articles, uploads};
use crate::error::AppError;
use crate::media::StoredObject;
use crate::on_connection;
use crate::state::AppState;

/// How images may be cached, and how long a presigned URL lives: the interfaces answer with
/// them.
pub use crate::media::{IMMUTABLE, PRESIGNED_URL_LIFETIME};

/// The path upload URLs have after their base; the REST router serves `{key}` under it.
pub const URL_PATH: &str = "/api/uploads/";

const UPLOAD_NOT_FOUND: AppError = AppError::NotFound { resource: "upload" };

/// A stored image, as both interfaces answer an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
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

/// Stores `file` as an image of the viewer. `origin` (`https://host`) is where the client
/// reached this instance, the URL's base unless `UPLOADS_BASE_URL` is set.
///
/// Errors, in the order they are checked: 401 for a deleted user's token; 422 on `file` when it
/// is missing, larger than `UPLOAD_MAX_BYTES`, not PNG/JPEG/GIF/WebP by its signature, has an
/// unreadable header, or has more than `UPLOAD_MAX_PIXELS` pixels; 429 past the viewer's
/// `UPLOADS_PER_MINUTE`; 503 when the store or database fails (nothing is left behind).
pub async fn upload_image(
    db: &Session,
    state: &AppState,
    viewer: Viewer,
    file: Option<Bytes>,
    origin: &str,
) -> Result<Upload, AppError> {
    db.for_viewer(viewer).confirm_user().await?;
    let settings = &state.config().uploads;
    let file = file.ok_or_else(|| {
        AppError::invalid(
            "file",
            "is missing: send the image as the form field `file`",
        )
    })?;
    if file.len() > settings.max_bytes {
        return Err(AppError::invalid(
            "file",
            format!("is too large: at most {} bytes", settings.max_bytes),
        ));
    }
    let format = ImageFormat::sniff(&file)
        .ok_or_else(|| AppError::invalid("file", image_format::ALLOWED))?;
    let (width, height) = image_format::dimensions(&file)?;
    if u64::from(width) * u64::from(height) > settings.max_pixels {
        return Err(AppError::invalid(
            "file",
            format!(
                "is {width}×{height} pixels: at most {} pixels (width × height) are allowed",
                settings.max_pixels
            ),
        ));
    }
    state.rate_limits().check_upload(viewer.user_id)?;

    let key = new_key(format);
    // The connection is not needed while the object travels to the store.
    db.release().await;
    let size = u32::try_from(file.len()).map_err(|_| AppError::invalid("file", "is too large"))?;
    state.media().put(&key, file, format.content_type()).await?;
    let row = NewUploadRow {
        object_key: key.clone(),
        owner_id: viewer.user_id,
        content_type: format.content_type().to_owned(),
        size_bytes: i32::try_from(size).unwrap_or(i32::MAX),
        width: i32::try_from(width).unwrap_or(i32::MAX),
        height: i32::try_from(height).unwrap_or(i32::MAX),
        created_at: super::now(),
    };
    let recorded = on_connection!(db.for_viewer(viewer), async move |conn| {
        diesel::insert_into(uploads::table)
            .values(&row)
            .execute(conn)
            .await?;
        Ok(())
    });
    if let Err(error) = recorded {
        // Unrecorded, the object could never be deleted with its owner's avatar: remove it.
        if state.media().delete(&key).await.is_err() {
            tracing::warn!(key, "an unrecorded upload stays in the store");
        }
        return Err(error);
    }
    let base = settings.base_url.as_deref().unwrap_or(origin);
    Ok(Upload {
        url: format!("{base}{URL_PATH}{key}"),
        content_type: format.content_type().to_owned(),
        size,
        width,
        height,
    })
}

/// How to send a stored image.
#[derive(Debug, PartialEq, Eq)]
pub enum StoredImage {
    /// Its bytes and their `Content-Type` (local files).
    Bytes {
        content_type: &'static str,
        bytes: Bytes,
    },
    /// A presigned URL of the object, valid for
    /// [`PRESIGNED_URL_LIFETIME`](crate::media::PRESIGNED_URL_LIFETIME) (S3): the client
    /// fetches the bytes from the store, which keeps the type with the object.
    Redirect(String),
}

/// The image stored under `key` (the last segment of an upload URL). 404 `upload` for a key
/// Conduit never makes, one it has no row for (never uploaded, or a replaced avatar), or a
/// local object that is gone. Needs no authentication: keys are unguessable, and images are
/// meant for `<img>` tags.
pub async fn open(db: &Session, state: &AppState, key: &str) -> Result<StoredImage, AppError> {
    let format = parse_key(key).ok_or(UPLOAD_NOT_FOUND)?;
    let object_key = key.to_owned();
    let recorded = on_connection!(db, async move |conn| {
        Ok(uploads::table
            .filter(uploads::object_key.eq(object_key))
            .select(uploads::id)
            .first::<i32>(conn)
            .await
            .optional()?)
    })?;
    recorded.ok_or(UPLOAD_NOT_FOUND)?;
    // The connection is not needed while the store answers.
    db.release().await;
    match state.media().open(key).await?.ok_or(UPLOAD_NOT_FOUND)? {
        StoredObject::Bytes(bytes) => Ok(StoredImage::Bytes {
            content_type: format.content_type(),
            bytes,
        }),
        StoredObject::Presigned(url) => Ok(StoredImage::Redirect(url)),
    }
}

/// After an update of `owner`'s `image` from `old` to `new` committed: when `old` is the URL of
/// one of `owner`'s own uploads and `new` is not the same upload, that upload was the user's
/// avatar and nothing shows it any more, so its row and then its object are deleted.
///
/// What is never deleted: another user's upload (anyone may point `image` at any URL), and an
/// upload whose key appears in the body of one of `owner`'s articles (an avatar that was also
/// put into an article stays). Row first: from then on the image is 404 everywhere, even if the
/// object's deletion fails. Failures are logged, never returned: the update itself succeeded.
pub(super) async fn delete_replaced_avatar(
    db: &Session,
    state: &AppState,
    owner: i32,
    old: Option<&str>,
    new: Option<&str>,
) {
    let Some(key) = old.and_then(upload_key) else {
        return;
    };
    if new.and_then(upload_key).as_ref() == Some(&key) {
        return;
    }
    let object_key = key.clone();
    let deleted = on_connection!(db, async move |conn| {
        let in_an_article = diesel::select(diesel::dsl::exists(
            articles::table
                .filter(articles::author_id.eq(owner))
                .filter(articles::body.like(format!("%{object_key}%"))),
        ))
        .get_result::<bool>(conn)
        .await?;
        if in_an_article {
            return Ok(0);
        }
        Ok(diesel::delete(
            uploads::table
                .filter(uploads::object_key.eq(&object_key))
                .filter(uploads::owner_id.eq(owner)),
        )
        .execute(conn)
        .await?)
    });
    db.release().await;
    match deleted {
        Ok(0) => {}
        Ok(_) => {
            if state.media().delete(&key).await.is_err() {
                tracing::warn!(key, "a replaced avatar's object stays in the store");
            }
        }
        Err(error) => {
            tracing::warn!(key, %error, "a replaced avatar could not be deleted");
        }
    }
}

/// The upload key at the end of `url`'s path (`…/api/uploads/{key}`), whatever its origin:
/// `UPLOADS_BASE_URL` may have changed since the URL was made.
fn upload_key(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let (_, key) = parsed.path().rsplit_once(URL_PATH)?;
    parse_key(key).map(|_| key.to_owned())
}

/// 128 random bits in hex, then the format's extension: unguessable, never reused, and the
/// key alone says how to serve the object.
fn new_key(format: ImageFormat) -> String {
    let random: u128 = rand::random();
    format!("{random:032x}.{}", format.extension())
}

/// The format of a key [`new_key`] could have made; `None` for anything else (a path
/// traversal included), so no other object of the store is reachable.
fn parse_key(key: &str) -> Option<ImageFormat> {
    let (random, extension) = key.split_once('.')?;
    let is_random = random.len() == 32
        && random
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    if !is_random {
        return None;
    }
    ImageFormat::from_extension(extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_of_the_generated_shape_are_served() {
        let key = new_key(ImageFormat::Webp);
        assert_eq!(parse_key(&key), Some(ImageFormat::Webp));
        assert_ne!(key, new_key(ImageFormat::Webp));
        for bad in [
            "",
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef.svg",
            "0123456789ABCDEF0123456789ABCDEF.png",
            "../../jwt-secret.png",
            "0123456789abcdef0123456789abcde.png",
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn upload_keys_are_found_at_the_end_of_upload_urls_only() {
        let key = "0123456789abcdef0123456789abcdef.png";
        for url in [
            format!("http://localhost/api/uploads/{key}"),
            format!("https://media.example.com/conduit/api/uploads/{key}?v=1"),
        ] {
            assert_eq!(upload_key(&url).as_deref(), Some(key), "{url}");
        }
        for url in [
            format!("https://example.com/elsewhere/{key}"),
            format!("https://example.com/api/uploads/{key}/more"),
            "https://example.com/api/uploads/not-a-key.png".to_owned(),
            "not a url".to_owned(),
        ] {
            assert_eq!(upload_key(&url), None, "{url}");
        }
    }
}
