//! Comments over GraphQL: add, list (nested in the article) and delete, with errors as
//! `extensions.code` and the same field map as REST.

use serde_json::json;

use crate::harness::{TestApp, error_of};

#[tokio::test(flavor = "multi_thread")]
async fn comments_are_added_listed_and_deleted_with_the_errors_of_rest() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.create_article(&ann, "Talk", &[]).await;

    let add = "mutation($slug: String!, $body: String!) { addComment(input: {slug: $slug, body: $body}) { comment { id body createdAt author { username } } } }";
    let added = app
        .graphql(add, json!({"slug": "talk", "body": "hello"}), Some(&ben))
        .await;
    let comment = &added["data"]["addComment"]["comment"];
    assert_eq!(comment["body"], "hello");
    assert_eq!(comment["author"]["username"], "ben");
    let blank = app
        .graphql(add, json!({"slug": "talk", "body": " "}), Some(&ben))
        .await;
    assert_eq!(
        error_of(&blank),
        (
            "VALIDATION_FAILED".into(),
            json!({"body": ["can't be blank"]})
        )
    );
    let nowhere = app
        .graphql(add, json!({"slug": "nowhere", "body": "x"}), Some(&ben))
        .await;
    assert_eq!(error_of(&nowhere).1, json!({"article": ["not found"]}));

    let comments = app
        .graphql(
            "{ article(slug: \"talk\") { comments { id body author { username } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(comments["data"]["article"]["comments"][0]["body"], "hello");

    let delete = "mutation($slug: String!, $id: ID!) { deleteComment(input: {slug: $slug, id: $id}) { deletedId } }";
    let id = comment["id"].as_i64().unwrap().to_string();
    let forbidden = app
        .graphql(delete, json!({"slug": "talk", "id": id}), Some(&ann))
        .await;
    assert_eq!(
        error_of(&forbidden),
        ("FORBIDDEN".into(), json!({"comment": ["forbidden"]}))
    );
    let unknown = app
        .graphql(delete, json!({"slug": "talk", "id": "424242"}), Some(&ben))
        .await;
    assert_eq!(
        error_of(&unknown),
        ("NOT_FOUND".into(), json!({"comment": ["not found"]}))
    );
    let deleted = app
        .graphql(delete, json!({"slug": "talk", "id": id}), Some(&ben))
        .await;
    assert_eq!(deleted["data"]["deleteComment"]["deletedId"], id);
    assert_eq!(app.row_counts().await[2], 0);
}
