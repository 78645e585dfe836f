//! Article lists over GraphQL: connections page (by cursor and by offset), filter and count like
//! REST's lists; the feed needs a viewer; tags.

use serde_json::{Value, json};

use crate::harness::{TestApp, error_of};

fn slugs(connection: &Value) -> Vec<&str> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_page_filter_and_count_and_the_feed_needs_a_viewer() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    for number in 1..=5 {
        app.create_article(
            &ann,
            &format!("Ann {number}"),
            &[if number % 2 == 0 { "even" } else { "odd" }],
        )
        .await;
    }
    app.create_article(&ben, "Ben 1", &["even"]).await;
    app.rest("POST", "/api/articles/ann-1/favorite", Some(&ben), None)
        .await;

    let query = "query($first: Int, $after: String, $offset: Int, $tag: String, $author: String, $favoritedBy: String) {
        articles(first: $first, after: $after, offset: $offset, tag: $tag, author: $author, favoritedBy: $favoritedBy) {
            totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { slug } } } }";
    let first_page = app.graphql(query, json!({"first": 2}), None).await;
    let connection = &first_page["data"]["articles"];
    assert_eq!(connection["totalCount"], 6);
    assert_eq!(slugs(connection), ["ben-1", "ann-5"]);
    assert_eq!(connection["pageInfo"]["hasNextPage"], true);
    assert_eq!(connection["pageInfo"]["hasPreviousPage"], false);
    let cursor = connection["pageInfo"]["endCursor"].as_str().unwrap();
    let second_page = app
        .graphql(query, json!({"first": 2, "after": cursor}), None)
        .await;
    assert_eq!(slugs(&second_page["data"]["articles"]), ["ann-4", "ann-3"]);
    assert_eq!(
        second_page["data"]["articles"]["pageInfo"]["hasPreviousPage"],
        true
    );
    let by_offset = app
        .graphql(query, json!({"first": 2, "offset": 4}), None)
        .await;
    assert_eq!(slugs(&by_offset["data"]["articles"]), ["ann-2", "ann-1"]);
    assert_eq!(
        by_offset["data"]["articles"]["pageInfo"]["hasNextPage"],
        false
    );

    let filtered = app
        .graphql(query, json!({"tag": "even", "author": "ann"}), None)
        .await;
    assert_eq!(slugs(&filtered["data"]["articles"]), ["ann-4", "ann-2"]);
    assert_eq!(filtered["data"]["articles"]["totalCount"], 2);
    let favorites = app
        .graphql(query, json!({"favoritedBy": "ben"}), None)
        .await;
    assert_eq!(slugs(&favorites["data"]["articles"]), ["ann-1"]);

    for (variables, field) in [
        (json!({"first": 0}), "limit"),
        (json!({"first": 101}), "limit"),
        (json!({"offset": -3}), "offset"),
        (json!({"after": "garbage"}), "after"),
    ] {
        let refused = app.graphql(query, variables.clone(), None).await;
        let (code, fields) = error_of(&refused);
        assert_eq!(code, "VALIDATION_FAILED", "{variables}");
        assert!(fields.get(field).is_some(), "{variables}: {fields}");
    }

    let feed =
        "{ feed(first: 10) { totalCount edges { node { slug author { viewerIsFollowing } } } } }";
    assert_eq!(
        error_of(&app.graphql(feed, json!({}), None).await).0,
        "UNAUTHENTICATED"
    );
    let empty = app.graphql(feed, json!({}), Some(&ben)).await;
    assert_eq!(empty["data"]["feed"]["totalCount"], 0);
    let follow = "mutation { followProfile(input: {username: \"ann\"}) { profile { username viewerIsFollowing } } }";
    let followed = app.graphql(follow, json!({}), Some(&ben)).await;
    assert_eq!(
        followed["data"]["followProfile"]["profile"],
        json!({"username": "ann", "viewerIsFollowing": true})
    );
    let feed = app.graphql(feed, json!({}), Some(&ben)).await;
    assert_eq!(feed["data"]["feed"]["totalCount"], 5);
    assert_eq!(
        feed["data"]["feed"]["edges"][0]["node"]["author"]["viewerIsFollowing"],
        true
    );

    let tags = app.graphql("{ tags }", json!({}), None).await;
    assert_eq!(tags["data"]["tags"], json!(["even", "odd"]));
}
