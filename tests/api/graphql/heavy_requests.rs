//! One heavy request leaves the others unharmed: while a few of the dearest queries the limits
//! still accept run in parallel, other clients' simple requests (REST and GraphQL) are all
//! answered, none 503 or `UNAVAILABLE`, and the heavy ones answer in full. A request holds at
//! most one pooled connection at a time, so a small pool serves both. Counts are asserted, not
//! times.

use axum::http::StatusCode;
use futures_util::future::join_all;
use serde_json::json;

use crate::graphql::credential_operations::codes;
use crate::harness::TestApp;

/// 46 articles, each with its author's 20 latest articles and its 20 latest comments with their
/// authors: 11 + 46 × 216 = 9,947, just under the cost limit (10,000; 47 articles are refused).
const HEAVY: &str = "{ articles(first: 46) { totalCount nodes {
    slug title description body tagList createdAt favoritesCount viewerHasFavorited
    author { username bio image viewerIsFollowing articles(first: 20) { slug title tagList } }
    comments(first: 20) { id body createdAt author { username bio image } } } } }";

#[tokio::test(flavor = "multi_thread")]
async fn simple_requests_are_answered_while_the_heaviest_accepted_queries_run() {
    // A pool smaller than the heavy requests and the simple clients together.
    let app = TestApp::spawn_with(|config| config.pool.max_size = 3).await;
    let mut tokens = Vec::new();
    for name in ["heavy-a", "heavy-b", "heavy-c", "heavy-d"] {
        tokens.push(app.register(name).await);
    }
    for (number, token) in tokens.iter().cycle().take(24).enumerate() {
        let article = app
            .create_article(token, &format!("Heavy {number}"), &["heavy", "load"])
            .await;
        let slug = article["slug"].as_str().unwrap().to_owned();
        for commenter in &tokens {
            let comment = json!({"comment": {"body": format!("on {slug}")}});
            let path = format!("/api/articles/{slug}/comments");
            let response = app
                .rest("POST", &path, Some(commenter), Some(comment))
                .await;
            assert_eq!(response.status, StatusCode::CREATED);
        }
    }
    // The heavy query is within the limits (one more article is not), and answers in full on
    // its own.
    let dearer = app
        .graphql(&HEAVY.replace("first: 46", "first: 47"), json!({}), None)
        .await;
    assert_eq!(codes(&dearer), ["BAD_REQUEST"], "{dearer}");
    let alone = app.graphql(HEAVY, json!({}), Some(&tokens[0])).await;
    assert!(alone["errors"].is_null(), "{alone}");
    let nodes = alone["data"]["articles"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 24);
    assert_eq!(nodes[0]["comments"].as_array().unwrap().len(), 4);

    let heavy = async {
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            let round = (0..3).map(|client| app.graphql(HEAVY, json!({}), Some(&tokens[client])));
            outcomes.extend(join_all(round).await);
        }
        outcomes
    };
    let simple = join_all((0..4).map(|client| {
        let app = &app;
        async move {
            let mut statuses = Vec::new();
            for _ in 0..10 {
                let tags = app.rest("GET", "/api/tags", None, None).await;
                statuses.push(tags.status);
                let path = format!("/api/profiles/heavy-{}", ["a", "b", "c", "d"][client]);
                statuses.push(app.rest("GET", &path, None, None).await.status);
                let graphql = app.graphql("{ tags }", json!({}), None).await;
                statuses.push(if codes(&graphql).is_empty() {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                });
            }
            statuses
        }
    }));
    let (heavy, simple) = tokio::join!(heavy, simple);

    let simple: Vec<StatusCode> = simple.into_iter().flatten().collect();
    let refused = simple
        .iter()
        .filter(|status| **status != StatusCode::OK)
        .count();
    eprintln!(
        "{} simple requests next to 9 heavy queries (3 at a time, pool of 3): {refused} not answered 200",
        simple.len()
    );
    assert_eq!(simple.len(), 120);
    assert_eq!(refused, 0, "{simple:?}");
    for response in &heavy {
        assert!(codes(response).is_empty(), "{response}");
        let nodes = response["data"]["articles"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 24);
    }
}
