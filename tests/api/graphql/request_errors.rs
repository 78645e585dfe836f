//! Request-level failures in GraphQL's own terms: GraphQL answers every malformed HTTP request
//! with `{"errors":[{"message", "extensions":{"code":"BAD_REQUEST"}}]}` as JSON, and no message
//! names one of the server's internal (Rust) types (REST's side: `rest/request_errors.rs`).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::harness::{MAX_BODY_BYTES, Response, TestApp, error_of, names_an_internal_type};

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
    // multipart/form-data is the GraphQL multipart request of uploads (tests/api/uploads/graphql.rs).
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
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

#[tokio::test(flavor = "multi_thread")]
async fn graphql_answers_an_oversized_body_and_a_bad_first_in_graphql_terms() {
    let app = TestApp::spawn().await;
    let query = format!("{{ tags }} # {}", "x".repeat(MAX_BODY_BYTES));
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{:?}",
        response.body
    );
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "PAYLOAD_TOO_LARGE"
    );

    let token = app.register("author").await;
    app.create_article(&token, "Mine", &[]).await;
    let zero = app
        .graphql(
            "{ profile(username: \"author\") { articles(first: 0) { slug } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_of(&zero).0, "VALIDATION_FAILED");
}
