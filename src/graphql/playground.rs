//! The GraphiQL playground, served entirely from the binary: the page on `GET /graphql` and its
//! pinned, vendored assets (React 18.3.1, GraphiQL 4.0.3; see `assets/graphiql/README.md`) on
//! `GET /graphql/assets/{file}`. Nothing comes from a CDN, so the page works offline; like every
//! HTML page it gets `crate::security_headers::HTML_CONTENT_SECURITY_POLICY`, which allows
//! nothing from any other origin and no inline script.

use axum::extract::Path;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// Name, media type and bytes of every file the page loads.
const ASSETS: [(&str, &str, &[u8]); 6] = [
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "page.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/page.css"),
    ),
    (
        "start.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/start.js"),
    ),
];

/// The playground page (`text/html`).
pub fn page() -> Response {
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /graphql/assets/{file}`: one of the page's files, or 404.
pub async fn asset(Path(file): Path<String>) -> Response {
    let Some((_, media_type, bytes)) = ASSETS.iter().find(|(name, _, _)| *name == file) else {
        return AppError::NotFound { resource: "path" }.into_response();
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(media_type)),
            // The files change only with the binary; a day's caching spares reloads.
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        *bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use sha2::Digest as _;

    use super::*;

    /// Every asset the page names exists, and its `integrity` attribute is its SHA-384.
    #[test]
    fn the_page_names_each_asset_with_its_integrity() {
        for (name, _, bytes) in ASSETS {
            let digest =
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes));
            let reference = format!("/graphql/assets/{name}\" integrity=\"sha384-{digest}\"");
            assert!(PAGE.contains(&reference), "{name}: expected {reference}");
        }
        assert_eq!(PAGE.matches("/graphql/assets/").count(), ASSETS.len());
        assert!(
            !PAGE.contains("http"),
            "the page must not name another origin"
        );
        assert!(!PAGE.contains("<script>"), "no inline script");
        assert!(!PAGE.contains("<style"), "no inline style");
    }
}
