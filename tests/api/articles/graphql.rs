//! The domain over GraphQL: lookups, connections, the feed, tags and every mutation, with errors
//! as `extensions.code` and the same field map as REST.

use serde_json::{Value, json};

use crate::harness::{TestApp, is_millisecond_utc};
use crate::users::graphql::error_of;

const ARTICLE_FIELDS: &str = "slug title description body tagList createdAt updatedAt
    favoritesCount viewerHasFavorited author { username bio image viewerIsFollowing }";

fn slugs(connection: &Value) -> Vec<&str> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn article_mutations_and_lookups() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;

    let create = format!(
        "mutation($input: CreateArticleInput!) {{ createArticle(input: $input) {{ article {{ {ARTICLE_FIELDS} }} }} }}"
    );
    let created = app
        .graphql(&create, json!({"input": {"title": "Graph Article", "description": "d", "body": "b", "tagList": ["z", "a"]}}), Some(&author))
        .await;
    let article = &created["data"]["createArticle"]["article"];
    assert_eq!(article["slug"], "graph-article", "{created}");
    assert_eq!(article["tagList"], json!(["a", "z"]));
    assert_eq!(article["favoritesCount"], 0);
    assert!(is_millisecond_utc(&article["createdAt"]));

    let lookup = format!("query($slug: String!) {{ article(slug: $slug) {{ {ARTICLE_FIELDS} }} }}");
    let fetched = app
        .graphql(&lookup, json!({"slug": "graph-article"}), None)
        .await;
    assert_eq!(fetched["data"]["article"], *article);
    let missing = app.graphql(&lookup, json!({"slug": "nope"}), None).await;
    assert_eq!(
        error_of(&missing),
        ("NOT_FOUND".into(), json!({"article": ["not found"]}))
    );

    let update = "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { slug body tagList } } }";
    let forbidden = app
        .graphql(
            update,
            json!({"input": {"slug": "graph-article", "body": "x"}}),
            Some(&reader),
        )
        .await;
    assert_eq!(
        error_of(&forbidden),
        ("FORBIDDEN".into(), json!({"article": ["forbidden"]}))
    );
    let updated = app
        .graphql(
            update,
            json!({"input": {"slug": "graph-article", "body": "new", "tagList": []}}),
            Some(&author),
        )
        .await;
    assert_eq!(
        updated["data"]["updateArticle"]["article"],
        json!({"slug": "graph-article", "body": "new", "tagList": []})
    );
    let null_tags = app
        .graphql(
            update,
            json!({"input": {"slug": "graph-article", "tagList": null}}),
            Some(&author),
        )
        .await;
    assert_eq!(error_of(&null_tags).0, "VALIDATION_FAILED");

    let favorite = "mutation($slug: String!) { favoriteArticle(input: {slug: $slug}) { article { favoritesCount viewerHasFavorited } } }";
    let favorited = app
        .graphql(favorite, json!({"slug": "graph-article"}), Some(&reader))
        .await;
    assert_eq!(
        favorited["data"]["favoriteArticle"]["article"],
        json!({"favoritesCount": 1, "viewerHasFavorited": true})
    );
    let unfavorite = "mutation($slug: String!) { unfavoriteArticle(input: {slug: $slug}) { article { favoritesCount viewerHasFavorited } } }";
    let unfavorited = app
        .graphql(unfavorite, json!({"slug": "graph-article"}), Some(&reader))
        .await;
    assert_eq!(
        unfavorited["data"]["unfavoriteArticle"]["article"],
        json!({"favoritesCount": 0, "viewerHasFavorited": false})
    );

    let delete = "mutation($slug: String!) { deleteArticle(input: {slug: $slug}) { deletedSlug } }";
    let refused = app
        .graphql(delete, json!({"slug": "graph-article"}), Some(&reader))
        .await;
    assert_eq!(error_of(&refused).0, "FORBIDDEN");
    let anonymous = app
        .graphql(delete, json!({"slug": "graph-article"}), None)
        .await;
    assert_eq!(
        error_of(&anonymous),
        ("UNAUTHENTICATED".into(), json!({"token": ["is missing"]}))
    );
    let deleted = app
        .graphql(delete, json!({"slug": "graph-article"}), Some(&author))
        .await;
    assert_eq!(
        deleted["data"]["deleteArticle"]["deletedSlug"],
        "graph-article"
    );
    assert_eq!(app.row_counts().await, [0, 0, 0, 0, 0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_page_filter_and_count() {
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

#[tokio::test(flavor = "multi_thread")]
async fn profiles_comments_and_nested_fields() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.create_article(&ann, "Talk", &[]).await;

    let profile = "query($username: String!) { profile(username: $username) { username bio viewerIsFollowing articles { slug } } }";
    let found = app
        .graphql(profile, json!({"username": "ann"}), Some(&ben))
        .await;
    assert_eq!(
        found["data"]["profile"],
        json!({"username": "ann", "bio": null, "viewerIsFollowing": false, "articles": [{"slug": "talk"}]})
    );
    let missing = app
        .graphql(profile, json!({"username": "nobody"}), None)
        .await;
    assert_eq!(
        error_of(&missing),
        ("NOT_FOUND".into(), json!({"profile": ["not found"]}))
    );
    let unfollow = app.graphql("mutation { unfollowProfile(input: {username: \"ann\"}) { profile { viewerIsFollowing } } }", json!({}), Some(&ben)).await;
    assert_eq!(
        unfollow["data"]["unfollowProfile"]["profile"]["viewerIsFollowing"],
        false
    );

    let add = "mutation($slug: String!, $body: String!) { addComment(input: {slug: $slug, body: $body}) { comment { id body createdAt author { username } } } }";
    let added = app
        .graphql(add, json!({"slug": "talk", "body": "hello"}), Some(&ben))
        .await;
    let comment = &added["data"]["addComment"]["comment"];
    assert_eq!(comment["body"], "hello");
    assert_eq!(comment["author"]["username"], "ben");
    let blank = app
        .graphql(add, json!({"slug": "talk", "body": " "}), Some(&ben))
        .await;
    assert_eq!(
        error_of(&blank),
        (
            "VALIDATION_FAILED".into(),
            json!({"body": ["can't be blank"]})
        )
    );
    let nowhere = app
        .graphql(add, json!({"slug": "nowhere", "body": "x"}), Some(&ben))
        .await;
    assert_eq!(error_of(&nowhere).1, json!({"article": ["not found"]}));

    let comments = app
        .graphql(
            "{ article(slug: \"talk\") { comments { id body author { username } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(comments["data"]["article"]["comments"][0]["body"], "hello");

    let delete = "mutation($slug: String!, $id: ID!) { deleteComment(input: {slug: $slug, id: $id}) { deletedId } }";
    let id = comment["id"].as_i64().unwrap().to_string();
    let forbidden = app
        .graphql(delete, json!({"slug": "talk", "id": id}), Some(&ann))
        .await;
    assert_eq!(
        error_of(&forbidden),
        ("FORBIDDEN".into(), json!({"comment": ["forbidden"]}))
    );
    let unknown = app
        .graphql(delete, json!({"slug": "talk", "id": "424242"}), Some(&ben))
        .await;
    assert_eq!(
        error_of(&unknown),
        ("NOT_FOUND".into(), json!({"comment": ["not found"]}))
    );
    let deleted = app
        .graphql(delete, json!({"slug": "talk", "id": id}), Some(&ben))
        .await;
    assert_eq!(deleted["data"]["deleteComment"]["deletedId"], id);
    assert_eq!(app.row_counts().await[2], 0);
}
