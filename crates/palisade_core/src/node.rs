//! A positioned document tree: the decoded value of a YAML/JSON document where every node
//! and every mapping key remembers its line and column. Owns value access and location
//! lookup; it never parses text (that is `palisade_source`'s job).

use crate::path::{FieldPath, Seg};

/// A 1-based line and column. `line == 0` means "no position" (objects from a cluster).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const NONE: Pos = Pos { line: 0, col: 0 };
    pub fn new(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }
    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

/// A decoded scalar or collection, after YAML 1.1 (go-yaml v2) scalar resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(SmallStr),
    /// Items of a sequence, in an exact-size box (a `Vec` would add a capacity word to
    /// every node of every tree); code that edits one turns it into a `Vec` and back.
    Seq(Box<[Node]>),
    Map(Box<[Entry]>),
}

/// The text of a string value: up to [`SmallStr::INLINE`] bytes held in place, longer text in
/// a heap block. Most strings of a manifest (names, labels, images, ports) are short, and a
/// heap block would cost 32 bytes or more beside the 24 of the value. Reads go through
/// [`SmallStr::as_str`] (or `Deref<Target = str>`); build one with `From`/`.into()`.
#[derive(Clone)]
pub struct SmallStr(Repr);

#[derive(Clone)]
enum Repr {
    /// `buf[..len]` holds the bytes of a whole `str`; the rest is zero.
    Inline {
        len: u8,
        buf: [u8; SmallStr::INLINE],
    },
    Heap(Box<str>),
}

impl SmallStr {
    /// The longest text held without a heap block (keeps `Value` at 24 bytes).
    pub const INLINE: usize = 22;

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only `SmallStr::inline` fills `buf`, from a whole `str`: this never fails (and
            // the check is cheap: at most 22 bytes).
            Repr::Inline { len, buf } => std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default(),
            Repr::Heap(s) => s,
        }
    }

    /// Inline storage for `s` when it is short enough.
    fn inline(s: &str) -> Option<SmallStr> {
        let len = u8::try_from(s.len())
            .ok()
            .filter(|&l| usize::from(l) <= Self::INLINE)?;
        let mut buf = [0; Self::INLINE];
        buf[..s.len()].copy_from_slice(s.as_bytes());
        Some(SmallStr(Repr::Inline { len, buf }))
    }
}

impl std::ops::Deref for SmallStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SmallStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SmallStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for SmallStr {
    fn from(s: &str) -> SmallStr {
        SmallStr::inline(s).unwrap_or_else(|| SmallStr(Repr::Heap(s.into())))
    }
}

impl From<String> for SmallStr {
    fn from(s: String) -> SmallStr {
        SmallStr::inline(&s).unwrap_or_else(|| SmallStr(Repr::Heap(s.into_boxed_str())))
    }
}

impl From<Box<str>> for SmallStr {
    fn from(s: Box<str>) -> SmallStr {
        SmallStr::inline(&s).unwrap_or(SmallStr(Repr::Heap(s)))
    }
}

impl PartialEq for SmallStr {
    fn eq(&self, other: &SmallStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SmallStr {}

impl PartialEq<str> for SmallStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SmallStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Debug for SmallStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

crate::display_as_str!(SmallStr);

/// Edits the items of a sequence or the entries of a mapping (held in exact-size boxes) as a
/// `Vec`, and puts the result back: `edit_vec(entries, |v| v.push(e))`.
pub fn edit_vec<T, R>(items: &mut Box<[T]>, f: impl FnOnce(&mut Vec<T>) -> R) -> R {
    let mut v = std::mem::take(items).into_vec();
    let r = f(&mut v);
    *items = v.into_boxed_slice();
    r
}

/// One key/value pair of a mapping. Keys are strings, as in Kubernetes JSON; shared (the
/// decoder interns them: thousands of objects hold one `apiVersion`, one `metadata`).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: std::sync::Arc<str>,
    pub key_pos: Pos,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    pub fn new(value: Value, pos: Pos) -> Node {
        Node { value, pos }
    }

    pub fn null() -> Node {
        Node::new(Value::Null, Pos::NONE)
    }

    /// The value of `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry of `key` when this node is a mapping (last one wins, as in Kubernetes).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|e| &*e.key == key),
            _ => None,
        }
    }

    /// Follows a chain of mapping keys.
    pub fn at(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }

    /// Follows a field path (keys and sequence indexes).
    pub fn at_path(&self, path: &FieldPath) -> Option<&Node> {
        let mut n = self;
        for seg in path.segs() {
            n = match seg {
                Seg::Key(k) => n.get(k)?,
                Seg::Index(i) => n.as_seq()?.get(*i)?,
            };
        }
        Some(n)
    }

    /// The position of the field named by `path`, or of its nearest existing ancestor when the
    /// field is absent. For a mapping entry this is the position of the key (the line a person
    /// edits); for a sequence item, the item. The boolean is true when the field itself exists.
    pub fn locate(&self, path: &FieldPath) -> (Pos, bool) {
        let mut n = self;
        let mut pos = self.pos;
        for seg in path.segs() {
            match seg {
                Seg::Key(k) => match n.entry(k) {
                    Some(e) => {
                        pos = if e.key_pos.is_known() {
                            e.key_pos
                        } else {
                            e.value.pos
                        };
                        n = &e.value;
                    }
                    None => return (pos, false),
                },
                Seg::Index(i) => match n.as_seq().and_then(|s| s.get(*i)) {
                    Some(item) => {
                        pos = item.pos;
                        n = item;
                    }
                    None => return (pos, false),
                },
            }
        }
        (pos, true)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            // JSON numbers such as 8080.0 decode into Go integer fields when integral.
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(v) => Some(v),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(v) => Some(v),
            _ => None,
        }
    }

    /// The JSON type name of this node, for error messages ("expected boolean, got string").
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }

    /// Converts to JSON (positions are dropped). Duplicate keys keep the last value.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(v) => J::Array(v.iter().map(Node::to_json).collect()),
            Value::Map(m) => {
                let mut o = serde_json::Map::new();
                for e in m {
                    o.insert(e.key.to_string(), e.value.to_json());
                }
                J::Object(o)
            }
        }
    }

    /// Builds a node without positions from JSON (objects read from an API server).
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::Str(s.as_str().into()),
            J::Array(a) => Value::Seq(a.iter().map(Node::from_json).collect()),
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| Entry {
                        key: k.as_str().into(),
                        key_pos: Pos::NONE,
                        value: Node::from_json(v),
                    })
                    .collect(),
            ),
        };
        Node::new(value, Pos::NONE)
    }
}

