//! Articles through both interfaces: the same article and the same errors, because REST handlers
//! and GraphQL resolvers call the same service functions.

use serde_json::json;

use crate::harness::TestApp;
use crate::harness::parity::{
    ARTICLE_FIELDS, article_as_graphql, assert_errors_agree, shared_site,
};

#[tokio::test(flavor = "multi_thread")]
async fn an_article_reads_the_same_through_both_interfaces() {
    let (app, ben) = shared_site().await;
    for token in [None, Some(ben.as_str())] {
        let rest = app
            .rest("GET", "/api/articles/shared-2", token, None)
            .await
            .body;
        let graphql = app
            .graphql(
                &format!("{{ article(slug: \"shared-2\") {{ {ARTICLE_FIELDS} body }} }}"),
                json!({}),
                token,
            )
            .await;
        let mut expected = article_as_graphql(&rest["article"]);
        expected["body"] = rest["article"]["body"].clone();
        assert_eq!(graphql["data"]["article"], expected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_article_errors_through_both_interfaces() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.create_article(&ann, "Owned", &[]).await;
    let cases = vec![
        (
            "GET /api/articles/missing",
            None,
            "{ article(slug: \"missing\") { slug } }",
            "NOT_FOUND",
        ),
        (
            "PUT /api/articles/owned",
            Some(json!({"article": {"body": "x"}})),
            "mutation { updateArticle(input: {slug: \"owned\", body: \"x\"}) { article { slug } } }",
            "FORBIDDEN",
        ),
        (
            "DELETE /api/articles/owned",
            None,
            "mutation { deleteArticle(input: {slug: \"owned\"}) { deletedSlug } }",
            "FORBIDDEN",
        ),
        (
            "POST /api/articles",
            Some(json!({"article": {"title": "", "description": "", "body": ""}})),
            "mutation { createArticle(input: {title: \"\", description: \"\", body: \"\"}) { article { slug } } }",
            "VALIDATION_FAILED",
        ),
    ];
    assert_errors_agree(&app, &ben, cases).await;
}
