//! What each field of the schema costs, derived once from the schema's SDL by a few rules, so a
//! field added later is costed without anyone remembering to:
//!
//! - every field costs [`FIELD_COST`]; a root field (of `Query`, `Mutation`, `Subscription`)
//!   reads or writes the database on every call and costs [`DATABASE_FIELD_COST`];
//! - a list of objects multiplies what is selected inside it by its length: the value of its
//!   `first` argument (or that argument's default), else [`UNKNOWN_LIST_LENGTH`];
//! - a Relay connection (a type named `…Connection`) multiplies what is selected under its
//!   `edges` and `nodes` by its `first`, and counts `pageInfo` and `totalCount` once;
//! - introspection (`__schema`, `__type` and the `__…` types) is costed apart, with list lengths
//!   taken from the schema itself (how many types, the most fields or arguments of any), so that
//!   the standard introspection query fits and a nested `types { fields { type { fields … } } }`
//!   does not.
//!
//! Lists of scalars (`tagList`) are values already loaded with their row and count as one field.

use std::collections::HashMap;

use async_graphql::Value;
use async_graphql::parser::types::{
    BaseType, OperationType, ServiceDocument, Type, TypeKind, TypeSystemDefinition,
};

use crate::service::paging::{DEFAULT_LIMIT, MAX_LIMIT};

/// What resolving any field costs.
pub const FIELD_COST: u64 = 1;
/// What a field that runs its own database statements costs (every root field).
pub const DATABASE_FIELD_COST: u64 = 10;
/// The length assumed for a list without a `first` argument (an article's comments).
pub const UNKNOWN_LIST_LENGTH: u64 = 20;

/// How many items a field's selection is resolved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListSize {
    /// Not a list (or a list of scalars).
    One,
    Fixed(u64),
    /// The field's `first` argument, clamped to `1..=max`; `default` when left out.
    First {
        default: u64,
        max: u64,
    },
}

/// How a field's cost combines with what is selected inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Plain,
    /// A connection: its `size` multiplies the cost of its items (`edges`, `nodes`).
    Connection,
    /// `edges` or `nodes` of a connection: resolved once per item of the connection above.
    ConnectionItems,
    /// Part of the introspection schema; costed against the introspection budget.
    Introspection,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCost {
    /// The named type the field returns (lists and non-null stripped).
    pub returns: String,
    pub own: u64,
    pub size: ListSize,
    pub kind: FieldKind,
}

impl FieldCost {
    /// The list length for this use of the field: its `first` argument, from a literal, a
    /// variable or the default.
    pub fn length(&self, first: Option<&Value>) -> u64 {
        match self.size {
            ListSize::One => 1,
            ListSize::Fixed(length) => length,
            ListSize::First { default, max } => {
                let requested = match first {
                    Some(Value::Number(number)) => number.as_u64().unwrap_or(1),
                    _ => default,
                };
                requested.clamp(1, max)
            }
        }
    }
}

/// The cost of every field of one schema, by type and field name.
#[derive(Debug)]
pub struct CostModel {
    fields: HashMap<String, HashMap<String, FieldCost>>,
    query: String,
    mutation: Option<String>,
    subscription: Option<String>,
}

/// The introspection types (GraphQL spec §4.5), which the SDL does not print.
const INTROSPECTION_SDL: &str = r#"
type __Schema { description: String types: [__Type!]! queryType: __Type!
  mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }
type __Type { kind: __TypeKind! name: String description: String specifiedByURL: String
  fields(includeDeprecated: Boolean): [__Field!] interfaces: [__Type!] possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean): [__EnumValue!]
  inputFields(includeDeprecated: Boolean): [__InputValue!] ofType: __Type isOneOf: Boolean }
type __Field { name: String! description: String args(includeDeprecated: Boolean): [__InputValue!]!
  type: __Type! isDeprecated: Boolean! deprecationReason: String }
type __InputValue { name: String! description: String type: __Type! defaultValue: String
  isDeprecated: Boolean! deprecationReason: String }
type __EnumValue { name: String! description: String isDeprecated: Boolean! deprecationReason: String }
type __Directive { name: String! description: String locations: [__DirectiveLocation!]!
  args(includeDeprecated: Boolean): [__InputValue!]! isRepeatable: Boolean! }
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD
  INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION
  INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION }
"#;

/// Scalars every schema has, and directives every server knows, whether the SDL prints them
/// or not.
const BUILT_IN_SCALARS: u64 = 5;
const BUILT_IN_DIRECTIVES: u64 = 5;

