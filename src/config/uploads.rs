//! The upload settings (`UPLOAD_MAX_BYTES`, `UPLOAD_MAX_PIXELS`, `UPLOADS_BASE_URL`), which
//! `service::uploads` enforces and `media` uses.

/// Image uploads (see `service::uploads` and `media`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSettings {
    /// Largest accepted image in bytes (`UPLOAD_MAX_BYTES`).
    pub max_bytes: usize,
    /// Most pixels, width × height as the header states them (`UPLOAD_MAX_PIXELS`).
    pub max_pixels: u64,
    /// What upload URLs start with, without a trailing slash (`UPLOADS_BASE_URL`); `None`: the
    /// origin the client used for the upload.
    pub base_url: Option<String>,
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
