//! Rate limits inside the service: logins and registrations per client address and per account,
//! one budget for REST and GraphQL, spent before any hashing (counted in argon2 computations),
//! and `X-Forwarded-For` believed only from a trusted proxy. Requests carry their peer address
//! as the server puts it (`ConnectInfo`), so each test plays several clients.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use conduit::rate_limit::{RateLimitSettings, TrustedProxies};
use serde_json::{Value, json};

use crate::harness::{Response, TestApp, assert_graphql_rate_limited, assert_rest_rate_limited};

/// An app with these credential limits (0 = off) and trusted proxies.
async fn app_with(per_address: u32, per_account: u32, trusted: &str) -> TestApp {
    let trusted = TrustedProxies::parse(trusted).unwrap();
    TestApp::spawn_with(move |config| {
        config.rate_limits = RateLimitSettings {
            credential_attempts_per_address: per_address,
            credential_attempts_per_account: per_account,
            writes_per_user: 0,
            uploads_per_user: 0,
            trusted_proxies: trusted,
        };
    })
    .await
}

/// A JSON POST from `peer`, with `X-Forwarded-For` values if any.
async fn post_from(
    app: &TestApp,
    peer: &str,
    forwarded_for: &[&str],
    path: &str,
    body: Value,
) -> Response {
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json");
    for value in forwarded_for {
        request = request.header("x-forwarded-for", *value);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

async fn rest_login(app: &TestApp, peer: &str, email: &str, password: &str) -> Response {
    let body = json!({"user": {"email": email, "password": password}});
    post_from(app, peer, &[], "/api/users/login", body).await
}

async fn graphql_login(app: &TestApp, peer: &str, email: &str, password: &str) -> Response {
    let body = json!({
        "query": "mutation($input: LoginInput!) { login(input: $input) { token } }",
        "variables": {"input": {"email": email, "password": password}},
    });
    post_from(app, peer, &[], "/graphql", body).await
}

/// The `extensions.code` of a GraphQL answer's first error ("" for none).
fn graphql_code(response: &Response) -> &str {
    response.body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// GraphQL answers a spent budget with 200 and the refusal as its error.
fn assert_graphql_limited(response: &Response) {
    assert_eq!(response.status, StatusCode::OK);
    assert_graphql_rate_limited(&response.body);
}

const VICTIM: &str = "victim@example.com";
const RIGHT: &str = "password-of-victim";

#[tokio::test(flavor = "multi_thread")]
async fn a_password_guesser_hashes_no_more_than_its_budget_over_both_interfaces() {
    let app = app_with(6, 0, "").await;
    app.register("victim").await; // no peer: another client than the attacker
    let attacker = "192.0.2.10";
    let before = app.state.passwords().computed();
    // The budget of 6 is one: three guesses over REST, three over GraphQL.
    for i in 0..3 {
        let response = rest_login(&app, attacker, VICTIM, &format!("guess-{i}")).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{:?}",
            response.body
        );
        let response = graphql_login(&app, attacker, VICTIM, &format!("guess-g{i}")).await;
        assert_eq!(graphql_code(&response), "UNAUTHENTICATED");
    }
    assert_eq!(app.state.passwords().computed() - before, 6);
    // Everything after is refused before any hashing, on either interface, even the right
    // password, for any account.
    for i in 0..20 {
        assert_rest_rate_limited(&rest_login(&app, attacker, VICTIM, &format!("more-{i}")).await);
        assert_graphql_limited(&graphql_login(&app, attacker, VICTIM, &format!("more-{i}")).await);
    }
    assert_rest_rate_limited(&rest_login(&app, attacker, VICTIM, RIGHT).await);
    assert_rest_rate_limited(&rest_login(&app, attacker, "other@example.com", "whatever-1").await);
    assert_eq!(app.state.passwords().computed() - before, 6);
    // Another address has its own budget.
    let response = rest_login(&app, "198.51.100.20", VICTIM, RIGHT).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn graphql_spends_the_budget_rest_leaves() {
    // GraphQL first this time, then REST finds the budget spent.
    let app = app_with(2, 0, "").await;
    app.register("victim").await;
    let client = "203.0.113.5";
    let response = graphql_login(&app, client, VICTIM, RIGHT).await;
    assert!(
        response.body["data"]["login"]["token"].is_string(),
        "{:?}",
        response.body
    );
    let response = rest_login(&app, client, VICTIM, RIGHT).await;
    assert_eq!(response.status, StatusCode::OK);
    let before = app.state.passwords().computed();
    assert_rest_rate_limited(&rest_login(&app, client, VICTIM, RIGHT).await);
    assert_graphql_limited(&graphql_login(&app, client, VICTIM, RIGHT).await);
    assert_eq!(app.state.passwords().computed(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_has_one_budget_across_addresses() {
    let app = app_with(0, 3, "").await;
    app.register("victim").await;
    app.register("bystander").await;
    let before = app.state.passwords().computed();
    // The registration spent one attempt of the account's 3; two guesses from two addresses,
    // the email spelled differently, spend the rest: one account.
    for (i, email) in ["VICTIM@example.com", " Victim@Example.com"]
        .iter()
        .enumerate()
    {
        let response = rest_login(&app, &format!("192.0.2.{i}"), email, "wrong-guess").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    // A botnet gains nothing: every further address is refused for this account.
    for i in 10..20 {
        let peer = format!("198.51.100.{i}");
        assert_rest_rate_limited(&rest_login(&app, &peer, VICTIM, "wrong-guess").await);
        assert_graphql_limited(&graphql_login(&app, &peer, VICTIM, RIGHT).await);
    }
    assert_eq!(app.state.passwords().computed() - before, 2);
    // Other accounts are untouched.
    let response = rest_login(
        &app,
        "192.0.2.1",
        "bystander@example.com",
        "password-of-bystander",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn registrations_spend_the_same_budget_and_a_refused_one_writes_nothing() {
    let app = app_with(2, 0, "").await;
    let client = "192.0.2.77";
    let register = |name: &str| json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": format!("password-of-{name}")}});
    let response = post_from(&app, client, &[], "/api/users", register("first")).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    let mutation = json!({
        "query": "mutation { register(input: {username: \"second\", email: \"second@example.com\", password: \"password-2\"}) { token } }",
    });
    let response = post_from(&app, client, &[], "/graphql", mutation.clone()).await;
    assert!(
        response.body["data"]["register"]["token"].is_string(),
        "{:?}",
        response.body
    );
    let users = app.user_count().await;
    let before = app.state.passwords().computed();
    assert_rest_rate_limited(&post_from(&app, client, &[], "/api/users", register("third")).await);
    let third = json!({
        "query": "mutation { register(input: {username: \"third\", email: \"third@example.com\", password: \"password-3\"}) { token } }",
    });
    assert_graphql_limited(&post_from(&app, client, &[], "/graphql", third).await);
    // A login from the same address is refused too: one budget for credential attempts.
    assert_rest_rate_limited(
        &rest_login(&app, client, "first@example.com", "password-of-first").await,
    );
    assert_eq!(app.state.passwords().computed(), before);
    assert_eq!(app.user_count().await, users);
    // Invalid input is still answered as invalid.
    let blank = post_from(&app, "192.0.2.78", &[], "/api/users", json!({"user": {}})).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let app = app_with(2, 0, "127.0.0.1, 10.0.0.0/8").await;
    app.register("victim").await;
    let login = json!({"user": {"email": VICTIM, "password": "wrong-guess"}});
    let from = |peer: &'static str, forwarded: &'static [&'static str]| {
        let login = login.clone();
        let app = &app;
        async move { post_from(app, peer, forwarded, "/api/users/login", login).await }
    };
    // Through the trusted proxy, each client has its own budget.
    for _ in 0..2 {
        assert_eq!(
            from("127.0.0.1", &["203.0.113.1"]).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_rest_rate_limited(&from("127.0.0.1", &["203.0.113.1"]).await);
    assert_eq!(
        from("127.0.0.1", &["203.0.113.2"]).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Through two trusted hops, the right-most untrusted entry is the client: what the client
    // wrote on the left does not change who it is.
    assert_rest_rate_limited(&from("10.0.0.9", &["6.6.6.6, 203.0.113.1", "127.0.0.1"]).await);
    assert_rest_rate_limited(&from("127.0.0.1", &["1.2.3.4", "203.0.113.1"]).await);
    // From an untrusted peer the header is ignored: a new "client" per request buys nothing.
    let untrusted = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ];
    let mut statuses = Vec::new();
    for spoofed in untrusted {
        let response = post_from(
            &app,
            "192.0.2.50",
            &[spoofed],
            "/api/users/login",
            login.clone(),
        )
        .await;
        statuses.push(response.status.as_u16());
    }
    assert_eq!(statuses, [401, 401, 429, 429]);
    // GraphQL reads the client the same way.
    let graphql = json!({
        "query": "mutation { login(input: {email: \"victim@example.com\", password: \"wrong-guess\"}) { token } }",
    });
    let response = post_from(
        &app,
        "127.0.0.1",
        &["203.0.113.1"],
        "/graphql",
        graphql.clone(),
    )
    .await;
    assert_graphql_limited(&response);
    let response = post_from(&app, "127.0.0.1", &["203.0.113.3"], "/graphql", graphql).await;
    assert_eq!(
        graphql_code(&response),
        "UNAUTHENTICATED",
        "{:?}",
        response.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_keys_are_forgotten() {
    // 60,000 a minute: a key's budget is whole again a millisecond after its one use.
    let app = app_with(60_000, 60_000, "").await;
    for i in 0..40 {
        let peer = format!("10.0.{i}.1");
        let email = format!("nobody-{i}@example.com");
        let response = post_from(
            &app,
            &peer,
            &[],
            "/api/users/login",
            json!({"user": {"email": email, "password": "x"}}),
        )
        .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.state.rate_limits().tracked_keys(), (40, 40));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    app.state.rate_limits().sweep();
    assert_eq!(app.state.rate_limits().tracked_keys(), (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_limits_by_tcp_peer_and_trusted_forwarded_for() {
    // The real server over real TCP: the peer address is the one the connection came from.
    let database = crate::harness::TestDatabase::create().await;
    let server = crate::harness::binary::start_with(
        &database,
        &[
            ("CREDENTIAL_ATTEMPTS_PER_ADDRESS", "2"),
            ("CREDENTIAL_ATTEMPTS_PER_ACCOUNT", "0"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
    );
    let client = reqwest::Client::new();
    let login = |forwarded_for: Option<&'static str>| {
        let mut request = client
            .post(format!("{}/api/users/login", server.base))
            .json(&json!({"user": {"email": "nobody@example.com", "password": "wrong-guess"}}));
        if let Some(value) = forwarded_for {
            request = request.header("x-forwarded-for", value);
        }
        async move { request.send().await.expect("request") }
    };
    // This test is the only client of 127.0.0.1, a trusted proxy: without the header, the
    // proxy itself is the client.
    let statuses = [login(None).await.status(), login(None).await.status()];
    assert_eq!(statuses.map(|status| status.as_u16()), [401, 401]);
    let refused = login(None).await;
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Clients behind it have budgets of their own.
    assert_eq!(login(Some("203.0.113.1")).await.status().as_u16(), 401);
    assert_eq!(login(Some("203.0.113.2")).await.status().as_u16(), 401);
}
