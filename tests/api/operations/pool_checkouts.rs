//! One pooled connection per request: every read and write path, REST and GraphQL (nested
//! DataLoaders included), checks a connection out of the pool exactly once. The one exception is
//! a password change, which gives its connection back while the password is hashed and checks
//! out again to write (two).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::TestApp;

/// Method, path, token, body and the expected status of a request.
type Request<'a> = (&'a str, String, Option<&'a str>, Option<Value>, StatusCode);

/// Connections checked out while `request` ran, and its output.
async fn checkouts_of<F: std::future::Future>(app: &TestApp, request: F) -> (u64, F::Output) {
    let before = app.checkouts();
    let output = request.await;
    (app.checkouts() - before, output)
}

/// Two users (ann follows ben), an article by each with tags, a favorite and a comment.
async fn site() -> (TestApp, String, String) {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.rest("POST", "/api/profiles/ben/follow", Some(&ann), None)
        .await;
    app.create_article(&ann, "Ann Writes", &["rust", "sql"])
        .await;
    app.create_article(&ben, "Ben Writes", &["rust"]).await;
    app.rest(
        "POST",
        "/api/articles/ben-writes/favorite",
        Some(&ann),
        None,
    )
    .await;
    app.rest(
        "POST",
        "/api/articles/ben-writes/comments",
        Some(&ann),
        Some(json!({"comment": {"body": "first"}})),
    )
    .await;
    (app, ann, ben)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rest_read_checks_out_one_connection() {
    let (app, ann, _ben) = site().await;
    for (path, token) in [
        ("/api/articles", None),
        ("/api/articles", Some(&ann)),
        (
            "/api/articles?tag=rust&author=ben&favorited=ann",
            Some(&ann),
        ),
        ("/api/articles/feed", Some(&ann)),
        ("/api/articles/ben-writes", None),
        ("/api/articles/ben-writes", Some(&ann)),
        ("/api/articles/ben-writes/comments", Some(&ann)),
        ("/api/profiles/ben", Some(&ann)),
        ("/api/user", Some(&ann)),
        ("/api/tags", None),
        ("/api/articles/no-such-article", Some(&ann)),
    ] {
        let (checkouts, response) =
            checkouts_of(&app, app.rest("GET", path, token.map(String::as_str), None)).await;
        assert!(
            response.status == StatusCode::OK || path.ends_with("no-such-article"),
            "GET {path}: {:?}",
            response.body
        );
        assert_eq!(checkouts, 1, "GET {path} (signed in: {})", token.is_some());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rest_write_checks_out_one_connection() {
    let (app, ann, ben) = site().await;
    let article =
        json!({"article": {"title": "Third", "description": "d", "body": "b", "tagList": ["new"]}});
    let comment = json!({"comment": {"body": "again"}});
    let writes: Vec<Request> = vec![
        (
            "POST",
            "/api/users".into(),
            None,
            Some(crate::harness::registration("cat")),
            StatusCode::CREATED,
        ),
        (
            "POST",
            "/api/users/login".into(),
            None,
            Some(json!({"user": {"email": "ann@example.com", "password": "password-of-ann"}})),
            StatusCode::OK,
        ),
        (
            "PUT",
            "/api/user".into(),
            Some(&ann),
            Some(json!({"user": {"bio": "hello"}})),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/articles".into(),
            Some(&ann),
            Some(article),
            StatusCode::CREATED,
        ),
        (
            "PUT",
            "/api/articles/third".into(),
            Some(&ann),
            Some(json!({"article": {"title": "Third, Revised", "tagList": ["newer"]}})),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/articles/ann-writes/favorite".into(),
            Some(&ben),
            None,
            StatusCode::OK,
        ),
        (
            "DELETE",
            "/api/articles/ann-writes/favorite".into(),
            Some(&ben),
            None,
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/profiles/ann/follow".into(),
            Some(&ben),
            None,
            StatusCode::OK,
        ),
        (
            "DELETE",
            "/api/profiles/ann/follow".into(),
            Some(&ben),
            None,
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/articles/ann-writes/comments".into(),
            Some(&ben),
            Some(comment),
            StatusCode::CREATED,
        ),
        (
            "DELETE",
            "/api/articles/third-revised".into(),
            Some(&ann),
            None,
            StatusCode::NO_CONTENT,
        ),
    ];
    for (method, path, token, body, status) in writes {
        let (checkouts, response) = checkouts_of(&app, app.rest(method, &path, token, body)).await;
        assert_eq!(
            response.status, status,
            "{method} {path}: {:?}",
            response.body
        );
        assert_eq!(checkouts, 1, "{method} {path}");
    }
    let comments = app
        .rest("GET", "/api/articles/ann-writes/comments", None, None)
        .await;
    let id = comments.body["comments"][0]["id"].as_i64().unwrap();
    let path = format!("/api/articles/ann-writes/comments/{id}");
    let (checkouts, response) =
        checkouts_of(&app, app.rest("DELETE", &path, Some(&ben), None)).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(checkouts, 1, "DELETE {path}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_change_checks_out_twice_to_hash_without_a_connection() {
    let (app, ann, _ben) = site().await;
    let body = json!({"user": {"password": "a-new-password"}});
    let (checkouts, response) =
        checkouts_of(&app, app.rest("PUT", "/api/user", Some(&ann), Some(body))).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    // Confirm the viewer, give the connection back while argon2 runs, then write.
    assert_eq!(checkouts, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_without_the_token_it_needs_checks_out_nothing() {
    let (app, _ann, _ben) = site().await;
    let (checkouts, response) = checkouts_of(&app, app.rest("GET", "/api/user", None, None)).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(checkouts, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_graphql_request_with_many_fields_and_nested_loaders_checks_out_once() {
    let (app, ann, _ben) = site().await;
    let query = "{
        viewer { username }
        tags
        profile(username: \"ben\") { username viewerIsFollowing articles(first: 2) { slug } }
        article(slug: \"ben-writes\") { slug comments { body author { username } } }
        feed(first: 5) { totalCount nodes { slug } }
        articles(first: 10, tag: \"rust\") { totalCount edges { node {
            slug tagList favoritesCount viewerHasFavorited
            author { username viewerIsFollowing articles(first: 3) { slug comments { body } } }
            comments { body author { username } }
        } } }
    }";
    for token in [None, Some(ann.as_str())] {
        let (checkouts, response) = checkouts_of(&app, app.graphql(query, json!({}), token)).await;
        if token.is_some() {
            assert!(response["errors"].is_null(), "{response}");
        }
        assert_eq!(checkouts, 1, "signed in: {}", token.is_some());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_graphql_mutation_checks_out_one_connection() {
    let (app, ann, ben) = site().await;
    let mutations = [
        (
            "mutation { register(input: {username: \"cat\", email: \"cat@example.com\", password: \"password-of-cat\"}) { token } }",
            None,
        ),
        (
            "mutation { login(input: {email: \"ann@example.com\", password: \"password-of-ann\"}) { token } }",
            None,
        ),
        (
            "mutation { updateViewer(input: {bio: \"hi\"}) { viewer { bio } } }",
            Some(&ann),
        ),
        (
            "mutation { createArticle(input: {title: \"Fourth\", description: \"d\", body: \"b\", tagList: [\"x\"]}) { article { slug author { articles { slug } } } } }",
            Some(&ann),
        ),
        (
            "mutation { updateArticle(input: {slug: \"fourth\", body: \"new\", tagList: [\"y\"]}) { article { body comments { body } } } }",
            Some(&ann),
        ),
        (
            "mutation { favoriteArticle(input: {slug: \"ann-writes\"}) { article { favoritesCount } } }",
            Some(&ben),
        ),
        (
            "mutation { unfavoriteArticle(input: {slug: \"ann-writes\"}) { article { favoritesCount } } }",
            Some(&ben),
        ),
        (
            "mutation { followProfile(input: {username: \"ann\"}) { profile { viewerIsFollowing } } }",
            Some(&ben),
        ),
        (
            "mutation { unfollowProfile(input: {username: \"ann\"}) { profile { viewerIsFollowing } } }",
            Some(&ben),
        ),
        (
            "mutation { addComment(input: {slug: \"ann-writes\", body: \"hey\"}) { comment { id } } }",
            Some(&ben),
        ),
        (
            "mutation { deleteArticle(input: {slug: \"fourth\"}) { deletedSlug } }",
            Some(&ann),
        ),
    ];
    for (mutation, token) in mutations {
        let (checkouts, response) = checkouts_of(
            &app,
            app.graphql(mutation, json!({}), token.map(String::as_str)),
        )
        .await;
        assert!(response["errors"].is_null(), "{mutation}: {response}");
        assert_eq!(checkouts, 1, "{mutation}");
    }
    let response = app
        .graphql(
            "{ article(slug: \"ann-writes\") { comments { id } } }",
            json!({}),
            None,
        )
        .await;
    let id = response["data"]["article"]["comments"][0]["id"].clone();
    let (checkouts, response) = checkouts_of(
        &app,
        app.graphql(
            "mutation($id: ID!) { deleteComment(input: {slug: \"ann-writes\", id: $id}) { deletedId } }",
            json!({"id": id}),
            Some(&ben),
        ),
    )
    .await;
    assert!(response["errors"].is_null(), "{response}");
    assert_eq!(checkouts, 1);
}
