//! Articles over GraphQL: the lookup and every mutation, with errors as `extensions.code` and
//! the same field map as REST.

use serde_json::json;

use crate::harness::{TestApp, error_of, is_millisecond_utc};

const ARTICLE_FIELDS: &str = "slug title description body tagList createdAt updatedAt
    favoritesCount viewerHasFavorited author { username bio image viewerIsFollowing }";

#[tokio::test(flavor = "multi_thread")]
async fn article_mutations_and_lookups_apply_the_rules_of_rest() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;

    let create = format!(
        "mutation($input: CreateArticleInput!) {{ createArticle(input: $input) {{ article {{ {ARTICLE_FIELDS} }} }} }}"
    );
    let created = app
        .graphql(&create, json!({"input": {"title": "Graph Article", "description": "d", "body": "b", "tagList": ["z", "a"]}}), Some(&author))
        .await;
    let article = &created["data"]["createArticle"]["article"];
    assert_eq!(article["slug"], "graph-article", "{created}");
    assert_eq!(article["tagList"], json!(["a", "z"]));
    assert_eq!(article["favoritesCount"], 0);
    assert!(is_millisecond_utc(&article["createdAt"]));

    let lookup = format!("query($slug: String!) {{ article(slug: $slug) {{ {ARTICLE_FIELDS} }} }}");
    let fetched = app
        .graphql(&lookup, json!({"slug": "graph-article"}), None)
        .await;
    assert_eq!(fetched["data"]["article"], *article);
    let missing = app.graphql(&lookup, json!({"slug": "nope"}), None).await;
    assert_eq!(
        error_of(&missing),
        ("NOT_FOUND".into(), json!({"article": ["not found"]}))
    );

    let update = "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { slug body tagList } } }";
    let forbidden = app
        .graphql(
            update,
            json!({"input": {"slug": "graph-article", "body": "x"}}),
            Some(&reader),
        )
        .await;
    assert_eq!(
        error_of(&forbidden),
        ("FORBIDDEN".into(), json!({"article": ["forbidden"]}))
    );
    let updated = app
        .graphql(
            update,
            json!({"input": {"slug": "graph-article", "body": "new", "tagList": []}}),
            Some(&author),
        )
        .await;
    assert_eq!(
        updated["data"]["updateArticle"]["article"],
        json!({"slug": "graph-article", "body": "new", "tagList": []})
    );
    let null_tags = app
        .graphql(
            update,
            json!({"input": {"slug": "graph-article", "tagList": null}}),
            Some(&author),
        )
        .await;
    assert_eq!(error_of(&null_tags).0, "VALIDATION_FAILED");

    let favorite = "mutation($slug: String!) { favoriteArticle(input: {slug: $slug}) { article { favoritesCount viewerHasFavorited } } }";
    let favorited = app
        .graphql(favorite, json!({"slug": "graph-article"}), Some(&reader))
        .await;
    assert_eq!(
        favorited["data"]["favoriteArticle"]["article"],
        json!({"favoritesCount": 1, "viewerHasFavorited": true})
    );
    let unfavorite = "mutation($slug: String!) { unfavoriteArticle(input: {slug: $slug}) { article { favoritesCount viewerHasFavorited } } }";
    let unfavorited = app
        .graphql(unfavorite, json!({"slug": "graph-article"}), Some(&reader))
        .await;
    assert_eq!(
        unfavorited["data"]["unfavoriteArticle"]["article"],
        json!({"favoritesCount": 0, "viewerHasFavorited": false})
    );

    let delete = "mutation($slug: String!) { deleteArticle(input: {slug: $slug}) { deletedSlug } }";
    let refused = app
        .graphql(delete, json!({"slug": "graph-article"}), Some(&reader))
        .await;
    assert_eq!(error_of(&refused).0, "FORBIDDEN");
    let anonymous = app
        .graphql(delete, json!({"slug": "graph-article"}), None)
        .await;
    assert_eq!(
        error_of(&anonymous),
        ("UNAUTHENTICATED".into(), json!({"token": ["is missing"]}))
    );
    let deleted = app
        .graphql(delete, json!({"slug": "graph-article"}), Some(&author))
        .await;
    assert_eq!(
        deleted["data"]["deleteArticle"]["deletedSlug"],
        "graph-article"
    );
    assert_eq!(app.row_counts().await, [0, 0, 0, 0, 0]);
}
