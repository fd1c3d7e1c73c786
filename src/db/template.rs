//! Statements built once per shape, then bound to each request's values.
//!
//! Building a hot read's SQL was a tenth of the server's CPU on a run
//! detail page and a fifth on a point read (BENCHMARKS.md): sea-query
//! assembles the statement's tree (a UNION's typed NULLs, column by column)
//! and renders it for every request, though the text only changes with
//! which parts are read. A [`Templates`] keeps the text of each shape: it
//! builds the statement once over marker values that stand for the
//! request's lists (ids, keys), finds where the markers landed among the
//! bound values, and for each later request of that shape copies the text
//! and puts the request's values in their places.
//!
//! A list bound as one value (PostgreSQL's `= ANY($1)`) leaves the text the
//! same at any length; a list spelled out (`IN (?, ?, ?)`, SQLite's way) is
//! part of the text, so such a shape is kept per length of its lists. A
//! list that does not appear at all (an empty one, written as a constant)
//! is treated the same way: the template is kept for that length only.
//! A slot the builder never asked markers for is not in the text at all,
//! and its length does not matter.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

use sea_orm::sea_query::{ArrayType, SelectStatement, Value, Values};
use sea_orm::{Statement, StatementBuilder};
use uuid::Uuid;

use super::Dialect;

/// One list of values a statement reads by: the ids or keys of a request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot<'a> {
    Uuids(&'a [Uuid]),
    Texts(&'a [String]),
}

impl Slot<'_> {
    fn len(self) -> usize {
        match self {
            Slot::Uuids(ids) => ids.len(),
            Slot::Texts(texts) => texts.len(),
        }
    }

    fn value(self, at: usize) -> Value {
        match self {
            Slot::Uuids(ids) => Value::Uuid(Some(ids[at])),
            Slot::Texts(texts) => Value::String(Some(texts[at].clone())),
        }
    }

    fn array(self) -> Value {
        let (kind, items) = match self {
            Slot::Uuids(ids) => (ArrayType::Uuid, ids.iter().map(|id| (*id).into()).collect()),
            Slot::Texts(texts) => (
                ArrayType::String,
                texts.iter().map(|t| t.clone().into()).collect(),
            ),
        };
        Value::Array(kind, Some(Box::new(items)))
    }
}

/// The stand-ins a template's statement is built over, one list per slot,
/// each as long as the request's list.
pub(crate) struct Markers {
    lengths: Vec<usize>,
    /// The slots the builder asked stand-ins for.
    asked: Vec<Cell<bool>>,
}

/// The high half of every marker id: no UUIDv7 (Quire's ids) starts so.
const MARKER_HIGH: u64 = 0x7175_6972_655f_0000;
/// The start of every marker text: no key or id a request reads has a
/// control character.
const MARKER_TEXT: &str = "\u{1}quire-slot:";

impl Markers {
    fn new(lengths: Vec<usize>) -> Self {
        let asked = lengths.iter().map(|_| Cell::new(false)).collect();
        Markers { lengths, asked }
    }

    /// Stand-ins for the ids of slot `slot`.
    pub(crate) fn uuids(&self, slot: usize) -> Vec<Uuid> {
        self.asked[slot].set(true);
        (0..self.lengths[slot])
            .map(|at| Uuid::from_u64_pair(MARKER_HIGH, ((slot as u64) << 32) | at as u64))
            .collect()
    }

    /// Stand-ins for the texts of slot `slot`.
    pub(crate) fn texts(&self, slot: usize) -> Vec<String> {
        self.asked[slot].set(true);
        (0..self.lengths[slot])
            .map(|at| format!("{MARKER_TEXT}{slot}:{at}"))
            .collect()
    }
}

/// The (slot, position) a marker value stands for.
fn marker(value: &Value) -> Option<(usize, usize)> {
    match value {
        Value::Uuid(Some(id)) => {
            let (high, low) = id.as_u64_pair();
            (high == MARKER_HIGH).then_some(((low >> 32) as usize, (low & 0xffff_ffff) as usize))
        }
        Value::String(Some(text)) => {
            let (slot, at) = text.strip_prefix(MARKER_TEXT)?.split_once(':')?;
            Some((slot.parse().ok()?, at.parse().ok()?))
        }
        _ => None,
    }
}

/// What goes into one bound value of a template.
#[derive(Debug, Clone)]
enum Part {
    /// A value of the statement's own (a direction, a constant).
    Fixed(Value),
    /// One item of a slot's list.
    Item(usize, usize),
    /// A slot's whole list, as one array.
    Array(usize),
}

