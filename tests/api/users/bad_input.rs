//! Bad input to the user routes: each case is a clear 4xx in the RealWorld error shape, never a
//! 500, and writes nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use conduit::auth::TokenKeys;
use serde_json::{Value, json};

use crate::harness::{MAX_BODY_BYTES, SECRET, TestApp, error_of, errors, registration};

fn raw_post(path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post(path);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.body(body.into()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn blank_and_missing_registration_fields_are_422_per_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"user": {"username": "", "email": "", "password": ""}}),
            json!({"username": ["can't be blank"], "email": ["can't be blank"], "password": ["can't be blank"]}),
        ),
        (
            json!({"user": {"username": "   ", "email": "a@example.com", "password": "password1"}}),
            json!({"username": ["can't be blank"]}),
        ),
        (
            json!({"user": {"email": "a@example.com", "password": "password1"}}),
            json!({"username": ["can't be blank"]}),
        ),
        (
            json!({"user": {}}),
            json!({"username": ["can't be blank"], "email": ["can't be blank"], "password": ["can't be blank"]}),
        ),
        (
            json!({}),
            json!({"username": ["can't be blank"], "email": ["can't be blank"], "password": ["can't be blank"]}),
        ),
        (
            json!({"user": {"username": "a/b", "email": "ab@example.com", "password": "password1"}}),
            json!({"username": ["may not contain spaces or any of / ? # %"]}),
        ),
        (
            json!({"user": {"username": "x".repeat(65), "email": "ab@example.com", "password": "password1"}}),
            json!({"username": ["is too long (maximum is 64 characters)"]}),
        ),
        (
            json!({"user": {"username": "ab", "email": "no-at-sign", "password": "password1"}}),
            json!({"email": ["is invalid"]}),
        ),
        (
            json!({"user": {"username": "ab", "email": "ab@example.com", "password": "p".repeat(257)}}),
            json!({"password": ["is too long (maximum is 256 characters)"]}),
        ),
    ];
    for (body, expected) in cases {
        let response = app
            .rest("POST", "/api/users", None, Some(body.clone()))
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(errors(&response), expected, "{body}");
    }
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_json_types_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"user": {"username": 5, "email": "a@example.com", "password": "password1"}}),
            "username",
            "must be a string (not a number)",
        ),
        (
            json!({"user": {"username": "a", "email": ["a@example.com"], "password": "password1"}}),
            "email",
            "must be a string (not an array)",
        ),
        (
            json!({"user": {"username": "a", "email": "a@example.com", "password": true}}),
            "password",
            "must be a string (not a boolean)",
        ),
        (
            json!({"user": "alice"}),
            "user",
            "must be an object (not a string)",
        ),
    ];
    for (body, field, expected) in cases {
        let response = app
            .rest("POST", "/api/users", None, Some(body.clone()))
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(errors(&response), json!({ field: [expected] }), "{body}");
    }
    let token = app.register("typed").await;
    let response = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {"bio": 42}})),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&response),
        json!({"bio": ["must be a string (not a number)"]})
    );
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_that_are_not_objects_are_422() {
    let app = TestApp::spawn().await;
    let token = app.register("objects").await;
    for body in [
        json!([]),
        json!([1, 2, 3]),
        json!("just a string"),
        json!(42),
        json!(null),
    ] {
        for (method, path) in [
            ("POST", "/api/users"),
            ("PUT", "/api/user"),
            ("POST", "/api/articles"),
        ] {
            let response = app
                .rest(method, path, Some(&token), Some(body.clone()))
                .await;
            assert_eq!(
                response.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {path} {body}"
            );
            assert_eq!(
                errors(&response),
                json!({"body": ["must be a JSON object"]})
            );
        }
    }
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_garbage_and_non_json_bodies_are_400() {
    let app = TestApp::spawn().await;
    let bodies: [(Option<&str>, Vec<u8>); 5] = [
        (
            Some("application/json"),
            br#"{"user": {"username": "a""#.to_vec(),
        ),
        (Some("application/json"), b"{not json at all}".to_vec()),
        (Some("application/json"), vec![0xff, 0xfe, 0x00, 0x13, 0x37]),
        (
            Some("application/json"),
            br#"{"user": {}} {"user": {}}"#.to_vec(),
        ),
        (
            Some("text/plain"),
            registration("plain").to_string().into_bytes(),
        ),
    ];
    for (content_type, body) in bodies {
        let response = app
            .send(raw_post("/api/users", content_type, body.clone()))
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert!(
            response.body["errors"]["body"][0].is_string(),
            "{:?}",
            response.body
        );
    }
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let mut body = registration("big");
    body["user"]["bio"] = Value::String("x".repeat(MAX_BODY_BYTES + 1));
    let response = app.rest("POST", "/api/users", None, Some(body)).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        errors(&response)["body"][0]
            .as_str()
            .unwrap()
            .contains("too large")
    );

    // Also when the client does not announce the length (chunked upload).
    let chunks = futures_util::stream::iter(
        (0..20).map(|_| Ok::<_, std::io::Error>(vec![b' '; MAX_BODY_BYTES / 10])),
    );
    let request = Request::post("/api/users")
        .header("content-type", "application/json")
        .body(Body::from_stream(chunks))
        .unwrap();
    assert_eq!(
        app.send(request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(app.user_count().await, 0);
}

/// A token signed with `algorithm` and `key`, with otherwise valid claims for `user_id`.
fn forged_token(algorithm: jsonwebtoken::Algorithm, key: &[u8], user_id: i32) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims =
        json!({"sub": user_id.to_string(), "iss": "conduit", "iat": now, "exp": now + 3600});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(algorithm),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key).unwrap(),
    )
    .unwrap()
}

