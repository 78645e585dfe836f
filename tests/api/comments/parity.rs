//! Comments through both interfaces: the same comments and the same errors, because REST handlers
//! and GraphQL resolvers call the same service functions.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::harness::parity::{assert_errors_agree, shared_site};

#[tokio::test(flavor = "multi_thread")]
async fn comments_read_the_same_through_both_interfaces() {
    let (app, ben) = shared_site().await;
    for token in [None, Some(ben.as_str())] {
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
}

#[tokio::test(flavor = "multi_thread")]
async fn commenting_on_an_unknown_article_is_the_same_error_through_both_interfaces() {
    let app = TestApp::spawn().await;
    let ben = app.register("ben").await;
    let cases = vec![(
        "POST /api/articles/missing/comments",
        Some(json!({"comment": {"body": "x"}})),
        "mutation { addComment(input: {slug: \"missing\", body: \"x\"}) { comment { id } } }",
        "NOT_FOUND",
    )];
    assert_errors_agree(&app, &ben, cases).await;
}
