//! The upload settings (`UPLOADS_URL`, `UPLOADS_S3_REGION`, `UPLOADS_S3_ENDPOINT`,
//! `UPLOAD_MAX_BYTES`, `UPLOAD_MAX_PIXELS`, `UPLOADS_BASE_URL`), which `service::uploads`
//! enforces and `media` uses.

/// Image uploads (see `service::uploads` and `media`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSettings {
    /// Where images are stored (`UPLOADS_URL`).
    pub store: UploadStore,
    /// Where the S3 bucket is; read only when `store` is S3.
    pub s3: S3Settings,
    /// Largest accepted image in bytes (`UPLOAD_MAX_BYTES`).
    pub max_bytes: usize,
    /// Most pixels, width × height as the header states them (`UPLOAD_MAX_PIXELS`).
    pub max_pixels: u64,
    /// What upload URLs start with, without a trailing slash (`UPLOADS_BASE_URL`); `None`: the
    /// origin the client used for the upload.
    pub base_url: Option<String>,
}

/// Which store `UPLOADS_URL` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadStore {
    /// Unset: files under `DATA_DIR/uploads`.
    DataDir,
    /// `s3://BUCKET[/PREFIX]`: objects `PREFIX/KEY` in `BUCKET`; `prefix` is empty or ends
    /// with `/`.
    S3 { bucket: String, prefix: String },
}

/// Where the bucket is. Credentials are no setting of Conduit's: they come from the standard
/// AWS chain (`AWS_ACCESS_KEY_ID`…, web identity, the ECS task or EC2 instance role).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// `UPLOADS_S3_REGION`; `None`: `AWS_REGION` / `AWS_DEFAULT_REGION`, else `us-east-1`.
    pub region: Option<String>,
    /// `UPLOADS_S3_ENDPOINT` of an S3-compatible store (`http://127.0.0.1:9000`); requests then
    /// use path-style URLs (`ENDPOINT/BUCKET/KEY`).
    pub endpoint: Option<String>,
}

/// `""` (the default: files under `DATA_DIR/uploads`) or `s3://BUCKET[/PREFIX]`, with a bucket
/// name as S3 allows it (3 to 63 lower-case letters, digits, `-` and `.`) and a prefix of plain
/// path segments (no `.` or `..`), so that no setting can make keys escape the prefix.
pub fn parse_store(value: &str) -> Result<UploadStore, String> {
    if value.is_empty() {
        return Ok(UploadStore::DataDir);
    }
    let expected =
        || "expected s3://BUCKET or s3://BUCKET/PREFIX (unset: DATA_DIR/uploads)".to_owned();
    let rest = value.strip_prefix("s3://").ok_or_else(expected)?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'.'
        });
    let prefix = prefix.trim_matches('/');
    let valid_prefix = prefix.is_empty()
        || prefix.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"-_.".contains(&byte))
        });
    if !valid_bucket || !valid_prefix {
        return Err(expected());
    }
    Ok(UploadStore::S3 {
        bucket: bucket.to_owned(),
        prefix: if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        },
    })
}

/// `None` for an empty value, else what `parse` makes of it.
pub fn unless_empty<T>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    if value.is_empty() {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
}

/// An AWS region name such as `eu-west-1`: lower-case letters, digits and `-`.
pub fn parse_region(value: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if valid {
        Ok(value.to_owned())
    } else {
        Err("expected a region name such as eu-west-1".to_owned())
    }
}

/// An absolute `http://` or `https://` URL without query or fragment; kept without its trailing
/// slash, so that `/api/uploads/…` can follow it.
pub fn parse_base_url(value: &str) -> Result<String, String> {
    let expected =
        || "expected an http:// or https:// URL such as https://conduit.example.com".to_owned();
    let url = url::Url::parse(value).map_err(|_| expected())?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.query().is_none()
        && url.fragment().is_none();
    if !usable {
        return Err(expected());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_urls_name_a_bucket_and_a_prefix() {
        assert_eq!(parse_store(""), Ok(UploadStore::DataDir));
        assert_eq!(
            parse_store("s3://conduit-media/uploads/avatars/"),
            Ok(UploadStore::S3 {
                bucket: "conduit-media".into(),
                prefix: "uploads/avatars/".into()
            })
        );
        assert_eq!(
            parse_store("s3://conduit-media"),
            Ok(UploadStore::S3 {
                bucket: "conduit-media".into(),
                prefix: String::new()
            })
        );
        for bad in [
            "/var/uploads",
            "s3://",
            "s3://Upper",
            "s3://b",
            "s3://bucket/../x",
            "s3://bucket/a//b",
            "s3://bucket/a b",
            "http://bucket/prefix",
        ] {
            assert!(parse_store(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_region("eu-west-1"), Ok("eu-west-1".into()));
        assert!(parse_region("EU West").is_err());
    }
}