fn unsigned_token(user_id: i32) -> String {
    let now = chrono::Utc::now().timestamp();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = json!({"sub": user_id.to_string(), "iss": "conduit", "exp": now + 3600});
    format!("{header}.{}.", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_are_401_on_every_user_route() {
    let app = TestApp::spawn().await;
    let good = app.register("judy").await;
    let keys = TokenKeys::new(SECRET.as_bytes(), std::time::Duration::from_secs(60)).unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut tampered = good.clone();
    tampered.insert(tampered.len() / 2, 'A');
    let (header, rest) = good.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let admin_claims = URL_SAFE_NO_PAD
        .encode(json!({"sub": "999", "iss": "conduit", "exp": now + 3600}).to_string());
    let swapped_claims = format!("{header}.{admin_claims}.{signature}");
    let bad_tokens = [
        ("garbage", "not-a-token".to_owned()),
        ("tampered", tampered),
        ("claims swapped under the old signature", swapped_claims),
        ("expired", keys.sign(1, now - 7200, now - 3600).unwrap()),
        (
            "HS512 with the right secret",
            forged_token(jsonwebtoken::Algorithm::HS512, SECRET.as_bytes(), 1),
        ),
        (
            "HS256 with another secret",
            forged_token(
                jsonwebtoken::Algorithm::HS256,
                b"another-secret-that-is-long-enough!!",
                1,
            ),
        ),
        ("alg none", unsigned_token(1)),
        ("a user that does not exist", keys.issue(999_999).unwrap()),
    ];
    for (what, token) in bad_tokens {
        for (method, body) in [
            ("GET", None),
            ("PUT", Some(json!({"user": {"bio": "hacked"}}))),
        ] {
            let response = app.rest(method, "/api/user", Some(&token), body).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{what} {method}");
            assert_eq!(
                errors(&response),
                json!({"token": ["is invalid"]}),
                "{what}"
            );
        }
    }
    for header in ["Basic dXNlcjpwYXNz", "Token", "Bearer  ", "Tokenabc"] {
        let request = Request::get("/api/user")
            .header("authorization", header)
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            app.send(request).await.status,
            StatusCode::UNAUTHORIZED,
            "{header}"
        );
    }
    let bytes = axum::http::HeaderValue::from_bytes(b"Token \xff\xfe").unwrap();
    let request = Request::get("/api/user")
        .header("authorization", bytes)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.user_row("judy").await.unwrap().2,
        None,
        "nothing was written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_is_503_not_a_crash() {
    // A database nobody listens on; the pool gives up after its checkout timeout.
    let mut config = conduit::config::Config::from_source(&[]).unwrap();
    config.database_url =
        conduit::db::DatabaseUrl::parse("postgres://postgres@127.0.0.1:9/conduit").unwrap();
    config.jwt_secret = Some(conduit::config::Secret::new(SECRET.into()));
    config.migrate_on_start = false;
    config.pool.checkout_timeout = std::time::Duration::from_secs(1);
    let state = conduit::AppState::build(config).await.unwrap();
    let router = conduit::app(state);
    for request in [
        raw_post(
            "/api/users",
            Some("application/json"),
            registration("outage").to_string(),
        ),
        raw_post(
            "/api/users/login",
            Some("application/json"),
            json!({"user": {"email": "a@b.c", "password": "password1"}}).to_string(),
        ),
        Request::get("/health/ready").body(Body::empty()).unwrap(),
    ] {
        use tower::ServiceExt as _;
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_that_grows_when_lower_cased_is_checked_at_its_stored_length() {
    let app = TestApp::spawn().await;
    // 'İ' lower-cases to two characters: 200 of them make 400, over the 255 limit.
    let email = format!("{}@example.com", "İ".repeat(200));
    let mut body = registration("dotted");
    body["user"]["email"] = json!(email);
    let response = app.rest("POST", "/api/users", None, Some(body)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&response),
        json!({"email": ["is too long (maximum is 255 characters)"]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_of_a_deleted_user_is_401_on_every_route() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let ghost = app.register("ghost").await;
    app.create_article(&author, "Still Here", &[]).await;
    app.delete_user("ghost").await;
    let before = app.row_counts().await;
    let routes = [
        ("POST", "/api/profiles/author/follow", None),
        ("POST", "/api/articles/still-here/favorite", None),
        (
            "POST",
            "/api/articles",
            Some(json!({"article": {"title": "t", "description": "d", "body": "b"}})),
        ),
        (
            "POST",
            "/api/articles/still-here/comments",
            Some(json!({"comment": {"body": "boo"}})),
        ),
        ("GET", "/api/articles", None),
        ("GET", "/api/articles/feed", None),
        ("GET", "/api/user", None),
    ];
    for (method, path, body) in routes {
        let response = app.rest(method, path, Some(&ghost), body).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(
            errors(&response),
            json!({"token": ["is invalid"]}),
            "{method} {path}"
        );
    }
    let graphql = app
        .graphql("{ articles { totalCount } }", json!({}), Some(&ghost))
        .await;
    assert_eq!(error_of(&graphql).0, "UNAUTHENTICATED");
    assert_eq!(app.row_counts().await, before);
}