/// A shape's statement: its text and where each bound value comes from.
#[derive(Debug)]
struct Template {
    sql: String,
    parts: Vec<Part>,
}

impl Template {
    /// The template of `statement`, built over `markers`; and whether its
    /// text holds at any length (every slot the builder asked for bound as
    /// one array).
    fn of(statement: Statement, markers: &Markers) -> (Template, bool) {
        let lengths = &markers.lengths;
        let values = statement.values.map(|v| v.0).unwrap_or_default();
        let mut whole = vec![false; lengths.len()];
        let mut spelled = vec![false; lengths.len()];
        let parts = values
            .into_iter()
            .map(|value| {
                if let Some((slot, at)) = marker(&value) {
                    spelled[slot] = true;
                    return Part::Item(slot, at);
                }
                if let Value::Array(_, Some(items)) = &value
                    && let Some((slot, 0)) = items.first().and_then(marker)
                    && items.len() == lengths[slot]
                    && items
                        .iter()
                        .enumerate()
                        .all(|(at, item)| marker(item) == Some((slot, at)))
                {
                    whole[slot] = true;
                    return Part::Array(slot);
                }
                Part::Fixed(value)
            })
            .collect();
        let any_length = (0..lengths.len())
            .all(|slot| !markers.asked[slot].get() || (whole[slot] && !spelled[slot]));
        let template = Template {
            sql: statement.sql,
            parts,
        };
        (template, any_length)
    }

    /// The statement for a request's `slots`.
    fn bind(&self, dialect: Dialect, slots: &[Slot<'_>]) -> Statement {
        let values = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Fixed(value) => value.clone(),
                Part::Item(slot, at) => slots[*slot].value(*at),
                Part::Array(slot) => slots[*slot].array(),
            })
            .collect();
        Statement::from_sql_and_values(dialect.backend(), self.sql.clone(), Values(values))
    }
}

/// At most this many templates per shape: a shape kept per length (on
/// SQLite) has one for each length a request brings; past the limit,
/// statements are built per request, as without a cache.
const MOST_TEMPLATES: usize = 512;

/// The templates of one statement builder, by shape `K` (what the builder
/// decides by besides the lists: which parts, which directions).
pub(crate) struct Templates<K> {
    shapes: RwLock<HashMap<(K, Dialect), Shape>>,
}

/// The templates of one shape on one database.
struct Shape {
    /// The slots its builder reads by; the others' lengths do not matter.
    asked: Vec<bool>,
    /// Its one template, when every slot it reads by is bound as one array.
    any_length: Option<Arc<Template>>,
    /// Else a template per length of those slots.
    by_length: HashMap<Vec<usize>, Arc<Template>>,
}

impl Shape {
    /// The lengths among `lengths` that the text depends on.
    fn key(&self, lengths: &[usize]) -> Vec<usize> {
        lengths
            .iter()
            .zip(&self.asked)
            .filter(|(_, asked)| **asked)
            .map(|(length, _)| *length)
            .collect()
    }

    fn find(&self, lengths: &[usize]) -> Option<&Arc<Template>> {
        match &self.any_length {
            Some(template) => Some(template),
            None => self.by_length.get(&self.key(lengths)),
        }
    }
}

impl<K: Eq + Hash + Clone> Templates<K> {
    pub(crate) fn new() -> Self {
        Templates {
            shapes: RwLock::new(HashMap::new()),
        }
    }

