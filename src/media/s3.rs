//! The S3 store (`UPLOADS_URL=s3://bucket/prefix`), or an S3-compatible one
//! (`UPLOADS_S3_ENDPOINT`). Credentials come from the standard AWS chain, never from Conduit's
//! settings: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, web identity
//! (`AWS_WEB_IDENTITY_TOKEN_FILE`), the ECS task role, else the EC2 instance role through
//! IMDSv2 — so an instance with a role needs no keys at all. Every request, and every presigned
//! URL, is signed with SigV4.

use std::sync::Arc;

use anyhow::Context as _;
use object_store::aws::AmazonS3Builder;

use super::MediaStore;
use crate::config::uploads::S3Settings;

pub(super) fn connect(
    bucket: &str,
    prefix: &str,
    settings: &S3Settings,
) -> anyhow::Result<MediaStore> {
    // `from_env` reads the AWS_* variables; what Conduit's settings name wins over them.
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if let Some(region) = &settings.region {
        builder = builder.with_region(region);
    }
    if let Some(endpoint) = &settings.endpoint {
        // S3-compatible stores rarely serve a bucket as a host name of its own.
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    let store = Arc::new(
        builder
            .build()
            .with_context(|| format!("cannot use the S3 bucket {bucket}"))?,
    );
    Ok(MediaStore {
        store: store.clone(),
        signer: Some(store),
        prefix: prefix.to_owned(),
    })
}
