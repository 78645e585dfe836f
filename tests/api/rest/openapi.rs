//! The OpenAPI document is generated from the handlers and lists all 19 RealWorld operations,
//! the two streams of server-sent events and the two upload operations; the docs page and its
//! assets are served from the binary (no internet needed).

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::harness::TestApp;

const OPERATIONS: [&str; 23] = [
    "Login",
    "CreateUser",
    "GetCurrentUser",
    "UpdateCurrentUser",
    "GetProfileByUsername",
    "FollowUserByUsername",
    "UnfollowUserByUsername",
    "GetArticlesFeed",
    "GetArticles",
    "CreateArticle",
    "GetArticle",
    "UpdateArticle",
    "DeleteArticle",
    "GetArticleComments",
    "CreateArticleComment",
    "DeleteArticleComment",
    "CreateArticleFavorite",
    "DeleteArticleFavorite",
    "GetTags",
    "GetArticleEvents",
    "GetArticleCommentEvents",
    "CreateUpload",
    "GetUpload",
];

#[tokio::test(flavor = "multi_thread")]
async fn the_document_lists_the_19_realworld_operations_and_the_event_streams() {
    let app = TestApp::spawn().await;
    let response = app.rest("GET", "/api/openapi.json", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    let document = response.body;
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/"), "{path}");
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "post", "put", "delete"].contains(&method.as_str()) {
                operations.push(operation["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    operations.sort();
    let mut expected: Vec<String> = OPERATIONS.iter().map(|name| (*name).to_owned()).collect();
    expected.sort();
    assert_eq!(operations, expected);
    assert!(document["components"]["securitySchemes"]["Token"].is_object());
    assert!(document["components"]["schemas"]["Article"].is_object());
    let stream = &document["paths"]["/api/articles/{slug}/comments/events"]["get"];
    assert!(
        stream["responses"]["200"]["content"]["text/event-stream"].is_object(),
        "{stream}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_docs_page_and_its_assets_are_served_locally() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/docs/",
        "/api/docs/swagger-ui.css",
        "/api/docs/swagger-ui-bundle.js",
    ] {
        let response = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
    }
}
