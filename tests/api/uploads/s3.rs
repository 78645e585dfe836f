//! Uploads on S3 (`UPLOADS_URL=s3://…`), against a real S3-compatible server: moto in server
//! mode, started by each test on a free loopback port. The `conduit` binary runs with fake
//! credentials in its environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), read through
//! the standard AWS chain as in production, and signs every request and URL with SigV4.
//!
//! moto comes from `CONDUIT_TEST_MOTO_SERVER` (the path of `moto_server`; `.ci/run` installs it
//! in a virtualenv) or `moto_server` on the `PATH`. Without it these tests print why and pass,
//! except under CI (`CI` set), where they fail.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::harness::TestDatabase;
use crate::harness::binary::{Server, start_with};
use crate::uploads::images::{form, gif, png, png_header_claiming};

/// A moto S3 server, stopped when dropped.
struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto and waits until it answers; `None` (after saying why) when moto is not
    /// installed and this is not CI.
    async fn start() -> Option<Moto> {
        let program =
            std::env::var("CONDUIT_TEST_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().unwrap().port()
        };
        let spawned = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) if std::env::var_os("CI").is_none() => {
                println!(
                    "SKIPPED: the S3 upload tests need moto (`pip install 'moto[server]'`, or \
                     CONDUIT_TEST_MOTO_SERVER=/path/to/moto_server): {program}: {error}"
                );
                return None;
            }
            Err(error) => panic!("CI must have moto ({program}): {error}"),
        };
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client.get(&moto.endpoint).send().await.is_ok() {
                return Some(moto);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto did not answer on {} within 30 s", moto.endpoint);
    }

    /// Creates `bucket` (moto takes unsigned requests).
    async fn create_bucket(&self, bucket: &str) {
        let response = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .expect("create the bucket");
        assert!(response.status().is_success(), "{response:?}");
    }

    /// The keys of the objects in `bucket`, sorted.
    async fn keys(&self, bucket: &str) -> Vec<String> {
        let listing = reqwest::Client::new()
            .get(format!("{}/{bucket}?list-type=2", self.endpoint))
            .send()
            .await
            .expect("list the bucket")
            .text()
            .await
            .unwrap();
        let mut keys: Vec<String> = listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>"))
            .map(|(key, _)| key.to_owned())
            .collect();
        keys.sort();
        keys
    }
}

/// moto, a bucket `images`, and Conduit storing under `s3://images/uploads`.
struct S3Site {
    moto: Moto,
    server: Server,
    client: reqwest::Client,
    _database: TestDatabase,
}

const BUCKET: &str = "images";

impl S3Site {
    async fn start() -> Option<S3Site> {
        let moto = Moto::start().await?;
        moto.create_bucket(BUCKET).await;
        let database = TestDatabase::create().await;
        let server = start_with(
            &database,
            &[
                ("UPLOADS_URL", "s3://images/uploads"),
                ("UPLOADS_S3_ENDPOINT", &moto.endpoint),
                ("UPLOADS_S3_REGION", "eu-west-1"),
                ("AWS_ACCESS_KEY_ID", "AKIATESTINGCONDUIT00"),
                (
                    "AWS_SECRET_ACCESS_KEY",
                    "testing-secret-testing-secret-0000000000",
                ),
            ],
        );
        // Redirects are looked at, not followed.
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Some(S3Site {
            moto,
            server,
            client,
            _database: database,
        })
    }

