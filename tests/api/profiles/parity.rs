//! Profiles through both interfaces: the same profile and the same errors, because REST handlers
//! and GraphQL resolvers call the same service functions.

use serde_json::json;

use crate::harness::TestApp;
use crate::harness::parity::{assert_errors_agree, shared_site};

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_reads_the_same_through_both_interfaces() {
    let (app, ben) = shared_site().await;
    for token in [None, Some(ben.as_str())] {
        let rest = app.rest("GET", "/api/profiles/ann", token, None).await.body;
        let graphql = app
            .graphql(
                "{ profile(username: \"ann\") { username bio image viewerIsFollowing } }",
                json!({}),
                token,
            )
            .await;
        assert_eq!(
            graphql["data"]["profile"]["viewerIsFollowing"],
            rest["profile"]["following"]
        );
        assert_eq!(
            graphql["data"]["profile"]["username"],
            rest["profile"]["username"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn following_an_unknown_profile_is_the_same_error_through_both_interfaces() {
    let app = TestApp::spawn().await;
    let ben = app.register("ben").await;
    let cases = vec![(
        "POST /api/profiles/nobody/follow",
        None,
        "mutation { followProfile(input: {username: \"nobody\"}) { profile { username } } }",
        "NOT_FOUND",
    )];
    assert_errors_agree(&app, &ben, cases).await;
}
