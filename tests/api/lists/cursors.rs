//! GraphQL connection cursors are positions, `(created_at, id)`: paging with `first` + `after`
//! visits every article once, in REST's order (ties in `created_at` broken by id), on every list;
//! a deep page costs the statements of the first; a string that is not a cursor is a clean
//! VALIDATION_FAILED.

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use crate::harness::{TestApp, error_of};

const PAGE: usize = 4;

const ARTICLES: &str = "query($first: Int, $after: String, $tag: String, $author: String,
        $favoritedBy: String) {
    articles(first: $first, after: $after, tag: $tag, author: $author, favoritedBy: $favoritedBy) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { slug } }
    } }";
const FEED: &str = "query($first: Int, $after: String) { articles: feed(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { slug } } } }";

/// Sets `created_at` of the articles with these slugs, as if they had been written then.
/// Also sets the copy each tag link keeps (`article_tags.article_created_at`), as the service
/// would have written it had the articles been created at `at`.
async fn set_created_at(app: &TestApp, slugs: Vec<String>, at: NaiveDateTime) {
    use conduit::db::schema::{article_tags, articles};
    use conduit::on_connection;
    use diesel::{ExpressionMethods as _, QueryDsl as _};
    use diesel_async::RunQueryDsl as _;
    let db = app.state.session();
    let count = slugs.len();
    let updated = on_connection!(&db, async move |conn| {
        let ids = articles::table
            .filter(articles::slug.eq_any(&slugs))
            .select(articles::id);
        diesel::update(article_tags::table.filter(article_tags::article_id.eq_any(ids)))
            .set(article_tags::article_created_at.eq(at))
            .execute(conn)
            .await?;
        Ok(
            diesel::update(articles::table.filter(articles::slug.eq_any(slugs)))
                .set(articles::created_at.eq(at))
                .execute(conn)
                .await?,
        )
    });
    assert_eq!(updated.expect("set created_at"), count);
}

fn moment(seconds: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
        .unwrap()
        .and_hms_milli_opt(3, 4, seconds, 567)
        .unwrap()
}

struct Fixture {
    app: TestApp,
    /// Tokens: ann wrote the even-numbered articles, cy the odd ones, ben reads.
    ann: String,
    ben: String,
    cy: String,
    /// Slugs in the expected order: newest first, ties by the newer (larger) id first.
    expected: Vec<String>,
}

/// Article `tie-N`'s number.
fn number_of(slug: &str) -> u32 {
    slug.trim_start_matches("tie-").parse().unwrap()
}

/// 15 articles by ann and cy in five groups of equal `created_at`, the groups' times out of
/// step with the ids; ben follows both and favorites every third.
async fn articles_with_ties() -> Fixture {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    let cy = app.register("cy").await;
    for name in ["ann", "cy"] {
        app.rest(
            "POST",
            &format!("/api/profiles/{name}/follow"),
            Some(&ben),
            None,
        )
        .await;
    }
    let mut written = Vec::new();
    for number in 0..15_u32 {
        let token = if number % 2 == 0 { &ann } else { &cy };
        let parity = if number % 2 == 0 { "even" } else { "odd" };
        let slug = app
            .create_article(token, &format!("Tie {number}"), &["all", parity])
            .await["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        if number % 3 == 0 {
            let path = format!("/api/articles/{slug}/favorite");
            app.rest("POST", &path, Some(&ben), None).await;
        }
        // Group (number * 2) % 5: three articles per group, ids interleaved across groups.
        written.push(((number * 2) % 5, number, slug));
    }
    for group in 0..5 {
        let slugs = written
            .iter()
            .filter(|(of, _, _)| *of == group)
            .map(|(_, _, slug)| slug.clone())
            .collect();
        set_created_at(&app, slugs, moment(group)).await;
    }
    // Newest group first; within a group the larger id (created later) first.
    written.sort_by_key(|(group, number, _)| std::cmp::Reverse((*group, *number)));
    let expected = written.into_iter().map(|(_, _, slug)| slug).collect();
    Fixture {
        app,
        ann,
        ben,
        cy,
        expected,
    }
}

