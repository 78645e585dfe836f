//! GraphQL over HTTP: turns an HTTP request into one `async_graphql::Request` (a JSON body on
//! POST, the query string on GET) and answers every failure of the HTTP request itself — bad
//! JSON, wrong parameter types, batches, no query, an unsupported content type, a mutation over
//! GET, an oversized body — in GraphQL's own error shape rather than axum's plain text:
//!
//! ```json
//! {"errors":[{"message":"the body is not valid JSON: …","extensions":{"code":"BAD_REQUEST"}}]}
//! ```
//!
//! Parameter names and rules follow the GraphQL-over-HTTP specification
//! (<https://graphql.github.io/graphql-over-http/draft/>): `query`, `operationName`,
//! `variables` and `extensions`; `application/json` bodies; GET only for queries (405 otherwise).
//! Refusals that happen later but still before execution (rate limits, cost limits) use
//! [`RequestError`] too, so every request-level refusal looks the same to a client.

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::extract::Request;
use axum::http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::{AppError, FieldErrors};
use crate::security_headers::NO_STORE;

mod multipart;

/// The error code of every malformed request.
pub use crate::error::BAD_REQUEST;

/// A request-level failure: the request never reached (or was refused before) execution. Renders
/// as `{"errors":[{"message", "extensions":{"code"[, "errors"]}}]}` with an HTTP status.
#[derive(Debug)]
pub struct RequestError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// The REST-style `{"<key>": ["<message>"]}` map, when the refusal is a domain error.
    field_errors: Option<FieldErrors>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl RequestError {
    /// 400 `BAD_REQUEST` with a message that says what to fix.
    pub fn bad_request(message: impl Into<String>) -> Self {
        RequestError::new(StatusCode::BAD_REQUEST, BAD_REQUEST, message)
    }

    /// Any status and code (e.g. 429 `RATE_LIMITED`).
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        RequestError {
            status,
            code,
            message: message.into(),
            field_errors: None,
            headers: Vec::new(),
        }
    }

    /// Adds a response header (`Allow`, `Retry-After`, …).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A domain error refusing a whole request: the status REST would use, the same code, message
/// and field map as a resolver error, and `Retry-After` where REST sends it.
impl From<AppError> for RequestError {
    fn from(error: AppError) -> Self {
        error.log_if_internal();
        let mut refusal = RequestError::new(
            crate::rest::error::status(&error),
            error.code(),
            error.message(),
        );
        refusal.field_errors = Some(error.field_errors());
        if let Some(seconds) = error.retry_after_secs() {
            refusal = refusal.with_header(RETRY_AFTER, HeaderValue::from(seconds));
        }
        refusal
    }
}

impl IntoResponse for RequestError {
    fn into_response(self) -> Response {
        let mut extensions = json!({ "code": self.code });
        if let Some(field_errors) = &self.field_errors {
            extensions["errors"] = json!(field_errors);
        }
        let body = json!({ "errors": [{ "message": self.message, "extensions": extensions }] });
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().extend(self.headers);
        // Counted by the metrics middleware: a request refused before any operation ran.
        response
            .extensions_mut()
            .insert(crate::metrics::http::ErrorCode {
                interface: "graphql",
                code: self.code,
            });
        response
    }
}

/// How much a POST body may hold.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// A JSON body, or `operations` and `map` of a multipart one together (`MAX_BODY_BYTES`).
    pub json_bytes: usize,
    /// The one file of a multipart body (`UPLOAD_MAX_BYTES`): read no further than one byte
    /// past it, enough for the upload to be refused as too large, as REST refuses it.
    pub file_bytes: usize,
}

/// Reads a POST request: an `application/json` body holding one GraphQL request object, or a
/// `multipart/form-data` body as the GraphQL multipart request spec lays it out (see
/// [`multipart`]). A JSON body over its limit is 413 with the same code and message as REST's.
pub async fn read_post(
    request: Request,
    limits: BodyLimits,
) -> Result<async_graphql::Request, RequestError> {
    if let Some(content_type) = request.headers().get(CONTENT_TYPE) {
        if multipart::is_multipart(content_type) {
            return multipart::read(request, limits).await;
        }
        if !is_json(content_type) {
            return Err(RequestError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                BAD_REQUEST,
                "unsupported Content-Type: send the GraphQL request as JSON \
                 (Content-Type: application/json), or as multipart/form-data with files",
            ));
        }
    }
    let body = axum::body::to_bytes(request.into_body(), limits.json_bytes)
        .await
        .map_err(|error| body_error(error, limits.json_bytes))?;
    let value: Value = serde_json::from_slice(&body).map_err(|error| {
        RequestError::bad_request(format!("the body is not valid JSON: {error}"))
    })?;
    from_json(value)
}

