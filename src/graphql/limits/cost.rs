//! The cost, depth and shape of a parsed document, computed in one walk that visits every
//! selection set of the document once: a named fragment is summarised the first time it is
//! spread and its summary reused for every other spread. A document of nested spreads
//! (`F1 { ...F0 ...F0 }` … `F24`) that would expand to 2^24 fields is therefore costed in 25
//! steps, and the walk stops as soon as a running total passes its limit.
//!
//! This runs before async-graphql's own validation, whose depth and complexity visitors expand
//! every spread again (exponential in the nesting of fragments): a document that passes here
//! has a bounded expansion, because every expanded field costs at least 1.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Value, Variables};

use super::QueryLimits;
use super::model::{CostModel, FIELD_COST, FieldKind};

/// Costs kept apart while walking, because they combine differently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    /// Work that does not depend on an enclosing connection's length.
    work: u64,
    /// Work repeated for every item of the enclosing connection (under `edges`/`nodes`).
    per_item: u64,
    /// Introspection, costed against its own budget.
    introspection: u64,
}

impl Cost {
    fn plus(self, other: Cost) -> Cost {
        Cost {
            work: self.work.saturating_add(other.work),
            per_item: self.per_item.saturating_add(other.per_item),
            introspection: self.introspection.saturating_add(other.introspection),
        }
    }

    /// All work outside introspection, whichever way it repeats.
    fn all_work(self) -> u64 {
        self.work.saturating_add(self.per_item)
    }
}

/// What a selection set (or a fragment) adds where it is used.
#[derive(Debug, Clone, Copy, Default)]
struct Summary {
    cost: Cost,
    /// Levels of fields below this point (introspection not counted).
    depth: usize,
    /// Fields selected directly, with spreads and inline fragments expanded.
    fields: u64,
}

impl Summary {
    fn plus(self, other: Summary) -> Summary {
        Summary {
            cost: self.cost.plus(other.cost),
            depth: self.depth.max(other.depth),
            fields: self.fields.saturating_add(other.fields),
        }
    }
}

/// The figures of an accepted document, summed over its operations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub cost: u64,
    pub introspection_cost: u64,
    pub depth: usize,
    pub root_fields: u64,
    pub aliases: usize,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooExpensive {
    Fragments { count: usize, limit: usize },
    FragmentCycle { name: String },
    Aliases { limit: usize },
    RootFields { count: u64, limit: u64 },
    Depth { depth: usize, limit: usize },
    Cost { limit: u64 },
    IntrospectionCost { limit: u64 },
}

impl TooExpensive {
    /// What the client reads, saying what to change.
    pub fn message(&self) -> String {
        match self {
            TooExpensive::Fragments { count, limit } => {
                format!("defines {count} fragments; at most {limit} are allowed")
            }
            TooExpensive::FragmentCycle { name } => {
                format!("spreads fragment {name} inside itself")
            }
            TooExpensive::Aliases { limit } => {
                format!("uses more than {limit} aliases; ask for each thing once")
            }
            TooExpensive::RootFields { count, limit } => format!(
                "selects {count} top-level fields; at most {limit} are allowed in one request"
            ),
            TooExpensive::Depth { depth, limit } => {
                format!("is nested {depth} levels deep; at most {limit} are allowed")
            }
            TooExpensive::Cost { limit } => format!(
                "costs more than {limit}: every field costs 1, a top-level field 10, and a \
                 list multiplies what it contains by its length (`first`, or 20); ask for \
                 fewer items or fewer nested lists"
            ),
            TooExpensive::IntrospectionCost { limit } => {
                format!("asks for more introspection than the standard query ({limit})")
            }
        }
    }
}

/// Costs every operation of `document` (with `variables` and the operations' variable
/// defaults) against the limits; stops at the first one crossed.
pub fn analyse(
    document: &ExecutableDocument,
    variables: &Variables,
    model: &CostModel,
    limits: &QueryLimits,
    introspection_limit: u64,
) -> Result<Report, TooExpensive> {
    if document.fragments.len() > limits.max_fragments {
        return Err(TooExpensive::Fragments {
            count: document.fragments.len(),
            limit: limits.max_fragments,
        });
    }
    let mut walk = Walk {
        document,
        model,
        limits,
        introspection_limit,
        variables: variable_values(document, variables),
        fragments: HashMap::new(),
        aliases: 0,
    };
    let mut report = Report::default();
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        let root = model.root_type(operation.ty);
        let summary = walk.selection_set(&operation.selection_set.node, root)?;
        if summary.fields > limits.max_root_fields {
            return Err(TooExpensive::RootFields {
                count: summary.fields,
                limit: limits.max_root_fields,
            });
        }
        if summary.depth > limits.max_depth {
            return Err(TooExpensive::Depth {
                depth: summary.depth,
                limit: limits.max_depth,
            });
        }
        report.cost = report.cost.saturating_add(summary.cost.all_work());
        report.introspection_cost = report
            .introspection_cost
            .saturating_add(summary.cost.introspection);
        report.depth = report.depth.max(summary.depth);
        report.root_fields = report.root_fields.saturating_add(summary.fields);
        walk.check(Cost {
            work: report.cost,
            per_item: 0,
            introspection: report.introspection_cost,
        })?;
    }
    report.aliases = walk.aliases;
    Ok(report)
}

