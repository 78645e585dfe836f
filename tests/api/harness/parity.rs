//! What the parity tests (`<feature>/parity.rs`) share: one site that both interfaces read, the
//! REST article in GraphQL's field names, and one refusal compared through both interfaces.

use serde_json::{Value, json};

use super::{TestApp, error_of, errors};

/// The article fields a GraphQL query asks for, to compare with [`article_as_graphql`].
pub const ARTICLE_FIELDS: &str =
    "slug title description tagList createdAt updatedAt favoritesCount viewerHasFavorited
    author { username bio image viewerIsFollowing }";

/// The REST article JSON in GraphQL's field names (`favorited` → `viewerHasFavorited`, the
/// author's `following` → `viewerIsFollowing`), without `body`.
pub fn article_as_graphql(article: &Value) -> Value {
    json!({
        "slug": article["slug"], "title": article["title"], "description": article["description"],
        "tagList": article["tagList"], "createdAt": article["createdAt"], "updatedAt": article["updatedAt"],
        "favoritesCount": article["favoritesCount"], "viewerHasFavorited": article["favorited"],
        "author": {"username": article["author"]["username"], "bio": article["author"]["bio"],
                   "image": article["author"]["image"], "viewerIsFollowing": article["author"]["following"]},
    })
}

/// A site with something of every kind to read: ann's articles "Shared 1" to "Shared 3" (tags
/// `both` and `ways`); ben favorited `shared-2`, follows ann and commented on `shared-2`.
/// Returns the app and ben's token.
pub async fn shared_site() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    for number in 1..=3 {
        app.create_article(&ann, &format!("Shared {number}"), &["both", "ways"])
            .await;
    }
    app.rest("POST", "/api/articles/shared-2/favorite", Some(&ben), None)
        .await;
    app.rest("POST", "/api/profiles/ann/follow", Some(&ben), None)
        .await;
    app.rest(
        "POST",
        "/api/articles/shared-2/comments",
        Some(&ben),
        Some(json!({"comment": {"body": "agreed"}})),
    )
    .await;
    (app, ben)
}

/// One refusal asked of both interfaces: `"METHOD /path"` with its JSON body over REST, the
/// GraphQL document, and the `extensions.code` GraphQL must answer.
pub type ErrorCase<'a> = (&'a str, Option<Value>, &'a str, &'a str);

/// Each case gives the same error through both interfaces, as the owner of `token`: the
/// expected GraphQL code, and the same field → messages map as REST's `{"errors": …}`.
pub async fn assert_errors_agree(app: &TestApp, token: &str, cases: Vec<ErrorCase<'_>>) {
    for (route, body, query, code) in cases {
        let (method, path) = route.split_once(' ').unwrap();
        let rest = app.rest(method, path, Some(token), body).await;
        let graphql = app.graphql(query, json!({}), Some(token)).await;
        assert_eq!(
            error_of(&graphql),
            (code.to_owned(), errors(&rest)),
            "{route}"
        );
    }
}
