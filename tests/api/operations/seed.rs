//! `conduit seed` fills an empty database with data the API serves like any other.

use axum::http::StatusCode;
use conduit::seed::{DEMO_PASSWORD, SeedPlan, seed};
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn seeded_data_is_served_and_a_second_seed_is_refused() {
    let app = TestApp::spawn().await;
    let plan = SeedPlan {
        users: 12,
        articles: 1200,
        random_seed: 7,
    };
    let report = seed(&app.state, &plan).await.expect("seed");
    assert_eq!((report.users, report.articles), (12, 1200));
    assert!(
        report.article_tags >= 1200
            && report.favorites > 0
            && report.comments > 0
            && report.follows > 0
    );

    // The seed writes the counters with the rows; a recount must agree with every one of them.
    let drift = conduit::check::check_counters(&app.state.session(), false)
        .await
        .expect("check");
    assert!(drift.iter().all(|counter| counter.rows == 0), "{drift:?}");
    assert_eq!(drift.len(), 6);

    let list = app.rest("GET", "/api/articles?limit=100", None, None).await;
    assert_eq!(list.body["articlesCount"], 1200);
    let articles = list.body["articles"].as_array().unwrap();
    assert!(
        articles
            .iter()
            .all(|a| !a["tagList"].as_array().unwrap().is_empty())
    );
    let tags = app.rest("GET", "/api/tags", None, None).await;
    assert!(tags.body["tags"].as_array().unwrap().len() >= 10);

    let author = articles[0]["author"]["username"].as_str().unwrap();
    let login = app
        .rest("POST", "/api/users/login", None, Some(json!({"user": {"email": format!("{author}@example.com"), "password": DEMO_PASSWORD}})))
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let slug = articles[0]["slug"].as_str().unwrap();
    let single = app
        .rest("GET", &format!("/api/articles/{slug}"), None, None)
        .await;
    assert_eq!(single.status, StatusCode::OK);

    let again = seed(&app.state, &plan).await.unwrap_err();
    assert_eq!(again.code(), "VALIDATION_FAILED");
    assert_eq!(app.user_count().await, 12);
}

/// The seed loads with foreign keys suspended (dropped and added back on PostgreSQL, unchecked
/// for its session on MySQL): afterwards they must hold again, so deleting a user still takes
/// their articles, and the articles' tags, favorites and comments, with it.
#[tokio::test(flavor = "multi_thread")]
async fn foreign_keys_hold_after_a_seed() {
    let app = TestApp::spawn().await;
    let plan = SeedPlan {
        users: 6,
        articles: 60,
        random_seed: 11,
    };
    seed(&app.state, &plan).await.expect("seed");
    let list = app.rest("GET", "/api/articles?limit=1", None, None).await;
    let author = list.body["articles"][0]["author"]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = app
        .rest("GET", &format!("/api/articles?author={author}"), None, None)
        .await;
    let their_articles = theirs.body["articlesCount"].as_i64().unwrap();
    assert!(their_articles > 0);
    let [articles, links, ..] = app.row_counts().await;

    app.delete_user(&author).await;

    let [articles_after, links_after, ..] = app.row_counts().await;
    assert_eq!(articles_after, articles - their_articles);
    assert!(links_after < links, "their articles' tags go with them");
}
