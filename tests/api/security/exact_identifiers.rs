//! Exact identifiers on every backend: usernames, slugs, tag names and emails compare byte for
//! byte after the normalisation the service applies (usernames and tags are trimmed when stored,
//! emails trimmed and lower-cased on registration and login, lookups by username, slug or tag
//! are taken as sent). A trailing or leading space, another case or the
//! other Unicode normalisation form (é as U+00E9 or as e + U+0301) is another identifier — on
//! MySQL/MariaDB too, where a PAD SPACE collation once made `alice ` find `alice`. Run these
//! with `CONDUIT_TEST_DATABASE_URL` for PostgreSQL and MariaDB; each check goes through REST
//! and GraphQL.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, error_of, registration};

/// `é` as one code point (NFC) and as `e` + combining acute accent (NFD).
const CAFE_COMPOSED: &str = "caf\u{e9}";
const CAFE_DECOMPOSED: &str = "cafe\u{301}";

/// Percent-encodes everything but ASCII letters, digits and `-`, for paths and query strings.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || byte == b'-' {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// Spellings of `identifier` that must not find it: trailing and leading space, another case.
fn near_misses(identifier: &str) -> [String; 3] {
    [
        format!("{identifier} "),
        format!(" {identifier}"),
        identifier.to_uppercase(),
    ]
}

/// The GraphQL error code of a response, or `None` when it succeeded.
fn code(response: &Value) -> Option<String> {
    (!response["errors"].is_null()).then(|| error_of(response).0)
}

async fn rest_count(app: &TestApp, filter: &str, value: &str) -> i64 {
    let path = format!("/api/articles?{filter}={}", encode(value));
    let response = app.rest("GET", &path, None, None).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{path}: {:?}",
        response.body
    );
    response.body["articlesCount"].as_i64().unwrap()
}

