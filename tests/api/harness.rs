//! The test app: every test gets its own fresh database on the backend chosen by
//! `CONDUIT_TEST_DATABASE_URL` (unset: a temporary SQLite file; `postgres://USER@HOST:PORT` or
//! `mysql://USER@HOST:PORT`: a new database created on that server and dropped afterwards), the
//! real migrations, and the real router, driven in process.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use conduit::config::{Config, Secret};
use conduit::db::{Backend, DatabaseUrl};
use conduit::{AppState, on_connection};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

pub mod parity;

pub const SECRET: &str = "integration-test-secret-at-least-32-bytes";
/// Small, so that the oversized-body tests stay fast.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    // Dropped last: the pool above must close before the database is dropped. Shared by
    // another instance on the same database (`another_instance`).
    _database: std::sync::Arc<TestDatabase>,
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
            _database: std::sync::Arc::new(database),
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

    /// Rows in `users`: tests use it to prove that refused requests wrote nothing.
    pub async fn user_count(&self) -> i64 {
        use conduit::db::schema::users;
        use diesel::QueryDsl as _;
        let db = self.state.session();
        on_connection!(&db, async move |conn| {
            Ok(users::table.count().get_result::<i64>(conn).await?)
        })
        .expect("count users")
    }

    /// A user row's columns that an update could change, to prove a refused update changed nothing.
    pub async fn user_row(
        &self,
        username: &str,
    ) -> Option<(String, String, Option<String>, String)> {
        use conduit::db::schema::users;
        use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
        let db = self.state.session();
        let username = username.to_owned();
        on_connection!(&db, async move |conn| {
            Ok(users::table
                .filter(users::username.eq(username))
                .select((
                    users::username,
                    users::email,
                    users::bio,
                    users::password_hash,
                ))
                .first(conn)
                .await
                .optional()?)
        })
        .expect("read user")
    }
}

impl TestApp {
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

    /// SQL statements run so far by this app's connections.
    pub fn statements(&self) -> u64 {
        self.state.db().statements_run()
    }

    /// Connections checked out of this app's pool so far.
    pub fn checkouts(&self) -> u64 {
        self.state.db().checkouts_made()
    }

    /// Rows in the domain's tables, to prove that refused requests wrote nothing.
    pub async fn row_counts(&self) -> [i64; 5] {
        use conduit::db::schema::{article_tags, articles, comments, favorites, follows};
        use diesel::QueryDsl as _;
        let db = self.state.session();
        on_connection!(&db, async move |conn| {
            Ok([
                articles::table.count().get_result::<i64>(conn).await?,
                article_tags::table.count().get_result::<i64>(conn).await?,
                comments::table.count().get_result::<i64>(conn).await?,
                favorites::table.count().get_result::<i64>(conn).await?,
                follows::table.count().get_result::<i64>(conn).await?,
            ])
        })
        .expect("count rows")
    }
}

impl TestApp {
    /// Deletes a user row directly, as an administrator would, leaving their tokens valid JWTs.
    pub async fn delete_user(&self, username: &str) {
        use conduit::db::schema::users;
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        let db = self.state.session();
        let username = username.to_owned();
        let deleted = on_connection!(&db, async move |conn| {
            Ok(
                diesel::delete(users::table.filter(users::username.eq(username)))
                    .execute(conn)
                    .await?,
            )
        });
        assert_eq!(deleted.expect("delete user"), 1);
    }
}

/// `2016-02-18T03:22:56.637Z`: UTC, milliseconds, `T` and `Z`.
pub fn is_millisecond_utc(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    bytes.len() == 24
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && bytes[10] == b'T'
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19)
        && bytes[19] == b'.'
        && digits(20..23)
        && bytes[23] == b'Z'
}

pub fn registration(name: &str) -> Value {
    json!({ "user": {
        "username": name,
        "email": format!("{name}@example.com"),
        "password": format!("password-of-{name}"),
    }})
}

/// The `{"errors": …}` map of a response, for exact comparison.
pub fn errors(response: &Response) -> Value {
    response.body["errors"].clone()
}

/// A GraphQL answer's first error: its `extensions.code` and its field → messages map (the
/// map REST answers as `{"errors": …}`).
pub fn error_of(response: &Value) -> (String, Value) {
    let error = &response["errors"][0];
    (
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        error["extensions"]["errors"].clone(),
    )
}

/// Whether an error message shows words that only the server's source code knows (a Rust
/// type or syntax), which no client should ever read.
pub fn names_an_internal_type(message: &str) -> bool {
    [
        "struct",
        "enum",
        "Body",
        "Envelope",
        "Input",
        "BatchRequest",
        "InvalidRequest",
        "Error(",
        "i32",
        "i64",
        "u32",
        "u64",
        "usize",
        "Option",
        "Vec<",
        "`String`",
        "`str`",
        "::",
        "untagged",
        "serde",
    ]
    .iter()
    .any(|word| message.contains(word))
}

/// A database of its own for one test.
pub struct TestDatabase {
    pub url: String,
    server: Option<ServerDatabase>,
    folder: tempfile::TempDir,
}

struct ServerDatabase {
    backend: Backend,
    admin_url: String,
    name: String,
}

static NEXT_DATABASE: AtomicUsize = AtomicUsize::new(0);

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let folder = tempfile::tempdir().expect("temporary folder");
        let Some(server_url) = std::env::var("CONDUIT_TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
        else {
            let url = format!("sqlite://{}", folder.path().join("conduit.db").display());
            return TestDatabase {
                url,
                server: None,
                folder,
            };
        };
        let server_url = server_url.trim().trim_end_matches('/');
        let backend = DatabaseUrl::parse(server_url)
            .expect("CONDUIT_TEST_DATABASE_URL must be a postgres:// or mysql:// server URL")
            .backend();
        let name = format!(
            "conduit_test_{}_{}_{}",
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let server = ServerDatabase {
            backend,
            admin_url: admin_url(backend, server_url),
            name,
        };
        server
            .run_statement(&format!("CREATE DATABASE {}", server.name))
            .await;
        let url = format!("{}/{}", server_root(server_url), server.name);
        TestDatabase {
            url,
            server: Some(server),
            folder,
        }
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self.folder.path().join("data")
    }
}

/// `scheme://user@host:port` without any database name.
fn server_root(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |index| index + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

fn admin_url(backend: Backend, url: &str) -> String {
    let database = if backend == Backend::Postgres {
        "postgres"
    } else {
        "mysql"
    };
    format!(
        "{}/{database}",
        server_root(url).replacen("mariadb://", "mysql://", 1)
    )
}

impl ServerDatabase {
    async fn run_statement(&self, statement: &str) {
        match self.backend {
            Backend::Postgres => {
                let mut connection = AsyncPgConnection::establish(&self.admin_url)
                    .await
                    .expect("connect to the PostgreSQL test server");
                diesel::sql_query(statement)
                    .execute(&mut connection)
                    .await
                    .expect(statement);
            }
            Backend::Mysql => {
                let mut connection = AsyncMysqlConnection::establish(&self.admin_url)
                    .await
                    .expect("connect to the MySQL test server");
                diesel::sql_query(statement)
                    .execute(&mut connection)
                    .await
                    .expect(statement);
            }
            Backend::Sqlite => unreachable!("SQLite needs no server"),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        let statement = match server.backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", server.name),
            _ => format!("DROP DATABASE IF EXISTS {}", server.name),
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; use a thread of its own.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(server.run_statement(&statement));
        });
        let _ = dropper.join();
    }
}