/// The value of every variable: the request's, else the largest default any operation gives it
/// (a fragment shared by two operations is costed once, so it gets the dearer one).
fn variable_values<'a>(
    document: &'a ExecutableDocument,
    variables: &Variables,
) -> HashMap<&'a str, Value> {
    let mut values: HashMap<&str, Value> = HashMap::new();
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            let name = definition.node.name.node.as_str();
            let value = variables.get(name).cloned().or_else(|| {
                definition
                    .node
                    .default_value
                    .as_ref()
                    .map(|value| value.node.clone())
            });
            let Some(value) = value else { continue };
            let dearer = match (values.get(name), &value) {
                (Some(Value::Number(old)), Value::Number(new)) => new.as_u64() > old.as_u64(),
                (Some(_), _) => false,
                (None, _) => true,
            };
            if dearer {
                values.insert(name, value);
            }
        }
    }
    values
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    model: &'a CostModel,
    limits: &'a QueryLimits,
    introspection_limit: u64,
    variables: HashMap<&'a str, Value>,
    /// Summaries of the fragments seen so far; `None` while a fragment is being summarised.
    fragments: HashMap<&'a str, Option<Summary>>,
    aliases: usize,
}

impl<'a> Walk<'a> {
    fn check(&self, cost: Cost) -> Result<(), TooExpensive> {
        if cost.all_work() > self.limits.max_cost {
            return Err(TooExpensive::Cost {
                limit: self.limits.max_cost,
            });
        }
        if cost.introspection > self.introspection_limit {
            return Err(TooExpensive::IntrospectionCost {
                limit: self.introspection_limit,
            });
        }
        Ok(())
    }

    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        parent: Option<&'a str>,
    ) -> Result<Summary, TooExpensive> {
        let mut summary = Summary::default();
        for selection in &set.items {
            let part = match &selection.node {
                Selection::Field(field) => self.field(&field.node, parent)?,
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())?
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|condition| condition.node.on.node.as_str())
                        .or(parent);
                    self.selection_set(&inline.node.selection_set.node, on)?
                }
            };
            summary = summary.plus(part);
            self.check(summary.cost)?;
        }
        Ok(summary)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Summary, TooExpensive> {
        match self.fragments.get(name) {
            Some(Some(summary)) => return Ok(*summary),
            Some(None) => {
                return Err(TooExpensive::FragmentCycle {
                    name: name.to_owned(),
                });
            }
            None => {}
        }
        // An unknown fragment adds nothing here; validation reports it.
        let Some(definition) = self.document.fragments.get(name) else {
            return Ok(Summary::default());
        };
        self.fragments.insert(name, None);
        let on = definition.node.type_condition.node.on.node.as_str();
        let summary = self.selection_set(&definition.node.selection_set.node, Some(on))?;
        self.fragments.insert(name, Some(summary));
        Ok(summary)
    }

    fn field(
        &mut self,
        field: &'a Field,
        parent: Option<&'a str>,
    ) -> Result<Summary, TooExpensive> {
        if field.alias.is_some() {
            self.aliases += 1;
            if self.aliases > self.limits.max_aliases {
                return Err(TooExpensive::Aliases {
                    limit: self.limits.max_aliases,
                });
            }
        }
        let cost = parent.and_then(|parent| self.model.field(parent, field.name.node.as_str()));
        let child = if field.selection_set.node.items.is_empty() {
            Summary::default()
        } else {
            let returns = cost.map(|cost| cost.returns.as_str());
            self.selection_set(&field.selection_set.node, returns)?
        };
        // `__typename`, or a field the schema lacks (validation reports it): one field.
        let Some(cost) = cost else {
            return Ok(Summary {
                cost: Cost {
                    work: FIELD_COST.saturating_add(child.cost.all_work()),
                    per_item: 0,
                    introspection: child.cost.introspection,
                },
                depth: 1 + child.depth,
                fields: 1,
            });
        };
        // A literal, or the value of the variable it names.
        let first = field.get_argument("first").and_then(|value| {
            value
                .node
                .clone()
                .into_const_with(|name| self.variables.get(name.as_str()).cloned().ok_or(()))
                .ok()
        });
        let length = cost.length(first.as_ref());
        let inner = child.cost;
        let (cost, depth) = match cost.kind {
            FieldKind::Plain => (
                Cost {
                    work: cost
                        .own
                        .saturating_add(length.saturating_mul(inner.all_work())),
                    per_item: 0,
                    introspection: length.saturating_mul(inner.introspection),
                },
                1 + child.depth,
            ),
            FieldKind::Connection => (
                Cost {
                    work: cost
                        .own
                        .saturating_add(inner.work)
                        .saturating_add(length.saturating_mul(inner.per_item)),
                    per_item: 0,
                    introspection: inner.introspection,
                },
                1 + child.depth,
            ),
            FieldKind::ConnectionItems => (
                Cost {
                    work: 0,
                    per_item: cost.own.saturating_add(inner.all_work()),
                    introspection: inner.introspection,
                },
                1 + child.depth,
            ),
            // Introspection is bounded by its own budget, not by the depth limit: the standard
            // introspection query nests `ofType` nine levels deep.
            FieldKind::Introspection => (
                Cost {
                    work: 0,
                    per_item: 0,
                    introspection: cost.own.saturating_add(
                        length.saturating_mul(inner.introspection.saturating_add(inner.all_work())),
                    ),
                },
                child.depth,
            ),
        };
        Ok(Summary {
            cost,
            depth,
            fields: 1,
        })
    }
}
