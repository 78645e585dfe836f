//! Races settled by the database's constraints, not by check-then-insert: run concurrently
//! against the real backend.

use axum::http::StatusCode;
use futures_util::future::join_all;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn fifty_users_favoriting_at_once_count_fifty() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    app.create_article(&author, "Crowd Pleaser", &[]).await;
    // Registered a few at a time: 50 argon2 hashes at once can outwait the hashing queue on a
    // loaded machine (429), and registration is not what this test is about.
    let mut fans = Vec::new();
    for batch in (0..50).collect::<Vec<_>>().chunks(5) {
        fans.extend(
            join_all(batch.iter().map(|n| {
                let app = &app;
                async move { app.register(&format!("fan{n}")).await }
            }))
            .await,
        );
    }
    let responses = join_all(fans.iter().map(|token| {
        app.rest(
            "POST",
            "/api/articles/crowd-pleaser/favorite",
            Some(token),
            None,
        )
    }))
    .await;
    assert!(
        responses.iter().all(|r| r.status == StatusCode::OK),
        "{:?}",
        responses.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let article = app
        .rest("GET", "/api/articles/crowd-pleaser", None, None)
        .await;
    assert_eq!(article.body["article"]["favoritesCount"], 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_user_favoriting_twice_at_once_counts_once() {
    let app = TestApp::spawn().await;
    let token = app.register("eager").await;
    app.create_article(&token, "Once", &[]).await;
    let responses = join_all(
        (0..10).map(|_| app.rest("POST", "/api/articles/once/favorite", Some(&token), None)),
    )
    .await;
    assert!(responses.iter().all(|r| r.status == StatusCode::OK));
    let article = app
        .rest("GET", "/api/articles/once", Some(&token), None)
        .await;
    assert_eq!(article.body["article"]["favoritesCount"], 1);
    assert_eq!(article.body["article"]["favorited"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn articles_created_at_once_with_one_title_get_distinct_slugs() {
    let app = TestApp::spawn().await;
    let token = app.register("twin").await;
    let body = json!({"article": {"title": "Twins", "description": "d", "body": "b", "tagList": ["same", "tags"]}});
    let responses = join_all(
        (0..5).map(|_| app.rest("POST", "/api/articles", Some(&token), Some(body.clone()))),
    )
    .await;
    let mut slugs: Vec<String> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            r.body["article"]["slug"].as_str().unwrap().to_owned()
        })
        .collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 5, "{slugs:?}");
    let tags = app.rest("GET", "/api/tags", None, None).await;
    assert_eq!(tags.body, json!({"tags": ["same", "tags"]}));
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_follows_and_unfollows_are_idempotent() {
    let app = TestApp::spawn().await;
    let fan = app.register("fan").await;
    app.register("star").await;
    let follows =
        join_all((0..10).map(|_| app.rest("POST", "/api/profiles/star/follow", Some(&fan), None)))
            .await;
    assert!(
        follows
            .iter()
            .all(|r| r.status == StatusCode::OK && r.body["profile"]["following"] == true)
    );
    assert_eq!(app.row_counts().await[4], 1);
    let unfollows = join_all(
        (0..10).map(|_| app.rest("DELETE", "/api/profiles/star/follow", Some(&fan), None)),
    )
    .await;
    assert!(
        unfollows
            .iter()
            .all(|r| r.status == StatusCode::OK && r.body["profile"]["following"] == false)
    );
    assert_eq!(app.row_counts().await[4], 0);
}
