//! Hardening: browser-protecting headers, answers with tokens kept out of caches, client request
//! ids bounded, tokens not valid yet refused, and production examples without GraphiQL or
//! introspection — each through both interfaces where it applies.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use conduit::rest::openapi::DOCS_CONTENT_SECURITY_POLICY;
use conduit::security_headers::HTML_CONTENT_SECURITY_POLICY;
use serde_json::{Value, json};

use crate::harness::{SECRET, TestApp, error_of, registration};

async fn get(app: &TestApp, path: &str) -> crate::harness::Response {
    app.send(Request::get(path).body(Body::empty()).unwrap())
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_says_nosniff_and_html_pages_forbid_framing_and_other_origins() {
    let app = TestApp::spawn().await;
    let graphql = app.send(
        Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"query": "{ tags }"}"#))
            .unwrap(),
    );
    let graphql = graphql.await;
    let json_answers = [
        get(&app, "/api/tags").await,
        get(&app, "/api/nothing").await,
        get(&app, "/api/openapi.json").await,
        get(&app, "/health/live").await,
        get(&app, "/graphql/assets/graphiql.min.js").await,
        graphql,
    ];
    for response in &json_answers {
        assert_eq!(response.headers["x-content-type-options"], "nosniff");
    }
    for (page, policy) in [
        ("/graphql", HTML_CONTENT_SECURITY_POLICY),
        ("/api/docs/", DOCS_CONTENT_SECURITY_POLICY),
    ] {
        let response = get(&app, page).await;
        assert_eq!(response.status, StatusCode::OK, "{page}");
        assert!(
            response.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{page}"
        );
        assert_eq!(
            response.headers["x-content-type-options"], "nosniff",
            "{page}"
        );
        assert_eq!(response.headers["x-frame-options"], "DENY", "{page}");
        assert_eq!(
            response.headers["content-security-policy"], policy,
            "{page}"
        );
        assert_eq!(response.headers["referrer-policy"], "no-referrer", "{page}");
    }
    // The policies allow this server only: no host, no wildcard, no inline script (the docs
    // page allows one inline style, by its hash).
    for policy in [HTML_CONTENT_SECURITY_POLICY, DOCS_CONTENT_SECURITY_POLICY] {
        for directive in policy.split(';') {
            for source in directive.split_whitespace().skip(1) {
                assert!(
                    ["'self'", "'none'", "data:"].contains(&source)
                        || (directive.trim().starts_with("style-src")
                            && source.starts_with("'sha256-")),
                    "{directive}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_that_carry_a_token_are_not_stored() {
    let app = TestApp::spawn().await;
    let registered = app
        .rest("POST", "/api/users", None, Some(registration("cached")))
        .await;
    let token = registered.body["user"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let login = app
        .rest(
            "POST",
            "/api/users/login",
            None,
            Some(
                json!({"user": {"email": "cached@example.com", "password": "password-of-cached"}}),
            ),
        )
        .await;
    let current = app.rest("GET", "/api/user", Some(&token), None).await;
    let updated = app
        .rest(
            "PUT",
            "/api/user",
            Some(&token),
            Some(json!({"user": {"bio": "b"}})),
        )
        .await;
    for response in [&registered, &login, &current, &updated] {
        assert!(response.status.is_success(), "{:?}", response.body);
        assert!(response.body["user"]["token"].is_string());
        assert_eq!(response.headers["cache-control"], "no-store");
    }
    let graphql_login = app
        .send(
            Request::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"query": "mutation { login(input: {email: \"cached@example.com\", password: \"password-of-cached\"}) { token } }"})
                        .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert!(graphql_login.body["data"]["login"]["token"].is_string());
    assert_eq!(graphql_login.headers["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_request_ids_are_bounded_and_sanitised() {
    let app = TestApp::spawn().await;
    let with_id = |id: &str| {
        Request::get("/api/tags")
            .header("x-request-id", id)
            .body(Body::empty())
            .unwrap()
    };
    let plain = "7f3c-request.42:a_b";
    let response = app.send(with_id(plain)).await;
    assert_eq!(response.headers["x-request-id"], plain);

    let is_fresh = |id: &str| id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit());
    for hostile in [
        "x".repeat(5_000),
        "a".repeat(129),
        "id with spaces".to_owned(),
        "id\"} forged=\"log".to_owned(),
        "<script>".to_owned(),
    ] {
        let response = app.send(with_id(&hostile)).await;
        let echoed = response.headers["x-request-id"].to_str().unwrap();
        assert!(is_fresh(echoed), "{hostile:.40} became {echoed}");
    }
    // No id at all, or two of them: a fresh one.
    let response = get(&app, "/api/tags").await;
    assert!(is_fresh(response.headers["x-request-id"].to_str().unwrap()));
    let two = Request::get("/api/tags")
        .header("x-request-id", "first")
        .header("x-request-id", "second")
        .body(Body::empty())
        .unwrap();
    let response = app.send(two).await;
    assert!(is_fresh(response.headers["x-request-id"].to_str().unwrap()));
}

/// A token signed with the right key whose `nbf` (not before) is `not_before`.
fn token_with_not_before(valid_token: &str, not_before: i64) -> String {
    let payload = valid_token.split('.').nth(1).unwrap();
    let mut claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["nbf"] = json!(not_before);
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_not_valid_yet_is_refused_by_both_interfaces() {
    let app = TestApp::spawn().await;
    let token = app.register("early").await;
    let now = chrono::Utc::now().timestamp();
    let early = token_with_not_before(&token, now + 3_600);
    let due = token_with_not_before(&token, now - 60);

    let refused = app.rest("GET", "/api/user", Some(&early), None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body, json!({"errors": {"token": ["is invalid"]}}));
    let graphql = app
        .graphql("{ viewer { username } }", json!({}), Some(&early))
        .await;
    assert_eq!(error_of(&graphql).0, "UNAUTHENTICATED");

    let accepted = app.rest("GET", "/api/user", Some(&due), None).await;
    assert_eq!(accepted.status, StatusCode::OK);
    let graphql = app
        .graphql("{ viewer { username } }", json!({}), Some(&due))
        .await;
    assert_eq!(graphql["data"]["viewer"]["username"], "early");
}

#[test]
fn production_examples_switch_off_graphiql_and_introspection() {
    let defaults = conduit::config::Config::from_source(&[]).unwrap();
    assert!(
        defaults.graphiql && defaults.graphql_introspection,
        "on when embedded"
    );

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let compose = std::fs::read_to_string(root.join("docker/compose.yml")).unwrap();
    for line in [
        "GRAPHIQL: ${GRAPHIQL:-false}",
        "GRAPHQL_INTROSPECTION: ${GRAPHQL_INTROSPECTION:-false}",
    ] {
        assert!(compose.contains(line), "docker/compose.yml lacks `{line}`");
    }
    let user_data =
        std::fs::read_to_string(root.join("deploy/terraform/host-user-data.sh.tftpl")).unwrap();
    for line in ["\nGRAPHIQL=false\n", "\nGRAPHQL_INTROSPECTION=false\n"] {
        assert!(user_data.contains(line), "user data lacks {line:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_graphiql_and_introspection_off_neither_answers() {
    let app = TestApp::spawn_with(|config| {
        config.graphiql = false;
        config.graphql_introspection = false;
    })
    .await;
    let page = get(&app, "/graphql").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(page.body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    let asset = get(&app, "/graphql/assets/graphiql.min.js").await;
    assert_eq!(asset.status, StatusCode::NOT_FOUND);
    let introspection = "{ __schema { types { name } } __type(name: \"Query\") { name } }";
    let schema = app.graphql(introspection, json!({}), None).await;
    assert_eq!(
        schema["data"],
        json!({"__schema": null, "__type": null}),
        "{schema}"
    );

    let embedded = TestApp::spawn().await;
    let schema = embedded.graphql(introspection, json!({}), None).await;
    assert!(
        schema["data"]["__schema"]["types"]
            .as_array()
            .unwrap()
            .len()
            > 10
    );
    assert_eq!(get(&embedded, "/graphql").await.status, StatusCode::OK);
}
