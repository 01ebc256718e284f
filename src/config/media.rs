//! `AFTERCARE_MEDIA_STORE` and the `AWS_*` settings of an S3-compatible
//! store, as src/photos/store.rs opens them.

use std::path::PathBuf;

/// `AFTERCARE_MEDIA_STORE`, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A directory (created if missing).
    Directory(PathBuf),
    /// A bucket and a key prefix ("" or ending in '/').
    S3 { bucket: String, prefix: String },
}

/// How an S3-compatible store is reached (the usual `AWS_*` settings).
#[derive(Clone, Default)]
pub struct S3Access {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<secrecy::SecretString>,
}

impl std::fmt::Debug for S3Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Access")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field(
                "access_key_id",
                &self.access_key_id.as_ref().map(|_| "[REDACTED]"),
            )
            .finish_non_exhaustive()
    }
}

impl Location {
    /// Reads `file://PATH` (or a bare path) and `s3://bucket/prefix`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(rest) = raw.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err("AFTERCARE_MEDIA_STORE s3://bucket/prefix needs a bucket".to_owned());
            }
            let prefix = prefix.trim_matches('/');
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                prefix: if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{prefix}/")
                },
            });
        }
        let path = raw.strip_prefix("file://").unwrap_or(raw);
        if path.is_empty() || (raw.contains("://") && !raw.starts_with("file://")) {
            return Err(format!(
                "AFTERCARE_MEDIA_STORE must be file://PATH or s3://bucket/prefix, not {raw:?}"
            ));
        }
        Ok(Self::Directory(PathBuf::from(path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_as_the_contract_writes_them() {
        assert_eq!(
            Location::parse("file:///var/lib/aftercare/media"),
            Ok(Location::Directory(PathBuf::from(
                "/var/lib/aftercare/media"
            )))
        );
        assert_eq!(
            Location::parse("media"),
            Ok(Location::Directory(PathBuf::from("media")))
        );
        assert_eq!(
            Location::parse("s3://clinic-photos/aftercare/"),
            Ok(Location::S3 {
                bucket: "clinic-photos".to_owned(),
                prefix: "aftercare/".to_owned()
            })
        );
        assert_eq!(
            Location::parse("s3://clinic-photos"),
            Ok(Location::S3 {
                bucket: "clinic-photos".to_owned(),
                prefix: String::new()
            })
        );
        assert!(Location::parse("s3:///x").is_err());
        assert!(Location::parse("gs://bucket").is_err());
        assert!(Location::parse("").is_err());
    }
}
