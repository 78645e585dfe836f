//! Profiles and follows over REST.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::harness::{TestApp, errors};

#[tokio::test(flavor = "multi_thread")]
async fn follow_and_unfollow_are_viewer_relative_and_idempotent() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    app.register("bob").await;

    let anonymous = app.rest("GET", "/api/profiles/bob", None, None).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(
        anonymous.body,
        json!({"profile": {"username": "bob", "bio": null, "image": null, "following": false}})
    );

    for _ in 0..2 {
        let followed = app
            .rest("POST", "/api/profiles/bob/follow", Some(&alice), None)
            .await;
        assert_eq!(followed.status, StatusCode::OK);
        assert_eq!(followed.body["profile"]["following"], true);
    }
    assert_eq!(
        app.row_counts().await[4],
        1,
        "following twice stores one follow"
    );
    let seen = app
        .rest("GET", "/api/profiles/bob", Some(&alice), None)
        .await;
    assert_eq!(seen.body["profile"]["following"], true);
    let by_stranger = app.rest("GET", "/api/profiles/bob", None, None).await;
    assert_eq!(by_stranger.body["profile"]["following"], false);

    for _ in 0..2 {
        let unfollowed = app
            .rest("DELETE", "/api/profiles/bob/follow", Some(&alice), None)
            .await;
        assert_eq!(unfollowed.status, StatusCode::OK);
        assert_eq!(unfollowed.body["profile"]["following"], false);
    }
    assert_eq!(app.row_counts().await[4], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_accepts_bodiless_and_unrelated_bodies() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    app.register("bob").await;
    let requests = [
        Request::post("/api/profiles/bob/follow")
            .header("authorization", format!("Token {alice}"))
            .body(Body::empty())
            .unwrap(),
        Request::post("/api/profiles/bob/follow")
            .header("authorization", format!("Token {alice}"))
            .header("content-type", "application/json")
            .body(Body::from(r#"{"user":{"email":"x"}}"#))
            .unwrap(),
    ];
    for request in requests {
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
        assert_eq!(response.body["profile"]["following"], true);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_profiles_are_404_after_the_auth_check() {
    let app = TestApp::spawn().await;
    let token = app.register("alice").await;
    let get = app.rest("GET", "/api/profiles/nobody", None, None).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    assert_eq!(errors(&get), json!({"profile": ["not found"]}));
    for method in ["POST", "DELETE"] {
        let response = app
            .rest(method, "/api/profiles/nobody/follow", Some(&token), None)
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(errors(&response), json!({"profile": ["not found"]}));
        let anonymous = app
            .rest(method, "/api/profiles/nobody/follow", None, None)
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method}");
        assert_eq!(errors(&anonymous), json!({"token": ["is missing"]}));
    }
    assert_eq!(app.row_counts().await[4], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn following_yourself_is_allowed_and_idempotent() {
    let app = TestApp::spawn().await;
    let token = app.register("narcissus").await;
    for _ in 0..2 {
        let response = app
            .rest("POST", "/api/profiles/narcissus/follow", Some(&token), None)
            .await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.body["profile"]["following"], true);
    }
    assert_eq!(app.row_counts().await[4], 1);
}
