//! The number of SQL statements a list request runs does not grow with the page size, through
//! REST and through GraphQL with nested fields.

use serde_json::json;

use crate::harness::TestApp;

const PAGE_SIZES: [usize; 3] = [1, 20, 100];

/// 100 articles by two authors, with tags, favorites, comments and a follow.
async fn populated() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.rest("POST", "/api/profiles/ann/follow", Some(&ben), None)
        .await;
    for number in 0..100 {
        let (token, name) = if number % 2 == 0 {
            (&ann, "ann")
        } else {
            (&ben, "ben")
        };
        let article = app
            .create_article(
                token,
                &format!("{name} {number}"),
                &["shared", if number % 3 == 0 { "third" } else { "other" }],
            )
            .await;
        let slug = article["slug"].as_str().unwrap().to_owned();
        // The newest article (99) has a favorite and a comment, so every page size has some.
        if number % 4 == 3 {
            app.rest(
                "POST",
                &format!("/api/articles/{slug}/favorite"),
                Some(&ben),
                None,
            )
            .await;
            app.rest(
                "POST",
                &format!("/api/articles/{slug}/comments"),
                Some(&ann),
                Some(json!({"comment": {"body": "nice"}})),
            )
            .await;
        }
    }
    (app, ben)
}

/// Statements run by `request`.
async fn statements_of<F: std::future::Future>(app: &TestApp, request: F) -> (u64, F::Output) {
    let before = app.statements();
    let output = request.await;
    (app.statements() - before, output)
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_lists_take_the_same_statements_for_1_20_and_100_articles() {
    let (app, ben) = populated().await;
    for (label, path, token) in [
        ("anonymous list", "/api/articles", None),
        ("signed-in list", "/api/articles", Some(ben.as_str())),
        (
            "filtered list",
            "/api/articles?tag=shared&author=ann",
            Some(ben.as_str()),
        ),
        ("feed", "/api/articles/feed", Some(ben.as_str())),
    ] {
        let mut counts = Vec::new();
        for size in PAGE_SIZES {
            let (count, response) = statements_of(
                &app,
                app.rest(
                    "GET",
                    &format!(
                        "{path}{}limit={size}",
                        if path.contains('?') { "&" } else { "?" }
                    ),
                    token,
                    None,
                ),
            )
            .await;
            let returned = response.body["articles"].as_array().unwrap().len();
            assert!(
                returned == size || (label == "feed" || label == "filtered list"),
                "{label}: {returned}"
            );
            counts.push(count);
        }
        eprintln!("REST {label}: statements for 1/20/100 articles = {counts:?}");
        assert!(
            counts.iter().all(|count| *count == counts[0]),
            "{label}: {counts:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn graphql_lists_with_nested_fields_take_the_same_statements() {
    let (app, ben) = populated().await;
    let query = "query($first: Int!) { articles(first: $first) { totalCount edges { node {
        slug tagList favoritesCount viewerHasFavorited
        author { username viewerIsFollowing articles(first: 2) { slug tagList } }
        comments { body author { username viewerIsFollowing } }
    } } } }";
    for token in [None, Some(ben.as_str())] {
        let mut counts = Vec::new();
        for size in PAGE_SIZES {
            let (count, response) =
                statements_of(&app, app.graphql(query, json!({"first": size}), token)).await;
            assert!(response["errors"].is_null(), "{response}");
            assert_eq!(
                response["data"]["articles"]["edges"]
                    .as_array()
                    .unwrap()
                    .len(),
                size
            );
            counts.push(count);
        }
        eprintln!(
            "GraphQL nested list (signed in: {}): statements for 1/20/100 = {counts:?}",
            token.is_some()
        );
        assert!(counts.iter().all(|count| *count == counts[0]), "{counts:?}");
    }
}
