//! `POST /api/uploads` and `GET /api/uploads/{key}` on the local-file store: images judged by
//! their bytes, limits on size, pixels and rate, nothing stored for a refused upload.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::harness::{Response, TestApp, errors};
use crate::uploads::images::{form, gif, jpeg, png, png_header_claiming, upload_request, webp};

impl TestApp {
    /// Uploads `bytes` as the form's `file` through REST.
    pub async fn upload(&self, token: Option<&str>, bytes: &[u8]) -> Response {
        self.send(upload_request("/api/uploads", token, bytes))
            .await
    }

    /// Rows in `uploads`.
    pub async fn upload_rows(&self) -> i64 {
        use conduit::db::schema::uploads;
        use conduit::on_connection;
        use diesel::QueryDsl as _;
        use diesel_async::RunQueryDsl as _;
        let db = self.state.session();
        on_connection!(&db, async move |conn| {
            Ok(uploads::table.count().get_result::<i64>(conn).await?)
        })
        .expect("count uploads")
    }

    /// Files in the local store's folder.
    pub fn stored_files(&self) -> usize {
        let folder = self.state.config().data_dir.join("uploads");
        std::fs::read_dir(folder).map_or(0, |entries| entries.count())
    }

    /// `GET` of an upload URL's path: status, headers and the raw bytes.
    pub async fn fetch_upload(&self, url: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let path = &url[url.find("/api/uploads/").expect("an upload URL")..];
        let response = self
            .router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_format_is_stored_and_served_back_with_its_type() {
    let app = TestApp::spawn().await;
    let token = app.register("painter").await;
    let cases = [
        (png(3, 2), "image/png", 3, 2, ".png"),
        (jpeg(), "image/jpeg", 3, 2, ".jpg"),
        (gif(), "image/gif", 1, 1, ".gif"),
        (webp(), "image/webp", 1, 1, ".webp"),
    ];
    for (bytes, content_type, width, height, extension) in cases {
        let response = app.upload(Some(&token), &bytes).await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        let upload = &response.body["upload"];
        assert_eq!(
            upload,
            &json!({
                "url": upload["url"],
                "contentType": content_type,
                "size": bytes.len(),
                "width": width,
                "height": height,
            })
        );
        let url = upload["url"].as_str().unwrap();
        assert!(url.starts_with("http://localhost/api/uploads/"), "{url}");
        assert!(url.ends_with(extension), "{url}");
        let key = url.rsplit('/').next().unwrap();
        assert_eq!(key.len(), 32 + extension.len(), "{key}");

        let (status, headers, served) = app.fetch_upload(url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(served, bytes, "{url}");
        assert_eq!(headers["content-type"], content_type);
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
    assert_eq!(app.upload_rows().await, 4);
    assert_eq!(app.stored_files(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_files_get_422_saying_what_is_allowed_and_store_nothing() {
    let app = TestApp::spawn_with(|config| config.uploads.max_bytes = 4_096).await;
    let token = app.register("forger").await;
    let mut truncated_png = png(2, 2);
    truncated_png.truncate(20);
    let cases: [(&str, Vec<u8>, &str); 7] = [
        (
            "text",
            b"hello, not an image".to_vec(),
            "must be a PNG, JPEG, GIF or WebP image",
        ),
        (
            "svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            "must be a PNG, JPEG, GIF or WebP image",
        ),
        (
            "empty",
            Vec::new(),
            "must be a PNG, JPEG, GIF or WebP image",
        ),
        (
            "truncated",
            truncated_png,
            "has an image header that cannot be read",
        ),
        ("too large", png(40, 40), "is too large: at most 4096 bytes"),
        (
            "decompression bomb",
            png_header_claiming(100_000, 100_000),
            "is 100000×100000 pixels: at most 25000000 pixels (width × height) are allowed",
        ),
        (
            "zero width",
            png_header_claiming(0, 10),
            "has an image header that cannot be read",
        ),
    ];
    for (case, bytes, message) in cases {
        let response = app.upload(Some(&token), &bytes).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}: {:?}",
            response.body
        );
        assert_eq!(errors(&response), json!({"file": [message]}), "{case}");
    }

    // Another field than `file`, and a body that is no form at all.
    let (content_type, body) = form("image", "a.png", "image/png", &png(1, 1));
    let request = Request::post("/api/uploads")
        .header("content-type", content_type)
        .header("authorization", format!("Token {token}"))
        .body(Body::from(body))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&response),
        json!({"file": ["is missing: send the image as the form field `file`"]})
    );
    let response = app
        .rest(
            "POST",
            "/api/uploads",
            Some(&token),
            Some(json!({"file": "x"})),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        response.body
    );
    assert!(
        errors(&response)["body"][0]
            .as_str()
            .unwrap()
            .starts_with("must be multipart/form-data"),
        "{:?}",
        response.body
    );

    assert_eq!(app.upload_rows().await, 0);
    assert_eq!(app.stored_files(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_signed_in_users_upload() {
    let app = TestApp::spawn().await;
    let response = app.upload(None, &png(1, 1)).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(errors(&response), json!({"token": ["is missing"]}));
    let response = app.upload(Some("not.a.token"), &png(1, 1)).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.upload_rows().await, 0);
    assert_eq!(app.stored_files(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_per_minute_are_counted_per_user() {
    let app = TestApp::spawn_with(|config| config.rate_limits.uploads_per_user = 2).await;
    let first = app.register("first").await;
    let second = app.register("second").await;
    for _ in 0..2 {
        let response = app.upload(Some(&first), &png(1, 1)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    }
    // A refused file spends nothing of the budget; the third image is refused.
    let response = app.upload(Some(&first), b"not an image").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let response = app.upload(Some(&first), &png(1, 1)).await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let response = app.upload(Some(&second), &png(1, 1)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    assert_eq!(app.upload_rows().await, 3);
    assert_eq!(app.stored_files(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_conduit_did_not_make_are_not_found() {
    let app = TestApp::spawn().await;
    // The data folder holds the JWT secret on SQLite; no key reaches outside the uploads.
    for key in [
        "0123456789abcdef0123456789abcdef.png",
        "..%2Fjwt-secret",
        "jwt-secret",
        "0123456789abcdef0123456789abcdef.svg",
    ] {
        let response = app
            .send(
                Request::get(format!("/api/uploads/{key}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{key}");
        assert_eq!(
            response.body,
            json!({"errors": {"upload": ["not found"]}}),
            "{key}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn urls_start_with_the_configured_base_or_the_request_origin() {
    let app = TestApp::spawn().await;
    let token = app.register("linker").await;
    let mut request = upload_request("/api/uploads", Some(&token), &gif());
    request
        .headers_mut()
        .insert("host", "conduit.example:8443".parse().unwrap());
    request
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let response = app.send(request).await;
    let url = response.body["upload"]["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("https://conduit.example:8443/api/uploads/"),
        "{url}"
    );

    // The URL is a valid `image` for the profile.
    let response = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {"image": url}})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.body["user"]["image"], Value::String(url));

    let configured = TestApp::spawn_with(|config| {
        config.uploads.base_url = Some("https://media.example.com/conduit".into());
    })
    .await;
    let token = configured.register("linker").await;
    let response = configured.upload(Some(&token), &gif()).await;
    let url = response.body["upload"]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://media.example.com/conduit/api/uploads/"),
        "{url}"
    );
}
