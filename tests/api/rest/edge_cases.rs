//! Inputs at the edges that once could surprise the service: reserved slugs, hostile values in
//! unique keys, NUL characters, strings that grow when lower-cased, tokens of deleted users,
//! collation-dependent order, requests axum rejects before any handler runs.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::harness::{TestApp, errors, registration};
use crate::users::graphql::error_of;

#[tokio::test(flavor = "multi_thread")]
async fn an_article_titled_feed_stays_reachable_and_the_feed_stays_the_feed() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    let article = app.create_article(&token, "Feed", &[]).await;
    let slug = article["slug"].as_str().unwrap();
    assert!(slug.starts_with("feed-"), "{slug}");
    let path = format!("/api/articles/{slug}");
    assert_eq!(
        app.rest("GET", &path, None, None).await.status,
        StatusCode::OK
    );
    let updated = app
        .rest(
            "PUT",
            &path,
            Some(&token),
            Some(json!({"article": {"body": "new"}})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(
        app.rest("DELETE", &path, Some(&token), None).await.status,
        StatusCode::NO_CONTENT
    );
    let feed = app
        .rest("GET", "/api/articles/feed", Some(&token), None)
        .await;
    assert_eq!(feed.body["articlesCount"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_username_that_mentions_email_is_reported_as_the_username() {
    let app = TestApp::spawn().await;
    let mut first = registration("my_email_name");
    first["user"]["email"] = json!("first@example.com");
    assert_eq!(
        app.rest("POST", "/api/users", None, Some(first))
            .await
            .status,
        StatusCode::CREATED
    );
    let mut second = registration("my_email_name");
    second["user"]["email"] = json!("second@example.com");
    let response = app.rest("POST", "/api/users", None, Some(second)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(
        errors(&response),
        json!({"username": ["has already been taken"]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_characters_are_refused_with_a_4xx_everywhere() {
    let app = TestApp::spawn().await;
    let token = app.register("writer").await;
    app.create_article(&token, "Plain", &["plain"]).await;
    let before = app.row_counts().await;

    let mut bad_name = registration("nul");
    bad_name["user"]["username"] = json!("a\u{0}b");
    let response = app.rest("POST", "/api/users", None, Some(bad_name)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let login = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(json!({"user": {"email": "a\u{0}@example.com", "password": "password1"}})),
        )
        .await;
    assert_eq!(
        errors(&login),
        json!({"email": ["can't contain NUL characters"]})
    );
    for fields in [
        json!({"title": "a\u{0}b", "description": "d", "body": "b"}),
        json!({"title": "t", "description": "d", "body": "b", "tagList": ["x\u{0}"]}),
    ] {
        let response = app
            .rest(
                "POST",
                "/api/articles",
                Some(&token),
                Some(json!({"article": fields})),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            response.body
        );
    }
    let comment = app
        .rest(
            "POST",
            "/api/articles/plain/comments",
            Some(&token),
            Some(json!({"comment": {"body": "\u{0}"}})),
        )
        .await;
    assert_eq!(comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    for path in [
        "/api/profiles/a%00b",
        "/api/articles/a%00b",
        "/api/articles?tag=%00",
        "/api/articles?author=x%00",
    ] {
        let response = app.rest("GET", path, None, None).await;
        assert!(
            response.status.is_client_error() || response.status == StatusCode::OK,
            "{path}: {}",
            response.status
        );
        assert!(
            response.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
    }
    assert_eq!(app.row_counts().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_that_grows_when_lower_cased_is_checked_at_its_stored_length() {
    let app = TestApp::spawn().await;
    // 'İ' lower-cases to two characters: 200 of them make 400, over the 255 limit.
    let email = format!("{}@example.com", "İ".repeat(200));
    let mut body = registration("dotted");
    body["user"]["email"] = json!(email);
    let response = app.rest("POST", "/api/users", None, Some(body)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&response),
        json!({"email": ["is too long (maximum is 255 characters)"]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_of_a_deleted_user_is_401_on_every_route() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let ghost = app.register("ghost").await;
    app.create_article(&author, "Still Here", &[]).await;
    app.delete_user("ghost").await;
    let before = app.row_counts().await;
    let routes = [
        ("POST", "/api/profiles/author/follow", None),
        ("POST", "/api/articles/still-here/favorite", None),
        (
            "POST",
            "/api/articles",
            Some(json!({"article": {"title": "t", "description": "d", "body": "b"}})),
        ),
        (
            "POST",
            "/api/articles/still-here/comments",
            Some(json!({"comment": {"body": "boo"}})),
        ),
        ("GET", "/api/articles", None),
        ("GET", "/api/articles/feed", None),
        ("GET", "/api/user", None),
    ];
    for (method, path, body) in routes {
        let response = app.rest(method, path, Some(&ghost), body).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(
            errors(&response),
            json!({"token": ["is invalid"]}),
            "{method} {path}"
        );
    }
    let graphql = app
        .graphql("{ articles { totalCount } }", json!({}), Some(&ghost))
        .await;
    assert_eq!(error_of(&graphql).0, "UNAUTHENTICATED");
    assert_eq!(app.row_counts().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_graphql_cursor_is_a_validation_error() {
    let app = TestApp::spawn().await;
    let response = app
        .graphql(
            "{ articles(after: \"9223372036854775807\") { totalCount } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_of(&response).0, "VALIDATION_FAILED");
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_lists_sort_the_same_on_every_backend() {
    let app = TestApp::spawn().await;
    let token = app.register("tagger").await;
    let article = app
        .create_article(&token, "Sorted", &["angular", "React", "b-c", "bc", "Ä"])
        .await;
    let expected = json!(["React", "angular", "b-c", "bc", "Ä"]);
    assert_eq!(article["tagList"], expected);
    let listed = app.rest("GET", "/api/articles", None, None).await;
    assert_eq!(listed.body["articles"][0]["tagList"], expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_from_before_the_handlers_are_json_too() {
    let app = TestApp::spawn().await;
    let token = app.register("someone").await;
    let wrong_method = app.rest("PATCH", "/api/user", Some(&token), None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method.body["errors"]["method"][0].is_string(),
        "{:?}",
        wrong_method.body
    );
    assert_eq!(
        wrong_method.headers["content-type"],
        "application/json; charset=utf-8"
    );
    let not_utf8 = app
        .send(
            Request::get("/api/profiles/%FF")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(not_utf8.status, StatusCode::BAD_REQUEST);
    assert!(
        not_utf8.body["errors"]["request"][0].is_string(),
        "{:?}",
        not_utf8.body
    );
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

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_envelope_still_checks_the_article_first() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let other = app.register("other").await;
    app.create_article(&author, "Owned", &[]).await;
    let unknown = app
        .rest(
            "POST",
            "/api/articles/nope/comments",
            Some(&author),
            Some(json!({})),
        )
        .await;
    assert_eq!(errors(&unknown), json!({"article": ["not found"]}));
    let blank = app
        .rest(
            "POST",
            "/api/articles/owned/comments",
            Some(&author),
            Some(json!({})),
        )
        .await;
    assert_eq!(errors(&blank), json!({"body": ["can't be blank"]}));
    let foreign = app
        .rest("PUT", "/api/articles/owned", Some(&other), Some(json!({})))
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn graphql_answers_an_oversized_body_and_a_bad_first_in_graphql_terms() {
    let app = TestApp::spawn().await;
    let query = format!(
        "{{ tags }} # {}",
        "x".repeat(crate::harness::MAX_BODY_BYTES)
    );
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
