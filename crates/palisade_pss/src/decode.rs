//! Typed field accessors over `palisade_core::Node` that record a wrong-typed value once as a
//! [`TypeError`] and otherwise treat it as unset. No Pod Security logic lives here.

use crate::format::go_quote;
use crate::TypeError;
use palisade_core::{FieldPath, Node, Pos, Value};

/// A node together with its path from the virtual pod root.
#[derive(Clone, Debug)]
pub(crate) struct At<'n> {
    pub node: &'n Node,
    pub path: FieldPath,
}

impl<'n> At<'n> {
    pub fn new(node: &'n Node, path: FieldPath) -> At<'n> {
        At { node, path }
    }

    /// The field `key` of this mapping when it is present and not null.
    pub fn field(&self, key: &str) -> Option<At<'n>> {
        let child = self.node.get(key)?;
        if child.is_null() {
            return None;
        }
        Some(At {
            node: child,
            path: self.path.with_room(1).key(key),
        })
    }
}

/// Collects the type errors met while reading a pod.
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    errors: Vec<(Pos, TypeError)>,
}

impl Decoder {
    fn wrong(&mut self, at: &At<'_>, expected: &str) {
        let message = format!("{}: expected {expected}, got {}", at.path, describe(at.node));
        self.errors.push((
            at.node.pos,
            TypeError {
                path: at.path.clone(),
                message,
            },
        ));
    }

    /// The type errors, in document order when the nodes have positions, otherwise in the
    /// order they were met.
    pub fn finish(mut self) -> Vec<TypeError> {
        self.errors.sort_by_key(|(pos, _)| *pos);
        self.errors.into_iter().map(|(_, e)| e).collect()
    }

    /// The value `get` reads from a node: `None` when unset or null, and `None` (recorded as
    /// not `expected`) when `get` does not accept it.
    fn typed<'n, T>(
        &mut self,
        at: Option<At<'n>>,
        expected: &str,
        get: impl FnOnce(&At<'n>) -> Option<T>,
    ) -> Option<T> {
        let at = at?;
        if at.node.is_null() {
            return None;
        }
        let v = get(&at);
        if v.is_none() {
            self.wrong(&at, expected);
        }
        v
    }

    /// A mapping; `None` when unset or (recorded) wrong-typed.
    pub fn object<'n>(&mut self, at: Option<At<'n>>) -> Option<At<'n>> {
        self.typed(at, "object", |at| at.node.as_map().map(|_| at.clone()))
    }

    /// The items of a sequence, nulls included; empty when unset or (recorded) wrong-typed.
    pub fn items<'n>(&mut self, at: Option<At<'n>>) -> Vec<At<'n>> {
        let Some(at) = at else { return Vec::new() };
        match &at.node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, n)| At::new(n, at.path.with_room(1).idx(i)))
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                self.wrong(&at, "array");
                Vec::new()
            }
        }
    }

    /// A list item that must be an object. `Some(None)` for a null item, which Kubernetes
    /// decodes as the zero value; `None` (recorded) for a wrong-typed item, which is skipped.
    pub fn object_item<'n>(&mut self, at: At<'n>) -> Option<Option<At<'n>>> {
        if at.node.is_null() {
            Some(None)
        } else {
            self.object(Some(at)).map(Some)
        }
    }

    /// A list item that must be a string: `""` for null (the zero value), `None` (recorded)
    /// for a wrong-typed item, which is skipped.
    pub fn string_item(&mut self, at: At<'_>) -> Option<String> {
        if at.node.is_null() {
            Some(String::new())
        } else {
            self.string(Some(at))
        }
    }

    pub fn boolean(&mut self, at: Option<At<'_>>) -> Option<bool> {
        self.typed(at, "boolean", |at| at.node.as_bool())
    }

    pub fn string(&mut self, at: Option<At<'_>>) -> Option<String> {
        self.typed(at, "string", |at| at.node.as_str().map(str::to_string))
    }

    /// A 64-bit integer; integral floats count as integers.
    pub fn int64(&mut self, at: Option<At<'_>>) -> Option<i64> {
        self.typed(at, "integer", |at| at.node.as_i64())
    }

    /// A 32-bit integer (ports); integral floats count as integers.
    pub fn int32(&mut self, at: Option<At<'_>>) -> Option<i64> {
        self.typed(at, "32-bit integer", |at| {
            at.node.as_i64().filter(|&v| i32::try_from(v).is_ok())
        })
    }

    /// The entries of a string-to-string mapping (annotations, labels), the last duplicate key
    /// winning. A null value is the empty string, as when Kubernetes decodes a
    /// `map[string]string`; a wrong-typed value is recorded and the entry skipped.
    pub fn string_map(&mut self, at: Option<At<'_>>) -> Vec<(String, String)> {
        let Some(at) = self.object(at) else {
            return Vec::new();
        };
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        for entry in at.node.as_map().unwrap_or_default() {
            let value = At::new(&entry.value, at.path.with_room(1).key(&entry.key));
            let value = if value.node.is_null() {
                Some(String::new())
            } else {
                self.string(Some(value))
            };
            match out.iter_mut().find(|(k, _)| **k == *entry.key) {
                Some(slot) => slot.1 = value,
                None => out.push((entry.key.to_string(), value)),
            }
        }
        out.into_iter().filter_map(|(k, v)| Some((k, v?))).collect()
    }
}

