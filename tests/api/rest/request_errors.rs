//! Requests every REST route must survive: NUL characters, bodies of the wrong type (no message
//! names one of the server's internal Rust types), and the errors axum raises before any handler
//! runs, all as JSON in the RealWorld error shape.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, errors, names_an_internal_type, registration};

#[tokio::test(flavor = "multi_thread")]
async fn nul_characters_are_refused_with_a_4xx_everywhere() {
    let app = TestApp::spawn().await;
    let token = app.register("writer").await;
    app.create_article(&token, "Plain", &["plain"]).await;
    let before = app.row_counts().await;

    let mut bad_name = registration("nul");
    bad_name["user"]["username"] = json!("a\u{0}b");
    let response = app.rest("POST", "/api/users", None, Some(bad_name)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let login = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(json!({"user": {"email": "a\u{0}@example.com", "password": "password1"}})),
        )
        .await;
    assert_eq!(
        errors(&login),
        json!({"email": ["can't contain NUL characters"]})
    );
    for fields in [
        json!({"title": "a\u{0}b", "description": "d", "body": "b"}),
        json!({"title": "t", "description": "d", "body": "b", "tagList": ["x\u{0}"]}),
    ] {
        let response = app
            .rest(
                "POST",
                "/api/articles",
                Some(&token),
                Some(json!({"article": fields})),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            response.body
        );
    }
    let comment = app
        .rest(
            "POST",
            "/api/articles/plain/comments",
            Some(&token),
            Some(json!({"comment": {"body": "\u{0}"}})),
        )
        .await;
    assert_eq!(comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    for path in [
        "/api/profiles/a%00b",
        "/api/articles/a%00b",
        "/api/articles?tag=%00",
        "/api/articles?author=x%00",
    ] {
        let response = app.rest("GET", path, None, None).await;
        assert!(
            response.status.is_client_error() || response.status == StatusCode::OK,
            "{path}: {}",
            response.status
        );
        assert!(
            response.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
    }
    assert_eq!(app.row_counts().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_from_before_the_handlers_are_json_too() {
    let app = TestApp::spawn().await;
    let token = app.register("someone").await;
    let wrong_method = app.rest("PATCH", "/api/user", Some(&token), None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method.body["errors"]["method"][0].is_string(),
        "{:?}",
        wrong_method.body
    );
    assert_eq!(
        wrong_method.headers["content-type"],
        "application/json; charset=utf-8"
    );
    let not_utf8 = app
        .send(
            Request::get("/api/profiles/%FF")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(not_utf8.status, StatusCode::BAD_REQUEST);
    assert!(
        not_utf8.body["errors"]["request"][0].is_string(),
        "{:?}",
        not_utf8.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_rest_message_names_an_internal_type() {
    let app = TestApp::spawn().await;
    let token = app.register("typed").await;
    app.create_article(&token, "Typed", &[]).await;
    let hostile = [
        json!(5),
        json!("text"),
        json!([1]),
        json!({"user": 5}),
        json!({"user": []}),
        json!({"user": {"email": {}, "password": [], "username": 1.5, "bio": true, "image": 7}}),
        json!({"article": 5}),
        json!({"article": {"title": [], "tagList": {"a": 1}}}),
        json!({"article": {"title": "t", "description": "d", "body": "b", "tagList": [null]}}),
        json!({"comment": "text"}),
        json!({"comment": {"body": 99999999999_i64}}),
    ];
    let routes = [
        ("POST", "/api/users"),
        ("POST", "/api/users/login"),
        ("PUT", "/api/user"),
        ("POST", "/api/articles"),
        ("PUT", "/api/articles/typed"),
        ("POST", "/api/articles/typed/comments"),
    ];
    for (method, path) in routes {
        for body in &hostile {
            let response = app
                .rest(method, path, Some(&token), Some(body.clone()))
                .await;
            assert!(
                response.status.is_client_error(),
                "{method} {path} {body}: {}",
                response.status
            );
            for message in response.body["errors"]
                .as_object()
                .expect("the RealWorld error shape")
                .values()
                .flat_map(|messages| messages.as_array().unwrap())
            {
                let message = message.as_str().unwrap();
                assert!(
                    !names_an_internal_type(message),
                    "{method} {path} {body}: {message}"
                );
            }
        }
    }
    // A login body of the wrong type, as a client that forgot the envelope's shape sends it.
    let response = app
        .rest("POST", "/api/users/login", None, Some(json!({"user": 5})))
        .await;
    assert_eq!(
        response.body,
        json!({"errors": {"user": ["must be an object (not a number)"]}})
    );
}

/// The status and the RealWorld error messages of a REST request, without reading the body of
/// an answer that is not an error (an event stream never ends).
async fn rest_refusal(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: &str,
) -> (StatusCode, Vec<String>) {
    use tower::ServiceExt as _;
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Token {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    if !status.is_client_error() {
        return (status, Vec::new());
    }
    use http_body_util::BodyExt as _;
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "{method} {uri}: not JSON: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    let messages = body["errors"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {uri}: not the RealWorld error shape: {body}"))
        .iter()
        .flat_map(|(key, messages)| {
            messages
                .as_array()
                .unwrap()
                .iter()
                .map(move |message| format!("{key} {}", message.as_str().unwrap()))
        })
        .collect();
    (status, messages)
}

#[tokio::test(flavor = "multi_thread")]
async fn no_rest_query_string_or_path_message_names_an_internal_type() {
    let app = TestApp::spawn().await;
    let token = app.register("queried").await;
    app.create_article(&token, "Queried", &[]).await;
    let refused = [
        ("GET", "/api/articles?limit=abc"),
        ("GET", "/api/articles?offset=-1"),
        ("GET", "/api/articles?limit=1.5"),
        ("GET", "/api/articles?limit=99999999999999999999"),
        ("GET", "/api/articles?offset=abc&limit=0"),
        ("GET", "/api/articles/feed?limit=abc"),
        ("GET", "/api/articles/feed?offset=-1"),
        ("GET", "/api/profiles/%FF"),
        ("GET", "/api/articles/%C3%28"),
        ("GET", "/api/articles/%FF/comments"),
        ("DELETE", "/api/articles/queried/comments/abc"),
        ("DELETE", "/api/articles/queried/comments/-1"),
        (
            "DELETE",
            "/api/articles/queried/comments/99999999999999999999",
        ),
        ("DELETE", "/api/articles/queried/comments/%FF"),
    ];
    for (method, uri) in refused {
        let (status, messages) = rest_refusal(&app, method, uri, &token).await;
        assert!(status.is_client_error(), "{method} {uri}: {status}");
        assert!(!messages.is_empty(), "{method} {uri}");
        for message in &messages {
            eprintln!("{method} {uri}: {status} {message}");
            assert!(
                !names_an_internal_type(message) && !message.contains("deserialize"),
                "{method} {uri}: {message}"
            );
        }
    }
    // Brackets and unknown parameters are ignored, as by most servers, not refused.
    for uri in ["/api/articles?tag[]=x", "/api/articles?limit=5&unknown=1"] {
        let (status, _) = rest_refusal(&app, "GET", uri, &token).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
    // A filter given twice counts once (the last), on the list and on its event stream alike.
    let (status, _) = rest_refusal(&app, "GET", "/api/articles?tag=a&tag=b", &token).await;
    assert_eq!(status, StatusCode::OK);
    for query in ["tag[]=x", "tag=a&tag=b", "author=a&author=b&unknown=1"] {
        let uri = format!("/api/articles/events?{query}");
        let (status, _) = rest_refusal(&app, "GET", &uri, &token).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
}