    /// The statement of `shape` over the request's `slots`: from its
    /// template, or from `build` (given markers for the slots, and called
    /// only when no template serves), whose result becomes the template.
    pub(crate) fn statement(
        &self,
        dialect: Dialect,
        shape: K,
        slots: &[Slot<'_>],
        build: impl FnOnce(&Markers) -> SelectStatement,
    ) -> Statement {
        let lengths: Vec<usize> = slots.iter().map(|s| s.len()).collect();
        let key = (shape, dialect);
        {
            let shapes = self.shapes.read().unwrap_or_else(|e| e.into_inner());
            if let Some(template) = shapes.get(&key).and_then(|s| s.find(&lengths)) {
                return template.bind(dialect, slots);
            }
        }
        let markers = Markers::new(lengths.clone());
        let statement = StatementBuilder::build(&build(&markers), &dialect.backend());
        let (template, at_any_length) = Template::of(statement, &markers);
        let statement = template.bind(dialect, slots);
        let mut shapes = self.shapes.write().unwrap_or_else(|e| e.into_inner());
        let entry = shapes.entry(key).or_insert_with(|| Shape {
            asked: markers.asked.iter().map(Cell::get).collect(),
            any_length: None,
            by_length: HashMap::new(),
        });
        if at_any_length {
            entry.any_length = Some(Arc::new(template));
        } else if entry.by_length.len() < MOST_TEMPLATES {
            let key = entry.key(&lengths);
            entry.by_length.insert(key, Arc::new(template));
        }
        statement
    }

    /// How many templates are kept, over every shape.
    #[cfg(test)]
    fn kept(&self) -> usize {
        let shapes = self.shapes.read().unwrap();
        shapes
            .values()
            .map(|s| s.by_length.len() + usize::from(s.any_length.is_some()))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::artifact_schema as schema;
    use entity::artifact_version as version;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

    /// A statement over two lists, as a read would write it.
    fn select(dialect: Dialect, ids: Vec<Uuid>, keys: Vec<String>) -> SelectStatement {
        version::Entity::find()
            .filter(dialect.uuid_in(version::Column::Id, ids))
            .filter(version::Column::SchemaKey.is_in(keys))
            .filter(version::Column::VersionNumber.gt(3))
            .into_query()
    }

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(|i| Uuid::from_u128(i << 64 | i)).collect()
    }

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("key_{i}")).collect()
    }

    /// Every request gets the statement it would have built itself, in
    /// whatever order shapes and lengths come, on both databases.
    #[test]
    fn a_template_binds_what_the_builder_would_have_built() {
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            let templates = Templates::new();
            for (n, k) in [
                (3, 2),
                (1, 1),
                (3, 2),
                (0, 2),
                (5, 0),
                (0, 0),
                (2, 4),
                (3, 2),
            ] {
                let (ids, keys) = (ids(n), keys(k));
                let slots = [Slot::Uuids(&ids), Slot::Texts(&keys)];
                let bound = templates.statement(dialect, "versions", &slots, |m| {
                    select(dialect, m.uuids(0), m.texts(1))
                });
                let direct = StatementBuilder::build(
                    &select(dialect, ids.clone(), keys.clone()),
                    &dialect.backend(),
                );
                assert_eq!(bound.sql, direct.sql, "{dialect:?} {n} {k}");
                assert_eq!(bound.values, direct.values, "{dialect:?} {n} {k}");
            }
        }
    }

    /// On PostgreSQL a list bound as one array keeps one template for every
    /// length; a list spelled out keeps one per length.
    #[test]
    fn only_spelled_out_lists_key_a_template_by_length() {
        let templates = Templates::new();
        let dialect = Dialect::Postgres;
        for n in 1..=4 {
            let ids = ids(n);
            templates.statement(dialect, "ids", &[Slot::Uuids(&ids)], |m| {
                schema::Entity::find()
                    .filter(dialect.uuid_in(schema::Column::Id, m.uuids(0)))
                    .into_query()
            });
        }
        assert_eq!(templates.kept(), 1);
        for n in 1..=4 {
            let keys = keys(n);
            templates.statement(dialect, "keys", &[Slot::Texts(&keys)], |m| {
                schema::Entity::find()
                    .filter(schema::Column::SchemaKey.is_in(m.texts(0)))
                    .into_query()
            });
        }
        assert_eq!(templates.kept(), 5);
    }

    /// A slot the builder does not use (a part not read) leaves the text
    /// the same at any length, on both databases; the statement is still
    /// the one the builder writes.
    #[test]
    fn a_slot_the_builder_leaves_out_does_not_key_the_template() {
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            let templates = Templates::new();
            let ids = ids(2);
            for k in 0..4 {
                let keys = keys(k);
                let slots = [Slot::Uuids(&ids), Slot::Texts(&keys)];
                let bound = templates.statement(dialect, "ids only", &slots, |m| {
                    schema::Entity::find()
                        .filter(dialect.uuid_in(schema::Column::Id, m.uuids(0)))
                        .into_query()
                });
                let direct = StatementBuilder::build(
                    &schema::Entity::find()
                        .filter(dialect.uuid_in(schema::Column::Id, ids.clone()))
                        .into_query(),
                    &dialect.backend(),
                );
                assert_eq!(bound.sql, direct.sql, "{dialect:?} {k}");
                assert_eq!(bound.values, direct.values, "{dialect:?} {k}");
            }
            assert_eq!(templates.kept(), 1, "{dialect:?}");
        }
    }
}
