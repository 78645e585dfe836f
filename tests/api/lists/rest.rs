//! Article lists, the feed and tags over REST: totals, order, filters, paging, flags.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, errors};

/// The slugs of a REST list response, in order.
pub fn slugs(response: &Value) -> Vec<String> {
    response["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|article| article["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_are_newest_first_with_the_total_and_paging() {
    let app = TestApp::spawn().await;
    let token = app.register("writer").await;
    for number in 1..=5 {
        app.create_article(&token, &format!("Article {number}"), &[])
            .await;
    }
    let all = app.rest("GET", "/api/articles", None, None).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["articlesCount"], 5);
    // Created back to back, possibly within one millisecond: the id breaks the tie.
    assert_eq!(
        slugs(&all.body),
        [
            "article-5",
            "article-4",
            "article-3",
            "article-2",
            "article-1"
        ]
    );
    for article in all.body["articles"].as_array().unwrap() {
        assert!(article.get("body").is_none(), "{article}");
    }

    let page = app
        .rest("GET", "/api/articles?limit=2&offset=1", None, None)
        .await;
    assert_eq!(slugs(&page.body), ["article-4", "article-3"]);
    assert_eq!(
        page.body["articlesCount"], 5,
        "the total, not the page length"
    );
    let past_the_end = app.rest("GET", "/api/articles?offset=10", None, None).await;
    assert_eq!(
        past_the_end.body,
        json!({"articles": [], "articlesCount": 5})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_combine_and_unknown_values_match_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.create_article(&ann, "Ann Rust", &["rust"]).await;
    app.create_article(&ann, "Ann Go", &["go"]).await;
    app.create_article(&ben, "Ben Rust", &["rust", "web"]).await;
    app.rest("POST", "/api/articles/ann-go/favorite", Some(&ben), None)
        .await;
    app.rest("POST", "/api/articles/ben-rust/favorite", Some(&ben), None)
        .await;

    let cases = [
        ("tag=rust", vec!["ben-rust", "ann-rust"]),
        ("author=ann", vec!["ann-go", "ann-rust"]),
        ("favorited=ben", vec!["ben-rust", "ann-go"]),
        ("tag=rust&author=ann", vec!["ann-rust"]),
        ("tag=rust&favorited=ben", vec!["ben-rust"]),
        ("author=ann&favorited=ben", vec!["ann-go"]),
        ("tag=nothing", vec![]),
        ("author=nobody", vec![]),
        ("favorited=ann", vec![]),
    ];
    for (query, expected) in cases {
        let response = app
            .rest("GET", &format!("/api/articles?{query}"), None, None)
            .await;
        assert_eq!(response.status, StatusCode::OK, "{query}");
        assert_eq!(slugs(&response.body), expected, "{query}");
        assert_eq!(response.body["articlesCount"], expected.len(), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn favorited_and_following_are_computed_for_the_viewer() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.create_article(&ann, "First", &[]).await;
    app.create_article(&ann, "Second", &[]).await;
    app.rest("POST", "/api/articles/first/favorite", Some(&ben), None)
        .await;
    app.rest("POST", "/api/profiles/ann/follow", Some(&ben), None)
        .await;

    let for_ben = app
        .rest("GET", "/api/articles", Some(&ben), None)
        .await
        .body;
    let flags: Vec<(bool, i64, bool)> = for_ben["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["favorited"].as_bool().unwrap(),
                a["favoritesCount"].as_i64().unwrap(),
                a["author"]["following"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(flags, [(false, 0, true), (true, 1, true)]);

    let anonymous = app.rest("GET", "/api/articles", None, None).await.body;
    for article in anonymous["articles"].as_array().unwrap() {
        assert_eq!(article["favorited"], false);
        assert_eq!(article["author"]["following"], false);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_shows_followed_authors_only_and_needs_auth() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    let cat = app.register("cat").await;
    app.create_article(&ann, "By Ann", &[]).await;
    app.create_article(&ben, "By Ben", &[]).await;
    app.create_article(&cat, "By Cat", &[]).await;

    let anonymous = app.rest("GET", "/api/articles/feed", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(errors(&anonymous), json!({"token": ["is missing"]}));

    let lonely = app
        .rest("GET", "/api/articles/feed", Some(&cat), None)
        .await;
    assert_eq!(lonely.body, json!({"articles": [], "articlesCount": 0}));

    app.rest("POST", "/api/profiles/ann/follow", Some(&cat), None)
        .await;
    app.rest("POST", "/api/profiles/ben/follow", Some(&cat), None)
        .await;
    let feed = app
        .rest("GET", "/api/articles/feed?limit=1", Some(&cat), None)
        .await;
    assert_eq!(slugs(&feed.body), ["by-ben"]);
    assert_eq!(feed.body["articlesCount"], 2);
    assert_eq!(feed.body["articles"][0]["author"]["following"], true);
    assert!(feed.body["articles"][0].get("body").is_none());
    let rest = app
        .rest("GET", "/api/articles/feed?offset=1", Some(&cat), None)
        .await;
    assert_eq!(slugs(&rest.body), ["by-ann"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_paging_is_422() {
    let app = TestApp::spawn().await;
    let token = app.register("reader").await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=101", "limit"),
        ("limit=99999999999999999999", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=1e3", "offset"),
        ("offset=99999999999999", "offset"),
    ] {
        for path in ["/api/articles", "/api/articles/feed"] {
            let response = app
                .rest("GET", &format!("{path}?{query}"), Some(&token), None)
                .await;
            assert_eq!(
                response.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}?{query}"
            );
            assert!(
                response.body["errors"][field][0]
                    .as_str()
                    .unwrap()
                    .starts_with("must be a whole number")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_list_every_tag_in_use_most_used_first() {
    let app = TestApp::spawn().await;
    let token = app.register("tagger").await;
    assert_eq!(
        app.rest("GET", "/api/tags", None, None).await.body,
        json!({"tags": []})
    );
    app.create_article(&token, "One", &["common", "zeta"]).await;
    app.create_article(&token, "Two", &["common", "alpha"])
        .await;
    let tags = app.rest("GET", "/api/tags", None, None).await;
    assert_eq!(tags.status, StatusCode::OK);
    assert_eq!(tags.body, json!({"tags": ["common", "alpha", "zeta"]}));
    // Tags are exact strings on every backend.
    app.create_article(&token, "Three", &["Common"]).await;
    let tags = app.rest("GET", "/api/tags", None, None).await;
    assert_eq!(tags.body["tags"].as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_filters_mean_no_filter() {
    let app = TestApp::spawn().await;
    let token = app.register("writer").await;
    app.create_article(&token, "One", &["x"]).await;
    let response = app
        .rest("GET", "/api/articles?tag=&author=&favorited=", None, None)
        .await;
    assert_eq!(response.body["articlesCount"], 1);
}
