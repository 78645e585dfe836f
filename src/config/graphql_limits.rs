//! The GraphQL limits' settings (`GRAPHQL_MAX_*`), which `graphql::limits` enforces (and
//! re-exports).

/// The bounds a GraphQL document must stay within (settings `GRAPHQL_MAX_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLimits {
    /// Bytes of the document text (variables do not count).
    pub max_document_bytes: usize,
    /// Lexical tokens: names, values, punctuation.
    pub max_tokens: usize,
    /// Nesting of `{`, `(` and `[`.
    pub max_nesting: usize,
    /// Fragment definitions.
    pub max_fragments: usize,
    /// Aliased fields in the whole document.
    pub max_aliases: usize,
    /// Top-level fields of one operation (after spreading fragments).
    pub max_root_fields: u64,
    /// Levels of fields (introspection has its own budget instead).
    pub max_depth: usize,
    /// Estimated work, see `graphql::limits::model`.
    pub max_cost: u64,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_document_bytes: 262_144,
            max_tokens: 5_000,
            max_nesting: 32,
            max_fragments: 100,
            max_aliases: 50,
            max_root_fields: 20,
            max_depth: 12,
            max_cost: 10_000,
        }
    }
}
