//! A client of the real binary (see `binary`) over real HTTP: JSON requests with an optional
//! token, and the writes that the tests of live updates and operations start from.

use serde_json::{Value, json};

use super::registration;

/// Sends `method path` to the server at `base` (`http://127.0.0.1:PORT`) with an optional
/// `Token` and JSON body; returns the status and the body (`null` when it is not JSON).
pub async fn send(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// [`send`] as the owner of `token`, which must succeed (2xx); returns the body.
pub async fn call(base: &str, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
    let (status, body) = send(base, method, path, Some(token), body).await;
    assert!((200..300).contains(&status), "{path}: {status} {body}");
    body
}

/// Registers `name` (see [`registration`]); returns the token.
pub async fn register(base: &str, name: &str) -> String {
    let (status, body) = send(base, "POST", "/api/users", None, Some(registration(name))).await;
    assert_eq!(status, 201, "{body}");
    body["user"]["token"].as_str().unwrap().to_owned()
}

/// Publishes an article titled `title` as the owner of `token`; returns its slug.
pub async fn publish(base: &str, token: &str, title: &str, tags: &[&str]) -> String {
    let article = json!({ "article": {
        "title": title, "description": "d", "body": "b", "tagList": tags } });
    let body = call(base, "POST", "/api/articles", token, Some(article)).await;
    body["article"]["slug"].as_str().unwrap().to_owned()
}

/// Comments `text` on `slug` as the owner of `token`; returns the comment.
pub async fn comment(base: &str, token: &str, slug: &str, text: &str) -> Value {
    let body = json!({ "comment": { "body": text } });
    let path = format!("/api/articles/{slug}/comments");
    call(base, "POST", &path, token, Some(body)).await["comment"].clone()
}
