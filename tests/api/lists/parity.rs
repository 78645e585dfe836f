//! Lists, the feed and tags through both interfaces: the same page, the same totals and the same
//! errors, because REST handlers and GraphQL resolvers call the same service functions.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::harness::parity::{
    ARTICLE_FIELDS, article_as_graphql, assert_errors_agree, shared_site,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_list_page_the_feed_and_tags_read_the_same_through_both_interfaces() {
    let (app, ben) = shared_site().await;
    for token in [None, Some(ben.as_str())] {
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
            .graphql(&format!("{{ articles(tag: \"both\", first: 2, offset: 1) {{ totalCount nodes {{ {ARTICLE_FIELDS} }} }} }}"), json!({}), token)
            .await;
        assert_eq!(
            graphql["data"]["articles"]["totalCount"],
            rest["articlesCount"]
        );
        let rest_items: Vec<Value> = rest["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(article_as_graphql)
            .collect();
        assert_eq!(graphql["data"]["articles"]["nodes"], json!(rest_items));
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
async fn a_bad_page_size_is_the_same_error_through_both_interfaces() {
    let app = TestApp::spawn().await;
    let ben = app.register("ben").await;
    let cases = vec![(
        "GET /api/articles?limit=0",
        None,
        "{ articles(first: 0) { totalCount } }",
        "VALIDATION_FAILED",
    )];
    assert_errors_agree(&app, &ben, cases).await;
}
