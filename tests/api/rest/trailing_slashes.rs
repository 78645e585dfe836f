//! Every REST operation answers the same with and without a trailing slash (public frontends
//! send `POST /api/articles/`), for every method, CORS preflights included. The operations come
//! from the OpenAPI document, so a route added later is covered without editing this test.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::harness::{TestApp, registration};
use crate::uploads::images::{gif, upload_request};

/// Two apps with the same data: one is called with plain paths, the other with a slash added.
async fn prepared_app() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    app.register("reader").await;
    app.create_article(&token, "Slash Article", &["slash"])
        .await;
    let comment = app
        .rest(
            "POST",
            "/api/articles/slash-article/comments",
            Some(&token),
            Some(json!({"comment": {"body": "first"}})),
        )
        .await;
    assert_eq!(comment.body["comment"]["id"], 1, "{:?}", comment.body);
    (app, token)
}

/// What changes from one run to the next on its own: tokens and timestamps.
fn without_volatile_fields(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| match key.as_str() {
                    "token" | "createdAt" | "updatedAt" => (key.clone(), json!("…")),
                    _ => (key.clone(), without_volatile_fields(value)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_volatile_fields).collect()),
        other => other.clone(),
    }
}

fn body_for(operation_id: &str) -> Option<Value> {
    Some(match operation_id {
        "Login" => {
            json!({"user": {"email": "reader@example.com", "password": "password-of-reader"}})
        }
        "CreateUser" => registration("newcomer"),
        "UpdateCurrentUser" => json!({"user": {"bio": "updated"}}),
        "CreateArticle" => {
            json!({"article": {"title": "Another", "description": "d", "body": "b"}})
        }
        "UpdateArticle" => json!({"article": {"body": "a new body"}}),
        "CreateArticleComment" => json!({"comment": {"body": "second"}}),
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_answers_the_same_with_a_trailing_slash() {
    let (plain, plain_token) = prepared_app().await;
    let (slashed, slashed_token) = prepared_app().await;
    let document = plain
        .rest("GET", "/api/openapi.json", None, None)
        .await
        .body;

    let mut operations = Vec::new();
    let mut streams = Vec::new();
    let mut uploads = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            // The two event streams never end, so their bodies cannot be compared; that they
            // answer with a trailing slash too is checked below by their headers.
            if operation["responses"]["200"]["content"]["text/event-stream"].is_object() {
                streams.push(template.replace("{slug}", "slash-article"));
                continue;
            }
            // Uploads take a form, not JSON, and are served by key: checked below.
            if template.starts_with("/api/uploads") {
                uploads.push(template.clone());
                continue;
            }
            let path = template
                .replace("{username}", "author")
                .replace("{slug}", "slash-article")
                .replace("{id}", "1");
            let id = operation["operationId"].as_str().unwrap().to_owned();
            operations.push((method.to_uppercase(), path, id));
        }
    }
    // Reads, then writes, then deletes (the deepest paths first, so the article goes last).
    let phase = |method: &str| {
        ["GET", "POST", "PUT", "DELETE"]
            .iter()
            .position(|m| *m == method)
    };
    operations.sort_by_key(|(method, path, _)| (phase(method), usize::MAX - path.len()));
    assert_eq!(operations.len(), 19);
    assert_eq!(streams.len(), 2, "{streams:?}");
    assert_eq!(uploads, ["/api/uploads", "/api/uploads/{key}"]);
    for path in ["/api/uploads", "/api/uploads/"] {
        let request = upload_request(path, Some(&slashed_token), &gif());
        let response = slashed.send(request).await;
        assert_eq!(response.status, StatusCode::CREATED, "{path}");
        let url = response.body["upload"]["url"].as_str().unwrap().to_owned();
        for url in [url.clone(), format!("{url}/")] {
            let (status, _, bytes) = slashed.fetch_upload(&url).await;
            assert_eq!(status, StatusCode::OK, "{url}");
            assert_eq!(bytes, gif(), "{url}");
        }
    }
    for path in streams {
        for path in [path.clone(), format!("{path}/")] {
            let request = Request::get(&path).body(Body::empty()).unwrap();
            let response = slashed.router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(
                response.headers()["content-type"],
                "text/event-stream",
                "{path}"
            );
        }
    }
    operations.push((
        "GET".into(),
        "/api/articles?tag=slash&limit=5".into(),
        "filtered".into(),
    ));

    for (method, path, id) in &operations {
        let with_slash = match path.split_once('?') {
            Some((path, query)) => format!("{path}/?{query}"),
            None => format!("{path}/"),
        };
        let expected = plain
            .rest(method, path, Some(&plain_token), body_for(id))
            .await;
        let actual = slashed
            .rest(method, &with_slash, Some(&slashed_token), body_for(id))
            .await;
        assert!(
            expected.status.is_success(),
            "{method} {path}: {} {:?}",
            expected.status,
            expected.body
        );
        assert_eq!(
            actual.status, expected.status,
            "{method} {with_slash}: {:?}",
            actual.body
        );
        assert_eq!(
            without_volatile_fields(&actual.body),
            without_volatile_fields(&expected.body),
            "{method} {with_slash}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_methods_preflights_and_graphql_keep_their_answers_with_a_slash() {
    let app = TestApp::spawn().await;
    for path in ["/api/tags", "/api/articles", "/api/user"] {
        let plain = app.rest("PATCH", path, None, None).await;
        let slashed = app.rest("PATCH", &format!("{path}/"), None, None).await;
        assert_eq!(plain.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(slashed.status, plain.status, "{path}/");
        assert_eq!(slashed.body, plain.body, "{path}/");
    }
    for path in ["/api/articles", "/api/articles/", "/api/user/", "/graphql/"] {
        let preflight = Request::builder()
            .method("OPTIONS")
            .uri(path)
            .header("origin", "http://frontend.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap();
        let response = app.send(preflight).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert_eq!(
            response.headers["access-control-allow-origin"], "*",
            "{path}"
        );
        assert!(
            response.headers["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("POST"),
            "{path}"
        );
    }
    let graphql = Request::post("/graphql/")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"query": "{ tags }"}"#))
        .unwrap();
    let response = app.send(graphql).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({"data": {"tags": []}}));
    assert_eq!(
        app.rest("GET", "/health/live/", None, None).await.status,
        StatusCode::OK
    );

    // Unknown paths stay 404 in the RealWorld shape, with or without the slash; the docs page
    // keeps its own slash.
    for path in ["/api/nothing", "/api/nothing/", "/", "//"] {
        let response = app.rest("GET", path, None, None).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            response.body,
            json!({"errors": {"path": ["not found"]}}),
            "{path}"
        );
    }
    let docs = app
        .send(Request::get("/api/docs/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(docs.status, StatusCode::OK);
}
