//! Limits before work: every GraphQL document is measured before async-graphql parses or
//! validates it, and refused in microseconds when it is too big or too expensive.
//!
//! 1. The raw text ([`document`]): at most `max_document_bytes` bytes, `max_tokens` tokens and
//!    `max_nesting` levels of brackets, in one bounded scan.
//! 2. The parsed document ([`cost`]): at most `max_fragments` fragments and `max_aliases`
//!    aliases; per operation at most `max_root_fields` top-level fields and `max_depth` levels;
//!    and a cost of at most `max_cost`, where database-touching fields and lists cost what they
//!    do ([`model`]). Fragments are costed once each, so the walk is linear in the document.
//!
//! 3. While it runs ([`credentials`]): at most one login, registration or password change.
//!
//! A refusal is a GraphQL error with `extensions.code = "BAD_REQUEST"` and the `{"query":
//! [message]}` map, whose message says which limit and what to change. The HTTP handler admits
//! a request ([`QueryGuard::admit`]) before it even authenticates it; the WebSocket schema runs
//! the same admission as an extension, so a subscription is checked too.

pub mod cost;
pub mod credentials;
pub mod document;
pub mod model;

use std::any::TypeId;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerResult};

use super::error::request_error;
pub use crate::config::graphql_limits::QueryLimits;
use crate::error::AppError;
use cost::Report;
use model::CostModel;

/// The standard introspection query; the introspection budget is twice its cost.
const STANDARD_INTROSPECTION_QUERY: &str = include_str!("introspection.graphql");

/// Checks GraphQL requests against [`QueryLimits`] for one schema. Cheap to clone.
#[derive(Clone)]
pub struct QueryGuard {
    inner: Arc<Inner>,
}

struct Inner {
    limits: QueryLimits,
    model: CostModel,
    introspection_limit: u64,
}

/// Marks a request as checked, so that the schema extension does not check it twice.
struct Checked;

impl QueryGuard {
    /// A guard for the schema whose SDL is given.
    pub fn new(limits: QueryLimits, sdl: &str) -> anyhow::Result<QueryGuard> {
        let model = CostModel::from_sdl(sdl)?;
        let standard = async_graphql::parser::parse_query(STANDARD_INTROSPECTION_QUERY)?;
        let unlimited = QueryLimits {
            max_cost: u64::MAX,
            max_depth: usize::MAX,
            max_root_fields: u64::MAX,
            max_aliases: usize::MAX,
            max_fragments: usize::MAX,
            ..limits.clone()
        };
        let report = cost::analyse(&standard, &Default::default(), &model, &unlimited, u64::MAX)
            .map_err(|refusal| anyhow::anyhow!("costing the introspection query: {refusal:?}"))?;
        Ok(QueryGuard {
            inner: Arc::new(Inner {
                limits,
                model,
                introspection_limit: report.introspection_cost.saturating_mul(2),
            }),
        })
    }

    /// Everything a request must pass and carry before it runs: [`check`](Self::check), unless
    /// it was checked already, and the per-request state of the credentials limit
    /// ([`credentials`]). Called by the HTTP endpoint (whose schema has no extensions) and by
    /// this guard's extension (WebSocket).
    pub fn admit(&self, request: &mut Request) -> Result<(), AppError> {
        if !request.data.contains_key(&TypeId::of::<Checked>()) {
            self.check(request)?;
        }
        request
            .data
            .insert(credentials::CredentialOperation::default());
        Ok(())
    }

    /// Measures the request's document (parsing it, once: the parse is kept in the request for
    /// execution) and refuses it if it crosses a limit. A document that does not parse passes
    /// here; execution reports the syntax error.
    pub fn check(&self, request: &mut Request) -> Result<Report, AppError> {
        let refused = |message: String| AppError::bad_request("query", message);
        let limits = &self.inner.limits;
        document::check(&request.query, limits).map_err(|problem| refused(problem.message()))?;
        request.data.insert(Checked);
        let Ok(parsed) = async_graphql::parser::parse_query(&request.query) else {
            return Ok(Report::default());
        };
        let report = cost::analyse(
            &parsed,
            &request.variables,
            &self.inner.model,
            limits,
            self.inner.introspection_limit,
        )
        .map_err(|problem| refused(problem.message()))?;
        request.set_parsed_query(parsed);
        tracing::debug!(?report, "GraphQL document within limits");
        Ok(report)
    }
}