fn slugs_of(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges: {connection}"))
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of a GraphQL list through `first` + `after`, checking `pageInfo` on the way.
async fn graphql_pages(
    app: &TestApp,
    query: &str,
    filter: &Value,
    token: Option<&str>,
) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut after: Option<String> = None;
    for page in 0.. {
        assert!(page < 50, "paging does not end");
        let mut variables = filter.clone();
        variables["first"] = json!(PAGE);
        variables["after"] = json!(after);
        let response = app.graphql(query, variables, token).await;
        let connection = &response["data"]["articles"];
        let info = &connection["pageInfo"];
        let page_slugs = slugs_of(connection);
        assert_eq!(info["hasPreviousPage"], page > 0, "{response}");
        if let Some(last) = connection["edges"].as_array().unwrap().last() {
            assert_eq!(info["endCursor"], last["cursor"], "{response}");
        }
        slugs.extend(page_slugs);
        let total = connection["totalCount"].as_u64().unwrap() as usize;
        assert_eq!(info["hasNextPage"], slugs.len() < total, "{response}");
        if info["hasNextPage"] != true {
            break;
        }
        after = Some(info["endCursor"].as_str().unwrap().to_owned());
    }
    slugs
}

/// Every page of a REST list through `limit` + `offset`.
async fn rest_pages(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    let mut slugs = Vec::new();
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page = format!("{path}{separator}limit={PAGE}&offset={}", slugs.len());
        let response = app.rest("GET", &page, token, None).await;
        let page_slugs = crate::lists::rest::slugs(&response.body);
        if page_slugs.is_empty() {
            break;
        }
        slugs.extend(page_slugs);
        assert!(slugs.len() < 100, "paging does not end");
    }
    slugs
}