impl CostModel {
    /// The model of the schema whose SDL (as `conduit schema` prints it) is given.
    pub fn from_sdl(sdl: &str) -> anyhow::Result<CostModel> {
        let schema = async_graphql::parser::parse_schema(sdl)?;
        let introspection = async_graphql::parser::parse_schema(INTROSPECTION_SDL)?;
        let mut model = CostModel {
            fields: HashMap::new(),
            query: "Query".into(),
            mutation: None,
            subscription: None,
        };
        for definition in &schema.definitions {
            if let TypeSystemDefinition::Schema(roots) = definition {
                let roots = &roots.node;
                if let Some(query) = &roots.query {
                    model.query = query.node.to_string();
                }
                model.mutation = roots.mutation.as_ref().map(|name| name.node.to_string());
                model.subscription = roots
                    .subscription
                    .as_ref()
                    .map(|name| name.node.to_string());
            }
        }
        let sizes = IntrospectionSizes::of(&[&schema, &introspection]);
        for document in [&schema, &introspection] {
            model.add_object_types(document, &sizes);
        }
        let entry_points = [
            ("__schema", "__Schema", ListSize::One),
            ("__type", "__Type", ListSize::One),
        ];
        if let Some(query_fields) = model.fields.get_mut(&model.query) {
            for (name, returns, size) in entry_points {
                query_fields.insert(
                    name.into(),
                    FieldCost {
                        returns: returns.into(),
                        own: FIELD_COST,
                        size,
                        kind: FieldKind::Introspection,
                    },
                );
            }
        }
        Ok(model)
    }

    /// The cost of `field` on `type_name`; `None` for a field the schema does not have (the
    /// validation that follows reports it).
    pub fn field(&self, type_name: &str, field: &str) -> Option<&FieldCost> {
        self.fields.get(type_name)?.get(field)
    }

    /// The root type an operation starts from.
    pub fn root_type(&self, operation: OperationType) -> Option<&str> {
        match operation {
            OperationType::Query => Some(&self.query),
            OperationType::Mutation => self.mutation.as_deref(),
            OperationType::Subscription => self.subscription.as_deref(),
        }
    }

    fn is_root(&self, type_name: &str) -> bool {
        type_name == self.query
            || self.mutation.as_deref() == Some(type_name)
            || self.subscription.as_deref() == Some(type_name)
    }

