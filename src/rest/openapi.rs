//! The REST API's OpenAPI 3.1 document, generated from the handlers' annotations, served at
//! `/api/openapi.json`, with Swagger UI (vendored assets, works offline) at `/api/docs`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{articles, comments, profiles, tags, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Conduit",
        description = "The RealWorld (Conduit) REST API. Send the token as `Authorization: Token <jwt>` (or `Bearer <jwt>`)."
    ),
    paths(
        users::login,
        users::register,
        users::current_user,
        users::update_user,
        profiles::get_profile,
        profiles::follow,
        profiles::unfollow,
        articles::feed,
        articles::list_articles,
        articles::create_article,
        articles::get_article,
        articles::update_article,
        articles::delete_article,
        comments::list_comments,
        comments::add_comment,
        comments::delete_comment,
        articles::favorite,
        articles::unfavorite,
        tags::list_tags,
    ),
    modifiers(&TokenScheme),
    tags(
        (name = "User and Authentication"),
        (name = "Profile"),
        (name = "Articles"),
        (name = "Comments"),
        (name = "Favorites"),
        (name = "Tags"),
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

/// The docs page and the document as a router to merge into the app.
pub fn routes<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into()
}
