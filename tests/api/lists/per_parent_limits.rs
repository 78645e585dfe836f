//! Nested lists (an author's articles, an article's comments) are limited per parent in SQL:
//! the queries behind the DataLoaders return at most N rows of each parent, the newest, in the
//! order of the REST lists; GraphQL's `first` on them is exact and checked.

use conduit::on_connection;
use conduit::service::articles::ArticleQueries as _;
use conduit::service::comments::CommentQueries as _;
use serde_json::{Value, json};

use crate::harness::{TestApp, error_of};
use crate::lists::rest::slugs;

/// The ids of these users, in the same order.
async fn user_ids(app: &TestApp, names: &[&str]) -> Vec<i32> {
    use conduit::db::schema::users;
    use diesel::{ExpressionMethods as _, QueryDsl as _};
    use diesel_async::RunQueryDsl as _;
    let db = app.state.session();
    let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    let wanted = names.clone();
    let found: Vec<(String, i32)> = on_connection!(&db, async move |conn| {
        Ok(users::table
            .filter(users::username.eq_any(wanted))
            .select((users::username, users::id))
            .load(conn)
            .await?)
    })
    .expect("user ids");
    names
        .iter()
        .map(|name| found.iter().find(|(found, _)| found == name).unwrap().1)
        .collect()
}

