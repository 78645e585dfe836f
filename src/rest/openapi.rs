//! The REST API's OpenAPI 3.1 document: the info, security scheme and tags here, the operations
//! from the handlers' annotations as `rest::routes` registers them; served at
//! `/api/openapi.json`, with Swagger UI (vendored assets, works offline) at `/api/docs`.

use axum::http::HeaderValue;
use axum::http::header::CONTENT_SECURITY_POLICY;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Conduit",
        description = "The RealWorld (Conduit) REST API. Send the token as `Authorization: Token <jwt>` (or `Bearer <jwt>`)."
    ),
    modifiers(&TokenScheme),
    tags(
        (name = "User and Authentication"),
        (name = "Profile"),
        (name = "Articles"),
        (name = "Comments"),
        (name = "Favorites"),
        (name = "Tags"),
        (name = "Uploads"),
    )
)]
pub struct ApiDoc;

/// The `Authorization: Token <jwt>` scheme the operations refer to as "Token".
struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "Token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <jwt>` or `Bearer <jwt>`",
            ))),
        );
    }
}

/// [`crate::security_headers::HTML_CONTENT_SECURITY_POLICY`] plus the SHA-256 of the one inline
/// style the docs page needs: the `<style>` inside the Swagger logo (an SVG in Swagger UI's
/// bundle). The browser test fails if another inline style appears.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The docs page and `document` (the operations added to [`ApiDoc`] by [`super::routes`]) as a
/// router to merge into the app. Swagger UI's online validator badge is off: it would send the
/// document to a third-party host.
pub fn routes<S: Clone + Send + Sync + 'static>(
    document: utoipa::openapi::OpenApi,
) -> axum::Router<S> {
    let docs: axum::Router<S> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", document)
        .config(utoipa_swagger_ui::Config::default().validator_url("none"))
        .into();
    docs.layer(SetResponseHeaderLayer::overriding(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CONTENT_SECURITY_POLICY),
    ))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use sha2::Digest as _;

    use super::*;
    use crate::security_headers::HTML_CONTENT_SECURITY_POLICY;

    /// The Swagger logo's inline style, as Swagger UI 5.32.6 renders it.
    const SWAGGER_LOGO_STYLE: &str =
        ".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}";

    #[test]
    fn the_docs_policy_is_the_html_policy_plus_the_logo_style() {
        let hash = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(SWAGGER_LOGO_STYLE));
        let expected = HTML_CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'",
            &format!("style-src 'self' 'sha256-{hash}'"),
        );
        assert_eq!(DOCS_CONTENT_SECURITY_POLICY, expected);
    }
}
