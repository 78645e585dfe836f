//! Where uploaded images live: one interface over `object_store`, so that the service stores,
//! reads and deletes objects the same way whatever holds them: files under `DATA_DIR/uploads`
//! in the embedded default, an S3 bucket (or an S3-compatible store) in production ([`s3`]).
//!
//! This module knows nothing of users, formats or limits (`service::uploads` holds those rules);
//! it only moves bytes under a key the service chose. A store that fails is logged here with its
//! cause and reported as [`AppError::Unavailable`]: the client may retry.

mod s3;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt as _, PutOptions, PutPayload,
};

use crate::config::uploads::{UploadSettings, UploadStore};
use crate::error::AppError;

/// How long a presigned URL handed to a client stays valid: long enough for a slow page to load
/// its images, short enough that a leaked link soon stops working.
pub const PRESIGNED_URL_LIFETIME: Duration = Duration::from_secs(300);

/// What caches may do with an object's bytes: keys are random and an object never changes, so
/// they may keep it for a year.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The object store behind uploads. Cheap to clone.
#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    /// Stores that hand out presigned URLs (S3) send objects by redirect; the others through
    /// Conduit.
    signer: Option<Arc<dyn Signer>>,
    /// Put before every key (`uploads/` of `s3://bucket/uploads`); empty for local files.
    prefix: String,
}

/// How to send a stored object to a client.
#[derive(Debug, PartialEq, Eq)]
pub enum StoredObject {
    /// Its bytes (local files).
    Bytes(Bytes),
    /// A presigned `GET` URL of the object, valid for [`PRESIGNED_URL_LIFETIME`] (S3): the
    /// client fetches the bytes from the store.
    Presigned(String),
}

impl MediaStore {
    /// The store `UPLOADS_URL` names: S3, or files under `DATA_DIR/uploads`.
    pub fn connect(settings: &UploadSettings, data_dir: &Path) -> anyhow::Result<MediaStore> {
        match &settings.store {
            UploadStore::DataDir => MediaStore::local(&data_dir.join("uploads")),
            UploadStore::S3 { bucket, prefix } => s3::connect(bucket, prefix, &settings.s3),
        }
    }

    /// Files under `folder`, which is created (with its parents) if missing. Each object is
    /// written to a temporary file and renamed into place, so a reader never sees half of one.
    pub fn local(folder: &Path) -> anyhow::Result<MediaStore> {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the uploads folder {}", folder.display()))?;
        let store = LocalFileSystem::new_with_prefix(folder)
            .with_context(|| format!("cannot use the uploads folder {}", folder.display()))?;
        Ok(MediaStore {
            store: Arc::new(store),
            signer: None,
            prefix: String::new(),
        })
    }

    fn location(&self, key: &str) -> ObjectPath {
        ObjectPath::from(format!("{}{key}", self.prefix))
    }

    /// Stores `bytes` under `key`, replacing nothing: keys are random and never reused. Stores
    /// that keep metadata (S3) keep `content_type` and [`IMMUTABLE`] with the object, and send
    /// them with it.
    pub async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), AppError> {
        let mut options = PutOptions::default();
        if self.signer.is_some() {
            options.attributes = Attributes::from_iter([
                (Attribute::ContentType, content_type.to_owned()),
                (Attribute::CacheControl, IMMUTABLE.to_owned()),
            ]);
        }
        self.store
            .put_opts(&self.location(key), PutPayload::from_bytes(bytes), options)
            .await
            .map(drop)
            .map_err(|error| unavailable("store", key, error))
    }

    /// How to send the object under `key`: a presigned URL on S3 (signed locally: the store is
    /// not asked, so the caller must know that the object exists), its bytes otherwise; `None`
    /// when a local object is missing.
    pub async fn open(&self, key: &str) -> Result<Option<StoredObject>, AppError> {
        let Some(signer) = &self.signer else {
            return Ok(self.read(key).await?.map(StoredObject::Bytes));
        };
        let url = signer
            .signed_url(
                axum::http::Method::GET,
                &self.location(key),
                PRESIGNED_URL_LIFETIME,
            )
            .await
            .map_err(|error| unavailable("sign", key, error))?;
        Ok(Some(StoredObject::Presigned(url.into())))
    }

    /// The object's bytes, or `None` when there is no object under `key`.
    pub async fn read(&self, key: &str) -> Result<Option<Bytes>, AppError> {
        let object = match self.store.get(&self.location(key)).await {
            Ok(object) => object,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(unavailable("read", key, error)),
        };
        object
            .bytes()
            .await
            .map(Some)
            .map_err(|error| unavailable("read", key, error))
    }

    /// Deletes the object under `key`; deleting one that is already gone succeeds.
    pub async fn delete(&self, key: &str) -> Result<(), AppError> {
        match self.store.delete(&self.location(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(unavailable("delete", key, error)),
        }
    }
}

fn unavailable(action: &str, key: &str, error: object_store::Error) -> AppError {
    tracing::error!(%error, key, "could not {action} an uploaded object");
    AppError::Unavailable
}
