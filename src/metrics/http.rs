//! HTTP request metrics: a latency histogram by method, route template and status, and the
//! number of requests in flight.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{HistogramOpts, HistogramVec, IntGauge, Registry};

use super::{LATENCY_BUCKETS, Metrics};

/// The `route` label of requests that matched no route (the 404 fallback): one value, so that
/// scanners probing random paths cannot grow the number of series.
const UNMATCHED_ROUTE: &str = "unmatched";

pub struct HttpMetrics {
    duration: HistogramVec,
    in_flight: IntGauge,
}

impl HttpMetrics {
    pub(super) fn new(registry: &Registry) -> prometheus::Result<Self> {
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from receiving a request to sending its response head; _count is the \
                 number of requests",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )?;
        let in_flight = IntGauge::new("http_requests_in_flight", "Requests being handled now")?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        Ok(HttpMetrics {
            duration,
            in_flight,
        })
    }
}

/// The error code of an error response and the interface that answered it (`rest`, or
/// `graphql` for requests refused before any operation ran), put in the response extensions
/// where the error is rendered so that [`track`] can count it.
#[derive(Clone, Copy, Debug)]
pub struct ErrorCode {
    pub interface: &'static str,
    pub code: &'static str,
}

/// Middleware: times every request and counts it by method, route template (`/api/articles/
/// {slug}`, never the concrete path) and status, and counts error responses by code.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().cloned();
    let http = metrics.http();
    let in_flight = InFlight::start(&http.in_flight);
    let response = next.run(request).await;
    drop(in_flight);
    // A route reached by a re-dispatch (a trailing slash) names its template in the response.
    let route = route.or_else(|| response.extensions().get::<MatchedPath>().cloned());
    let route = route.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
    http.duration
        .with_label_values(&[method, route, response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    if let Some(error) = response.extensions().get::<ErrorCode>() {
        metrics.count_error(error.interface, error.code);
    }
    response
}

/// Counts a request in flight until dropped, also when the client goes away and the request's
/// future is dropped half-way.
struct InFlight<'a>(&'a IntGauge);

impl<'a> InFlight<'a> {
    fn start(gauge: &'a IntGauge) -> Self {
        gauge.inc();
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The standard methods by name; any other (clients may send any token) as `OTHER`, so that
/// the number of series stays bounded.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}
