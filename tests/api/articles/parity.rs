//! The domain through both interfaces: the same operation gives the same data and the same
//! errors, because REST handlers and GraphQL resolvers call the same service functions.

use serde_json::{Value, json};

use crate::harness::{TestApp, errors};
use crate::users::graphql::error_of;

/// The REST article JSON in GraphQL's field names.
fn as_graphql(article: &Value) -> Value {
    json!({
        "slug": article["slug"], "title": article["title"], "description": article["description"],
        "tagList": article["tagList"], "createdAt": article["createdAt"], "updatedAt": article["updatedAt"],
        "favoritesCount": article["favoritesCount"], "viewerHasFavorited": article["favorited"],
        "author": {"username": article["author"]["username"], "bio": article["author"]["bio"],
                   "image": article["author"]["image"], "viewerIsFollowing": article["author"]["following"]},
    })
}

const FIELDS: &str =
    "slug title description tagList createdAt updatedAt favoritesCount viewerHasFavorited
    author { username bio image viewerIsFollowing }";

#[tokio::test(flavor = "multi_thread")]
async fn articles_lists_profiles_comments_and_tags_agree() {
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

    for token in [None, Some(ben.as_str())] {
        let rest = app
            .rest("GET", "/api/articles/shared-2", token, None)
            .await
            .body;
        let graphql = app
            .graphql(
                &format!("{{ article(slug: \"shared-2\") {{ {FIELDS} body }} }}"),
                json!({}),
                token,
            )
            .await;
        let mut expected = as_graphql(&rest["article"]);
        expected["body"] = rest["article"]["body"].clone();
        assert_eq!(graphql["data"]["article"], expected);

        let rest = app
            .rest(
                "GET",
                "/api/articles?tag=both&limit=2&offset=1",
                token,
                None,
            )
            .await
            .body;
        let graphql = app
            .graphql(&format!("{{ articles(tag: \"both\", first: 2, offset: 1) {{ totalCount nodes {{ {FIELDS} }} }} }}"), json!({}), token)
            .await;
        assert_eq!(
            graphql["data"]["articles"]["totalCount"],
            rest["articlesCount"]
        );
        let rest_items: Vec<Value> = rest["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(as_graphql)
            .collect();
        assert_eq!(graphql["data"]["articles"]["nodes"], json!(rest_items));

        let rest = app.rest("GET", "/api/profiles/ann", token, None).await.body;
        let graphql = app
            .graphql(
                "{ profile(username: \"ann\") { username bio image viewerIsFollowing } }",
                json!({}),
                token,
            )
            .await;
        assert_eq!(
            graphql["data"]["profile"]["viewerIsFollowing"],
            rest["profile"]["following"]
        );
        assert_eq!(
            graphql["data"]["profile"]["username"],
            rest["profile"]["username"]
        );

        let rest = app
            .rest("GET", "/api/articles/shared-2/comments", token, None)
            .await
            .body;
        let graphql = app
            .graphql("{ article(slug: \"shared-2\") { comments { id body createdAt updatedAt author { username viewerIsFollowing } } } }", json!({}), token)
            .await;
        let rest_comments: Vec<Value> = rest["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!({"id": c["id"], "body": c["body"], "createdAt": c["createdAt"], "updatedAt": c["updatedAt"],
                             "author": {"username": c["author"]["username"], "viewerIsFollowing": c["author"]["following"]}}))
            .collect();
        assert_eq!(graphql["data"]["article"]["comments"], json!(rest_comments));
    }

    let rest = app
        .rest("GET", "/api/articles/feed", Some(&ben), None)
        .await
        .body;
    let graphql = app
        .graphql(
            "{ feed { totalCount nodes { slug } } }",
            json!({}),
            Some(&ben),
        )
        .await;
    assert_eq!(graphql["data"]["feed"]["totalCount"], rest["articlesCount"]);

    let rest = app.rest("GET", "/api/tags", None, None).await.body;
    let graphql = app.graphql("{ tags }", json!({}), None).await;
    assert_eq!(graphql["data"]["tags"], rest["tags"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn domain_errors_agree() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.create_article(&ann, "Owned", &[]).await;

    let cases: Vec<(&str, Option<Value>, &str, Value, &str)> = vec![
        (
            "GET /api/articles/missing",
            None,
            "{ article(slug: \"missing\") { slug } }",
            json!({}),
            "NOT_FOUND",
        ),
        (
            "PUT /api/articles/owned",
            Some(json!({"article": {"body": "x"}})),
            "mutation { updateArticle(input: {slug: \"owned\", body: \"x\"}) { article { slug } } }",
            json!({}),
            "FORBIDDEN",
        ),
        (
            "DELETE /api/articles/owned",
            None,
            "mutation { deleteArticle(input: {slug: \"owned\"}) { deletedSlug } }",
            json!({}),
            "FORBIDDEN",
        ),
        (
            "POST /api/articles",
            Some(json!({"article": {"title": "", "description": "", "body": ""}})),
            "mutation { createArticle(input: {title: \"\", description: \"\", body: \"\"}) { article { slug } } }",
            json!({}),
            "VALIDATION_FAILED",
        ),
        (
            "POST /api/articles/missing/comments",
            Some(json!({"comment": {"body": "x"}})),
            "mutation { addComment(input: {slug: \"missing\", body: \"x\"}) { comment { id } } }",
            json!({}),
            "NOT_FOUND",
        ),
        (
            "POST /api/profiles/nobody/follow",
            None,
            "mutation { followProfile(input: {username: \"nobody\"}) { profile { username } } }",
            json!({}),
            "NOT_FOUND",
        ),
        (
            "GET /api/articles?limit=0",
            None,
            "{ articles(first: 0) { totalCount } }",
            json!({}),
            "VALIDATION_FAILED",
        ),
    ];
    for (route, body, query, variables, code) in cases {
        let (method, path) = route.split_once(' ').unwrap();
        let rest = app.rest(method, path, Some(&ben), body).await;
        let graphql = app.graphql(query, variables, Some(&ben)).await;
        assert_eq!(
            error_of(&graphql),
            (code.to_owned(), errors(&rest)),
            "{route}"
        );
    }
}