#[tokio::test(flavor = "multi_thread")]
async fn cursor_paging_visits_every_article_once_in_the_order_of_offset_paging() {
    let Fixture {
        app, ben, expected, ..
    } = articles_with_ties().await;
    let only = |keep: fn(u32) -> bool| -> Vec<String> {
        expected
            .iter()
            .filter(|slug| keep(number_of(slug)))
            .cloned()
            .collect()
    };
    let favorited = only(|number| number % 3 == 0);
    let by_ann = only(|number| number % 2 == 0);
    let even_favorited = only(|number| number % 6 == 0);
    for (label, rest_path, query, filter, token, wanted) in [
        ("all", "/api/articles", ARTICLES, json!({}), None, &expected),
        (
            "all, signed in",
            "/api/articles",
            ARTICLES,
            json!({}),
            Some(ben.as_str()),
            &expected,
        ),
        (
            "tag",
            "/api/articles?tag=all",
            ARTICLES,
            json!({"tag": "all"}),
            None,
            &expected,
        ),
        (
            "tag even",
            "/api/articles?tag=even",
            ARTICLES,
            json!({"tag": "even"}),
            None,
            &by_ann,
        ),
        (
            "author",
            "/api/articles?author=ann",
            ARTICLES,
            json!({"author": "ann"}),
            None,
            &by_ann,
        ),
        (
            "favorited",
            "/api/articles?favorited=ben",
            ARTICLES,
            json!({"favoritedBy": "ben"}),
            None,
            &favorited,
        ),
        (
            "two filters",
            "/api/articles?tag=even&favorited=ben",
            ARTICLES,
            json!({"tag": "even", "favoritedBy": "ben"}),
            None,
            &even_favorited,
        ),
        (
            "feed",
            "/api/articles/feed",
            FEED,
            json!({}),
            Some(ben.as_str()),
            &expected,
        ),
    ] {
        let by_cursor = graphql_pages(&app, query, &filter, token).await;
        let by_offset = rest_pages(&app, rest_path, token).await;
        assert_eq!(&by_cursor, wanted, "{label}: cursor pages");
        assert_eq!(&by_offset, wanted, "{label}: offset pages");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_keeps_its_place_when_articles_are_published_or_deleted() {
    let Fixture {
        app,
        ann,
        cy,
        expected,
        ..
    } = articles_with_ties().await;
    let first = app.graphql(ARTICLES, json!({"first": PAGE}), None).await;
    let cursor = first["data"]["articles"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    // A new article goes to the top, and the row the cursor names is deleted: the next page
    // still starts right after that position, neither repeating nor skipping an article.
    let writer = app.register("writer").await;
    app.create_article(&writer, "Brand new", &[]).await;
    let last_of_page = &expected[PAGE - 1];
    let owner = if number_of(last_of_page).is_multiple_of(2) {
        &ann
    } else {
        &cy
    };
    let deleted = app
        .rest(
            "DELETE",
            &format!("/api/articles/{last_of_page}"),
            Some(owner),
            None,
        )
        .await;
    assert!(deleted.status.is_success(), "{:?}", deleted.body);
    let next = app
        .graphql(ARTICLES, json!({"first": PAGE, "after": cursor}), None)
        .await;
    assert_eq!(
        slugs_of(&next["data"]["articles"]),
        expected[PAGE..2 * PAGE]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_cursor_page_runs_as_many_statements_as_the_first() {
    let Fixture {
        app, ben, expected, ..
    } = articles_with_ties().await;
    let query = "query($after: String) { articles(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { slug viewerHasFavorited author { username viewerIsFollowing articles(first: 2) { slug } } }
    } }";
    // The cursor of the 12th article, read from an offset page.
    let deep = app
        .graphql(
            "{ articles(first: 1, offset: 11) { pageInfo { endCursor } } }",
            json!({}),
            None,
        )
        .await;
    let cursor = deep["data"]["articles"]["pageInfo"]["endCursor"].clone();
    for token in [None, Some(ben.as_str())] {
        let before = app.statements();
        let first = app.graphql(query, json!({"after": null}), token).await;
        let first_count = app.statements() - before;
        let before = app.statements();
        let deep = app.graphql(query, json!({"after": cursor}), token).await;
        let deep_count = app.statements() - before;
        let nodes = |page: &Value| -> Vec<String> {
            page["data"]["articles"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{page}"))
                .iter()
                .map(|node| node["slug"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(nodes(&first), expected[..2]);
        assert_eq!(nodes(&deep), expected[12..14]);
        assert_eq!(deep["data"]["articles"]["pageInfo"]["hasNextPage"], true);
        println!(
            "signed in: {}: first page {first_count} statements, deep page {deep_count}",
            token.is_some()
        );
        assert_eq!(deep_count, first_count, "signed in: {}", token.is_some());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_string_that_is_not_a_cursor_is_a_validation_error() {
    let Fixture { app, ben, .. } = articles_with_ties().await;
    let before = app.row_counts().await;
    let not_cursors = [
        // Old cursors were offsets.
        "0",
        "19",
        "9223372036854775807",
        "",
        "garbage",
        "djE6eDox",    // base64 of "v1:x:1"
        "djI6MTowOjE", // base64 of "v2:1:0:1"
    ];
    for (query, token) in [(ARTICLES, None), (FEED, Some(ben.as_str()))] {
        for cursor in not_cursors {
            let response = app
                .graphql(query, json!({"first": 2, "after": cursor}), token)
                .await;
            let (code, fields) = error_of(&response);
            assert_eq!(code, "VALIDATION_FAILED", "{cursor:?}: {response}");
            assert_eq!(
                fields,
                json!({"after": ["is not a valid cursor; start again without `after`"]}),
                "{cursor:?}"
            );
            assert_eq!(
                response["errors"][0]["message"],
                "after is not a valid cursor; start again without `after`"
            );
            assert!(response["data"].is_null(), "{response}");
        }
    }
    let valid = app.graphql(ARTICLES, json!({"first": 1}), None).await["data"]["articles"]
        ["pageInfo"]["endCursor"]
        .clone();
    let both = app
        .graphql(
            "query($after: String) { articles(after: $after, offset: 2) { totalCount } }",
            json!({"after": valid}),
            None,
        )
        .await;
    let (code, fields) = error_of(&both);
    assert_eq!(code, "VALIDATION_FAILED", "{both}");
    assert!(fields.get("offset").is_some(), "{both}");
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
