//! Races settled by the database's constraints, not by check-then-insert: run concurrently
//! against the real backend.

use axum::http::StatusCode;
use futures_util::future::join_all;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn fifty_users_favoriting_at_once_count_fifty() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    app.create_article(&author, "Crowd Pleaser", &[]).await;
    // Registered a few at a time: 50 argon2 hashes at once can outwait the hashing queue on a
    // loaded machine (429), and registration is not what this test is about.
    let mut fans = Vec::new();
    for batch in (0..50).collect::<Vec<_>>().chunks(5) {
        fans.extend(
            join_all(batch.iter().map(|n| {
                let app = &app;
                async move { app.register(&format!("fan{n}")).await }
            }))
            .await,
        );
    }
    let responses = join_all(fans.iter().map(|token| {
        app.rest(
            "POST",
            "/api/articles/crowd-pleaser/favorite",
            Some(token),
            None,
        )
    }))
    .await;
    assert!(
        responses.iter().all(|r| r.status == StatusCode::OK),
        "{:?}",
        responses.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let article = app
        .rest("GET", "/api/articles/crowd-pleaser", None, None)
        .await;
    assert_eq!(article.body["article"]["favoritesCount"], 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_user_favoriting_twice_at_once_counts_once() {
    let app = TestApp::spawn().await;
    let token = app.register("eager").await;
    app.create_article(&token, "Once", &[]).await;
    let responses = join_all(
        (0..10).map(|_| app.rest("POST", "/api/articles/once/favorite", Some(&token), None)),
    )
    .await;
    assert!(responses.iter().all(|r| r.status == StatusCode::OK));
    let article = app
        .rest("GET", "/api/articles/once", Some(&token), None)
        .await;
    assert_eq!(article.body["article"]["favoritesCount"], 1);
    assert_eq!(article.body["article"]["favorited"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn articles_created_at_once_with_one_title_get_distinct_slugs() {
    let app = TestApp::spawn().await;
    let token = app.register("twin").await;
    let body = json!({"article": {"title": "Twins", "description": "d", "body": "b", "tagList": ["same", "tags"]}});
    let responses = join_all(
        (0..5).map(|_| app.rest("POST", "/api/articles", Some(&token), Some(body.clone()))),
    )
    .await;
    let mut slugs: Vec<String> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            r.body["article"]["slug"].as_str().unwrap().to_owned()
        })
        .collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 5, "{slugs:?}");
    let tags = app.rest("GET", "/api/tags", None, None).await;
    assert_eq!(tags.body, json!({"tags": ["same", "tags"]}));
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_follows_and_unfollows_are_idempotent() {
    let app = TestApp::spawn().await;
    let fan = app.register("fan").await;
    app.register("star").await;
    let follows =
        join_all((0..10).map(|_| app.rest("POST", "/api/profiles/star/follow", Some(&fan), None)))
            .await;
    assert!(
        follows
            .iter()
            .all(|r| r.status == StatusCode::OK && r.body["profile"]["following"] == true)
    );
    assert_eq!(app.row_counts().await[4], 1);
    let unfollows = join_all(
        (0..10).map(|_| app.rest("DELETE", "/api/profiles/star/follow", Some(&fan), None)),
    )
    .await;
    assert!(
        unfollows
            .iter()
            .all(|r| r.status == StatusCode::OK && r.body["profile"]["following"] == false)
    );
    assert_eq!(app.row_counts().await[4], 0);
}

/// A request retried while it answers 503: a deadlock between concurrent transactions is rolled
/// back whole and reported as 503, as is a wait for a pooled connection longer than the pool's
/// timeout (the client may retry), which is what these tests do; every other answer is returned.
async fn settled(
    app: &TestApp,
    method: &str,
    path: String,
    token: &str,
    body: Option<serde_json::Value>,
) -> crate::harness::Response {
    for _ in 0..20 {
        let response = app.rest(method, &path, Some(token), body.clone()).await;
        if response.status != StatusCode::SERVICE_UNAVAILABLE {
            return response;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{method} {path}: still 503 after 20 attempts");
}

/// Every counter equals a recount: `conduit check`'s recount finds no drift, and every total the
/// API reports (global, per tag, per author, per favoriting user, each user's feed,
/// `favoritesCount`, the tag list) equals the number of articles the same list returns.
pub async fn assert_counters_match_rows(app: &TestApp, users: &[(String, String)]) {
    let drift = conduit::check::check_counters(&app.state.session(), false)
        .await
        .expect("recount");
    assert!(
        drift.iter().all(|drift| drift.rows == 0),
        "drift: {drift:?}"
    );
    // (path, token): each list's articlesCount must equal its length (all fit in one page).
    let mut lists: Vec<(String, Option<&str>)> = vec![("/api/articles?limit=100".into(), None)];
    let tags = app.rest("GET", "/api/tags", None, None).await.body["tags"].clone();
    let tags: Vec<String> = serde_json::from_value(tags).unwrap();
    for tag in &tags {
        lists.push((format!("/api/articles?limit=100&tag={tag}"), None));
    }
    for (name, token) in users {
        lists.push((format!("/api/articles?limit=100&author={name}"), None));
        lists.push((format!("/api/articles?limit=100&favorited={name}"), None));
        lists.push(("/api/articles/feed?limit=100".into(), Some(token.as_str())));
    }
    let mut favorites_by_slug: std::collections::HashMap<String, i64> = Default::default();
    let mut tagged = std::collections::HashSet::new();
    for (path, token) in &lists {
        let list = app.rest("GET", path, *token, None).await;
        assert_eq!(list.status, StatusCode::OK, "{path}");
        let articles = list.body["articles"].as_array().unwrap();
        assert!(articles.len() < 100, "{path}: more than a page");
        assert_eq!(
            list.body["articlesCount"],
            articles.len(),
            "{path} (token: {})",
            token.is_some()
        );
        if path.contains("&favorited=") {
            for article in articles {
                *favorites_by_slug
                    .entry(article["slug"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
        }
        if path == "/api/articles?limit=100" {
            for article in articles {
                for tag in article["tagList"].as_array().unwrap() {
                    tagged.insert(tag.as_str().unwrap().to_owned());
                }
            }
        }
    }
    let all = app.rest("GET", "/api/articles?limit=100", None, None).await;
    for article in all.body["articles"].as_array().unwrap() {
        let slug = article["slug"].as_str().unwrap();
        assert_eq!(
            article["favoritesCount"],
            favorites_by_slug.get(slug).copied().unwrap_or(0),
            "{slug}"
        );
    }
    let mut listed: Vec<String> = tags.clone();
    listed.sort();
    let mut in_use: Vec<String> = tagged.into_iter().collect();
    in_use.sort();
    assert_eq!(
        listed, in_use,
        "the tag list is the tags of existing articles"
    );
    let graphql = app.graphql("{ tags }", json!({}), None).await;
    assert_eq!(graphql["data"]["tags"], json!(tags));
}

#[tokio::test(flavor = "multi_thread")]
async fn counters_stay_exact_under_concurrent_creates_deletes_favorites_and_tag_edits() {
    let app = &TestApp::spawn().await;
    let mut users = Vec::new();
    for batch in [["ann", "ben", "cat"], ["dan", "eve", "fay"]] {
        let tokens = join_all(batch.iter().map(|name| app.register(name))).await;
        users.extend(batch.iter().map(|name| name.to_string()).zip(tokens));
    }
    let tag = |n: usize| format!("t{}", n % 5);

    // Creates at once: 8 articles per user, two or three overlapping tags each (new tags created
    // by several transactions at once), titles repeated so that slugs collide; and follows.
    let mut creates = Vec::new();
    for (u, (_, token)) in users.iter().enumerate() {
        for n in 0..8 {
            let tags = if n % 2 == 0 {
                vec![tag(n), tag(n + u)]
            } else {
                vec![tag(n), tag(n + 1), tag(n + 3)]
            };
            let body = json!({"article": {"title": format!("Story {n}"), "description": "d",
                "body": "b", "tagList": tags}});
            creates.push(async move {
                let response =
                    settled(app, "POST", "/api/articles".into(), token, Some(body)).await;
                assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
                (
                    u,
                    response.body["article"]["slug"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            });
        }
    }
    let follows = users.iter().enumerate().flat_map(|(u, (_, token))| {
        [1, 2].map(|step| {
            let followee = users[(u + step) % users.len()].0.clone();
            settled(
                app,
                "POST",
                format!("/api/profiles/{followee}/follow"),
                token,
                None,
            )
        })
    });
    let (articles, _) = tokio::join!(join_all(creates), join_all(follows));
    assert_eq!(articles.len(), 48);

    // Then everything at once: favorites (some repeated), unfavorites racing them, tag edits
    // (two different edits of one article at once), and deletes racing favorites of the same
    // articles.
    let mut writes = Vec::new();
    for (a, (author, slug)) in articles.iter().enumerate() {
        let author_token = &users[*author].1;
        for (u, (_, token)) in users.iter().enumerate() {
            if (a + u) % 3 != 0 {
                let path = format!("/api/articles/{slug}/favorite");
                writes.push(settled(app, "POST", path.clone(), token, None));
                if u == 0 {
                    writes.push(settled(app, "POST", path, token, None));
                }
            }
            if (a + u) % 5 == 0 {
                let path = format!("/api/articles/{slug}/favorite");
                writes.push(settled(app, "DELETE", path, token, None));
            }
        }
        match a % 8 {
            0 | 1 => {
                for tags in [
                    vec![tag(a + 2), tag(a + 4)],
                    vec![tag(a + 4), "fresh".into()],
                ] {
                    let body = json!({"article": {"tagList": tags}});
                    let path = format!("/api/articles/{slug}");
                    writes.push(settled(app, "PUT", path, author_token, Some(body)));
                }
            }
            2 => {
                let body = json!({"article": {"tagList": []}});
                let path = format!("/api/articles/{slug}");
                writes.push(settled(app, "PUT", path, author_token, Some(body)));
            }
            5..=7 => {
                let path = format!("/api/articles/{slug}");
                writes.push(settled(app, "DELETE", path, author_token, None));
            }
            _ => {}
        }
    }
    let statuses: Vec<StatusCode> = join_all(writes)
        .await
        .into_iter()
        .map(|response| response.status)
        .collect();
    assert!(
        statuses
            .iter()
            .all(|status| status.is_success() || *status == StatusCode::NOT_FOUND),
        "{statuses:?}"
    );
    let all = app.rest("GET", "/api/articles?limit=100", None, None).await;
    assert_eq!(
        all.body["articlesCount"],
        48 - 18,
        "every delete went through"
    );
    let favorited = all.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|article| article["favoritesCount"] != 0)
        .count();
    assert!(favorited > 20, "the race left favorites to count");
    assert_counters_match_rows(app, &users).await;
}
