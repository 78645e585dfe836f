//! `uploadImage` over the GraphQL multipart request spec: the same service function as
//! `POST /api/uploads`, so the same image gives the same answer and the same bad file the same
//! refusal; forms that break the spec are 400, anonymous forms 401.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Response, TestApp, errors};
use crate::uploads::images::{gif, png, png_header_claiming};

const UPLOAD_IMAGE: &str = "mutation ($file: Upload!) { uploadImage(input: {file: $file}) \
    { image { url contentType size width height } } }";

const BOUNDARY: &str = "graphql-upload-boundary-3xQ9";

/// A multipart body of text fields and then files, each `(name, value)`.
fn form(texts: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"picture.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

fn post(token: Option<&str>, (content_type, body): (String, Vec<u8>)) -> Request<Body> {
    let mut request = Request::post("/graphql").header("content-type", content_type);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    request.body(Body::from(body)).unwrap()
}

/// The spec's layout: `operations`, `map` (file `0` → `variables.file`), the file.
fn upload_form(bytes: &[u8]) -> (String, Vec<u8>) {
    let operations = json!({"query": UPLOAD_IMAGE, "variables": {"file": null}}).to_string();
    form(
        &[
            ("operations", &operations),
            ("map", r#"{"0": ["variables.file"]}"#),
        ],
        &[("0", bytes)],
    )
}

impl TestApp {
    /// Uploads `bytes` through GraphQL's `uploadImage`.
    pub async fn upload_graphql(&self, token: Option<&str>, bytes: &[u8]) -> Response {
        self.send(post(token, upload_form(bytes))).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_image_stores_the_image_as_rest_does() {
    let app = TestApp::spawn().await;
    let token = app.register("grapher").await;
    let bytes = png(3, 2);
    let response = app.upload_graphql(Some(&token), &bytes).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    let image = &response.body["data"]["uploadImage"]["image"];
    let rest = app.upload(Some(&token), &bytes).await;
    let mut expected = rest.body["upload"].clone();
    expected["url"] = image["url"].clone();
    assert_eq!(image, &expected, "the same fields and values as REST's");
    let url = image["url"].as_str().unwrap();
    assert!(url.starts_with("http://localhost/api/uploads/"), "{url}");
    let (status, headers, served) = app.fetch_upload(url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, bytes);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!((app.upload_rows().await, app.stored_files()), (2, 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_bad_upload_is_refused_alike_by_rest_and_graphql() {
    let app = TestApp::spawn_with(|config| {
        config.uploads.max_bytes = 4_096;
        config.rate_limits.uploads_per_user = 1;
    })
    .await;
    let token = app.register("twin").await;
    let cases: [(&str, Vec<u8>); 3] = [
        ("text", b"hello, not an image".to_vec()),
        ("too large", png(40, 40)),
        ("decompression bomb", png_header_claiming(100_000, 100_000)),
    ];
    for (case, bytes) in cases {
        let rest = app.upload(Some(&token), &bytes).await;
        assert_eq!(rest.status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
        let graphql = app.upload_graphql(Some(&token), &bytes).await;
        let error = &graphql.body["errors"][0];
        assert_eq!(error["extensions"]["code"], "VALIDATION_FAILED", "{case}");
        assert_eq!(error["extensions"]["errors"], errors(&rest), "{case}");
        assert_eq!(graphql.body["data"], Value::Null, "{case}");
    }

    // One budget for both interfaces: REST spends it, GraphQL finds it spent.
    let response = app.upload(Some(&token), &gif()).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let rest = app.upload(Some(&token), &gif()).await;
    assert_eq!(rest.status, StatusCode::TOO_MANY_REQUESTS);
    let graphql = app.upload_graphql(Some(&token), &gif()).await;
    let error = &graphql.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED");
    // The message counts the seconds left, which may tick between the two answers.
    for refusal in [&error["extensions"]["errors"], &errors(&rest)] {
        let message = refusal["request"][0].as_str().unwrap();
        assert!(
            message.starts_with("too many requests, retry in"),
            "{refusal}"
        );
    }
    assert!(error["extensions"]["retryAfter"].as_u64().is_some());

    // Without a token: 401 UNAUTHENTICATED both ways, before the body is read.
    let rest = app.upload(None, &gif()).await;
    assert_eq!(rest.status, StatusCode::UNAUTHORIZED);
    let graphql = app.upload_graphql(None, &gif()).await;
    assert_eq!(graphql.status, StatusCode::UNAUTHORIZED);
    let error = &graphql.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(error["extensions"]["errors"], errors(&rest));

    assert_eq!((app.upload_rows().await, app.stored_files()), (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_that_break_the_multipart_spec_are_400_saying_why() {
    let app = TestApp::spawn().await;
    let token = app.register("former").await;
    let operations = json!({"query": UPLOAD_IMAGE, "variables": {"file": null}}).to_string();
    let map = r#"{"0": ["variables.file"]}"#;
    let image = png(1, 1);
    let cases = [
        (
            "no operations",
            form(&[("map", map)], &[]),
            "the form has no `operations` field",
        ),
        (
            "no map",
            form(&[("operations", &operations)], &[]),
            "the form has no `map` field",
        ),
        (
            "file first",
            form(&[], &[("0", &image)]),
            "`operations` and `map` must come before the files",
        ),
        (
            "file not mapped",
            form(
                &[("operations", &operations), ("map", map)],
                &[("1", &image)],
            ),
            "the form field `1` is not in `map`",
        ),
        (
            "two files",
            form(
                &[
                    ("operations", &operations),
                    (
                        "map",
                        r#"{"0": ["variables.file"], "1": ["variables.file"]}"#,
                    ),
                ],
                &[("0", &image), ("1", &image)],
            ),
            "send one file per request",
        ),
        (
            "map not an object",
            form(&[("operations", &operations), ("map", "[]")], &[]),
            "`map` must be a JSON object",
        ),
        (
            "operations not JSON",
            form(&[("operations", "{"), ("map", map)], &[]),
            "`operations` is not valid JSON",
        ),
    ];
    for (case, body, message) in cases {
        let response = app.send(post(Some(&token), body)).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{case}: {:?}",
            response.body
        );
        let error = &response.body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_REQUEST", "{case}");
        assert!(
            error["message"].as_str().unwrap().starts_with(message),
            "{case}: {error}"
        );
    }
    assert_eq!((app.upload_rows().await, app.stored_files()), (0, 0));
}
