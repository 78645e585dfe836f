//! Profiles over GraphQL: the lookup with nested articles, follows, errors as
//! `extensions.code` with the same field map as REST.

use serde_json::json;

use crate::harness::{TestApp, error_of};

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_shows_its_articles_and_an_unknown_one_is_not_found() {
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
}
