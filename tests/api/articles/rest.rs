//! Reading, writing, deleting and favoriting articles over REST.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, errors, is_millisecond_utc};

fn article(fields: Value) -> Option<Value> {
    Some(json!({ "article": fields }))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_article_has_the_realworld_shape_everywhere() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    let response = app
        .rest(
            "POST",
            "/api/articles",
            Some(&token),
            article(json!({
                "title": "How to Train Your Dragon",
                "description": "Ever wonder how?",
                "body": "You have to believe",
                "tagList": ["training", "dragons", "training", " angular "],
            })),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
    let created = &response.body["article"];
    assert_eq!(created["slug"], "how-to-train-your-dragon");
    assert_eq!(created["title"], "How to Train Your Dragon");
    assert_eq!(created["description"], "Ever wonder how?");
    assert_eq!(created["body"], "You have to believe");
    assert_eq!(
        created["tagList"],
        json!(["angular", "dragons", "training"])
    );
    assert_eq!(created["favorited"], false);
    assert_eq!(created["favoritesCount"], 0);
    assert_eq!(
        created["author"],
        json!({"username": "author", "bio": null, "image": null, "following": false})
    );
    assert!(
        is_millisecond_utc(&created["createdAt"]),
        "{}",
        created["createdAt"]
    );
    assert!(is_millisecond_utc(&created["updatedAt"]));

    // The same stored times render the same in every response.
    let fetched = app
        .rest("GET", "/api/articles/how-to-train-your-dragon", None, None)
        .await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(&fetched.body["article"], created);
    let listed = app.rest("GET", "/api/articles", None, None).await;
    let item = &listed.body["articles"][0];
    assert_eq!(item["createdAt"], created["createdAt"]);
    assert_eq!(item["updatedAt"], created["updatedAt"]);
    assert!(
        item.get("body").is_none(),
        "list items leave the body key out"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_title_twice_gives_two_slugs() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    let first = app.create_article(&token, "Same Title", &[]).await;
    let second = app.create_article(&token, "Same Title", &[]).await;
    assert_eq!(first["slug"], "same-title");
    assert_ne!(first["slug"], second["slug"]);
    assert!(second["slug"].as_str().unwrap().starts_with("same-title-"));
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_are_partial_and_only_the_title_moves_the_slug() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    let created = app
        .create_article(&token, "Original Title", &["b", "a"])
        .await;

    let updated = app
        .rest(
            "PUT",
            "/api/articles/original-title",
            Some(&token),
            article(json!({"body": "New body"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    let updated = &updated.body["article"];
    assert_eq!(updated["body"], "New body");
    assert_eq!(updated["slug"], "original-title");
    assert_eq!(updated["title"], "Original Title");
    assert_eq!(updated["description"], created["description"]);
    assert_eq!(
        updated["tagList"],
        json!(["a", "b"]),
        "omitted tagList keeps the tags"
    );
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert_ne!(updated["updatedAt"], created["updatedAt"]);

    let again = app
        .rest(
            "PUT",
            "/api/articles/original-title",
            Some(&token),
            article(json!({"description": "d2"})),
        )
        .await;
    assert_ne!(
        again.body["article"]["updatedAt"], updated["updatedAt"],
        "every update moves updatedAt"
    );

    let cleared = app
        .rest(
            "PUT",
            "/api/articles/original-title",
            Some(&token),
            article(json!({"tagList": []})),
        )
        .await;
    assert_eq!(cleared.body["article"]["tagList"], json!([]));

    let retitled = app
        .rest(
            "PUT",
            "/api/articles/original-title",
            Some(&token),
            article(json!({"title": "A New Title"})),
        )
        .await;
    assert_eq!(retitled.body["article"]["slug"], "a-new-title");
    assert_eq!(
        app.rest("GET", "/api/articles/a-new-title", None, None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.rest("GET", "/api/articles/original-title", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_articles_are_422_and_write_nothing() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    let many_tags: Vec<String> = (0..5000).map(|i| format!("tag{i}")).collect();
    let cases = [
        (
            json!({"title": "", "description": "d", "body": "b"}),
            json!({"title": ["can't be blank"]}),
        ),
        (
            json!({"title": "t", "description": " ", "body": "b"}),
            json!({"description": ["can't be blank"]}),
        ),
        (
            json!({"title": "t", "description": "d"}),
            json!({"body": ["can't be blank"]}),
        ),
        (
            json!({}),
            json!({"title": ["can't be blank"], "description": ["can't be blank"], "body": ["can't be blank"]}),
        ),
        (
            json!({"title": "t".repeat(256), "description": "d", "body": "b"}),
            json!({"title": ["is too long (maximum is 255 characters)"]}),
        ),
        (
            json!({"title": "t", "description": "d", "body": "b".repeat(100_001)}),
            json!({"body": ["is too long (maximum is 100000 characters)"]}),
        ),
        (
            json!({"title": "t", "description": "d", "body": "b", "tagList": many_tags}),
            json!({"tagList": ["is too long (maximum is 20 tags)"]}),
        ),
        (
            json!({"title": "t", "description": "d", "body": "b", "tagList": [""]}),
            json!({"tagList": ["can't contain blank tags"]}),
        ),
        (
            json!({"title": "t", "description": "d", "body": "b", "tagList": ["x".repeat(65)]}),
            json!({"tagList": ["can't contain tags longer than 64 characters"]}),
        ),
    ];
    for (fields, expected) in cases {
        let response = app
            .rest(
                "POST",
                "/api/articles",
                Some(&token),
                article(fields.clone()),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields}"
        );
        assert_eq!(errors(&response), expected, "{fields}");
    }
    for (fields, key, expected) in [
        (
            json!({"title": "t", "description": "d", "body": "b", "tagList": [1, 2]}),
            "tagList",
            "each item must be a string (not a number)",
        ),
        (
            json!({"title": "t", "description": "d", "body": "b", "tagList": "rust"}),
            "tagList",
            "must be an array (not a string)",
        ),
        (
            json!({"title": 7, "description": "d", "body": "b"}),
            "title",
            "must be a string (not a number)",
        ),
        (
            json!({"title": "t", "description": "d", "body": {"text": "b"}}),
            "body",
            "must be a string (not an object)",
        ),
    ] {
        let response = app
            .rest(
                "POST",
                "/api/articles",
                Some(&token),
                article(fields.clone()),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields}"
        );
        assert_eq!(errors(&response), json!({ key: [expected] }), "{fields}");
    }
    let not_wrapped = app
        .rest(
            "POST",
            "/api/articles",
            Some(&token),
            Some(json!({"title": "t"})),
        )
        .await;
    assert_eq!(
        errors(&not_wrapped),
        json!({"title": ["can't be blank"], "description": ["can't be blank"], "body": ["can't be blank"]})
    );
    assert_eq!(app.row_counts().await, [0, 0, 0, 0, 0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_updates_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    app.create_article(&token, "Stable", &["keep"]).await;
    let before = app
        .rest("GET", "/api/articles/stable", None, None)
        .await
        .body;
    for (fields, expected) in [
        (json!({"title": ""}), json!({"title": ["can't be blank"]})),
        (json!({"title": null}), json!({"title": ["can't be blank"]})),
        (json!({"body": null}), json!({"body": ["can't be blank"]})),
        (
            json!({"description": ""}),
            json!({"description": ["can't be blank"]}),
        ),
        (
            json!({"tagList": null}),
            json!({"tagList": ["can't be null (send [] to remove every tag)"]}),
        ),
        (
            json!({"body": "fine", "tagList": [""]}),
            json!({"tagList": ["can't contain blank tags"]}),
        ),
    ] {
        let response = app
            .rest(
                "PUT",
                "/api/articles/stable",
                Some(&token),
                article(fields.clone()),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields}"
        );
        assert_eq!(errors(&response), expected, "{fields}");
    }
    assert_eq!(
        app.rest("GET", "/api/articles/stable", None, None)
            .await
            .body,
        before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_author_may_update_or_delete() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let intruder = app.register("intruder").await;
    app.create_article(&author, "Mine", &["t"]).await;
    let before = app.rest("GET", "/api/articles/mine", None, None).await.body;

    let update = app
        .rest(
            "PUT",
            "/api/articles/mine",
            Some(&intruder),
            article(json!({"body": "pwned"})),
        )
        .await;
    assert_eq!(update.status, StatusCode::FORBIDDEN);
    assert_eq!(errors(&update), json!({"article": ["forbidden"]}));
    let delete = app
        .rest("DELETE", "/api/articles/mine", Some(&intruder), None)
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    assert_eq!(errors(&delete), json!({"article": ["forbidden"]}));
    assert_eq!(
        app.rest("GET", "/api/articles/mine", None, None).await.body,
        before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_answers_204_and_takes_comments_and_favorites_along() {
    let app = TestApp::spawn().await;
    let token = app.register("author").await;
    app.create_article(&token, "Doomed", &["gone"]).await;
    app.rest("POST", "/api/articles/doomed/favorite", Some(&token), None)
        .await;
    app.rest(
        "POST",
        "/api/articles/doomed/comments",
        Some(&token),
        Some(json!({"comment": {"body": "hi"}})),
    )
    .await;

    let deleted = app
        .rest("DELETE", "/api/articles/doomed", Some(&token), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(deleted.body, Value::Null, "204 has no body");
    assert_eq!(
        app.rest("GET", "/api/articles/doomed", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.row_counts().await, [0, 0, 0, 0, 0]);
    let tags = app.rest("GET", "/api/tags", None, None).await;
    assert_eq!(
        tags.body,
        json!({"tags": []}),
        "a tag no article uses is not listed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_slugs_are_404_article_after_the_auth_check() {
    let app = TestApp::spawn().await;
    let token = app.register("someone").await;
    let routes = [
        ("GET", "/api/articles/missing", None),
        (
            "PUT",
            "/api/articles/missing",
            article(json!({"body": "x"})),
        ),
        ("DELETE", "/api/articles/missing", None),
        ("POST", "/api/articles/missing/favorite", None),
        ("DELETE", "/api/articles/missing/favorite", None),
        ("GET", "/api/articles/missing/comments", None),
        (
            "POST",
            "/api/articles/missing/comments",
            Some(json!({"comment": {"body": "x"}})),
        ),
        ("DELETE", "/api/articles/missing/comments/1", None),
        (
            "DELETE",
            "/api/articles/missing/comments/not-a-number",
            None,
        ),
    ];
    for (method, path, body) in routes {
        let response = app.rest(method, path, Some(&token), body.clone()).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(
            errors(&response),
            json!({"article": ["not found"]}),
            "{method} {path}"
        );
        if method != "GET" {
            let anonymous = app.rest(method, path, None, body).await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
            assert_eq!(errors(&anonymous), json!({"token": ["is missing"]}));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn favorites_count_exactly_and_twice_counts_once() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let fan = app.register("fan").await;
    app.create_article(&author, "Popular", &[]).await;

    // Bodiless POST in both forms clients use.
    let empty_json = Request::post("/api/articles/popular/favorite")
        .header("authorization", format!("Token {fan}"))
        .header("content-type", "application/json")
        .body(Body::empty())
        .unwrap();
    let favorited = app.send(empty_json).await;
    assert_eq!(favorited.status, StatusCode::OK);
    assert_eq!(favorited.body["article"]["favorited"], true);
    assert_eq!(favorited.body["article"]["favoritesCount"], 1);
    assert!(favorited.body["article"]["body"].is_string());

    let no_content_type = Request::post("/api/articles/popular/favorite")
        .header("authorization", format!("Token {fan}"))
        .body(Body::empty())
        .unwrap();
    let again = app.send(no_content_type).await;
    assert_eq!(
        again.body["article"]["favoritesCount"], 1,
        "favoriting twice counts once"
    );

    let seen_by_author = app
        .rest("GET", "/api/articles/popular", Some(&author), None)
        .await;
    assert_eq!(seen_by_author.body["article"]["favorited"], false);
    assert_eq!(seen_by_author.body["article"]["favoritesCount"], 1);

    let unfavorited = app
        .rest("DELETE", "/api/articles/popular/favorite", Some(&fan), None)
        .await;
    assert_eq!(unfavorited.status, StatusCode::OK);
    assert_eq!(unfavorited.body["article"]["favorited"], false);
    assert_eq!(unfavorited.body["article"]["favoritesCount"], 0);
}

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
