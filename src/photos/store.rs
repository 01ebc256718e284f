//! Where photos are kept: one interface over a local directory (the
//! default, beside the SQLite file) and any S3-compatible store, both from
//! `object_store`. A write is whole or absent (the local store renames a
//! staged file into place; S3 puts are atomic), and it is durable before
//! it returns (the local store syncs the file and its directory), so that
//! a row committed after it never points at a missing object.

use std::path::PathBuf;
use std::sync::Arc;

pub use crate::config::media::{Location, S3Access};

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store, whose writes are synced.
    directory: Option<PathBuf>,
    prefix: String,
}

/// A store that could not read or write: the request fails with 503 and
/// nothing is stored.
#[derive(Debug, thiserror::Error)]
#[error("the media store failed: {0}")]
pub struct StoreError(String);

impl From<object_store::Error> for StoreError {
    fn from(error: object_store::Error) -> Self {
        Self(error.to_string())
    }
}

impl MediaStore {
    pub fn open(location: &Location, access: &S3Access) -> anyhow::Result<Self> {
        match location {
            Location::Directory(directory) => {
                std::fs::create_dir_all(directory)?;
                let store = LocalFileSystem::new_with_prefix(directory)?;
                Ok(Self {
                    store: Arc::new(store),
                    directory: Some(std::fs::canonicalize(directory)?),
                    prefix: String::new(),
                })
            }
            Location::S3 { bucket, prefix } => {
                let mut builder = AmazonS3Builder::new().with_bucket_name(bucket);
                if let Some(endpoint) = &access.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some(region) = &access.region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = &access.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &access.secret_access_key {
                    use secrecy::ExposeSecret;
                    builder = builder.with_secret_access_key(secret.expose_secret());
                }
                Ok(Self {
                    store: Arc::new(builder.build()?),
                    directory: None,
                    prefix: prefix.clone(),
                })
            }
        }
    }

    fn path(&self, key: &str) -> Path {
        Path::from(format!("{}{key}", self.prefix))
    }

    /// Writes the object whole, and durably before it returns.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let path = self.path(key);
        self.store
            .put(&path, PutPayload::from(Bytes::from(bytes)))
            .await?;
        if let Some(directory) = &self.directory {
            let file = directory.join(key);
            actix_web::rt::task::spawn_blocking(move || sync(&file))
                .await
                .map_err(|error| StoreError(error.to_string()))?
                .map_err(|error| StoreError(error.to_string()))?;
        }
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        Ok(self.store.get(&self.path(key)).await?.bytes().await?)
    }

    /// Removes the object; one already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// Syncs a file that was just renamed into place, and the directories on
/// its way up to the store's, so that the rename itself is durable.
fn sync(file: &std::path::Path) -> std::io::Result<()> {
    std::fs::File::open(file)?.sync_all()?;
    if let Some(parent) = file.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_local_store_writes_whole_files_and_reads_them_back() {
        let root = tempfile::tempdir().unwrap();
        let store = MediaStore::open(
            &Location::Directory(root.path().join("media")),
            &S3Access::default(),
        )
        .unwrap();
        store.put("photos/a.jpg", b"jpeg".to_vec()).await.unwrap();
        assert_eq!(
            std::fs::read(root.path().join("media/photos/a.jpg")).unwrap(),
            b"jpeg"
        );
        assert_eq!(store.get("photos/a.jpg").await.unwrap().as_ref(), b"jpeg");
        let names: Vec<_> = std::fs::read_dir(root.path().join("media/photos"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.jpg"], "no staging file is left behind");
        store.delete("photos/a.jpg").await.unwrap();
        store.delete("photos/a.jpg").await.unwrap();
        assert!(store.get("photos/a.jpg").await.is_err());
    }
}
