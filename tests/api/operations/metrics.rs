//! `GET /metrics`: the Prometheus text exposition, scraped before and after real requests to
//! check that each figure moves by what the requests did.

use std::collections::BTreeMap;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use conduit::on_connection;
use futures_util::future::join_all;
use serde_json::json;

use crate::harness::TestApp;

/// One scrape: series (`name{label="value",…}` with labels sorted by name and a histogram's
/// `le` last, as the exporter writes them) to values.
struct Scrape(BTreeMap<String, f64>);

impl Scrape {
    async fn of(app: &TestApp) -> Scrape {
        let response = app
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        assert_eq!(response.status, StatusCode::OK);
        let content_type = response.headers["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        let text = response.body.as_str().expect("a text body").to_owned();
        let mut series = BTreeMap::new();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').expect("`series value`");
            let value = value.parse::<f64>().expect("a number");
            series.insert(name.to_owned(), value);
        }
        Scrape(series)
    }

    /// The value of `name` with exactly `labels` (given in any order); 0 when absent.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut labels = labels.to_vec();
        labels.sort_by_key(|&(key, _)| (key == "le", key));
        let key = if labels.is_empty() {
            name.to_owned()
        } else {
            let labels: Vec<String> = labels
                .iter()
                .map(|(key, value)| format!("{key}=\"{value}\""))
                .collect();
            format!("{name}{{{}}}", labels.join(","))
        };
        self.0.get(&key).copied().unwrap_or(0.0)
    }

    fn names_containing(&self, text: &str) -> Vec<&String> {
        self.0.keys().filter(|key| key.contains(text)).collect()
    }
}

fn requests(route: &str, method: &str, status: &str) -> [(&'static str, String); 3] {
    [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_owned()),
    ]
}