/// Sets the same `created_at` on every article, so that only the ids order them.
async fn one_moment_for_every_article(app: &TestApp) {
    use conduit::db::schema::articles;
    use diesel::ExpressionMethods as _;
    use diesel_async::RunQueryDsl as _;
    let moment = chrono::NaiveDate::from_ymd_opt(2026, 3, 4)
        .unwrap()
        .and_hms_milli_opt(5, 6, 7, 890)
        .unwrap();
    let db = app.state.session();
    on_connection!(&db, async move |conn| {
        Ok(diesel::update(articles::table)
            .set(articles::created_at.eq(moment))
            .execute(conn)
            .await?)
    })
    .expect("set created_at");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authors_articles_are_limited_per_author_in_sql() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.register("cy").await;
    for number in 0..12 {
        app.create_article(&ann, &format!("Ann {number}"), &[])
            .await;
    }
    for number in 0..3 {
        app.create_article(&ben, &format!("Ben {number}"), &[])
            .await;
    }
    // Every article in one millisecond: the id alone orders them, as in the REST list.
    one_moment_for_every_article(&app).await;
    let ids = user_ids(&app, &["ann", "ben", "cy"]).await;

    let db = app.state.session();
    let authors = ids.clone();
    let rows = on_connection!(&db, async move |conn| {
        Ok(conn.latest_article_rows(&authors, 5).await?)
    })
    .expect("latest articles");
    let of = |author: i32| -> Vec<String> {
        rows.iter()
            .filter(|row| row.author_id == author)
            .map(|row| row.slug.clone())
            .collect()
    };
    assert_eq!(rows.len(), 5 + 3, "rows from SQL");
    let rest = |query: &'static str| {
        let app = &app;
        async move { slugs(&app.rest("GET", query, None, None).await.body) }
    };
    assert_eq!(of(ids[0]), rest("/api/articles?author=ann&limit=5").await);
    assert_eq!(of(ids[0])[0], "ann-11");
    assert_eq!(of(ids[1]), rest("/api/articles?author=ben&limit=5").await);
    assert!(of(ids[2]).is_empty());

    // The GraphQL field asks SQL for exactly its `first`, aliases with two lengths included.
    let query = "{ articles(first: 20) { nodes { slug
        author { username latest: articles(first: 2) { slug } all: articles(first: 20) { slug } } } } }";
    let response = app.graphql(query, json!({}), None).await;
    assert!(response["errors"].is_null(), "{response}");
    for node in response["data"]["articles"]["nodes"].as_array().unwrap() {
        let author = node["author"]["username"].as_str().unwrap();
        let expected = slugs(
            &app.rest("GET", &format!("/api/articles?author={author}"), None, None)
                .await
                .body,
        );
        let nested = |field: &str| -> Vec<String> {
            node["author"][field]
                .as_array()
                .unwrap()
                .iter()
                .map(|article| article["slug"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(nested("latest"), expected[..2], "{author}");
        assert_eq!(nested("all"), expected, "{author}");
    }
    for first in [0, 21] {
        let query = format!(
            "{{ articles {{ nodes {{ author {{ articles(first: {first}) {{ slug }} }} }} }} }}"
        );
        let refused = app.graphql(&query, json!({}), None).await;
        assert_eq!(error_of(&refused).0, "VALIDATION_FAILED", "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_articles_comments_are_limited_per_article_in_sql() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    let busy = app.create_article(&ann, "Busy", &[]).await["slug"].clone();
    let quiet = app.create_article(&ann, "Quiet", &[]).await["slug"].clone();
    app.create_article(&ann, "Silent", &[]).await;
    for (slug, count) in [(&busy, 30), (&quiet, 2)] {
        for number in 0..count {
            let token = if number % 2 == 0 { &ann } else { &ben };
            let path = format!("/api/articles/{}/comments", slug.as_str().unwrap());
            let body = json!({"comment": {"body": format!("comment {number}")}});
            let added = app.rest("POST", &path, Some(token), Some(body)).await;
            assert!(added.status.is_success(), "{:?}", added.body);
        }
    }
    let all_ids = |slug: &Value| {
        let path = format!("/api/articles/{}/comments", slug.as_str().unwrap());
        let app = &app;
        async move {
            app.rest("GET", &path, None, None).await.body["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|comment| comment["id"].as_i64().unwrap() as i32)
                .collect::<Vec<i32>>()
        }
    };
    let busy_ids = all_ids(&busy).await;
    let quiet_ids = all_ids(&quiet).await;
    assert_eq!(busy_ids.len(), 30, "REST lists every comment");

    use conduit::db::schema::articles;
    use diesel::QueryDsl as _;
    use diesel_async::RunQueryDsl as _;
    let db = app.state.session();
    let rows = on_connection!(&db, async move |conn| {
        let article_ids: Vec<i32> = articles::table
            .order(articles::id)
            .select(articles::id)
            .load(conn)
            .await?;
        Ok(conn.latest_comment_rows(&article_ids, 7).await?)
    })
    .expect("latest comments");
    assert_eq!(rows.len(), 7 + 2, "rows from SQL");
    let busy_rows: Vec<i32> = rows
        .iter()
        .filter(|row| busy_ids.contains(&row.id))
        .map(|row| row.id)
        .collect();
    assert_eq!(busy_rows, busy_ids[..7]);
    let quiet_rows: Vec<i32> = rows
        .iter()
        .filter(|row| quiet_ids.contains(&row.id))
        .map(|row| row.id)
        .collect();
    assert_eq!(quiet_rows, quiet_ids);

    // GraphQL: the default (20), an explicit `first` and its bounds.
    let query = "{ articles { nodes { slug fewer: comments(first: 3) { id } comments { id } } } }";
    let response = app.graphql(query, json!({}), None).await;
    assert!(response["errors"].is_null(), "{response}");
    let ids_of = |comments: &Value| -> Vec<i32> {
        comments
            .as_array()
            .unwrap()
            .iter()
            .map(|comment| comment["id"].as_i64().unwrap() as i32)
            .collect()
    };
    for node in response["data"]["articles"]["nodes"].as_array().unwrap() {
        let expected = all_ids(&node["slug"]).await;
        let fewer = &expected[..expected.len().min(3)];
        let default = &expected[..expected.len().min(20)];
        assert_eq!(ids_of(&node["fewer"]), fewer, "{}", node["slug"]);
        assert_eq!(ids_of(&node["comments"]), default, "{}", node["slug"]);
    }
    for first in [0, 101] {
        let query = format!("{{ articles {{ nodes {{ comments(first: {first}) {{ id }} }} }} }}");
        let refused = app.graphql(&query, json!({}), None).await;
        let (code, fields) = error_of(&refused);
        assert_eq!(code, "VALIDATION_FAILED", "{refused}");
        assert!(fields.get("first").is_some(), "{refused}");
    }
}