/// 413 for a body past `limit`, 400 for one that could not be read.
fn body_error(error: axum::Error, limit: usize) -> RequestError {
    if error.into_inner().is::<http_body_util::LengthLimitError>() {
        RequestError::from(AppError::PayloadTooLarge { limit })
    } else {
        RequestError::bad_request("the request body could not be read")
    }
}

/// One GraphQL request object (a JSON body, or the `operations` of a multipart one).
fn from_json(value: Value) -> Result<async_graphql::Request, RequestError> {
    match value {
        Value::Object(parameters) => from_parameters(parameters),
        Value::Array(_) => Err(RequestError::bad_request(
            "batched requests are not supported: send one GraphQL request object per HTTP request",
        )),
        _ => Err(RequestError::bad_request(
            r#"the body must be a JSON object such as {"query": "{ tags }"}"#,
        )),
    }
}

/// Reads a GET request's query string; `Ok(None)` when it names no `query` (the playground's
/// cue). Only queries may run over GET: see [`refuse_mutation_over_get`].
pub fn read_get(uri: &Uri) -> Result<Option<async_graphql::Request>, RequestError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|_| RequestError::bad_request("the query string is not valid URL encoding"))?;
    if !pairs.iter().any(|(name, _)| name == "query") {
        return Ok(None);
    }
    let mut parameters = Map::new();
    for (name, value) in pairs {
        if parameters.contains_key(&name) {
            return Err(RequestError::bad_request(format!(
                "`{name}` is given more than once in the query string"
            )));
        }
        // `variables` and `extensions` travel as JSON text in a URL.
        let value = match name.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value).map_err(|error| {
                RequestError::bad_request(format!("`{name}` is not valid JSON: {error}"))
            })?,
            _ => Value::String(value),
        };
        parameters.insert(name, value);
    }
    from_parameters(parameters).map(Some)
}

/// Builds the request from its parameters, checking each one's type.
fn from_parameters(
    mut parameters: Map<String, Value>,
) -> Result<async_graphql::Request, RequestError> {
    let query = match parameters.remove("query") {
        Some(Value::String(query)) => query,
        None | Some(Value::Null) => {
            return Err(RequestError::bad_request(
                r#"the request has no query: send {"query": "<GraphQL document>"}"#,
            ));
        }
        Some(other) => return Err(wrong_type("query", "a string", &other)),
    };
    let operation_name = match parameters.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(other) => return Err(wrong_type("operationName", "a string or null", &other)),
    };
    let variables = match parameters.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(variables)) => Some(variables),
        Some(other) => return Err(wrong_type("variables", "an object or null", &other)),
    };
    // Conduit defines no request extensions, but a client's must still be well-formed.
    match parameters.remove("extensions") {
        None | Some(Value::Null | Value::Object(_)) => {}
        Some(other) => return Err(wrong_type("extensions", "an object or null", &other)),
    }
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = variables {
        request = request.variables(async_graphql::Variables::from_json(Value::Object(
            variables,
        )));
    }
    Ok(request)
}

fn wrong_type(parameter: &str, expected: &str, value: &Value) -> RequestError {
    RequestError::bad_request(format!(
        "`{parameter}` must be {expected}, not {}",
        json_kind(value)
    ))
}

/// The JSON type of a value, as a client would call it.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// GET must not change anything (caches and prefetchers replay it): a mutation or subscription
/// over GET is 405 with `Allow: POST`. A document that does not parse is left to the schema,
/// which reports it as a GraphQL syntax error.
pub fn refuse_mutation_over_get(request: &mut async_graphql::Request) -> Result<(), RequestError> {
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .iter()
            .find(|(candidate, _)| candidate.as_str() == name)
            .map(|(_, operation)| &operation.node),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| &operation.node)
        }
        // Several operations and no name: the schema answers that one must be chosen.
        (DocumentOperations::Multiple(_), None) => None,
    };
    match operation.map(|operation| operation.ty) {
        Some(OperationType::Mutation | OperationType::Subscription) => Err(RequestError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            BAD_REQUEST,
            "mutations and subscriptions must be sent with POST; GET runs queries only",
        )
        .with_header(ALLOW, HeaderValue::from_static("POST"))),
        _ => Ok(()),
    }
}