impl Drop for Node {
    /// Iterative drop, so that a deeply nested document cannot overflow the stack.
    fn drop(&mut self) {
        let mut stack: Vec<Node> = Vec::new();
        let take = |v: &mut Value, stack: &mut Vec<Node>| match v {
            Value::Seq(items) if !items.is_empty() => stack.extend(std::mem::take(items).into_vec()),
            Value::Map(entries) if !entries.is_empty() => stack.extend(
                std::mem::take(entries)
                    .into_vec()
                    .into_iter()
                    .map(|mut e| std::mem::replace(&mut e.value, Node::null_raw())),
            ),
            _ => {}
        };
        take(&mut self.value, &mut stack);
        while let Some(mut n) = stack.pop() {
            take(&mut n.value, &mut stack);
        }
    }
}

impl Node {
    fn null_raw() -> Node {
        Node {
            value: Value::Null,
            pos: Pos::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str, line: u32) -> Node {
        Node::new(Value::Str(v.into()), Pos::new(line, 5))
    }

    #[test]
    fn locate_falls_back_to_nearest_ancestor() {
        let sc = Node::new(
            Value::Map(
                vec![Entry {
                    key: "privileged".into(),
                    key_pos: Pos::new(4, 9),
                    value: s("x", 4),
                }]
                .into(),
            ),
            Pos::new(4, 9),
        );
        let c = Node::new(
            Value::Map(
                vec![Entry {
                    key: "securityContext".into(),
                    key_pos: Pos::new(3, 7),
                    value: sc,
                }]
                .into(),
            ),
            Pos::new(3, 7),
        );
        let root = Node::new(
            Value::Map(
                vec![Entry {
                    key: "containers".into(),
                    key_pos: Pos::new(2, 3),
                    value: Node::new(Value::Seq(vec![c].into()), Pos::new(3, 5)),
                }]
                .into(),
            ),
            Pos::new(2, 3),
        );
        let p = FieldPath::root()
            .key("containers")
            .idx(0)
            .key("securityContext")
            .key("privileged");
        assert_eq!(root.locate(&p), (Pos::new(4, 9), true));
        let p = FieldPath::root()
            .key("containers")
            .idx(0)
            .key("securityContext")
            .key("runAsUser");
        assert_eq!(root.locate(&p), (Pos::new(3, 7), false));
        let p = FieldPath::root().key("containers").idx(3);
        assert_eq!(root.locate(&p), (Pos::new(2, 3), false));
    }

    #[test]
    fn deep_tree_drops_without_overflow() {
        let mut n = Node::null();
        for _ in 0..200_000 {
            n = Node::new(Value::Seq(vec![n].into()), Pos::NONE);
        }
        drop(n);
    }

    #[test]
    fn tree_types_stay_compact() {
        // `Value` fits `SmallStr`'s 24 bytes by keeping its tag in a spare value of
        // `SmallStr`'s own tag byte.
        use std::mem::size_of;
        assert_eq!(size_of::<Value>(), 24);
        assert_eq!(size_of::<Node>(), 32);
        assert_eq!(size_of::<Entry>(), 56);
    }

    #[test]
    fn small_strings_stay_inline_and_read_back() {
        for text in [
            "",
            "a",
            "nginx:1.25",
            "exactly-twenty-two-byt",
            "twenty-three bytes long",
            "ünïcödé-ünïcöxy",
            "ünïcödé-ünïcöxyz",
        ] {
            let from_str = SmallStr::from(text);
            let from_string = SmallStr::from(text.to_owned());
            let from_box = SmallStr::from(Box::<str>::from(text));
            for v in [&from_str, &from_string, &from_box] {
                assert_eq!(v.as_str(), text);
                assert_eq!(
                    matches!(v.0, Repr::Inline { .. }),
                    text.len() <= SmallStr::INLINE,
                    "{text}"
                );
                assert_eq!(format!("{v:?}"), format!("{text:?}"));
                assert_eq!(v.to_string(), text);
            }
            assert_eq!(from_str, from_string);
        }
        let n = Node::new(Value::Str("image".into()), Pos::NONE);
        assert_eq!(n.as_str(), Some("image"));
        assert_eq!(n.to_json(), serde_json::json!("image"));
    }

    #[test]
    fn last_duplicate_key_wins() {
        let m = Node::new(
            Value::Map(
                vec![
                    Entry {
                        key: "a".into(),
                        key_pos: Pos::new(1, 1),
                        value: s("first", 1),
                    },
                    Entry {
                        key: "a".into(),
                        key_pos: Pos::new(2, 1),
                        value: s("second", 2),
                    },
                ]
                .into(),
            ),
            Pos::new(1, 1),
        );
        assert_eq!(m.get("a").and_then(Node::as_str), Some("second"));
    }
}
