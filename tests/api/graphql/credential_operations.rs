//! At most one credential operation (login, register, password change) per GraphQL request;
//! the others are refused before they hash anything. Counted in argon2 computations.

use serde_json::{Value, json};

use crate::harness::TestApp;

/// `mutation { l0: login(…) … }` with `wrong` bad guesses and the right password last.
fn aliased_logins(wrong: usize) -> String {
    let mut fields: String = (0..wrong)
        .map(|i| {
            format!(
                "l{i}: login(input: {{email: \"victim@example.com\", password: \"guess-{i}\"}}) {{ token }} "
            )
        })
        .collect();
    fields += &format!(
        "l{wrong}: login(input: {{email: \"victim@example.com\", password: \"password-of-victim\"}}) {{ token }}"
    );
    format!("mutation {{ {fields} }}")
}

fn tokens(response: &Value) -> usize {
    response["data"].as_object().map_or(0, |data| {
        data.values()
            .filter(|field| field["token"].is_string())
            .count()
    })
}

/// Every error code of a GraphQL response, in order (resolver errors included).
pub fn codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    error["extensions"]["code"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_aliased_logins_hash_at_most_once() {
    // The attack: 99 wrong guesses and the right password in one request. The alias
    // limit refuses it whole; with that limit lifted the credential rule still holds.
    let app = TestApp::spawn_with(|config| {
        config.graphql_limits.max_aliases = 1_000;
        config.graphql_limits.max_root_fields = 1_000;
        config.graphql_limits.max_cost = 1_000_000;
    })
    .await;
    app.register("victim").await;
    let before = app.state.passwords().computed();
    let response = app.graphql(&aliased_logins(99), json!({}), None).await;
    assert_eq!(app.state.passwords().computed() - before, 1, "{response}");
    assert_eq!(tokens(&response), 0, "no guess may get a token: {response}");
    let error_codes = codes(&response);
    assert_eq!(error_codes.len(), 100, "{response}");
    assert_eq!(error_codes[0], "UNAUTHENTICATED");
    assert!(
        error_codes[1..].iter().all(|code| code == "BAD_REQUEST"),
        "{error_codes:?}"
    );
    let refusal = response["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|error| error["extensions"]["code"] == "BAD_REQUEST")
        .unwrap();
    assert_eq!(
        refusal["message"],
        "request has more than one credential operation (login, register, password change); \
         send each in a request of its own"
    );

    let defaults = TestApp::spawn().await;
    defaults.register("victim").await;
    let before = defaults.state.passwords().computed();
    let response = defaults.graphql(&aliased_logins(99), json!({}), None).await;
    assert_eq!(defaults.state.passwords().computed(), before, "{response}");
    assert_eq!(codes(&response), ["BAD_REQUEST"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_credential_operation_runs_and_later_ones_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.register("victim").await;
    // A handful of logins, the right one first: it alone runs.
    let guesses: String = (1..5)
        .map(|i| {
            format!(
                "w{i}: login(input: {{email: \"victim@example.com\", password: \"guess-{i}\"}}) {{ token }} "
            )
        })
        .collect();
    let right_first = format!(
        "mutation {{ right: login(input: {{email: \"victim@example.com\", password: \"password-of-victim\"}}) {{ token }} {guesses} }}"
    );
    let before = app.state.passwords().computed();
    let response = app.graphql(&right_first, json!({}), None).await;
    assert_eq!(app.state.passwords().computed() - before, 1, "{response}");
    assert!(response["data"]["right"]["token"].is_string(), "{response}");
    assert_eq!(codes(&response), ["BAD_REQUEST"; 4]);

    // Registrations: one account, not several.
    let users = app.user_count().await;
    let registrations = "mutation {
        a: register(input: {username: \"a1\", email: \"a1@example.com\", password: \"password-a1\"}) { token }
        b: register(input: {username: \"b1\", email: \"b1@example.com\", password: \"password-b1\"}) { token }
    }";
    let before = app.state.passwords().computed();
    let response = app.graphql(registrations, json!({}), None).await;
    assert_eq!(app.state.passwords().computed() - before, 1, "{response}");
    assert!(response["data"]["a"]["token"].is_string(), "{response}");
    assert_eq!(codes(&response), ["BAD_REQUEST"]);
    assert_eq!(app.user_count().await, users + 1);

    // A password change is one too; a profile change without a password is not.
    let mixed = "mutation {
        bio: updateViewer(input: {bio: \"hello\"}) { viewer { bio } }
        change: updateViewer(input: {password: \"new-password-1\"}) { token }
        login(input: {email: \"victim@example.com\", password: \"new-password-1\"}) { token }
    }";
    let before = app.state.passwords().computed();
    let response = app.graphql(mixed, json!({}), Some(&token)).await;
    assert_eq!(app.state.passwords().computed() - before, 1, "{response}");
    assert_eq!(
        response["data"]["bio"]["viewer"]["bio"], "hello",
        "{response}"
    );
    assert!(
        response["data"]["change"]["token"].is_string(),
        "{response}"
    );
    assert_eq!(codes(&response), ["BAD_REQUEST"]);
    // Each request has its own: the next request logs in with the new password.
    let login = "mutation { login(input: {email: \"victim@example.com\", password: \"new-password-1\"}) { token } }";
    let response = app.graphql(login, json!({}), None).await;
    assert!(response["data"]["login"]["token"].is_string(), "{response}");
}