/// `string "maybe"`, `number 3`, `boolean true`, `array`, `object`.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Int(i) => format!("number {i}"),
        Value::Float(f) => format!("number {f}"),
        Value::Str(s) => format!("string {}", go_quote(s)),
        Value::Seq(_) => "array".to_string(),
        Value::Map(_) => "object".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(v: serde_json::Value) -> Node {
        Node::from_json(&v)
    }

    #[test]
    fn wrong_types_are_recorded_with_path_and_value() {
        let n = root(json!({"a": "maybe", "b": 3, "c": [1], "d": {"x": 1}, "e": 1.5, "f": true}));
        let at = At::new(&n, FieldPath::root().key("spec"));
        let mut d = Decoder::default();
        assert_eq!(d.boolean(at.field("a")), None);
        assert_eq!(d.string(at.field("b")), None);
        assert_eq!(d.boolean(at.field("c")), None);
        assert_eq!(d.int64(at.field("d")), None);
        assert_eq!(d.int64(at.field("e")), None);
        assert_eq!(d.string(at.field("f")), None);
        assert!(d.object(at.field("a")).is_none());
        assert!(d.items(at.field("d")).is_empty());
        let errors = d.finish();
        let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "spec.a: expected boolean, got string \"maybe\"",
                "spec.b: expected string, got number 3",
                "spec.c: expected boolean, got array",
                "spec.d: expected integer, got object",
                "spec.e: expected integer, got number 1.5",
                "spec.f: expected string, got boolean true",
                "spec.a: expected object, got string \"maybe\"",
                "spec.d: expected array, got object",
            ]
        );
        assert_eq!(errors[0].path, FieldPath::root().key("spec").key("a"));
    }

    #[test]
    fn nulls_and_missing_are_unset_without_errors() {
        let n = root(json!({"a": null}));
        let at = At::new(&n, FieldPath::root());
        let mut d = Decoder::default();
        assert_eq!(d.boolean(at.field("a")), None);
        assert_eq!(d.boolean(at.field("zzz")), None);
        assert!(d.items(at.field("a")).is_empty());
        assert!(d.finish().is_empty());
    }

    #[test]
    fn integral_floats_are_integers_and_int32_is_range_checked() {
        let n = root(json!({"a": 8080.0, "b": 4294967296_i64, "c": -1}));
        let at = At::new(&n, FieldPath::root());
        let mut d = Decoder::default();
        assert_eq!(d.int64(at.field("a")), Some(8080));
        assert_eq!(d.int32(at.field("a")), Some(8080));
        assert_eq!(d.int64(at.field("b")), Some(4294967296));
        assert_eq!(d.int32(at.field("b")), None);
        assert_eq!(d.int32(at.field("c")), Some(-1));
        let errors = d.finish();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "b: expected 32-bit integer, got number 4294967296"
        );
    }

    #[test]
    fn string_map_last_duplicate_wins_and_null_is_empty() {
        use palisade_core::Entry;
        let s = |v: &str| Node::new(Value::Str(v.into()), Pos::NONE);
        let e = |k: &str, value: Node| Entry {
            key: k.into(),
            key_pos: Pos::NONE,
            value,
        };
        let map = Node::new(
            Value::Map(
                vec![
                    e("a", s("1")),
                    e("b", Node::null()),
                    e("a", s("2")),
                    e("c", Node::new(Value::Bool(true), Pos::NONE)),
                ]
                .into(),
            ),
            Pos::NONE,
        );
        let mut d = Decoder::default();
        let got = d.string_map(Some(At::new(&map, FieldPath::root().key("annotations"))));
        assert_eq!(
            got,
            vec![
                ("a".to_string(), "2".to_string()),
                ("b".to_string(), String::new())
            ]
        );
        let errors = d.finish();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "annotations.c: expected string, got boolean true"
        );
    }

    #[test]
    fn errors_come_out_in_document_order_when_positioned() {
        let at_line = |value: Value, line: u32| Node::new(value, Pos::new(line, 3));
        let entry = |k: &str, value: Node| palisade_core::Entry {
            key: k.into(),
            key_pos: value.pos,
            value,
        };
        let map = Node::new(
            Value::Map(
                vec![
                    entry("late", at_line(Value::Int(1), 9)),
                    entry("early", at_line(Value::Int(2), 4)),
                ]
                .into(),
            ),
            Pos::new(1, 1),
        );
        let at = At::new(&map, FieldPath::root());
        let mut d = Decoder::default();
        assert_eq!(d.boolean(at.field("late")), None);
        assert_eq!(d.boolean(at.field("early")), None);
        let paths: Vec<String> = d.finish().iter().map(|e| e.path.to_string()).collect();
        assert_eq!(paths, vec!["early", "late"]);
    }
}
