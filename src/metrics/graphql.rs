//! GraphQL operation metrics: a latency histogram by operation name and outcome, and the errors
//! of each response by code. Over HTTP the endpoint records each operation itself
//! ([`GraphqlMetrics::record_operation`]); over WebSocket an async-graphql extension does
//! ([`GraphqlMetricsExtension`]).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest, NextRequest,
};
use async_graphql::parser::types::DocumentOperations;
use async_graphql::{Response, ServerResult, Value};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Registry};

use super::LATENCY_BUCKETS;

/// Distinct operation names given their own series; later new names are counted as
/// [`OTHER_OPERATION`]. Clients choose operation names freely, and every name would otherwise
/// be a new series kept for the life of the process.
const MAX_OPERATION_NAMES: usize = 200;
/// Longest operation name given its own series.
const MAX_OPERATION_NAME_LEN: usize = 64;
/// The `operation` label of operations without a name.
const ANONYMOUS_OPERATION: &str = "anonymous";
/// The `operation` label of names past [`MAX_OPERATION_NAMES`] or longer than
/// [`MAX_OPERATION_NAME_LEN`].
const OTHER_OPERATION: &str = "other";
/// The `code` of GraphQL errors that async-graphql raised itself (syntax, validation, a
/// variable of the wrong type): the code the client sees, which the transport adds after this
/// extension has run.
const CODELESS_ERROR: &str = crate::error::BAD_REQUEST;

pub struct GraphqlMetrics {
    duration: HistogramVec,
    errors: IntCounterVec,
    names: Mutex<HashSet<String>>,
}

impl GraphqlMetrics {
    pub(super) fn new(registry: &Registry, errors: IntCounterVec) -> prometheus::Result<Self> {
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "conduit_graphql_operation_duration_seconds",
                "Time to run one GraphQL operation, by operation name and outcome (ok: no \
                 error; error: executed with errors; rejected: did not parse or validate); \
                 _count is the number of operations",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["operation", "outcome"],
        )?;
        registry.register(Box::new(duration.clone()))?;
        Ok(GraphqlMetrics {
            duration,
            errors,
            names: Mutex::new(HashSet::new()),
        })
    }

    /// The `operation` label for `name`, keeping the number of distinct labels bounded.
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS_OPERATION.to_owned();
        };
        if name.len() > MAX_OPERATION_NAME_LEN {
            return OTHER_OPERATION.to_owned();
        }
        let Ok(mut names) = self.names.lock() else {
            return OTHER_OPERATION.to_owned();
        };
        if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            name.to_owned()
        } else {
            OTHER_OPERATION.to_owned()
        }
    }

    /// Records one operation that ran without the extension (GraphQL over HTTP): `operation` is
    /// the name [`operation_name`] found, `seconds` the time from the request's arrival at the
    /// schema to its response. Whether it ran or was rejected is read off the response (see
    /// [`was_executed`]).
    pub fn record_operation(&self, operation: Option<&str>, response: &Response, seconds: f64) {
        self.record(operation, was_executed(response), response, seconds);
    }

    fn record(&self, operation: Option<&str>, executed: bool, response: &Response, seconds: f64) {
        let outcome = match (executed, response.errors.is_empty()) {
            (false, _) => "rejected",
            (true, true) => "ok",
            (true, false) => "error",
        };
        let operation = self.operation_label(operation);
        self.duration
            .with_label_values(&[operation.as_str(), outcome])
            .observe(seconds);
        for error in &response.errors {
            let code = error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .and_then(|code| match code {
                    Value::String(code) => Some(code.as_str()),
                    _ => None,
                })
                .unwrap_or(CODELESS_ERROR);
            self.errors.with_label_values(&["graphql", code]).inc();
        }
    }
}

/// The name of the operation a request runs, as async-graphql chooses it: the request's
/// `operationName`, or else the name of the document's only operation. `None` for an anonymous
/// operation, or a document that does not parse.
pub fn operation_name(request: &mut async_graphql::Request) -> Option<String> {
    if request.operation_name.is_some() {
        return request.operation_name.clone();
    }
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.to_string())
        }
        _ => None,
    }
}

