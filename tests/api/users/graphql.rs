//! Users and auth over GraphQL: the same rules as REST, errors as `extensions.code` with the same
//! key → messages map.

use serde_json::{Value, json};

use crate::harness::{TestApp, error_of};

pub const REGISTER: &str = "mutation($input: RegisterInput!) {
    register(input: $input) { token viewer { username email bio image } } }";
pub const LOGIN: &str = "mutation($input: LoginInput!) {
    login(input: $input) { token viewer { username email bio image } } }";
pub const UPDATE: &str = "mutation($input: UpdateViewerInput!) {
    updateViewer(input: $input) { token viewer { username email bio image } } }";
pub const VIEWER: &str = "{ viewer { username email bio image } }";

fn credentials(name: &str) -> Value {
    json!({"username": name, "email": format!("{name}@example.com"), "password": format!("password-of-{name}")})
}

#[tokio::test(flavor = "multi_thread")]
async fn register_login_viewer_and_update() {
    let app = TestApp::spawn().await;
    let registered = app
        .graphql(REGISTER, json!({"input": credentials("kim")}), None)
        .await;
    assert!(registered["errors"].is_null(), "{registered}");
    let payload = &registered["data"]["register"];
    assert_eq!(
        payload["viewer"],
        json!({"username": "kim", "email": "kim@example.com", "bio": null, "image": null})
    );
    let token = payload["token"].as_str().unwrap();

    let viewer = app.graphql(VIEWER, json!({}), Some(token)).await;
    assert_eq!(viewer["data"]["viewer"]["username"], "kim");

    let logged_in = app
        .graphql(
            LOGIN,
            json!({"input": {"email": "kim@example.com", "password": "password-of-kim"}}),
            None,
        )
        .await;
    assert_eq!(logged_in["data"]["login"]["viewer"]["username"], "kim");

    let updated = app
        .graphql(
            UPDATE,
            json!({"input": {"bio": "hello", "username": "kim2"}}),
            Some(token),
        )
        .await;
    assert_eq!(updated["data"]["updateViewer"]["viewer"]["bio"], "hello");
    assert_eq!(
        updated["data"]["updateViewer"]["viewer"]["username"],
        "kim2"
    );
    assert_eq!(
        updated["data"]["updateViewer"]["viewer"]["email"],
        "kim@example.com"
    );
    let cleared = app
        .graphql(UPDATE, json!({"input": {"bio": null}}), Some(token))
        .await;
    assert_eq!(
        cleared["data"]["updateViewer"]["viewer"]["bio"],
        json!(null)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_viewer_is_null_when_anonymous_and_an_error_with_a_bad_token() {
    let app = TestApp::spawn().await;
    let anonymous = app.graphql(VIEWER, json!({}), None).await;
    assert_eq!(anonymous["data"]["viewer"], json!(null));
    assert!(anonymous["errors"].is_null());
    let bad = app.graphql(VIEWER, json!({}), Some("not-a-token")).await;
    assert_eq!(
        error_of(&bad),
        ("UNAUTHENTICATED".into(), json!({"token": ["is invalid"]}))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_carry_the_code_and_the_field_map() {
    let app = TestApp::spawn().await;
    let blank = app
        .graphql(
            REGISTER,
            json!({"input": {"username": "", "email": "", "password": ""}}),
            None,
        )
        .await;
    assert_eq!(
        error_of(&blank),
        (
            "VALIDATION_FAILED".into(),
            json!({"username": ["can't be blank"], "email": ["can't be blank"], "password": ["can't be blank"]})
        )
    );
    assert_eq!(
        blank["errors"][0]["message"],
        "email can't be blank; password can't be blank; username can't be blank"
    );

    app.graphql(REGISTER, json!({"input": credentials("lee")}), None)
        .await;
    let taken = app
        .graphql(REGISTER, json!({"input": credentials("lee")}), None)
        .await;
    assert_eq!(taken["errors"][0]["extensions"]["code"], "CONFLICT");

    let wrong = app
        .graphql(
            LOGIN,
            json!({"input": {"email": "lee@example.com", "password": "not-the-password"}}),
            None,
        )
        .await;
    assert_eq!(
        error_of(&wrong),
        (
            "UNAUTHENTICATED".into(),
            json!({"credentials": ["invalid"]})
        )
    );

    let anonymous_update = app
        .graphql(UPDATE, json!({"input": {"bio": "x"}}), None)
        .await;
    assert_eq!(
        error_of(&anonymous_update),
        ("UNAUTHENTICATED".into(), json!({"token": ["is missing"]}))
    );
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_types_and_missing_arguments_are_graphql_validation_errors() {
    let app = TestApp::spawn().await;
    let response = app
        .graphql(
            REGISTER,
            json!({"input": {"username": 5, "email": "a@example.com"}}),
            None,
        )
        .await;
    assert!(response["data"].is_null(), "{response}");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("input"),
        "{response}"
    );
    let garbage = app.graphql("mutation { register(", json!({}), None).await;
    assert!(garbage["errors"][0]["message"].is_string());
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn too_deep_queries_are_refused() {
    let app = TestApp::spawn().await;
    // 14 levels; the limit is 12.
    let mut selection = "slug".to_owned();
    for _ in 0..6 {
        selection = format!("articles(first: 1) {{ author {{ {selection} }} }}");
    }
    let deep = format!("{{ articles(first: 1) {{ nodes {{ author {{ {selection} }} }} }} }}");
    let response = app.graphql(&deep, json!({}), None).await;
    assert_eq!(
        response["errors"][0]["message"], "query is nested 16 levels deep; at most 12 are allowed",
        "{response}"
    );
}
