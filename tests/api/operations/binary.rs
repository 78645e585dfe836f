//! The real `conduit` binary over real HTTP: start-up, the user flow through both interfaces,
//! configuration errors.

use std::process::Command;

use serde_json::json;

use crate::harness::TestDatabase;
use crate::harness::binary::{conduit_binary, start};
use crate::harness::client::send;

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_serves_the_user_flow_over_rest_and_graphql() {
    let database = TestDatabase::create().await;
    let server = start(&database);
    let base = &server.base;

    let (status, body) = send(base, "POST", "/api/users", None, Some(json!({"user": {"username": "wire", "email": "wire@example.com", "password": "wire-password"}}))).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        base,
        "POST",
        "/api/users/login",
        None,
        Some(json!({"user": {"email": "wire@example.com", "password": "wire-password"}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["user"]["token"].as_str().unwrap().to_owned();
    let (status, body) = send(base, "GET", "/api/user", Some(&token), None).await;
    assert_eq!(
        (status, body["user"]["username"].clone()),
        (200, json!("wire"))
    );
    let (status, body) = send(
        base,
        "PUT",
        "/api/user",
        Some(&token),
        Some(json!({"user": {"bio": "over the wire"}})),
    )
    .await;
    assert_eq!(
        (status, body["user"]["bio"].clone()),
        (200, json!("over the wire"))
    );

    let (status, body) = send(base, "POST", "/graphql", None, Some(json!({
        "query": "mutation { register(input: {username: \"wire2\", email: \"wire2@example.com\", password: \"wire-password\"}) { token } }"
    }))).await;
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["register"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = send(base, "POST", "/graphql", None, Some(json!({
        "query": "mutation { login(input: {email: \"wire2@example.com\", password: \"wire-password\"}) { viewer { username } } }"
    }))).await;
    assert_eq!(body["data"]["login"]["viewer"]["username"], "wire2");
    let (_, body) = send(
        base,
        "POST",
        "/graphql",
        Some(&token),
        Some(json!({
            "query": "mutation { updateViewer(input: {bio: \"graph\"}) { viewer { bio } } }"
        })),
    )
    .await;
    assert_eq!(body["data"]["updateViewer"]["viewer"]["bio"], "graph");
    let (_, body) = send(
        base,
        "POST",
        "/graphql",
        Some(&token),
        Some(json!({"query": "{ viewer { username bio } }"})),
    )
    .await;
    assert_eq!(
        body["data"]["viewer"],
        json!({"username": "wire2", "bio": "graph"})
    );

    let playground = reqwest::Client::new()
        .get(format!("{}/graphql", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(playground.status(), 200);
    assert!(playground.text().await.unwrap().contains("graphiql"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_healthcheck_command_reports_readiness() {
    let database = TestDatabase::create().await;
    let server = start(&database);
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let healthy = Command::new(conduit_binary())
        .arg("healthcheck")
        .env("BIND_ADDRESS", format!("0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    drop(server);
    let gone = Command::new(conduit_binary())
        .arg("healthcheck")
        .env("BIND_ADDRESS", format!("0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert!(!gone.status.success());
}

#[test]
fn a_bad_setting_stops_the_binary_with_one_line_naming_it() {
    for (name, value) in [
        ("DB_POOL_SIZE", "lots"),
        ("DATABASE_URL", "oracle://x"),
        ("BIND_ADDRESS", "nowhere"),
    ] {
        let output = Command::new(conduit_binary())
            .env(name, value)
            .output()
            .expect("run conduit");
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(name), "{stderr}");
    }
}

#[test]
fn postgres_without_a_jwt_secret_is_refused_at_start() {
    let output = Command::new(conduit_binary())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:9/none")
        .env("MIGRATE_ON_START", "false")
        .env_remove("JWT_SECRET")
        .output()
        .expect("run conduit");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWT_SECRET"));
}

#[test]
fn the_schema_command_prints_the_sdl() {
    let output = Command::new(conduit_binary())
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        conduit::graphql::sdl()
    );
}