impl ExtensionFactory for QueryGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryGuard {
    async fn prepare_request(
        &self,
        context: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.admit(&mut request).map_err(request_error)?;
        next.run(context, request).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn guard() -> QueryGuard {
        QueryGuard::new(QueryLimits::default(), &crate::graphql::sdl()).unwrap()
    }

    fn check(query: &str) -> Result<Report, String> {
        guard()
            .check(&mut Request::new(query))
            .map_err(|error| error.message())
    }

    /// `fragment F1 on Query { ...F0 ...F0 }` … up to `F{levels}`: 2^levels fields expanded.
    fn nested_fragments(levels: usize) -> String {
        let mut document = format!("query {{ ...F{levels} }}\nfragment F0 on Query {{ tags }}\n");
        for level in 1..=levels {
            let below = level - 1;
            document += &format!("fragment F{level} on Query {{ ...F{below} ...F{below} }}\n");
        }
        document
    }

    #[test]
    fn nested_fragment_spreads_are_refused_in_linear_time() {
        for levels in [24, 28, 60] {
            let started = Instant::now();
            let refusal = check(&nested_fragments(levels)).unwrap_err();
            assert!(refusal.contains("costs more than 10000"), "{refusal}");
            // Not a timing assertion on the service: a guard against an exponential walk, which
            // would take hours here.
            assert!(started.elapsed().as_secs() < 5);
        }
        // A few levels are fine: 2^3 = 8 `tags` fields.
        assert_eq!(check(&nested_fragments(3)).unwrap().cost, 80);
    }

    /// `{ ...F0 }` and `count` fragments `F0` … that each select `tags` (cheap, shallow: only
    /// their number can cross a limit).
    fn many_fragments(count: usize) -> String {
        let mut document = "query { ...F0 }\n".to_owned();
        for number in 0..count {
            document += &format!("fragment F{number} on Query {{ tags }}\n");
        }
        document
    }

    #[test]
    fn documents_with_more_fragments_than_the_limit_are_refused() {
        assert!(check(&many_fragments(100)).is_ok());
        let refusal = check(&many_fragments(101)).unwrap_err();
        assert_eq!(
            refusal,
            "query defines 101 fragments; at most 100 are allowed"
        );
        let error = guard()
            .check(&mut Request::new(many_fragments(101)))
            .unwrap_err();
        assert_eq!(error.code(), "BAD_REQUEST");
        // The limit is a setting.
        let few = QueryLimits {
            max_fragments: 3,
            ..QueryLimits::default()
        };
        let guard = QueryGuard::new(few, &crate::graphql::sdl()).unwrap();
        assert!(guard.check(&mut Request::new(many_fragments(3))).is_ok());
        assert!(guard.check(&mut Request::new(many_fragments(4))).is_err());
    }

    #[test]
    fn fragment_cycles_are_refused() {
        let refusal =
            check("{ ...A } fragment A on Query { ...B } fragment B on Query { tags ...A }")
                .unwrap_err();
        assert_eq!(refusal, "query spreads fragment A inside itself");
    }

    #[test]
    fn aliases_and_root_fields_are_capped() {
        let aliases: String = (0..1000).map(|i| format!("a{i}: tags ")).collect();
        let refusal = check(&format!("{{ {aliases} }}")).unwrap_err();
        assert_eq!(
            refusal,
            "query uses more than 50 aliases; ask for each thing once"
        );
        let lists: String = (0..333)
            .map(|i| format!("a{i}: articles(first: 100) {{ nodes {{ slug }} }} "))
            .collect();
        assert!(check(&format!("{{ {lists} }}")).is_err());
        // Without aliases, through a fragment: the top-level fields still count.
        let roots = "{ ...R } fragment R on Query { tags viewer { username } ...S } \
                     fragment S on Query { tags }";
        assert_eq!(check(roots).unwrap().root_fields, 3);
        let many: String = (0..21).map(|_| "tags ").collect();
        let refusal = check(&format!("{{ {many} }}")).unwrap_err();
        assert!(refusal.contains("selects 21 top-level fields"), "{refusal}");
    }

    #[test]
    fn lists_multiply_by_their_length() {
        let page = |first: u32| {
            check(&format!(
                "{{ articles(first: {first}) {{ totalCount edges {{ node {{ slug author {{ username }} }} }} }} }}"
            ))
            .unwrap()
            .cost
        };
        // 10 + totalCount 1 + first × (edges 1 + node 1 + slug 1 + author 1 + username 1).
        assert_eq!(page(1), 16);
        assert_eq!(page(100), 511);
        // The variable's value counts, or its default.
        let query = "query($n: Int = 50) { articles(first: $n) { nodes { slug } } }";
        let mut request = Request::new(query);
        assert_eq!(guard().check(&mut request).unwrap().cost, 10 + 50 * 2);
        let mut request = Request::new(query).variables(async_graphql::Variables::from_json(
            serde_json::json!({"n": 2}),
        ));
        assert_eq!(guard().check(&mut request).unwrap().cost, 10 + 2 * 2);
        // Nested lists multiply: 100 articles × 20 articles of each author × 20 of theirs.
        let nested = "{ articles(first: 100) { nodes { author { articles(first: 20) {
            author { articles(first: 20) { slug } } } } } } }";
        assert!(check(nested).unwrap_err().contains("costs more than"));
    }

    #[test]
    fn too_deep_operations_are_refused() {
        let mut selection = "slug".to_owned();
        for _ in 0..6 {
            selection = format!("articles(first: 1) {{ author {{ {selection} }} }}");
        }
        let deep = format!("{{ article(slug: \"a\") {{ author {{ {selection} }} }} }}");
        let refusal = check(&deep).unwrap_err();
        assert_eq!(
            refusal,
            "query is nested 15 levels deep; at most 12 are allowed"
        );
    }

    #[test]
    fn the_standard_introspection_query_fits_and_nested_introspection_does_not() {
        let report = check(STANDARD_INTROSPECTION_QUERY).unwrap();
        assert!(report.introspection_cost > 0);
        let nested = "{ __schema { types { fields { type { fields { type { fields { type {
            fields { name } } } } } } } } } }";
        let refusal = check(nested).unwrap_err();
        assert!(refusal.contains("more introspection"), "{refusal}");
    }

    #[test]
    fn oversized_documents_are_refused_before_parsing() {
        let long = format!("{{ tags # {} \n }}", "x".repeat(300_000));
        assert!(
            check(&long)
                .unwrap_err()
                .contains("longer than 262144 bytes")
        );
        let many = format!("{{ {} }}", "tags ".repeat(6000));
        assert!(check(&many).unwrap_err().contains("more than 5000 tokens"));
        let deep = format!("{{ a(x: {}1{}) }}", "[".repeat(100), "]".repeat(100));
        assert!(check(&deep).unwrap_err().contains("nests brackets"));
    }
}
