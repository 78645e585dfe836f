//! Request-level failures in each interface's own terms: GraphQL answers every malformed HTTP
//! request with `{"errors":[{"message", "extensions":{"code":"BAD_REQUEST"}}]}` as JSON, and no
//! REST or GraphQL message names one of the server's internal (Rust) types.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::harness::{MAX_BODY_BYTES, Response, TestApp};

/// Words that only the server's source code knows.
fn names_an_internal_type(message: &str) -> bool {
    [
        "struct",
        "enum",
        "Body",
        "Envelope",
        "Input",
        "BatchRequest",
        "InvalidRequest",
        "Error(",
        "i32",
        "i64",
        "u32",
        "u64",
        "usize",
        "Option",
        "Vec<",
        "`String`",
        "`str`",
        "::",
        "untagged",
        "serde",
    ]
    .iter()
    .any(|word| message.contains(word))
}

fn graphql_post(content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post("/graphql");
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.body(body.into()).unwrap()
}

/// Asserts the GraphQL request-error shape exactly and returns the message.
fn request_error(response: &Response, status: StatusCode) -> String {
    assert_eq!(response.status, status, "{:?}", response.body);
    assert_eq!(
        response.headers["content-type"], "application/json; charset=utf-8",
        "{:?}",
        response.body
    );
    let errors = response.body["errors"].as_array().expect("an errors array");
    assert_eq!(errors.len(), 1, "{:?}", response.body);
    assert_eq!(errors[0]["extensions"], json!({"code": "BAD_REQUEST"}));
    assert_eq!(
        response.body.as_object().map(|body| body.len()),
        Some(1),
        "only `errors`: {:?}",
        response.body
    );
    let message = errors[0]["message"].as_str().expect("a message").to_owned();
    assert!(!names_an_internal_type(&message), "{message}");
    message
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_graphql_requests_are_json_errors_in_graphql_terms() {
    let app = TestApp::spawn().await;
    let json = Some("application/json");
    let cases: Vec<(Option<&str>, &str, &str)> = vec![
        (json, r#"{"query":"#, "the body is not valid JSON"),
        (json, "", "the body is not valid JSON"),
        (
            json,
            r#"{"query": 5}"#,
            "`query` must be a string, not a number",
        ),
        (
            json,
            r#"[{"query": "{ tags }"}]"#,
            "batched requests are not supported",
        ),
        (json, "[]", "batched requests are not supported"),
        (json, r#""{ tags }""#, "the body must be a JSON object"),
        (json, "{}", "the request has no query"),
        (json, r#"{"query": null}"#, "the request has no query"),
        (
            json,
            r#"{"query": "{ tags }", "variables": "{}"}"#,
            "`variables` must be an object or null, not a string",
        ),
        (
            json,
            r#"{"query": "{ tags }", "operationName": 1}"#,
            "`operationName` must be a string or null, not a number",
        ),
        (
            json,
            r#"{"query": "{ tags }", "extensions": []}"#,
            "`extensions` must be an object or null, not an array",
        ),
    ];
    for (content_type, body, expected) in cases {
        let response = app.send(graphql_post(content_type, body)).await;
        let message = request_error(&response, StatusCode::BAD_REQUEST);
        assert!(message.starts_with(expected), "{body}: {message}");
    }
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
    ] {
        let response = app
            .send(graphql_post(Some(content_type), r#"{"query": "{ tags }"}"#))
            .await;
        let message = request_error(&response, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(message.contains("application/json"), "{message}");
    }
    // A JSON content type with parameters, or none at all, is read as JSON.
    for content_type in [Some("application/json; charset=utf-8"), None] {
        let response = app
            .send(graphql_post(content_type, r#"{"query": "{ tags }"}"#))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
        assert_eq!(response.body, json!({"data": {"tags": []}}));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_runs_queries_only_and_other_methods_are_refused() {
    let app = TestApp::spawn().await;
    let get = |query: &str| {
        Request::get(format!("/graphql?{query}"))
            .body(Body::empty())
            .unwrap()
    };

    let response = app.send(get("query=%7B%20tags%20%7D")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({"data": {"tags": []}}));

    let register = "mutation { register(input: {username: \"g\", email: \"g@example.com\", \
                    password: \"password-of-g\"}) { token } }";
    let encoded = format!("query={}", urlencode(register));
    let response = app.send(get(&encoded)).await;
    let message = request_error(&response, StatusCode::METHOD_NOT_ALLOWED);
    assert!(message.contains("POST"), "{message}");
    assert_eq!(response.headers["allow"], "POST");
    assert_eq!(
        app.user_count().await,
        0,
        "the refused mutation wrote nothing"
    );

    let response = app.send(get("query=%7Btags%7D&variables=%5B")).await;
    request_error(&response, StatusCode::BAD_REQUEST);

    for method in ["PUT", "DELETE", "PATCH"] {
        let request = Request::builder()
            .method(method)
            .uri("/graphql")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"query": "{ tags }"}"#))
            .unwrap();
        let response = app.send(request).await;
        request_error(&response, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers["allow"], "GET, POST");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_that_do_not_parse_or_validate_carry_bad_request() {
    let app = TestApp::spawn().await;
    for query in ["{", "{ nosuchfield }", "query ($n: Int!) { tags }"] {
        let body = app.graphql(query, json!({}), None).await;
        assert_eq!(body["data"], Value::Null, "{query}: {body}");
        let errors = body["errors"].as_array().unwrap();
        assert!(!errors.is_empty(), "{query}");
        for error in errors {
            assert_eq!(
                error["extensions"]["code"], "BAD_REQUEST",
                "{query}: {body}"
            );
            let message = error["message"].as_str().unwrap();
            assert!(!names_an_internal_type(message), "{message}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_oversized_graphql_body_is_413_json() {
    let app = TestApp::spawn().await;
    // No Content-Length: the limit is found while reading.
    let chunk = format!(r#"{{"query": "{{ tags }} #{}"}}"#, "x".repeat(64 * 1024));
    let chunks = std::iter::repeat_n(chunk, 8)
        .map(|chunk| Ok::<_, std::io::Error>(axum::body::Bytes::from(chunk)));
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let response = app.send(graphql_post(Some("application/json"), body)).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.headers["content-type"],
        "application/json; charset=utf-8"
    );
    // The GraphQL error shape and nothing else, with REST's code and field map for the same
    // refusal.
    let limit = format!("the limit is {MAX_BODY_BYTES} bytes");
    let errors = response.body["errors"].as_array().expect("an errors array");
    assert_eq!(errors.len(), 1, "{:?}", response.body);
    assert_eq!(response.body.as_object().unwrap().len(), 1);
    assert!(
        errors[0]["message"].as_str().unwrap().contains(&limit),
        "{:?}",
        response.body
    );
    assert_eq!(errors[0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    assert_eq!(
        errors[0]["extensions"]["errors"],
        json!({"body": [format!("is too large ({limit})")]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_over_the_size_limit_in_a_body_under_the_body_limit_is_bad_request_json() {
    // A body limit above the document limit (256 KiB), as by default (1 MiB).
    let app = TestApp::spawn_with(|config| config.max_body_bytes = 1024 * 1024).await;
    let document = format!("{{ tags # {}\n }}", "x".repeat(300 * 1024));
    let body = json!({ "query": document }).to_string();
    let response = app.send(graphql_post(Some("application/json"), body)).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(
        response.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert!(response.body["data"].is_null(), "{:?}", response.body);
    let error = &response.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_REQUEST");
    assert_eq!(
        error["message"],
        "query is longer than 262144 bytes; send long values (an article body) as variables"
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
    // The issue's own example: a login body of the wrong type.
    let response = app
        .rest("POST", "/api/users/login", None, Some(json!({"user": 5})))
        .await;
    assert_eq!(
        response.body,
        json!({"errors": {"user": ["must be an object (not a number)"]}})
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
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