/// A `multipart/form-data` POST must carry an `Authorization` header, or it is 401
/// UNAUTHENTICATED before its body is read. Such a form is a "simple" cross-origin request,
/// which a browser sends from any page without asking first (no CORS preflight); JSON and an
/// `Authorization` header are not. So no page can make a visitor's browser run an operation
/// through a form; forms are for uploads, which need the token anyway.
pub fn refuse_anonymous_form(headers: &axum::http::HeaderMap) -> Result<(), RequestError> {
    let is_form = headers
        .get(CONTENT_TYPE)
        .is_some_and(multipart::is_multipart);
    if is_form && !headers.contains_key(axum::http::header::AUTHORIZATION) {
        return Err(crate::auth::MISSING_TOKEN.into());
    }
    Ok(())
}

/// Any other method on `/graphql`.
pub fn method_not_allowed() -> RequestError {
    RequestError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        BAD_REQUEST,
        "GraphQL accepts POST (any operation) and GET (queries only)",
    )
    .with_header(ALLOW, HeaderValue::from_static("GET, POST"))
}

/// `application/json`, with or without parameters such as `charset`.
fn is_json(content_type: &HeaderValue) -> bool {
    content_type.to_str().is_ok_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// The HTTP answer for an executed request: 200 (GraphQL errors travel in the body) as
/// `application/json`, `Cache-Control: no-store`. Errors that async-graphql raised itself (syntax, validation, a variable
/// of the wrong type) carry no code; they are the client's request at fault, so they get
/// `BAD_REQUEST` like every other request-level error.
pub fn response(mut response: async_graphql::Response) -> Response {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", BAD_REQUEST);
        }
    }
    let headers = std::mem::take(&mut response.http_headers);
    let mut answer = axum::Json(response).into_response();
    answer.headers_mut().extend(headers);
    // Any answer may hold a token (login, register, updateViewer) or the viewer's own data.
    answer.headers_mut().insert(CACHE_CONTROL, NO_STORE);
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(query_string: &str) -> Result<Option<async_graphql::Request>, RequestError> {
        read_get(&format!("/graphql?{query_string}").parse().unwrap())
    }

    #[test]
    fn parameters_of_the_wrong_type_are_named() {
        let error = from_parameters(json!({"query": 5}).as_object().unwrap().clone()).unwrap_err();
        assert_eq!(error.message(), "`query` must be a string, not a number");
        let error = from_parameters(
            json!({"query": "{tags}", "variables": []})
                .as_object()
                .unwrap()
                .clone(),
        )
        .unwrap_err();
        assert_eq!(
            error.message(),
            "`variables` must be an object or null, not an array"
        );
    }

    #[test]
    fn get_reads_json_variables_and_refuses_mutations() {
        assert!(get("").unwrap().is_none());
        let request = get("query=query%20T(%24n%3AInt)%7Btags%7D&variables=%7B%22n%22%3A1%7D")
            .unwrap()
            .unwrap();
        assert_eq!(request.variables.to_string(), "{n: 1}");
        assert!(get("query=x&query=y").is_err());
        assert!(get("query=x&variables=%7B").is_err());

        let mut mutation = get("query=mutation%7Bx%7D").unwrap().unwrap();
        let error = refuse_mutation_over_get(&mut mutation).unwrap_err();
        assert_eq!(error.status(), StatusCode::METHOD_NOT_ALLOWED);
        let mut chosen = get("query=query%20A%7Bx%7D%20mutation%20B%7Bx%7D&operationName=A")
            .unwrap()
            .unwrap();
        assert!(refuse_mutation_over_get(&mut chosen).is_ok());
    }

    #[test]
    fn json_content_types_with_parameters_are_json() {
        assert!(is_json(&HeaderValue::from_static("application/json")));
        assert!(is_json(&HeaderValue::from_static(
            "Application/JSON; charset=utf-8"
        )));
        assert!(!is_json(&HeaderValue::from_static(
            "application/x-www-form-urlencoded"
        )));
        assert!(!is_json(&HeaderValue::from_static("application/jsonp")));
    }
}
