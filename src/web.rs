//! The router: both interfaces, the health endpoints and the cross-cutting layers (CORS, body
//! limit, request deadline, tracing, panics as JSON 500, `Connection: close` while draining).
//! `server` serves it.

mod draining;

use std::any::Any;
use std::convert::Infallible;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower::ServiceExt as _;
use tower::service_fn;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any as AnyOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

use crate::error::AppError;
use crate::request_id::{RandomRequestId, drop_unusable_request_id};
use crate::security_headers::security_headers;
use crate::state::AppState;
use crate::{graphql, rest, service};

/// The whole service as one router.
pub fn app(state: AppState) -> Router {
    let max_body_bytes = state.config().max_body_bytes;
    let request_timeout = state.config().request_timeout;
    let metrics = state.metrics().clone();
    // Validated by the configuration as visible ASCII, so always a valid header value.
    let instance = HeaderValue::from_str(&state.config().instance_name)
        .unwrap_or_else(|_| HeaderValue::from_static("conduit"));
    let routes = Router::new()
        .merge(rest::routes())
        .merge(graphql::routes(state.clone()))
        .route(
            "/health/live",
            get(|| async { axum::Json(json!({ "status": "live" })) }),
        )
        .route("/health/ready", get(ready))
        .route("/metrics", get(scrape_metrics))
        .with_state(state.clone())
        .fallback(not_found)
        .route_layer(axum::middleware::from_fn(expose_matched_path));
    let exact = routes.clone();
    routes
        .fallback_service(service_fn(move |request| {
            without_trailing_slash(exact.clone(), request)
        }))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            request_timeout,
            crate::deadline::enforce,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(json_responses))
        .layer(cors())
        .layer(axum::middleware::from_fn_with_state(
            state,
            draining::close_connections_when_draining,
        ))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::http::track,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Outermost: every request has an id before it is logged, and the answer carries it.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RandomRequestId))
        .layer(axum::middleware::from_fn(drop_unusable_request_id))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-conduit-instance"),
            instance,
        ))
}

async fn not_found() -> AppError {
    AppError::NotFound { resource: "path" }
}

/// One rule for every route and method: a path that matches no route is tried once more
/// without its trailing slashes (`POST /api/articles/` is `POST /api/articles`, as some public
/// frontends send it). Routes that exist with a slash (the docs page at `/api/docs/`, whose
/// relative asset links need it) match first and are left alone; the query string is kept.
async fn without_trailing_slash(
    exact: Router,
    mut request: Request<Body>,
) -> Result<Response, Infallible> {
    let path = request.uri().path();
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len() || trimmed.is_empty() {
        return Ok(not_found().await.into_response());
    }
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_owned(),
    };
    let mut parts = request.uri().clone().into_parts();
    match path_and_query.parse() {
        Ok(path_and_query) => parts.path_and_query = Some(path_and_query),
        Err(_) => return Ok(not_found().await.into_response()),
    }
    match Uri::from_parts(parts) {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => return Ok(not_found().await.into_response()),
    }
    exact.oneshot(request).await
}

/// Copies the route template that matched into the response, so that layers outside a
/// re-dispatch (`without_trailing_slash`) still see it (the metrics' `route` label).
async fn expose_matched_path(request: Request<Body>, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(matched) = matched {
        response.extensions_mut().insert(matched);
    }
    response
}

/// The span every log line of a request carries: method, path and request id.
fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

/// Asks the server listening on `bind_address` whether it is ready; an error unless it answers
/// 200.
pub async fn healthcheck(bind_address: std::net::SocketAddr) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    // A wildcard bind address (0.0.0.0, ::) is reached through the loopback interface.
    let mut address = bind_address;
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream
            .write_all(b"GET /health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        anyhow::Ok(answer)
    };
    let answer = tokio::time::timeout(Duration::from_secs(3), exchange)
        .await
        .context("no answer within 3 s")??;
    let status_line = answer
        .split(|&byte| byte == b'\r')
        .next()
        .unwrap_or_default();
    anyhow::ensure!(
        status_line.windows(5).any(|window| window == b" 200 "),
        "not ready: {}",
        String::from_utf8_lossy(status_line)
    );
    Ok(())
}

/// 200 when this instance can serve: it is not shutting down and its database answers. A
/// draining instance answers 503 `{"status": "draining"}` so that load balancers stop sending.
async fn ready(State(state): State<AppState>) -> Result<Response, AppError> {
    if state.is_draining() {
        let body = axum::Json(json!({ "status": "draining" }));
        return Ok((StatusCode::SERVICE_UNAVAILABLE, body).into_response());
    }
    service::health::check_database(state.db()).await?;
    Ok(axum::Json(json!({ "status": "ready" })).into_response())
}

/// The Prometheus scrape endpoint (internal: the public Nginx server does not route it).
async fn scrape_metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (text, content_type) = state.metrics().render();
    ([(CONTENT_TYPE, content_type)], text)
}

/// Browser frontends on other origins call every route with a token header; tokens travel in
/// that header, never in cookies, so any origin may call.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AnyOrigin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            AUTHORIZATION,
            CONTENT_TYPE,
            HeaderName::from_static("x-requested-with"),
        ])
        .max_age(Duration::from_secs(86_400))
}

/// Every answer under `/api` is JSON: RealWorld clients expect `application/json;
/// charset=utf-8`, and the few errors that axum produces before a handler runs (405 for a wrong
/// method, 400 for a path that is not UTF-8) are rewritten into the `{"errors": …}` shape.
async fn json_responses(request: Request<Body>, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let status = response.status();
    if is_api && !is_json && (status.is_client_error() || status.is_server_error()) {
        let (mut parts, body) = response.into_parts();
        let text = axum::body::to_bytes(body, 16 * 1024)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        let message = if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_lowercase()
        } else {
            text
        };
        let key = if status == StatusCode::METHOD_NOT_ALLOWED {
            "method"
        } else {
            "request"
        };
        parts.headers.remove(CONTENT_TYPE);
        parts.headers.remove(CONTENT_LENGTH);
        let body = axum::Json(json!({ "errors": { key: [message] } }));
        return json_with_charset((parts, body).into_response());
    }
    json_with_charset(response)
}

fn json_with_charset(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if headers
        .get(CONTENT_TYPE)
        .is_some_and(|value| value == "application/json")
    {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    response
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    AppError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}