/// Whether a response is that of an operation that ran, rather than one rejected before running
/// (a document that does not parse or validate, unknown or wrong variables): async-graphql
/// answers those with `data: null` and errors without a `path`, while an error raised while
/// running carries the path of its field.
fn was_executed(response: &Response) -> bool {
    let rejected = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    !rejected
}

/// The extension factory to put on the schema: `.extension(GraphqlMetricsExtension(metrics))`.
pub struct GraphqlMetricsExtension(pub super::Metrics);

impl ExtensionFactory for GraphqlMetricsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationRecorder {
            metrics: self.0.clone(),
            operation: Mutex::new(None),
            executed: Mutex::new(false),
        })
    }
}

/// Created per request: remembers the operation's name (the one the request names, or the
/// document's only operation) and whether it got as far as executing.
struct OperationRecorder {
    metrics: super::Metrics,
    operation: Mutex<Option<String>>,
    executed: Mutex<bool>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationRecorder {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let operation = self.operation.lock().ok().and_then(|name| name.clone());
        let executed = self.executed.lock().is_ok_and(|executed| *executed);
        self.metrics.graphql().record(
            operation.as_deref(),
            executed,
            &response,
            started.elapsed().as_secs_f64(),
        );
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        if let Ok(mut operation) = self.operation.lock() {
            operation.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Ok(mut operation) = self.operation.lock() {
            *operation = operation_name.map(str::to_owned);
        }
        if let Ok(mut executed) = self.executed.lock() {
            *executed = true;
        }
        next.run(ctx, operation_name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> GraphqlMetrics {
        let registry = Registry::new();
        let errors =
            IntCounterVec::new(prometheus::Opts::new("e", "e"), &["interface", "code"]).unwrap();
        GraphqlMetrics::new(&registry, errors).unwrap()
    }

    #[test]
    fn the_operation_is_named_as_async_graphql_names_it() {
        let name = |query: &str, operation: Option<&str>| {
            let mut request = async_graphql::Request::new(query);
            request.operation_name = operation.map(str::to_owned);
            operation_name(&mut request)
        };
        assert_eq!(name("query Tags { tags }", None).as_deref(), Some("Tags"));
        assert_eq!(name("{ tags }", None), None);
        assert_eq!(name("query A { tags } query B { tags }", None), None);
        assert_eq!(
            name("query A { tags } query B { tags }", Some("B")).as_deref(),
            Some("B")
        );
        assert_eq!(name("query Broken {", None), None);
    }

    #[test]
    fn responses_of_documents_that_never_ran_are_told_from_failed_runs() {
        let rejected = async_graphql::Response::from_errors(vec![async_graphql::ServerError::new(
            "Unknown field \"nope\" on type \"Query\".",
            None,
        )]);
        assert!(!was_executed(&rejected));
        let mut failed_field = async_graphql::ServerError::new("article not found", None);
        failed_field.path = vec![async_graphql::PathSegment::Field("article".to_owned())];
        // A non-null root field that failed leaves `data: null`, but its error has a path.
        let failed = async_graphql::Response::from_errors(vec![failed_field]);
        assert!(was_executed(&failed));
        assert!(was_executed(&async_graphql::Response::new(Value::Null)));
    }

    #[test]
    fn operation_names_are_bounded_in_number_and_length() {
        let metrics = metrics();
        assert_eq!(metrics.operation_label(None), ANONYMOUS_OPERATION);
        assert_eq!(
            metrics.operation_label(Some(&"x".repeat(MAX_OPERATION_NAME_LEN + 1))),
            OTHER_OPERATION
        );
        for index in 0..MAX_OPERATION_NAMES {
            let name = format!("Operation{index}");
            assert_eq!(metrics.operation_label(Some(&name)), name);
        }
        assert_eq!(metrics.operation_label(Some("OneTooMany")), OTHER_OPERATION);
        // Names seen before keep their own series.
        assert_eq!(metrics.operation_label(Some("Operation7")), "Operation7");
    }
}
