//! Users and auth over REST: the rules of register, login, get and update (the RealWorld
//! contract, and the validation rules in README "The two APIs").

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, errors, registration};

#[tokio::test(flavor = "multi_thread")]
async fn registration_returns_the_user_with_a_working_token() {
    let app = TestApp::spawn().await;
    let response = app
        .rest("POST", "/api/users", None, Some(registration("alice")))
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(
        response.headers["content-type"],
        "application/json; charset=utf-8"
    );
    let user = &response.body["user"];
    assert_eq!(user["username"], "alice");
    assert_eq!(user["email"], "alice@example.com");
    // Null, not left out.
    assert!(user.as_object().unwrap().contains_key("bio"));
    assert_eq!(user["bio"], json!(null));
    assert_eq!(user["image"], json!(null));
    let token = user["token"].as_str().unwrap();
    assert!(!token.is_empty());

    let current = app.rest("GET", "/api/user", Some(token), None).await;
    assert_eq!(current.status, StatusCode::OK);
    assert_eq!(current.body["user"]["username"], "alice");
    assert_eq!(current.body["user"]["email"], "alice@example.com");
    assert!(
        current.body["user"]["token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_of_exactly_eight_characters_is_accepted_and_seven_is_not() {
    let app = TestApp::spawn().await;
    let mut body = registration("eight");
    body["user"]["password"] = json!("12345678");
    assert_eq!(
        app.rest("POST", "/api/users", None, Some(body))
            .await
            .status,
        StatusCode::CREATED
    );
    let mut body = registration("seven");
    body["user"]["password"] = json!("1234567");
    let response = app.rest("POST", "/api/users", None, Some(body)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&response),
        json!({"password": ["is too short (minimum is 8 characters)"]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_works_with_the_registered_password_only() {
    let app = TestApp::spawn().await;
    app.register("bob").await;
    let login =
        |email: &str, password: &str| json!({"user": {"email": email, "password": password}});
    let ok = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(login("bob@example.com", "password-of-bob")),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["user"]["username"], "bob");
    let token = ok.body["user"]["token"].as_str().unwrap();
    assert_eq!(
        app.rest("GET", "/api/user", Some(token), None).await.status,
        StatusCode::OK
    );

    // Emails are case-insensitive.
    let shouting = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(login("BOB@Example.com", "password-of-bob")),
        )
        .await;
    assert_eq!(shouting.status, StatusCode::OK);

    for (email, password) in [
        ("bob@example.com", "wrong-password"),
        ("nobody@example.com", "password-of-bob"),
    ] {
        let refused = app
            .rest(
                "POST",
                "/api/users/login",
                None,
                Some(login(email, password)),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{email}");
        assert_eq!(errors(&refused), json!({"credentials": ["invalid"]}));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn login_checks_blank_fields_before_the_password() {
    let app = TestApp::spawn().await;
    let response = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(json!({"user": {"email": "", "password": ""}})),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&response),
        json!({"email": ["can't be blank"], "password": ["can't be blank"]})
    );
    let missing = app
        .rest("POST", "/api/users/login", None, Some(json!({"user": {}})))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn taken_username_or_email_is_409_on_the_right_key() {
    let app = TestApp::spawn().await;
    app.register("carol").await;
    let mut same_name = registration("carol");
    same_name["user"]["email"] = json!("other@example.com");
    let response = app.rest("POST", "/api/users", None, Some(same_name)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(
        errors(&response),
        json!({"username": ["has already been taken"]})
    );

    let mut same_email = registration("someone-else");
    same_email["user"]["email"] = json!("CAROL@example.com");
    let response = app.rest("POST", "/api/users", None, Some(same_email)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(
        errors(&response),
        json!({"email": ["has already been taken"]})
    );
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_registrations_of_one_name_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let attempts = (0..6).map(|attempt| {
        let mut body = registration("racer");
        body["user"]["email"] = json!(format!("racer{attempt}@example.com"));
        app.rest("POST", "/api/users", None, Some(body))
    });
    let responses = futures_util::future::join_all(attempts).await;
    let created = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let conflicts = responses
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 5));
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_is_partial_and_later_reads_show_it() {
    let app = TestApp::spawn().await;
    let token = app.register("dave").await;
    let response = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {"bio": "I write", "image": "https://img.example/d.png"}})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let user = &response.body["user"];
    assert_eq!(user["bio"], "I write");
    assert_eq!(user["image"], "https://img.example/d.png");
    assert_eq!(user["username"], "dave");
    assert_eq!(user["email"], "dave@example.com");

    let read = app.rest("GET", "/api/user", Some(&token), None).await;
    assert_eq!(read.body["user"]["bio"], "I write");

    // "" and null clear bio and image.
    let cleared = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {"bio": "", "image": null}})),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(cleared.body["user"]["bio"], json!(null));
    assert_eq!(cleared.body["user"]["image"], json!(null));

    // Frontends send the whole user back, token included; the extra field is ignored.
    let whole = json!({"user": {"email": "dave@example.com", "username": "dave", "bio": "back", "image": null, "token": token}});
    let response = app
        .rest("PUT", "/api/user", Some(&token), Some(whole))
        .await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "own username/email is no conflict"
    );
    assert_eq!(response.body["user"]["bio"], "back");
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_username_email_and_password_keeps_tokens_working() {
    let app = TestApp::spawn().await;
    let token = app.register("erin").await;
    let long_password = "p".repeat(64);
    let response = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {
                "username": "erin2", "email": "erin2@example.com", "password": long_password
            }})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    let new_token = response.body["user"]["token"].as_str().unwrap().to_owned();
    for token in [&token, &new_token] {
        let read = app.rest("GET", "/api/user", Some(token), None).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.body["user"]["username"], "erin2");
    }
    let login = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(json!({"user": {"email": "erin2@example.com", "password": long_password}})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_updates_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let token = app.register("frank").await;
    let before = app.user_row("frank").await;
    let cases = [
        (json!({"email": ""}), json!({"email": ["can't be blank"]})),
        (json!({"email": null}), json!({"email": ["can't be blank"]})),
        (
            json!({"username": ""}),
            json!({"username": ["can't be blank"]}),
        ),
        (
            json!({"username": null}),
            json!({"username": ["can't be blank"]}),
        ),
        // An empty password keeps the current one, so alone it changes nothing.
        (
            json!({"password": ""}),
            json!({"user": ["has no field to update"]}),
        ),
        (
            json!({"password": null}),
            json!({"user": ["has no field to update"]}),
        ),
        (
            json!({"password": "short"}),
            json!({"password": ["is too short (minimum is 8 characters)"]}),
        ),
        (
            json!({"email": "not-an-email"}),
            json!({"email": ["is invalid"]}),
        ),
        (
            json!({"bio": "x".repeat(10_001)}),
            json!({"bio": ["is too long (maximum is 10000 characters)"]}),
        ),
        // One bad field refuses the whole update, including the good one.
        (
            json!({"bio": "fine", "password": "short"}),
            json!({"password": ["is too short (minimum is 8 characters)"]}),
        ),
    ];
    for (fields, expected) in cases {
        let response = app
            .rest(
                "PUT",
                "/api/user",
                Some(&token),
                Some(json!({"user": fields.clone()})),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields}"
        );
        assert_eq!(errors(&response), expected, "{fields}");
    }
    assert_eq!(app.user_row("frank").await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn taking_another_users_name_or_email_is_409_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.register("grace").await;
    let token = app.register("heidi").await;
    let before = app.user_row("heidi").await;
    let response = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {"username": "grace", "bio": "new"}})),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(
        errors(&response),
        json!({"username": ["has already been taken"]})
    );
    let response = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {"email": "grace@example.com"}})),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(
        errors(&response),
        json!({"email": ["has already been taken"]})
    );
    assert_eq!(app.user_row("heidi").await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn routes_that_need_auth_say_the_token_is_missing() {
    let app = TestApp::spawn().await;
    for (method, body) in [("GET", None), ("PUT", Some(json!({"user": {"bio": "x"}})))] {
        let response = app.rest(method, "/api/user", None, body).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(errors(&response), json!({"token": ["is missing"]}));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn both_token_schemes_work() {
    let app = TestApp::spawn().await;
    let token = app.register("ivan").await;
    for scheme in ["Token", "Bearer"] {
        let request = axum::http::Request::get("/api/user")
            .header("authorization", format!("{scheme} {token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(app.send(request).await.status, StatusCode::OK, "{scheme}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_preflight_allows_a_frontend_on_another_origin() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::builder()
        .method("OPTIONS")
        .uri("/api/user")
        .header("origin", "http://localhost:4100")
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization,content-type,x-requested-with",
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.send(request).await;
    assert!(response.status.is_success(), "{}", response.status);
    let allowed_headers = response.headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["authorization", "content-type", "x-requested-with"] {
        assert!(allowed_headers.contains(header), "{allowed_headers}");
    }
    let allowed_methods = response.headers["access-control-allow-methods"]
        .to_str()
        .unwrap();
    for method in ["GET", "POST", "PUT", "DELETE"] {
        assert!(allowed_methods.contains(method), "{allowed_methods}");
    }
    assert_eq!(response.headers["access-control-allow-origin"], "*");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_are_404_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let response = app.rest("GET", "/api/nothing-here", None, None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(errors(&response), json!({"path": ["not found"]}));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_names_the_instance_and_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::get("/api/tags")
        .header("x-request-id", "from-the-proxy-123")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.headers["x-request-id"], "from-the-proxy-123");
    assert_eq!(
        response.headers["x-conduit-instance"],
        app.state.config().instance_name.as_str()
    );
    let without = app.rest("GET", "/api/nothing", None, None).await;
    let generated = without.headers["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 32, "{generated}");
    assert!(without.headers.contains_key("x-conduit-instance"));
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_reports_a_reachable_database() {
    let app = TestApp::spawn().await;
    let response = app.rest("GET", "/health/ready", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({"status": "ready"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_username_that_mentions_email_is_reported_as_the_username() {
    let app = TestApp::spawn().await;
    let mut first = registration("my_email_name");
    first["user"]["email"] = json!("first@example.com");
    assert_eq!(
        app.rest("POST", "/api/users", None, Some(first))
            .await
            .status,
        StatusCode::CREATED
    );
    let mut second = registration("my_email_name");
    second["user"]["email"] = json!("second@example.com");
    let response = app.rest("POST", "/api/users", None, Some(second)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(
        errors(&response),
        json!({"username": ["has already been taken"]})
    );
}
