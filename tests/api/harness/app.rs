//! The test app: the real router over a fresh database of the test's own (see `database`), with
//! the test defaults, driven in process; and the requests a test sends through it.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use conduit::AppState;
use conduit::config::{Config, Secret};
use conduit::db::DatabaseUrl;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::answers::registration;
use super::database::TestDatabase;

pub const SECRET: &str = "integration-test-secret-at-least-32-bytes";
/// Small, so that the oversized-body tests stay fast.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    // Dropped last: the pool above must close before the database is dropped. Shared by
    // another instance on the same database (`another_instance`).
    _database: Arc<TestDatabase>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// A test app whose configuration `configure` adjusts after the test defaults are set.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        let database = TestDatabase::create().await;
        let mut config = Config::from_source(&[]).expect("default configuration");
        config.database_url = DatabaseUrl::parse(&database.url).expect("test database URL");
        config.jwt_secret = Some(Secret::new(SECRET.into()));
        config.data_dir = database.data_dir();
        config.max_body_bytes = MAX_BODY_BYTES;
        config.pool.max_size = 5;
        // Tests register many users from one in-process "address"; the rate-limit tests switch
        // the limits on.
        config.rate_limits = conduit::rate_limit::RateLimitSettings::off();
        configure(&mut config);
        let state = AppState::build(config).await.expect("the app starts");
        TestApp {
            router: conduit::app(state.clone()),
            state,
            _database: Arc::new(database),
        }
    }

    /// A second instance on this app's database, with this app's configuration as `configure`
    /// adjusts it (migrations are not run again): as after a restart, or a replica.
    pub async fn another_instance(&self, configure: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.state.config().clone();
        config.migrate_on_start = false;
        configure(&mut config);
        let state = AppState::build(config).await.expect("the app starts");
        TestApp {
            router: conduit::app(state.clone()),
            state,
            _database: self._database.clone(),
        }
    }

    /// Sends a raw request through the router.
    pub async fn send(&self, request: Request<Body>) -> Response {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Response {
            status,
            headers,
            body,
        }
    }

    /// A REST call with an optional `Token` and JSON body.
    pub async fn rest(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Token {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// A GraphQL call; returns the whole response body (`data` and `errors`).
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = Request::builder()
            .method("POST")
            .uri("/graphql")
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        let response = self.send(request.body(Body::from(body)).unwrap()).await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
        response.body
    }

    /// Registers `name` (email `name@example.com`, password `password-of-name`); returns the token.
    pub async fn register(&self, name: &str) -> String {
        let response = self
            .rest("POST", "/api/users", None, Some(registration(name)))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        response.body["user"]["token"].as_str().unwrap().to_owned()
    }

    /// Creates an article as the owner of `token`; returns the article JSON.
    pub async fn create_article(&self, token: &str, title: &str, tags: &[&str]) -> Value {
        let body = json!({"article": {
            "title": title,
            "description": format!("About {title}"),
            "body": format!("The body of {title}."),
            "tagList": tags,
        }});
        let response = self
            .rest("POST", "/api/articles", Some(token), Some(body))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        response.body["article"].clone()
    }

    /// The URL of this app's database, for the binary's subcommands.
    pub fn database_url(&self) -> &str {
        &self._database.url
    }
}
