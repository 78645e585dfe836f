//! REST and GraphQL run the same service functions: the same operation gives the same data and
//! the same errors through both.

use serde_json::json;

use crate::harness::{TestApp, error_of, errors, registration};
use crate::users::graphql::{LOGIN, REGISTER, UPDATE, VIEWER};

#[tokio::test(flavor = "multi_thread")]
async fn the_same_user_data_through_both_interfaces() {
    let app = TestApp::spawn().await;
    let rest_token = app.register("mallory").await;
    app.rest(
        "PUT",
        "/api/user",
        Some(&rest_token),
        Some(json!({"user": {"bio": "both ways"}})),
    )
    .await;

    let rest = app
        .rest("GET", "/api/user", Some(&rest_token), None)
        .await
        .body["user"]
        .clone();
    let graphql = app.graphql(VIEWER, json!({}), Some(&rest_token)).await["data"]["viewer"].clone();
    for field in ["username", "email", "bio", "image"] {
        assert_eq!(rest[field], graphql[field], "{field}");
    }

    // A token from either interface works on the other.
    let graphql_login = app
        .graphql(
            LOGIN,
            json!({"input": {"email": "mallory@example.com", "password": "password-of-mallory"}}),
            None,
        )
        .await;
    let graphql_token = graphql_login["data"]["login"]["token"].as_str().unwrap();
    let via_rest = app
        .rest("GET", "/api/user", Some(graphql_token), None)
        .await;
    assert_eq!(via_rest.body["user"]["username"], "mallory");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_errors_through_both_interfaces() {
    let app = TestApp::spawn().await;
    let token = app.register("niaj").await;
    app.register("olivia").await;

    // Validation.
    let rest = app
        .rest(
            "POST",
            "/api/users",
            None,
            Some(json!({"user": {"username": "", "email": "x@example.com", "password": "short"}})),
        )
        .await;
    let graphql = app
        .graphql(
            REGISTER,
            json!({"input": {"username": "", "email": "x@example.com", "password": "short"}}),
            None,
        )
        .await;
    assert_eq!(
        error_of(&graphql),
        ("VALIDATION_FAILED".into(), errors(&rest))
    );

    // Conflict.
    let rest = app
        .rest("POST", "/api/users", None, Some(registration("olivia")))
        .await;
    let graphql = app
        .graphql(
            REGISTER,
            json!({"input": registration("olivia")["user"]}),
            None,
        )
        .await;
    assert_eq!(error_of(&graphql), ("CONFLICT".into(), errors(&rest)));

    // Wrong password.
    let login = json!({"email": "niaj@example.com", "password": "wrong-password"});
    let rest = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(json!({"user": login})),
        )
        .await;
    let graphql = app.graphql(LOGIN, json!({"input": login}), None).await;
    assert_eq!(
        error_of(&graphql),
        ("UNAUTHENTICATED".into(), errors(&rest))
    );

    // Update conflict and update validation.
    for fields in [
        json!({"username": "olivia"}),
        json!({"email": ""}),
        json!({"password": "1234"}),
    ] {
        let rest = app
            .rest(
                "PUT",
                "/api/user",
                Some(&token),
                Some(json!({"user": fields})),
            )
            .await;
        let graphql = app
            .graphql(UPDATE, json!({"input": fields}), Some(&token))
            .await;
        assert_eq!(error_of(&graphql).1, errors(&rest), "{fields}");
    }

    // Bad token.
    let rest = app
        .rest(
            "PUT",
            "/api/user",
            Some("forged"),
            Some(json!({"user": {"bio": "x"}})),
        )
        .await;
    let graphql = app
        .graphql(UPDATE, json!({"input": {"bio": "x"}}), Some("forged"))
        .await;
    assert_eq!(
        error_of(&graphql),
        ("UNAUTHENTICATED".into(), errors(&rest))
    );
}
