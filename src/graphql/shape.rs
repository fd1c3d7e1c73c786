//! Limits on the shape of a parsed document that the engine cannot express:
//! how deep its data fields nest (introspection not counted), how deep its
//! introspection nests, and how many fields carry an alias.
//!
//! Introspection has its own bounds because its shape is fixed by the
//! schema, not by the data: the standard introspection query of graphql-js
//! nests 14 levels (`__schema > types > fields > args > type > ofType...`),
//! which would fail the data depth limit, while a hand-written one could
//! nest `fields { type { fields { type ...` and multiply the schema with
//! itself. So introspection may nest deeper than data, but its list fields
//! (`fields`, `inputFields`, `interfaces`, `possibleTypes`) may nest only
//! twice, the rule graphql-js 16.9 adopted against that attack.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The deepest introspection nesting accepted (graphql-js's query needs 14).
pub(crate) const MAX_INTROSPECTION_DEPTH: usize = 20;

/// How many of the introspection list fields may nest inside each other.
pub(crate) const MAX_INTROSPECTION_LISTS: usize = 2;

/// Bounds on a document's shape; each failure reads as the engine's own
/// limit errors do, so clients see one kind of QUERY_TOO_COMPLEX message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShapeLimits {
    /// Deepest nesting of data fields.
    pub max_depth: usize,
    /// Most aliased fields in one request.
    pub max_aliases: usize,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ShapeError {
    #[error("Query is nested too deep: its fields nest {depth} levels, over the limit of {limit}")]
    TooDeep { depth: usize, limit: usize },
    #[error(
        "Introspection is nested too deep: at most {MAX_INTROSPECTION_DEPTH} levels, with `fields`, `inputFields`, `interfaces` and `possibleTypes` inside each other at most {MAX_INTROSPECTION_LISTS} times"
    )]
    IntrospectionTooDeep,
    #[error("the request has {count} aliased fields, over the limit of {limit}")]
    TooManyAliases { count: usize, limit: usize },
}

impl From<&crate::config::LimitsConfig> for ShapeLimits {
    fn from(config: &crate::config::LimitsConfig) -> Self {
        ShapeLimits {
            max_depth: config.max_query_depth,
            max_aliases: config.max_aliases,
        }
    }
}

impl ShapeLimits {
    /// Checks every operation and fragment of a document.
    pub(crate) fn check(&self, doc: &ExecutableDocument) -> Result<(), ShapeError> {
        self.check_all(std::iter::once(doc))
    }

    /// Checks the documents of one request (a batch counts its aliases together).
    pub(crate) fn check_all<'a>(
        &self,
        docs: impl IntoIterator<Item = &'a ExecutableDocument>,
    ) -> Result<(), ShapeError> {
        let mut aliases = 0;
        for doc in docs {
            let shape = Walker::new(doc).document();
            if shape.data_depth > self.max_depth {
                return Err(ShapeError::TooDeep {
                    depth: shape.data_depth,
                    limit: self.max_depth,
                });
            }
            if shape.introspection_depth > MAX_INTROSPECTION_DEPTH
                || shape.introspection_lists > MAX_INTROSPECTION_LISTS
            {
                return Err(ShapeError::IntrospectionTooDeep);
            }
            aliases += alias_count(doc);
        }
        if aliases > self.max_aliases {
            return Err(ShapeError::TooManyAliases {
                count: aliases,
                limit: self.max_aliases,
            });
        }
        Ok(())
    }
}

/// The measures of a selection set, relative to where it starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Shape {
    data_depth: usize,
    introspection_depth: usize,
    introspection_lists: usize,
}

impl Shape {
    fn max(self, other: Shape) -> Shape {
        Shape {
            data_depth: self.data_depth.max(other.data_depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
        }
    }
}

/// Walks a document once, each fragment measured once per context (a
/// fragment spread many times, or in a cycle, costs no more).
struct Walker<'a> {
    doc: &'a ExecutableDocument,
    /// Fragments measured, by name and whether inside introspection; None
    /// while one is being measured (a cycle, which validation refuses later).
    fragments: HashMap<(&'a str, bool), Option<Shape>>,
}

impl<'a> Walker<'a> {
    fn new(doc: &'a ExecutableDocument) -> Self {
        Walker {
            doc,
            fragments: HashMap::new(),
        }
    }

    fn document(&mut self) -> Shape {
        let doc = self.doc;
        doc.operations
            .iter()
            .map(|(_, op)| self.set(&op.node.selection_set.node, false))
            .fold(Shape::default(), Shape::max)
    }