    fn add_object_types(&mut self, document: &ServiceDocument, sizes: &IntrospectionSizes) {
        // Interfaces have the same field shape as objects.
        let objects: Vec<_> = document
            .definitions
            .iter()
            .filter_map(|definition| match definition {
                TypeSystemDefinition::Type(definition) => match &definition.node.kind {
                    TypeKind::Object(object) => Some((&definition.node.name.node, &object.fields)),
                    TypeKind::Interface(interface) => {
                        Some((&definition.node.name.node, &interface.fields))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let object_names: Vec<String> = objects.iter().map(|(name, _)| name.to_string()).collect();
        for (type_name, fields) in objects {
            let type_name = type_name.to_string();
            let mut costs = HashMap::new();
            for field in fields {
                let field = &field.node;
                let (returns, is_list) = named_type(&field.ty.node);
                let of_objects = is_list
                    && (object_names.contains(&returns) || self.fields.contains_key(&returns));
                let first_default = field
                    .arguments
                    .iter()
                    .find(|argument| argument.node.name.node == "first")
                    .map(|argument| {
                        argument
                            .node
                            .default_value
                            .as_ref()
                            .and_then(|value| match &value.node {
                                Value::Number(number) => number.as_u64(),
                                _ => None,
                            })
                            .unwrap_or(DEFAULT_LIMIT as u64)
                    });
                let name = field.name.node.as_str();
                let cost = self.rule(&type_name, name, returns, of_objects, first_default, sizes);
                costs.insert(name.to_owned(), cost);
            }
            self.fields.insert(type_name, costs);
        }
    }

    /// The rules of the module documentation, for one field.
    fn rule(
        &self,
        type_name: &str,
        field: &str,
        returns: String,
        of_objects: bool,
        first_default: Option<u64>,
        sizes: &IntrospectionSizes,
    ) -> FieldCost {
        let by_first = first_default.map(|default| ListSize::First {
            default,
            max: MAX_LIMIT as u64,
        });
        if type_name.starts_with("__") {
            let size = match (of_objects, field) {
                (false, _) => ListSize::One,
                (true, "types") => ListSize::Fixed(sizes.types),
                (true, "directives") => ListSize::Fixed(sizes.directives),
                (true, _) => ListSize::Fixed(sizes.members),
            };
            return FieldCost {
                returns,
                own: FIELD_COST,
                size,
                kind: FieldKind::Introspection,
            };
        }
        let own = if self.is_root(type_name) {
            DATABASE_FIELD_COST
        } else {
            FIELD_COST
        };
        let (size, kind) = if returns.ends_with("Connection") {
            (
                by_first.unwrap_or(ListSize::Fixed(UNKNOWN_LIST_LENGTH)),
                FieldKind::Connection,
            )
        } else if type_name.ends_with("Connection") && matches!(field, "edges" | "nodes") {
            (ListSize::One, FieldKind::ConnectionItems)
        } else if of_objects {
            (
                by_first.unwrap_or(ListSize::Fixed(UNKNOWN_LIST_LENGTH)),
                FieldKind::Plain,
            )
        } else {
            (ListSize::One, FieldKind::Plain)
        };
        FieldCost {
            returns,
            own,
            size,
            kind,
        }
    }
}

/// The named type under any list and non-null wrappers, and whether there was a list.
fn named_type(ty: &Type) -> (String, bool) {
    match &ty.base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (named_type(inner).0, true),
    }
}

/// List lengths of the introspection schema, measured on the schema itself.
struct IntrospectionSizes {
    /// How many types `__schema { types }` lists.
    types: u64,
    /// How many directives `__schema { directives }` lists.
    directives: u64,
    /// The longest member list of any type or field: fields, input fields, enum values or
    /// arguments.
    members: u64,
}

impl IntrospectionSizes {
    fn of(documents: &[&ServiceDocument]) -> IntrospectionSizes {
        let mut sizes = IntrospectionSizes {
            types: BUILT_IN_SCALARS,
            directives: BUILT_IN_DIRECTIVES,
            members: 1,
        };
        for definition in documents.iter().flat_map(|document| &document.definitions) {
            match definition {
                TypeSystemDefinition::Type(definition) => {
                    sizes.types += 1;
                    let longest = match &definition.node.kind {
                        TypeKind::Object(object) => object
                            .fields
                            .iter()
                            .map(|field| field.node.arguments.len())
                            .chain([object.fields.len()])
                            .max(),
                        TypeKind::Interface(interface) => Some(interface.fields.len()),
                        TypeKind::Enum(enumeration) => Some(enumeration.values.len()),
                        TypeKind::InputObject(input) => Some(input.fields.len()),
                        TypeKind::Union(union) => Some(union.members.len()),
                        TypeKind::Scalar => None,
                    };
                    let longest = longest.unwrap_or_default() as u64;
                    sizes.members = sizes.members.max(longest);
                }
                TypeSystemDefinition::Directive(directive) => {
                    sizes.directives += 1;
                    let arguments = directive.node.arguments.len() as u64;
                    sizes.members = sizes.members.max(arguments);
                }
                TypeSystemDefinition::Schema(_) => {}
            }
        }
        sizes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> CostModel {
        CostModel::from_sdl(&crate::graphql::sdl()).unwrap()
    }

    #[test]
    fn root_fields_read_the_database_and_lists_multiply() {
        let model = model();
        let articles = model.field("Query", "articles").unwrap();
        assert_eq!(articles.own, DATABASE_FIELD_COST);
        assert_eq!(articles.kind, FieldKind::Connection);
        assert_eq!(
            articles.size,
            ListSize::First {
                default: DEFAULT_LIMIT as u64,
                max: MAX_LIMIT as u64
            }
        );
        let edges = model.field("ArticleConnection", "edges").unwrap();
        assert_eq!(edges.kind, FieldKind::ConnectionItems);
        // `Article.comments(first: Int! = 20)`.
        let comments = model.field("Article", "comments").unwrap();
        assert_eq!(
            comments.size,
            ListSize::First {
                default: 20,
                max: MAX_LIMIT as u64
            }
        );
        assert_eq!(comments.own, FIELD_COST);
        // `Profile.articles(first: Int! = 5)`: the SDL's default.
        let by_author = model.field("Profile", "articles").unwrap();
        assert_eq!(by_author.length(None), 5);
        assert_eq!(by_author.length(Some(&Value::from(3))), 3);
        assert_eq!(by_author.length(Some(&Value::from(0))), 1);
        // A list of scalars is one value of its row.
        let tag_list = model.field("Article", "tagList").unwrap();
        assert_eq!((tag_list.own, tag_list.size), (FIELD_COST, ListSize::One));
        let login = model.field("Mutation", "login").unwrap();
        assert_eq!(login.own, DATABASE_FIELD_COST);
        assert_eq!(model.root_type(OperationType::Mutation), Some("Mutation"));
    }

    #[test]
    fn introspection_lists_have_the_schema_own_lengths() {
        let model = model();
        let schema = model.field("Query", "__schema").unwrap();
        assert_eq!(schema.kind, FieldKind::Introspection);
        let ListSize::Fixed(types) = model.field("__Schema", "types").unwrap().size else {
            panic!("types is a list");
        };
        assert!(types > 30, "{types}");
        let ListSize::Fixed(fields) = model.field("__Type", "fields").unwrap().size else {
            panic!("fields is a list");
        };
        // The longest: __DirectiveLocation's 19 values.
        assert!(fields >= 19, "{fields}");
        let of_type = model.field("__Type", "ofType").unwrap();
        assert_eq!(of_type.size, ListSize::One);
    }
}
