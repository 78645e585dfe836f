//! Comments over REST.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, errors, is_millisecond_utc};

fn comment(body: &str) -> Option<Value> {
    Some(json!({"comment": {"body": body}}))
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_are_added_listed_and_deleted() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    app.create_article(&author, "Discussed", &[]).await;
    app.create_article(&author, "Other", &[]).await;

    let added = app
        .rest(
            "POST",
            "/api/articles/discussed/comments",
            Some(&reader),
            comment("First!"),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let first = &added.body["comment"];
    assert!(first["id"].is_i64());
    assert_eq!(first["body"], "First!");
    assert!(is_millisecond_utc(&first["createdAt"]) && is_millisecond_utc(&first["updatedAt"]));
    assert_eq!(
        first["author"],
        json!({"username": "reader", "bio": null, "image": null, "following": false})
    );
    let second = app
        .rest(
            "POST",
            "/api/articles/discussed/comments",
            Some(&author),
            comment("Thanks"),
        )
        .await;
    app.rest(
        "POST",
        "/api/articles/other/comments",
        Some(&author),
        comment("Elsewhere"),
    )
    .await;

    let listed = app
        .rest("GET", "/api/articles/discussed/comments", None, None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    let bodies: Vec<&str> = listed.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["Thanks", "First!"],
        "exactly this article's comments, newest first"
    );
    assert_eq!(listed.body["comments"][1], *first);

    let second_id = second.body["comment"]["id"].as_i64().unwrap();
    let deleted = app
        .rest(
            "DELETE",
            &format!("/api/articles/discussed/comments/{second_id}"),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(deleted.body, Value::Null);
    let remaining = app
        .rest("GET", "/api/articles/discussed/comments", None, None)
        .await;
    assert_eq!(remaining.body["comments"].as_array().unwrap().len(), 1);
    assert_eq!(remaining.body["comments"][0]["body"], "First!");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_checks_article_then_comment_then_author() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let other = app.register("other").await;
    app.create_article(&author, "Here", &[]).await;
    app.create_article(&author, "There", &[]).await;
    let mine = app
        .rest(
            "POST",
            "/api/articles/here/comments",
            Some(&author),
            comment("mine"),
        )
        .await;
    let mine_id = mine.body["comment"]["id"].as_i64().unwrap();
    let before = app.row_counts().await;

    let cases = [
        (
            format!("/api/articles/here/comments/{mine_id}"),
            &other,
            StatusCode::FORBIDDEN,
            json!({"comment": ["forbidden"]}),
        ),
        (
            format!("/api/articles/there/comments/{mine_id}"),
            &author,
            StatusCode::NOT_FOUND,
            json!({"comment": ["not found"]}),
        ),
        (
            "/api/articles/here/comments/999999".to_owned(),
            &author,
            StatusCode::NOT_FOUND,
            json!({"comment": ["not found"]}),
        ),
        (
            "/api/articles/here/comments/abc".to_owned(),
            &author,
            StatusCode::NOT_FOUND,
            json!({"comment": ["not found"]}),
        ),
        (
            "/api/articles/here/comments/99999999999999999999".to_owned(),
            &author,
            StatusCode::NOT_FOUND,
            json!({"comment": ["not found"]}),
        ),
        (
            "/api/articles/nowhere/comments/abc".to_owned(),
            &author,
            StatusCode::NOT_FOUND,
            json!({"article": ["not found"]}),
        ),
    ];
    for (path, token, status, expected) in cases {
        let response = app.rest("DELETE", &path, Some(token), None).await;
        assert_eq!(response.status, status, "{path}");
        assert_eq!(errors(&response), expected, "{path}");
    }
    let anonymous = app
        .rest(
            "DELETE",
            &format!("/api/articles/here/comments/{mine_id}"),
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.row_counts().await, before, "nothing was deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn blank_or_malformed_comments_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    app.create_article(&token, "Quiet", &[]).await;
    for (body, status) in [
        (
            json!({"comment": {"body": ""}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"comment": {"body": "   "}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"comment": {}}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"comment": {"body": 12}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"comment": {"body": "x".repeat(10_001)}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"body": "not wrapped"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let response = app
            .rest(
                "POST",
                "/api/articles/quiet/comments",
                Some(&token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, status, "{body}");
    }
    let blank = app
        .rest(
            "POST",
            "/api/articles/quiet/comments",
            Some(&token),
            comment(""),
        )
        .await;
    assert_eq!(errors(&blank), json!({"body": ["can't be blank"]}));
    assert_eq!(app.row_counts().await[2], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_envelope_still_checks_the_article_first() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let other = app.register("other").await;
    app.create_article(&author, "Owned", &[]).await;
    let unknown = app
        .rest(
            "POST",
            "/api/articles/nope/comments",
            Some(&author),
            Some(json!({})),
        )
        .await;
    assert_eq!(errors(&unknown), json!({"article": ["not found"]}));
    let blank = app
        .rest(
            "POST",
            "/api/articles/owned/comments",
            Some(&author),
            Some(json!({})),
        )
        .await;
    assert_eq!(errors(&blank), json!({"body": ["can't be blank"]}));
    let foreign = app
        .rest("PUT", "/api/articles/owned", Some(&other), Some(json!({})))
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
}