    fn set(&mut self, set: &'a SelectionSet, introspection: bool) -> Shape {
        let mut shape = Shape::default();
        for item in &set.items {
            let measured = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let children = &field.selection_set.node;
                    if introspection || matches!(name, "__schema" | "__type") {
                        let inner = self.set(children, true);
                        let is_list = matches!(
                            name,
                            "fields" | "inputFields" | "interfaces" | "possibleTypes"
                        );
                        Shape {
                            data_depth: 0,
                            introspection_depth: inner.introspection_depth + 1,
                            introspection_lists: inner.introspection_lists + usize::from(is_list),
                        }
                    } else {
                        let inner = self.set(children, false);
                        Shape {
                            data_depth: inner.data_depth + 1,
                            ..inner
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.set(&inline.node.selection_set.node, introspection)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), introspection)
                }
            };
            shape = shape.max(measured);
        }
        shape
    }

    fn fragment(&mut self, name: &'a str, introspection: bool) -> Shape {
        let key = (name, introspection);
        match self.fragments.get(&key) {
            Some(Some(shape)) => return *shape,
            Some(None) => return Shape::default(),
            None => {}
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Shape::default();
        };
        self.fragments.insert(key, None);
        let shape = self.set(&fragment.node.selection_set.node, introspection);
        self.fragments.insert(key, Some(shape));
        shape
    }
}

/// How many fields of a document carry an alias, fragments counted once.
fn alias_count(doc: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + in_set(&f.node.selection_set.node)
                }
                Selection::InlineFragment(i) => in_set(&i.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    doc.operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set.node))
        .chain(
            doc.fragments
                .values()
                .map(|f| in_set(&f.node.selection_set.node)),
        )
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    const LIMITS: ShapeLimits = ShapeLimits {
        max_depth: 3,
        max_aliases: 2,
    };

    fn check(query: &str) -> Result<(), ShapeError> {
        LIMITS.check(&parse_query(query).expect("parses"))
    }

    #[test]
    fn data_depth_counts_fields_through_fragments() {
        assert_eq!(check("{ a { b { c } } }"), Ok(()));
        assert_eq!(
            check("{ a { ...F } } fragment F on T { b { c { d } } }"),
            Err(ShapeError::TooDeep { depth: 4, limit: 3 })
        );
        assert_eq!(
            check("{ a { ... on T { b { c { d } } } } }"),
            Err(ShapeError::TooDeep { depth: 4, limit: 3 })
        );
    }

    #[test]
    fn introspection_does_not_count_as_data_but_has_its_own_bounds() {
        let deep_type_ref = "{ __schema { types { fields { args { type { ofType { ofType { ofType { ofType { name } } } } } } } } } }";
        assert_eq!(check(deep_type_ref), Ok(()));
        let multiplied =
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
        assert_eq!(check(multiplied), Err(ShapeError::IntrospectionTooDeep));
        let through_fragment = "{ __type(name: \"Query\") { ...T } } fragment T on __Type { fields { type { interfaces { possibleTypes { name } } } } }";
        assert_eq!(
            check(through_fragment),
            Err(ShapeError::IntrospectionTooDeep)
        );
        let mut long = String::from("{ __schema { queryType ");
        long.push_str(&"{ ofType ".repeat(MAX_INTROSPECTION_DEPTH));
        long.push_str(&"}".repeat(MAX_INTROSPECTION_DEPTH + 2));
        assert_eq!(check(&long), Err(ShapeError::IntrospectionTooDeep));
    }

    #[test]
    fn cyclic_and_repeated_fragments_are_measured_once() {
        assert_eq!(check("{ ...A } fragment A on Q { a { ...A } }"), Ok(()));
        // Each fragment spreads the next twice: 2^30 paths, one walk each.
        let mut doc = String::from("{ ...F0 }");
        for i in 0..30 {
            doc.push_str(&format!(
                " fragment F{i} on Q {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        doc.push_str(" fragment F30 on Q { x }");
        assert_eq!(check(&doc), Ok(()));
    }

    #[test]
    fn aliases_are_counted_across_a_batch() {
        let a = parse_query("{ x: a y: b }").expect("parses");
        let b = parse_query("{ z: c }").expect("parses");
        assert_eq!(LIMITS.check(&a), Ok(()));
        assert_eq!(
            LIMITS.check_all([&a, &b]),
            Err(ShapeError::TooManyAliases { count: 3, limit: 2 })
        );
    }
}