async fn graphql_count(app: &TestApp, filter: &str, value: &str) -> i64 {
    let query = format!("query($value: String) {{ articles({filter}: $value) {{ totalCount }} }}");
    let response = app.graphql(&query, json!({"value": value}), None).await;
    response["data"]["articles"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{filter}={value:?}: {response}"))
}

/// Articles matching `filter` (REST name, GraphQL name) = `value`, the same through both.
async fn count(app: &TestApp, filter: (&str, &str), value: &str) -> i64 {
    let rest = rest_count(app, filter.0, value).await;
    let graphql = graphql_count(app, filter.1, value).await;
    assert_eq!(rest, graphql, "{filter:?}={value:?}");
    rest
}

/// The profile named `username` through both interfaces: its username, or `None` for 404.
async fn profile(app: &TestApp, username: &str) -> Option<String> {
    let rest = app
        .rest(
            "GET",
            &format!("/api/profiles/{}", encode(username)),
            None,
            None,
        )
        .await;
    let query = "query($username: String!) { profile(username: $username) { username } }";
    let graphql = app
        .graphql(query, json!({"username": username}), None)
        .await;
    if rest.status == StatusCode::NOT_FOUND {
        assert_eq!(
            code(&graphql).as_deref(),
            Some("NOT_FOUND"),
            "{username:?}: {graphql}"
        );
        return None;
    }
    assert_eq!(rest.status, StatusCode::OK, "{username:?}: {:?}", rest.body);
    let username = &rest.body["profile"]["username"];
    assert_eq!(
        &graphql["data"]["profile"]["username"], username,
        "{graphql}"
    );
    username.as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn usernames_compare_exactly() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let article = app.create_article(&alice, "By Alice", &[]).await;
    let slug = article["slug"].as_str().unwrap();
    let favorited = app
        .rest(
            "POST",
            &format!("/api/articles/{slug}/favorite"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(favorited.status, StatusCode::OK);

    assert_eq!(profile(&app, "alice").await.as_deref(), Some("alice"));
    assert_eq!(count(&app, ("author", "author"), "alice").await, 1);
    assert_eq!(count(&app, ("favorited", "favoritedBy"), "alice").await, 1);
    for miss in near_misses("alice")
        .iter()
        .map(String::as_str)
        .chain(["Alice"])
    {
        assert_eq!(profile(&app, miss).await, None, "{miss:?}");
        assert_eq!(count(&app, ("author", "author"), miss).await, 0, "{miss:?}");
        assert_eq!(
            count(&app, ("favorited", "favoritedBy"), miss).await,
            0,
            "{miss:?}"
        );

        let follow = app
            .rest(
                "POST",
                &format!("/api/profiles/{}/follow", encode(miss)),
                Some(&bob),
                None,
            )
            .await;
        assert_eq!(follow.status, StatusCode::NOT_FOUND, "{miss:?}");
        let follow = app
            .graphql(
                "mutation($username: String!) { followProfile(input: {username: $username}) { profile { username } } }",
                json!({"username": miss}),
                Some(&bob),
            )
            .await;
        assert_eq!(
            code(&follow).as_deref(),
            Some("NOT_FOUND"),
            "{miss:?}: {follow}"
        );
    }
    assert_eq!(app.row_counts().await[4], 0, "no follow was stored");

    // Registration trims the username: " alice " is alice, and taken.
    let mut padded = registration("alice2");
    padded["user"]["username"] = json!(" alice ");
    let taken = app.rest("POST", "/api/users", None, Some(padded)).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);

    // The two forms of é are two usernames.
    app.register(CAFE_COMPOSED).await;
    assert_eq!(profile(&app, CAFE_DECOMPOSED).await, None);
    app.register(CAFE_DECOMPOSED).await;
    for name in [CAFE_COMPOSED, CAFE_DECOMPOSED] {
        assert_eq!(profile(&app, name).await.as_deref(), Some(name));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slugs_compare_exactly() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    assert_eq!(
        app.create_article(&author, "Exact", &[]).await["slug"],
        "exact"
    );
    let cafe = app.create_article(&author, CAFE_COMPOSED, &[]).await;
    assert_eq!(cafe["slug"], CAFE_COMPOSED);

    let lookup = "query($slug: String!) { article(slug: $slug) { slug } }";
    let favorite =
        "mutation($slug: String!) { favoriteArticle(input: {slug: $slug}) { article { slug } } }";
    let misses = near_misses("exact");
    for miss in misses.iter().map(String::as_str).chain([CAFE_DECOMPOSED]) {
        let path = format!("/api/articles/{}", encode(miss));
        let rest = app.rest("GET", &path, None, None).await;
        assert_eq!(rest.status, StatusCode::NOT_FOUND, "{miss:?}");
        let rest = app
            .rest("POST", &format!("{path}/favorite"), Some(&reader), None)
            .await;
        assert_eq!(rest.status, StatusCode::NOT_FOUND, "{miss:?}");
        let rest = app
            .rest("GET", &format!("{path}/comments"), None, None)
            .await;
        assert_eq!(rest.status, StatusCode::NOT_FOUND, "{miss:?}");

        let graphql = app.graphql(lookup, json!({"slug": miss}), None).await;
        assert_eq!(
            code(&graphql).as_deref(),
            Some("NOT_FOUND"),
            "{miss:?}: {graphql}"
        );
        let graphql = app
            .graphql(favorite, json!({"slug": miss}), Some(&reader))
            .await;
        assert_eq!(
            code(&graphql).as_deref(),
            Some("NOT_FOUND"),
            "{miss:?}: {graphql}"
        );
    }
    assert_eq!(app.row_counts().await[3], 0, "no favorite was stored");

    for slug in ["exact", CAFE_COMPOSED] {
        let rest = app
            .rest(
                "GET",
                &format!("/api/articles/{}", encode(slug)),
                None,
                None,
            )
            .await;
        assert_eq!(rest.body["article"]["slug"], slug);
        let graphql = app.graphql(lookup, json!({"slug": slug}), None).await;
        assert_eq!(graphql["data"]["article"]["slug"], slug, "{graphql}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_compare_exactly() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    app.create_article(&author, "One", &["rust", CAFE_COMPOSED])
        .await;
    // Another case and the other form of é are other tags; tags are trimmed when stored.
    app.create_article(&author, "Two", &["Rust", CAFE_DECOMPOSED])
        .await;
    app.create_article(&author, "Three", &[" rust "]).await;

    let tag = ("tag", "tag");
    assert_eq!(count(&app, tag, "rust").await, 2);
    assert_eq!(count(&app, tag, "Rust").await, 1);
    assert_eq!(count(&app, tag, CAFE_COMPOSED).await, 1);
    assert_eq!(count(&app, tag, CAFE_DECOMPOSED).await, 1);
    for miss in near_misses("rust") {
        assert_eq!(count(&app, tag, &miss).await, 0, "{miss:?}");
    }
    assert_eq!(count(&app, tag, &format!("{CAFE_COMPOSED} ")).await, 0);

    let mut tags: Vec<String> = app.rest("GET", "/api/tags", None, None).await.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag.as_str().unwrap().to_owned())
        .collect();
    tags.sort();
    let mut expected = ["rust", "Rust", CAFE_COMPOSED, CAFE_DECOMPOSED].map(str::to_owned);
    expected.sort();
    assert_eq!(tags, expected);
}

/// A login through both interfaces: the username it signs in, or `None` for 401.
async fn login(app: &TestApp, email: &str, password: &str) -> Option<String> {
    let credentials = json!({"email": email, "password": password});
    let rest = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(json!({"user": credentials})),
        )
        .await;
    let query = "mutation($input: LoginInput!) { login(input: $input) { viewer { username } } }";
    let graphql = app
        .graphql(query, json!({"input": credentials}), None)
        .await;
    if rest.status == StatusCode::UNAUTHORIZED {
        assert_eq!(
            code(&graphql).as_deref(),
            Some("UNAUTHENTICATED"),
            "{email:?}: {graphql}"
        );
        return None;
    }
    assert_eq!(rest.status, StatusCode::OK, "{email:?}: {:?}", rest.body);
    let username = &rest.body["user"]["username"];
    assert_eq!(
        &graphql["data"]["login"]["viewer"]["username"], username,
        "{graphql}"
    );
    username.as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn emails_compare_exactly_after_trimming_and_lower_casing() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let password = "password-of-alice";
    // The service trims and lower-cases emails on registration and login, on every backend.
    for email in [
        "alice@example.com",
        "alice@example.com ",
        " ALICE@Example.com",
    ] {
        assert_eq!(
            login(&app, email, password).await.as_deref(),
            Some("alice"),
            "{email:?}"
        );
    }
    let mut again = registration("alice2");
    again["user"]["email"] = json!(" Alice@Example.COM ");
    let taken = app.rest("POST", "/api/users", None, Some(again)).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);

    // Nothing else is normalised: the two forms of é are two emails.
    let composed = format!("{CAFE_COMPOSED}@example.com");
    let decomposed = format!("{CAFE_DECOMPOSED}@example.com");
    let mut first = registration("composed");
    first["user"]["email"] = json!(composed);
    first["user"]["password"] = json!(password);
    assert_eq!(
        app.rest("POST", "/api/users", None, Some(first))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(login(&app, &decomposed, password).await, None);
    let mut second = registration("decomposed");
    second["user"]["email"] = json!(decomposed);
    second["user"]["password"] = json!(password);
    assert_eq!(
        app.rest("POST", "/api/users", None, Some(second))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        login(&app, &composed, password).await.as_deref(),
        Some("composed")
    );
    assert_eq!(
        login(&app, &decomposed, password).await.as_deref(),
        Some("decomposed")
    );
    // A space inside is no space at the edge: it is refused as invalid, not trimmed away.
    assert_eq!(login(&app, "alice @example.com", password).await, None);
}

/// On MySQL/MariaDB every table and every text column of the schema uses a NO PAD binary
/// collation (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL), tables added by later
/// migrations included: one PAD SPACE column would make `'k' = 'k '` true again there. Diesel's
/// own bookkeeping table is not the app's.
#[tokio::test(flavor = "multi_thread")]
async fn every_mysql_table_and_text_column_compares_without_padding() {
    use diesel::sql_types::Text;
    use diesel_async::{AsyncConnection as _, AsyncMysqlConnection, RunQueryDsl as _};

    let app = TestApp::spawn().await;
    if !matches!(app.state.session().backend(), conduit::db::Backend::Mysql) {
        eprintln!("skipped: collations are MySQL's");
        return;
    }
    let url = app
        .state
        .config()
        .database_url
        .connection_string()
        .to_owned();
    let mut connection = AsyncMysqlConnection::establish(&url).await.unwrap();
    #[derive(diesel::QueryableByName, Debug)]
    struct Padded {
        #[diesel(sql_type = Text)]
        place: String,
    }
    let padded: Vec<Padded> = diesel::sql_query(
        "SELECT CONCAT(TABLE_NAME, ': ', TABLE_COLLATION) AS place FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_\\_diesel%'
            AND TABLE_COLLATION NOT IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')
         UNION ALL
         SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, ': ', COLLATION_NAME) FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_\\_diesel%'
            AND COLLATION_NAME IS NOT NULL
            AND COLLATION_NAME NOT IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
    )
    .load(&mut connection)
    .await
    .unwrap();
    assert!(padded.is_empty(), "PAD SPACE collations: {padded:?}");
    // The check sees the tables: each of them has a NO PAD collation, the two a later
    // migration converted (uploads, site_counters) included.
    let tables: Vec<Padded> = diesel::sql_query(
        "SELECT TABLE_NAME AS place FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE()
            AND TABLE_COLLATION IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
    )
    .load(&mut connection)
    .await
    .unwrap();
    let tables: Vec<&str> = tables.iter().map(|table| table.place.as_str()).collect();
    for table in [
        "users",
        "articles",
        "comments",
        "tags",
        "uploads",
        "site_counters",
    ] {
        assert!(tables.contains(&table), "{table} not among {tables:?}");
    }
}
