//! The per-user write quota: articles and comments created, one budget over REST and GraphQL,
//! spent after validation and before anything is written.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_graphql_rate_limited, assert_rest_rate_limited};

async fn app_with_quota(writes_per_user: u32) -> TestApp {
    TestApp::spawn_with(|config| config.rate_limits.writes_per_user = writes_per_user).await
}

fn article(title: &str) -> Value {
    json!({"article": {"title": title, "description": "d", "body": "b", "tagList": ["quota"]}})
}

fn comment(body: &str) -> Value {
    json!({"comment": {"body": body}})
}

const CREATE_ARTICLE: &str =
    "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { slug } } }";
const ADD_COMMENT: &str =
    "mutation($input: AddCommentInput!) { addComment(input: $input) { comment { body } } }";

#[tokio::test(flavor = "multi_thread")]
async fn articles_and_comments_share_one_quota_over_both_interfaces() {
    let app = app_with_quota(4).await;
    let writer = app.register("writer").await;
    let bystander = app.register("bystander").await;
    // Four writes, two per interface, articles and comments mixed.
    let first = app.create_article(&writer, "First", &[]).await;
    let slug = first["slug"].as_str().unwrap().to_owned();
    let response = app
        .rest(
            "POST",
            &format!("/api/articles/{slug}/comments"),
            Some(&writer),
            Some(comment("one")),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    let response = app
        .graphql(
            CREATE_ARTICLE,
            json!({"input": {"title": "Second", "description": "d", "body": "b", "tagList": []}}),
            Some(&writer),
        )
        .await;
    assert!(
        response["data"]["createArticle"]["article"]["slug"].is_string(),
        "{response}"
    );
    let response = app
        .graphql(
            ADD_COMMENT,
            json!({"input": {"slug": slug, "body": "two"}}),
            Some(&writer),
        )
        .await;
    assert_eq!(
        response["data"]["addComment"]["comment"]["body"], "two",
        "{response}"
    );

    // The fifth, whichever interface and kind, is refused and writes nothing.
    let rows = app.row_counts().await;
    let response = app
        .rest(
            "POST",
            "/api/articles",
            Some(&writer),
            Some(article("Third")),
        )
        .await;
    assert_rest_rate_limited(&response);
    let response = app
        .rest(
            "POST",
            &format!("/api/articles/{slug}/comments"),
            Some(&writer),
            Some(comment("three")),
        )
        .await;
    assert_rest_rate_limited(&response);
    let response = app
        .graphql(
            CREATE_ARTICLE,
            json!({"input": {"title": "Fourth", "description": "d", "body": "b", "tagList": []}}),
            Some(&writer),
        )
        .await;
    assert_graphql_rate_limited(&response);
    let response = app
        .graphql(
            ADD_COMMENT,
            json!({"input": {"slug": slug, "body": "four"}}),
            Some(&writer),
        )
        .await;
    assert_graphql_rate_limited(&response);
    assert_eq!(app.row_counts().await, rows);

    // Another user has a quota of their own; reading and other writes are not counted.
    let response = app
        .rest(
            "POST",
            &format!("/api/articles/{slug}/comments"),
            Some(&bystander),
            Some(comment("mine")),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    let response = app
        .rest(
            "GET",
            &format!("/api/articles/{slug}/comments"),
            Some(&writer),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let response = app
        .rest(
            "POST",
            &format!("/api/articles/{slug}/favorite"),
            Some(&writer),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_input_spends_no_quota() {
    let app = app_with_quota(1).await;
    let writer = app.register("writer").await;
    // Invalid articles, an unknown article to comment on, no token: none counts.
    for _ in 0..3 {
        let blank = json!({"article": {"title": "", "description": "d", "body": "b"}});
        let response = app
            .rest("POST", "/api/articles", Some(&writer), Some(blank))
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        let response = app
            .rest(
                "POST",
                "/api/articles/no-such-article/comments",
                Some(&writer),
                Some(comment("x")),
            )
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND);
    }
    // The one write of the quota is still there, and then it is spent.
    let response = app
        .rest(
            "POST",
            "/api/articles",
            Some(&writer),
            Some(article("Only")),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    let response = app
        .rest(
            "POST",
            "/api/articles",
            Some(&writer),
            Some(article("Again")),
        )
        .await;
    assert_rest_rate_limited(&response);
    // A refused write is still validated first: bad input is 422, not 429.
    let blank = json!({"article": {"title": "", "description": "d", "body": "b"}});
    let response = app
        .rest("POST", "/api/articles", Some(&writer), Some(blank))
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
}