fn count_of(scrape: &Scrape, labels: &[(&'static str, String); 3]) -> f64 {
    let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    scrape.get("http_request_duration_seconds_count", &labels)
}

#[tokio::test(flavor = "multi_thread")]
async fn http_requests_are_counted_by_route_template_method_and_status() {
    let app = TestApp::spawn().await;
    let before = Scrape::of(&app).await;
    for _ in 0..3 {
        assert_eq!(
            app.rest("GET", "/api/articles", None, None).await.status,
            StatusCode::OK
        );
    }
    // With a trailing slash the request reaches the same route and is counted under it.
    assert_eq!(
        app.rest("GET", "/api/articles/", None, None).await.status,
        StatusCode::OK
    );
    let missing = app
        .rest("GET", "/api/articles/no-such-article", None, None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unrouted = app.rest("GET", "/no/such/path", None, None).await;
    assert_eq!(unrouted.status, StatusCode::NOT_FOUND);
    let unauthenticated = app.rest("GET", "/api/user", None, None).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    let after = Scrape::of(&app).await;

    let delta = |labels| count_of(&after, &labels) - count_of(&before, &labels);
    assert_eq!(delta(requests("/api/articles", "GET", "200")), 4.0);
    assert_eq!(delta(requests("/api/articles/{slug}", "GET", "404")), 1.0);
    assert_eq!(delta(requests("unmatched", "GET", "404")), 1.0);
    assert_eq!(delta(requests("/api/user", "GET", "401")), 1.0);
    // The first scrape itself was a request too.
    assert_eq!(delta(requests("/metrics", "GET", "200")), 1.0);
    // Concrete paths never become labels.
    assert!(after.names_containing("no-such").is_empty());
    assert!(after.names_containing("/no/such/path").is_empty());
    // The histogram has buckets, and the slowest of them holds every request.
    let labels = requests("/api/articles", "GET", "200");
    let mut bucket: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    bucket.push(("le", "+Inf"));
    assert_eq!(
        after.get("http_request_duration_seconds_bucket", &bucket),
        4.0
    );
    assert!(
        after.get(
            "http_request_duration_seconds_sum",
            &[
                ("method", "GET"),
                ("route", "/api/articles"),
                ("status", "200")
            ]
        ) > 0.0
    );

    let errors = |scrape: &Scrape, code| {
        scrape.get(
            "conduit_errors_total",
            &[("code", code), ("interface", "rest")],
        )
    };
    assert_eq!(
        errors(&after, "NOT_FOUND") - errors(&before, "NOT_FOUND"),
        2.0
    );
    assert_eq!(
        errors(&after, "UNAUTHENTICATED") - errors(&before, "UNAUTHENTICATED"),
        1.0
    );
    assert_eq!(
        after.get("http_requests_in_flight", &[]),
        1.0,
        "the scrape itself"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graphql_operations_are_counted_by_name_and_outcome_with_their_error_codes() {
    let app = TestApp::spawn().await;
    let before = Scrape::of(&app).await;
    let tags = app.graphql("query Tags { tags }", json!({}), None).await;
    assert!(tags["errors"].is_null(), "{tags}");
    let anonymous = app.graphql("{ tags }", json!({}), None).await;
    assert!(anonymous["errors"].is_null(), "{anonymous}");
    let missing = app
        .graphql(
            "query Missing { article(slug: \"no-such-article\") { slug } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let broken = app.graphql("query Broken {", json!({}), None).await;
    assert!(broken["errors"].is_array(), "{broken}");
    // Refused before any operation ran: counted as an error, not as an operation.
    let refused = app
        .send(
            Request::post("/graphql")
                .header("content-type", "text/plain")
                .body(Body::from("{ tags }"))
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let after = Scrape::of(&app).await;

    let operations = |scrape: &Scrape, operation, outcome| {
        scrape.get(
            "conduit_graphql_operation_duration_seconds_count",
            &[("operation", operation), ("outcome", outcome)],
        )
    };
    for (operation, outcome) in [
        ("Tags", "ok"),
        ("anonymous", "ok"),
        ("Missing", "error"),
        // Without operationName, a document that does not parse has no known name.
        ("anonymous", "rejected"),
    ] {
        assert_eq!(
            operations(&after, operation, outcome) - operations(&before, operation, outcome),
            1.0,
            "{operation} {outcome}"
        );
    }
    let errors = |scrape: &Scrape, code| {
        scrape.get(
            "conduit_errors_total",
            &[("code", code), ("interface", "graphql")],
        )
    };
    assert_eq!(
        errors(&after, "NOT_FOUND") - errors(&before, "NOT_FOUND"),
        1.0
    );
    assert_eq!(
        errors(&after, "BAD_REQUEST") - errors(&before, "BAD_REQUEST"),
        2.0,
        "the document that does not parse, and the refused Content-Type"
    );
    let graphql_requests = requests("/graphql", "POST", "200");
    assert_eq!(
        count_of(&after, &graphql_requests) - count_of(&before, &graphql_requests),
        4.0
    );
    let refused_requests = requests("/graphql", "POST", "415");
    assert_eq!(
        count_of(&after, &refused_requests) - count_of(&before, &refused_requests),
        1.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn database_and_password_figures_follow_the_work_done() {
    let app = TestApp::spawn().await;
    let backend = app.state.db().backend().scheme();
    let labels = [("backend", backend)];
    let before = Scrape::of(&app).await;
    assert_eq!(before.get("conduit_db_pool_max_connections", &labels), 5.0);
    assert_eq!(
        before.get("conduit_db_pool_connections_in_use", &labels),
        0.0
    );
    assert_eq!(before.get("conduit_db_pool_waiters", &labels), 0.0);
    assert_eq!(
        before.get(
            "conduit_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );

    app.register("metrics-jake").await;
    let statements_before_list = app.statements();
    let between = Scrape::of(&app).await;
    assert_eq!(
        between.get("conduit_db_statements_total", &labels),
        statements_before_list as f64,
        "the metric is the statement counter the tests assert on"
    );
    assert_eq!(
        app.rest("GET", "/api/articles", None, None).await.status,
        StatusCode::OK
    );
    let after = Scrape::of(&app).await;

    let statements = after.get("conduit_db_statements_total", &labels)
        - between.get("conduit_db_statements_total", &labels);
    assert_eq!(
        statements,
        (app.statements() - statements_before_list) as f64
    );
    assert!(statements >= 1.0, "a list runs SQL");
    let checkouts = after.get("conduit_db_pool_checkouts_total", &labels)
        - between.get("conduit_db_pool_checkouts_total", &labels);
    assert!(checkouts >= 1.0, "a list checks out a connection");
    assert!(after.get("conduit_db_pool_connections", &labels) >= 1.0);
    assert_eq!(
        after.get("conduit_db_pool_connections_in_use", &labels),
        0.0
    );
    assert_eq!(
        after.get("conduit_db_pool_checkout_timeouts_total", &labels),
        0.0
    );

    // Registration hashed one password: it queued for a slot, then hashed.
    let hashes = |scrape: &Scrape, name| scrape.get(name, &[]);
    for name in [
        "conduit_password_hash_duration_seconds_count",
        "conduit_password_hash_queue_wait_seconds_count",
    ] {
        assert_eq!(
            hashes(&between, name) - hashes(&before, name),
            1.0,
            "{name}"
        );
    }
    assert!(hashes(&between, "conduit_password_hash_duration_seconds_sum") > 0.0);
    assert_eq!(hashes(&after, "conduit_password_hash_queue_length"), 0.0);
    #[cfg(target_os = "linux")]
    assert!(after.get("process_resident_memory_bytes", &[]) > 0.0);
}

/// Scrapes `app` every few milliseconds until `seen` holds for a scrape (then that scrape), or
/// until `running` is over or ten seconds have passed (then `None`).
async fn scrape_until(
    app: &TestApp,
    running: impl Fn() -> bool,
    seen: impl Fn(&Scrape) -> bool,
) -> Option<Scrape> {
    let start = Instant::now();
    while running() && start.elapsed() < Duration::from_secs(10) {
        let scrape = Scrape::of(app).await;
        if seen(&scrape) {
            return Some(scrape);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_connection_and_a_request_waiting_for_it_show_in_the_pool_gauges() {
    let app = TestApp::spawn_with(|config| {
        config.pool.max_size = 1;
        config.pool.checkout_timeout = Duration::from_secs(30);
    })
    .await;
    let backend = app.state.db().backend().scheme();
    let labels = [("backend", backend)];
    // An operation that keeps the pool's only connection until told to let go.
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let holder = {
        let db = app.state.session();
        tokio::spawn(async move {
            on_connection!(&db, async move |_conn| {
                let _ = released.await;
                Ok(())
            })
        })
    };
    let in_use = scrape_until(
        &app,
        || true,
        |scrape| scrape.get("conduit_db_pool_connections_in_use", &labels) >= 1.0,
    )
    .await;
    assert!(
        in_use.is_some(),
        "the held connection never showed as in use"
    );
    // A request that must wait for that connection.
    let waiting = {
        let router = app.router.clone();
        tokio::spawn(async move {
            use tower::ServiceExt as _;
            let request = Request::get("/api/articles").body(Body::empty()).unwrap();
            router.oneshot(request).await.unwrap().status()
        })
    };
    let waited = scrape_until(
        &app,
        || !waiting.is_finished(),
        |scrape| scrape.get("conduit_db_pool_waiters", &labels) >= 1.0,
    )
    .await
    .expect("the waiting request never showed as a waiter");
    assert_eq!(
        waited.get("conduit_db_pool_connections_in_use", &labels),
        1.0
    );

    release.send(()).expect("the holder is waiting");
    holder
        .await
        .unwrap()
        .expect("the holding operation ends well");
    assert_eq!(waiting.await.unwrap(), StatusCode::OK);
    let after = Scrape::of(&app).await;
    assert_eq!(after.get("conduit_db_pool_waiters", &labels), 0.0);
    assert_eq!(
        after.get("conduit_db_pool_connections_in_use", &labels),
        0.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_beyond_the_hashing_slots_show_in_the_hash_queue_length() {
    let app = TestApp::spawn().await;
    app.register("queued").await;
    // One hashing slot per core: four logins a slot, and a few more, must queue.
    let slots = std::thread::available_parallelism().map_or(2, usize::from);
    let login =
        json!({ "user": { "email": "queued@example.com", "password": "password-of-queued" } });
    let logins = tokio::spawn({
        let router = app.router.clone();
        async move {
            join_all((0..4 * slots + 4).map(|_| {
                use tower::ServiceExt as _;
                let request = Request::post("/api/users/login")
                    .header("content-type", "application/json")
                    .body(Body::from(login.to_string()))
                    .unwrap();
                router.clone().oneshot(request)
            }))
            .await
            .into_iter()
            .map(|response| response.unwrap().status())
            .collect::<Vec<_>>()
        }
    });
    let queued = scrape_until(
        &app,
        || !logins.is_finished(),
        |scrape| scrape.get("conduit_password_hash_queue_length", &[]) >= 1.0,
    )
    .await;
    let statuses = logins.await.unwrap();
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );
    assert!(
        queued.is_some(),
        "{} concurrent logins on {slots} hashing slots, and the queue never showed",
        statuses.len()
    );
    let after = Scrape::of(&app).await;
    assert_eq!(after.get("conduit_password_hash_queue_length", &[]), 0.0);
}
