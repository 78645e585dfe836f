//! GraphQL cost before work: documents built to make the server work hard (fragments that expand
//! to millions of fields, a thousand aliases, hundreds of 100-article lists) are refused before
//! any statement runs (even the token check), with a BAD_REQUEST error that names the limit, in milliseconds.

use std::time::Instant;

use serde_json::{Value, json};

use crate::harness::TestApp;

/// `fragment F1 on Query { ...F0 ...F0 }` … `F{levels}`: 2^levels fields once expanded.
fn nested_fragments(levels: usize) -> String {
    let mut document = format!("query {{ ...F{levels} }}\nfragment F0 on Query {{ tags }}\n");
    for level in 1..=levels {
        let below = level - 1;
        document += &format!("fragment F{level} on Query {{ ...F{below} ...F{below} }}\n");
    }
    document
}

fn aliased_tags(count: usize) -> String {
    let fields: String = (0..count).map(|i| format!("a{i}: tags ")).collect();
    format!("{{ {fields} }}")
}

/// `{ a0: articles(first: 100) { nodes { <node> } } … }`
fn aliased_article_lists(count: usize, node: &str) -> String {
    let fields: String = (0..count)
        .map(|i| format!("a{i}: articles(first: 100) {{ nodes {{ {node} }} }} "))
        .collect();
    format!("{{ {fields} }}")
}

/// Sends `query` (signed in, so that the refusal must come before the token's check) and
/// returns the refusal's message after asserting its shape and that no statement ran.
async fn refused_without_statements(app: &TestApp, token: &str, query: &str) -> String {
    let before = app.statements();
    let started = Instant::now();
    let response = app.graphql(query, json!({}), Some(token)).await;
    let elapsed = started.elapsed();
    assert_eq!(
        app.statements(),
        before,
        "statements ran for a refused query"
    );
    assert!(response["data"].is_null(), "{response}");
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_REQUEST", "{response}");
    let message = error["message"].as_str().unwrap().to_owned();
    assert_eq!(
        error["extensions"]["errors"]["query"][0],
        json!(message.trim_start_matches("query "))
    );
    eprintln!("refused in {elapsed:?}: {message}");
    message
}

#[tokio::test(flavor = "multi_thread")]
async fn the_attack_documents_are_refused_before_any_work() {
    let app = TestApp::spawn().await;
    let token = app.register("mallory").await;
    for levels in [24, 28] {
        let message = refused_without_statements(&app, &token, &nested_fragments(levels)).await;
        assert!(
            message.starts_with("query costs more than 10000"),
            "{message}"
        );
    }
    // 101 fragments, each cheap: their number alone is refused (unused fragments would be a
    // validation error, but the count is checked first).
    let mut fragments = "query { ...F0 }\n".to_owned();
    for number in 0..101 {
        fragments += &format!("fragment F{number} on Query {{ tags }}\n");
    }
    let message = refused_without_statements(&app, &token, &fragments).await;
    assert_eq!(
        message,
        "query defines 101 fragments; at most 100 are allowed"
    );
    let message = refused_without_statements(&app, &token, &aliased_tags(1000)).await;
    assert_eq!(
        message,
        "query uses more than 50 aliases; ask for each thing once"
    );
    // 333 lists of 100 articles: the cost passes its limit before the aliases do.
    let lists = aliased_article_lists(333, "slug");
    let message = refused_without_statements(&app, &token, &lists).await;
    assert!(message.starts_with("query costs more than"), "{message}");
    // Within the alias cap, the top-level fields and the cost still count: 20 lists of 100
    // articles with 6 fields each cost 20 × (10 + 100 × 7).
    let lists = aliased_article_lists(21, "slug");
    let message = refused_without_statements(&app, &token, &lists).await;
    assert!(message.contains("selects 21 top-level fields"), "{message}");
    let lists = aliased_article_lists(20, "slug title description author { username bio }");
    let message = refused_without_statements(&app, &token, &lists).await;
    assert!(message.starts_with("query costs more than"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn queries_within_the_limits_run() {
    let app = TestApp::spawn().await;
    let token = app.register("alice").await;
    app.create_article(&token, "Within limits", &["rust"]).await;
    let response = app.graphql(&nested_fragments(3), json!({}), None).await;
    assert!(response["errors"].is_null(), "{response}");
    assert_eq!(response["data"]["tags"], json!(["rust"]));
    let response = app
        .graphql(&aliased_article_lists(5, "slug"), json!({}), None)
        .await;
    assert!(response["errors"].is_null(), "{response}");
    assert_eq!(response["data"]["a4"]["nodes"][0]["slug"], "within-limits");
    // The README's example query.
    let readme = "query {
      viewer { username email }
      articles(first: 10, tag: \"rust\") { totalCount pageInfo { hasNextPage endCursor }
        edges { node { slug title tagList favoritesCount viewerHasFavorited
          author { username viewerIsFollowing articles(first: 3) { slug } }
          comments { body author { username } } } } }
      feed(first: 10) { totalCount nodes { slug } }
      article(slug: \"within-limits\") { body }
      profile(username: \"alice\") { bio viewerIsFollowing }
      tags
    }";
    let response = app.graphql(readme, json!({}), Some(&token)).await;
    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_follow_the_settings() {
    let app = TestApp::spawn_with(|config| {
        config.graphql_limits.max_cost = 100;
        config.graphql_limits.max_depth = 3;
    })
    .await;
    let response = app
        .graphql(
            "{ articles(first: 10) { nodes { slug title } } }",
            json!({}),
            None,
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let response = app
        .graphql(
            "{ articles(first: 50) { nodes { slug title } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    let response = app
        .graphql(
            "{ articles { nodes { author { username } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        response["errors"][0]["message"],
        "query is nested 4 levels deep; at most 3 are allowed"
    );
}

/// "Did you mean …" lists the schema's names; without introspection it must not.
#[tokio::test(flavor = "multi_thread")]
async fn suggestions_are_off_whenever_introspection_is_off() {
    let typo = "{ artcles { totalCount } }";
    let message = |response: Value| {
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let open = TestApp::spawn().await;
    let with = message(open.graphql(typo, json!({}), None).await);
    assert!(with.contains("Did you mean"), "{with}");
    let closed = TestApp::spawn_with(|config| config.graphql_introspection = false).await;
    let without = message(closed.graphql(typo, json!({}), None).await);
    assert!(without.contains("artcles"), "{without}");
    assert!(
        !without.contains("Did you mean") && !without.contains("articles"),
        "{without}"
    );
}