    async fn register(&self, name: &str) -> String {
        let body: Value = self
            .client
            .post(format!("{}/api/users", self.server.base))
            .json(
                &json!({"user": {"username": name, "email": format!("{name}@example.com"),
                "password": format!("password-of-{name}")}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["user"]["token"].as_str().expect("a token").to_owned()
    }

    async fn upload(&self, token: &str, bytes: &[u8]) -> (u16, Value) {
        let (content_type, body) = form("file", "picture.png", "image/png", bytes);
        let response = self
            .client
            .post(format!("{}/api/uploads", self.server.base))
            .header("authorization", format!("Token {token}"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn upload_url(&self, token: &str, bytes: &[u8]) -> String {
        let (status, body) = self.upload(token, bytes).await;
        assert_eq!(status, 201, "{body}");
        body["upload"]["url"].as_str().unwrap().to_owned()
    }

    /// `GET` of an upload URL, redirect followed: `None` for 404, else the final response's
    /// `Content-Type` and bytes.
    async fn fetch(&self, url: &str) -> Option<(String, Vec<u8>)> {
        let response = self.client.get(url).send().await.unwrap();
        if response.status() == 404 {
            return None;
        }
        assert_eq!(response.status(), 302, "{url}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let image = self.client.get(&location).send().await.unwrap();
        assert_eq!(image.status(), 200, "{location}");
        let content_type = image.headers()["content-type"].to_str().unwrap().to_owned();
        Some((content_type, image.bytes().await.unwrap().to_vec()))
    }

    async fn set_image(&self, token: &str, image: Value) {
        let response = self
            .client
            .put(format!("{}/api/user", self.server.base))
            .header("authorization", format!("Token {token}"))
            .json(&json!({"user": {"image": image}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// The bucket's object keys without the `uploads/` prefix, sorted.
    async fn stored(&self) -> Vec<String> {
        self.moto
            .keys(BUCKET)
            .await
            .into_iter()
            .map(|key| {
                key.strip_prefix("uploads/")
                    .expect("under the prefix")
                    .to_owned()
            })
            .collect()
    }
}

fn key_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_images_are_stored_under_the_prefix_and_served_by_a_presigned_redirect() {
    let Some(site) = S3Site::start().await else {
        return;
    };
    let token = site.register("cloud").await;
    let bytes = png(3, 2);
    let (status, body) = site.upload(&token, &bytes).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["upload"]["contentType"], "image/png");
    assert_eq!(body["upload"]["size"], bytes.len());
    let url = body["upload"]["url"].as_str().unwrap();
    assert_eq!(site.stored().await, vec![key_of(url)]);

    let response = site.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["cache-control"], "private, max-age=240");
    let location = response.headers()["location"].to_str().unwrap();
    let expected_start = format!("{}/images/uploads/{}?", site.moto.endpoint, key_of(url));
    assert!(location.starts_with(&expected_start), "{location}");
    for part in [
        "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "X-Amz-Expires=300",
        "X-Amz-Signature=",
    ] {
        assert!(location.contains(part), "{location} lacks {part}");
    }
    // Signed with the keys from the environment: the AWS chain, not a Conduit setting.
    assert!(
        location.contains("X-Amz-Credential=AKIATESTINGCONDUIT00%2F"),
        "{location}"
    );
    assert!(
        location.contains("eu-west-1"),
        "signed for the region: {location}"
    );

    let (content_type, served) = site.fetch(url).await.expect("served");
    assert_eq!(served, bytes, "the same bytes back");
    assert_eq!(content_type, "image/png", "the type stored with the object");

    // A key Conduit never made, or never recorded, is 404 without asking the store.
    let missing = format!(
        "{}/api/uploads/0123456789abcdef0123456789abcdef.png",
        site.server.base
    );
    assert_eq!(site.fetch(&missing).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_refused_files_put_nothing_in_the_bucket() {
    let Some(site) = S3Site::start().await else {
        return;
    };
    let token = site.register("forger").await;
    for bytes in [
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        png_header_claiming(100_000, 100_000),
        Vec::new(),
    ] {
        let (status, body) = site.upload(&token, &bytes).await;
        assert_eq!(status, 422, "{body}");
    }
    assert_eq!(site.stored().await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_a_replaced_avatar_is_deleted_from_the_bucket_and_article_images_stay() {
    let Some(site) = S3Site::start().await else {
        return;
    };
    let token = site.register("sitter").await;
    let first = site.upload_url(&token, &png(2, 2)).await;
    site.set_image(&token, json!(first)).await;
    let second = site.upload_url(&token, &gif()).await;
    site.set_image(&token, json!(second)).await;
    assert_eq!(site.stored().await, vec![key_of(&second)]);
    assert_eq!(site.fetch(&first).await, None, "the old avatar is 404");
    assert_eq!(site.fetch(&second).await.expect("the new one").1, gif());

    // An avatar also shown in an article stays.
    let shown = site.upload_url(&token, &png(1, 1)).await;
    let response = site
        .client
        .post(format!("{}/api/articles", site.server.base))
        .header("authorization", format!("Token {token}"))
        .json(&json!({"article": {"title": "Seen", "description": "d",
            "body": format!("![avatar]({shown})")}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    site.set_image(&token, json!(shown)).await;
    assert_eq!(site.fetch(&second).await, None, "replaced in turn");
    site.set_image(&token, Value::Null).await;
    assert_eq!(site.stored().await, vec![key_of(&shown)]);
    assert!(site.fetch(&shown).await.is_some());
}
