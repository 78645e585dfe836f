//! A user's old avatar is deleted when the user's `image` moves away from it, through REST and
//! GraphQL, after the update committed; nothing else ever is (local-file store; the S3 store is
//! tested in `uploads::s3`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::uploads::images::png;

impl TestApp {
    /// Uploads a small PNG as `token`'s user; returns its URL.
    pub async fn upload_url(&self, token: &str) -> String {
        let response = self.upload(Some(token), &png(2, 2)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        response.body["upload"]["url"]
            .as_str()
            .expect("an upload URL")
            .to_owned()
    }

    /// `PUT /api/user` with `{"user": fields}`.
    pub async fn update_user(&self, token: &str, fields: Value) -> crate::harness::Response {
        self.rest(
            "PUT",
            "/api/user",
            Some(token),
            Some(json!({ "user": fields })),
        )
        .await
    }

    /// `PUT /api/user` with `{"image": image}`; asserts 200.
    pub async fn set_image(&self, token: &str, image: Value) {
        let response = self.update_user(token, json!({ "image": image })).await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    }

    /// Whether `GET` of the upload URL serves the image.
    pub async fn is_served(&self, url: &str) -> bool {
        let (status, _, _) = self.fetch_upload(url).await;
        assert!(
            matches!(status, StatusCode::OK | StatusCode::NOT_FOUND),
            "{status}"
        );
        status == StatusCode::OK
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_avatar_is_deleted_through_rest_and_graphql() {
    let app = TestApp::spawn().await;
    let token = app.register("sitter").await;
    let first = app.upload_url(&token).await;
    app.set_image(&token, json!(first)).await;
    let second = app.upload_url(&token).await;
    assert_eq!((app.upload_rows().await, app.stored_files()), (2, 2));

    app.set_image(&token, json!(second)).await;
    assert!(!app.is_served(&first).await, "the replaced avatar is gone");
    assert!(app.is_served(&second).await);
    assert_eq!((app.upload_rows().await, app.stored_files()), (1, 1));

    // Cleared through GraphQL: the same service function, the same rule.
    let body = app
        .graphql(
            "mutation { updateViewer(input: {image: null}) { viewer { image } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        body["data"]["updateViewer"]["viewer"]["image"],
        Value::Null,
        "{body}"
    );
    assert!(!app.is_served(&second).await);
    assert_eq!((app.upload_rows().await, app.stored_files()), (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn article_images_other_users_uploads_and_kept_avatars_are_never_deleted() {
    let app = TestApp::spawn().await;
    let token = app.register("keeper").await;
    let other = app.register("other").await;

    // An avatar that is also in one of the user's articles stays when replaced.
    let shown = app.upload_url(&token).await;
    let response = app
        .rest(
            "POST",
            "/api/articles",
            Some(&token),
            Some(json!({"article": {"title": "Pictures", "description": "d",
                "body": format!("Look: ![me]({shown})")}})),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    app.set_image(&token, json!(shown)).await;
    app.set_image(&token, Value::Null).await;
    assert!(app.is_served(&shown).await, "an article still shows it");

    // Someone else's upload as the image: replacing it deletes nothing of theirs.
    let theirs = app.upload_url(&other).await;
    app.set_image(&token, json!(theirs)).await;
    app.set_image(&token, json!("https://example.com/me.png"))
        .await;
    assert!(app.is_served(&theirs).await, "not the user's own upload");

    // Saving the same image again, or changing another field, keeps the avatar.
    let avatar = app.upload_url(&token).await;
    app.set_image(&token, json!(avatar)).await;
    app.set_image(&token, json!(avatar)).await;
    let response = app.update_user(&token, json!({"bio": "still me"})).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert!(app.is_served(&avatar).await);

    // A refused update changes nothing, so it deletes nothing.
    let response = app
        .update_user(&token, json!({"image": "javascript:alert(1)"}))
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.is_served(&avatar).await);
    // So does one the database refuses (the username is taken): rolled back, nothing deleted.
    let response = app
        .update_user(&token, json!({"username": "other", "image": null}))
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{:?}", response.body);
    assert!(app.is_served(&avatar).await);
    assert_eq!((app.upload_rows().await, app.stored_files()), (3, 3));
}
