//! Where uploaded images live: one interface over `object_store`, so that the service stores,
//! reads and deletes objects the same way whatever holds them. The embedded default keeps them as
//! files under `DATA_DIR/uploads`.
//!
//! This module knows nothing of users, formats or limits (`service::uploads` holds those rules);
//! it only moves bytes under a key the service chose. A store that fails is logged here with its
//! cause and reported as [`AppError::Unavailable`]: the client may retry.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

use crate::error::AppError;

/// The object store behind uploads. Cheap to clone.
#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
}

impl MediaStore {
    /// Files under `folder`, which is created (with its parents) if missing. Each object is
    /// written to a temporary file and renamed into place, so a reader never sees half of one.
    pub fn local(folder: &Path) -> anyhow::Result<MediaStore> {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the uploads folder {}", folder.display()))?;
        let store = LocalFileSystem::new_with_prefix(folder)
            .with_context(|| format!("cannot use the uploads folder {}", folder.display()))?;
        Ok(MediaStore {
            store: Arc::new(store),
        })
    }

    /// Stores `bytes` under `key`, replacing nothing: keys are random and never reused.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), AppError> {
        let location = ObjectPath::from(key);
        self.store
            .put(&location, PutPayload::from_bytes(bytes))
            .await
            .map(drop)
            .map_err(|error| unavailable("store", key, error))
    }

    /// The object's bytes, or `None` when there is no object under `key`.
    pub async fn read(&self, key: &str) -> Result<Option<Bytes>, AppError> {
        let location = ObjectPath::from(key);
        let object = match self.store.get(&location).await {
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
        let location = ObjectPath::from(key);
        match self.store.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(unavailable("delete", key, error)),
        }
    }
}

fn unavailable(action: &str, key: &str, error: object_store::Error) -> AppError {
    tracing::error!(%error, key, "could not {action} an uploaded object");
    AppError::Unavailable
}
