//! Builds positioned `Node` trees from YAML events, with Kubernetes' decoding semantics. The
//! event parser is a safe Rust port of libyaml, the parser go-yaml (and so Kubernetes) is a
//! port of, so the same inputs are accepted and rejected.
//! YAML 1.1 scalars (see `scalar`), string keys, merge keys, anchors and aliases with a
//! bounded expansion budget (alias bombs are rejected), a nesting limit, and duplicate keys
//! reported (the last value wins, as in the API server's non-strict decoding).

use crate::scalar::{key_string, resolve_plain};
use libyaml_safer::{EventData, Mark, Parser, ScalarStyle};
use palisade_core::{Entry, Node, Pos, Value};
use std::collections::HashMap;

/// Maximum nesting of collections in one document.
pub const MAX_DEPTH: usize = 512;
/// Maximum number of nodes one document may expand to (aliases included).
pub const MAX_NODES: usize = 4_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// The documents decoded from one chunk of text, plus non-fatal problems (duplicate keys).
#[derive(Debug, Default)]
pub struct Decoded {
    pub docs: Vec<Node>,
    pub warnings: Vec<YamlError>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: Option<String>,
    },
    Map {
        entries: Vec<Entry>,
        pos: Pos,
        anchor: Option<String>,
        key: Option<PendingKey>,
        merged: Vec<Box<str>>,
    },
}

enum PendingKey {
    Key(Box<str>, Pos),
    Merge(Pos),
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<String, (Node, usize)>,
    nodes: usize,
    line_offset: u32,
    docs: Vec<Node>,
    warnings: Vec<YamlError>,
}

thread_local! {
    static IN_PARSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while this thread runs the YAML parser: a panic hook can stay quiet about a parser
/// panic that `decode` turns into an input error.
pub fn in_parser() -> bool {
    IN_PARSER.with(|c| c.get())
}

/// Decodes one chunk of YAML (or JSON) text; `line_offset` is the 0-based line of the file
/// at which the chunk starts, so that positions are file positions. Never panics: a failure
/// inside the parser becomes an error for this chunk.
pub fn decode(text: &str, line_offset: u32) -> Result<Decoded, (YamlError, Decoded)> {
    // libyaml-safer 0.3 panics on a block scalar that ends the input without a line break;
    // a final newline changes nothing else.
    let owned;
    let text = if text.ends_with('\n') {
        text
    } else {
        owned = format!("{text}\n");
        &owned
    };
    IN_PARSER.with(|c| c.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_events(text, line_offset)));
    IN_PARSER.with(|c| c.set(false));
    r.unwrap_or_else(|_| {
        Err((
            YamlError {
                pos: Pos::new(line_offset + 1, 1),
                message: "the YAML parser failed on this document (internal error); document skipped".into(),
            },
            Decoded::default(),
        ))
    })
}

fn decode_events(text: &str, line_offset: u32) -> Result<Decoded, (YamlError, Decoded)> {
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        line_offset,
        docs: Vec::new(),
        warnings: Vec::new(),
    };
    let mut bytes = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut bytes);
    for ev in parser.by_ref() {
        let res = match ev {
            Ok(ev) => b.on_event(ev.data, ev.start_mark),
            Err(e) => {
                let mark = e.problem_mark().unwrap_or_default();
                let message = match e.context() {
                    Some(c) => format!("{c}: {}", e.problem()),
                    None => e.problem().to_string(),
                };
                Err(YamlError {
                    pos: b.pos(mark),
                    message,
                })
            }
        };
        if let Err(e) = res {
            return Err((
                e,
                Decoded {
                    docs: std::mem::take(&mut b.docs),
                    warnings: std::mem::take(&mut b.warnings),
                },
            ));
        }
    }
    Ok(Decoded {
        docs: b.docs,
        warnings: b.warnings,
    })
}

fn is_core(tag: &Option<String>, suffix: &str) -> bool {
    matches!(tag, Some(t) if t.strip_prefix("tag:yaml.org,2002:") == Some(suffix))
}

fn subtree_size(n: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

impl Builder {
    fn pos(&self, mark: Mark) -> Pos {
        Pos::new(mark.line as u32 + 1 + self.line_offset, mark.column as u32 + 1)
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> Result<(), YamlError> {
        Err(YamlError {
            pos,
            message: message.into(),
        })
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return self.err(
                pos,
                format!("document expands to more than {MAX_NODES} nodes (YAML alias bomb?); rejected"),
            );
        }
        Ok(())
    }

    fn on_event(&mut self, ev: EventData, mark: Mark) -> Result<(), YamlError> {
        let pos = self.pos(mark);
        match ev {
            EventData::StreamStart { .. } | EventData::StreamEnd | EventData::DocumentEnd { .. } => Ok(()),
            EventData::DocumentStart { .. } => {
                self.anchors.clear();
                self.nodes = 0;
                Ok(())
            }
            EventData::Scalar {
                anchor,
                tag,
                value: text,
                style,
                ..
            } => {
                self.count(1, pos)?;
                let in_key_position = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
                if in_key_position {
                    if style == ScalarStyle::Plain && text == "<<" && tag.is_none() {
                        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                            *key = Some(PendingKey::Merge(pos));
                        }
                        return Ok(());
                    }
                    let v = self.scalar_value(&text, style, &tag);
                    let k = key_string(&text, &v);
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some(PendingKey::Key(k.into(), pos));
                    }
                    return Ok(());
                }
                let node = Node::new(self.scalar_value(&text, style, &tag), pos);
                if let Some(a) = anchor {
                    self.anchors.insert(a, (node.clone(), 1));
                }
                self.push(node)
            }
            EventData::Alias { anchor } => {
                let Some((node, size)) = self.anchors.get(&anchor).map(|(n, s)| (n.clone(), *s)) else {
                    return self.err(pos, "unknown anchor");
                };
                if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
                    // An alias used as a key: only scalars make sense.
                    let k = match &node.value {
                        Value::Str(s) => s.to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return self.err(pos, "mapping key must be a scalar")
                        }
                        other => key_string("", other),
                    };
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some(PendingKey::Key(k.into(), pos));
                    }
                    return Ok(());
                }
                self.count(size, pos)?;
                let mut node = node;
                node.pos = pos;
                self.push(node)
            }
            EventData::SequenceStart { anchor, .. } => {
                self.open(pos)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                });
                Ok(())
            }
            EventData::MappingStart { anchor, .. } => {
                self.open(pos)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pos,
                    anchor,
                    key: None,
                    merged: Vec::new(),
                });
                Ok(())
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, pos, anchor }) => (Node::new(Value::Seq(items), pos), anchor),
                    Some(Frame::Map {
                        entries, pos, anchor, ..
                    }) => {
                        self.check_duplicates(&entries);
                        (Node::new(Value::Map(entries), pos), anchor)
                    }
                    None => return self.err(pos, "unbalanced collection end"),
                };
                if let Some(a) = anchor {
                    let size = subtree_size(&node);
                    self.anchors.insert(a, (node.clone(), size));
                }
                self.push(node)
            }
        }
    }

    fn open(&mut self, pos: Pos) -> Result<(), YamlError> {
        self.count(1, pos)?;
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            return self.err(pos, "mapping key must be a scalar, not a collection");
        }
        if self.stack.len() >= MAX_DEPTH {
            return self.err(pos, format!("nesting deeper than {MAX_DEPTH} levels; rejected"));
        }
        Ok(())
    }

    fn scalar_value(&self, text: &str, style: ScalarStyle, tag: &Option<String>) -> Value {
        if is_core(tag, "str") || is_core(tag, "binary") {
            return Value::Str(text.into());
        }
        if style != ScalarStyle::Plain && tag.is_none() {
            return Value::Str(text.into());
        }
        if style != ScalarStyle::Plain
            && !(is_core(tag, "int") || is_core(tag, "float") || is_core(tag, "bool") || is_core(tag, "null"))
        {
            return Value::Str(text.into());
        }
        match resolve_plain(text) {
            Value::Int(i) if is_core(tag, "float") => Value::Float(i as f64),
            v => v,
        }
    }

    fn push(&mut self, node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.docs.push(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries, key, merged, ..
            }) => match key.take() {
                Some(PendingKey::Key(k, kpos)) => {
                    // Explicit keys override keys merged in with `<<`, wherever they stand.
                    if let Some(m) = merged.iter().position(|m| *m == k) {
                        merged.swap_remove(m);
                        entries.retain(|e| e.key != k);
                    }
                    entries.push(Entry {
                        key: k,
                        key_pos: kpos,
                        value: node,
                    });
                    Ok(())
                }
                Some(PendingKey::Merge(mpos)) => {
                    let sources: Vec<Node> = match node.value {
                        Value::Map(_) => vec![node],
                        Value::Seq(ref items) if items.iter().all(|i| i.as_map().is_some()) => items.clone(),
                        _ => {
                            return Err(YamlError {
                                pos: mpos,
                                message: "merge key '<<' needs a mapping or a list of mappings".into(),
                            })
                        }
                    };
                    for src in sources {
                        if let Value::Map(src_entries) = &src.value {
                            for e in src_entries {
                                if !entries.iter().any(|x| x.key == e.key) {
                                    merged.push(e.key.clone());
                                    entries.push(e.clone());
                                }
                            }
                        }
                    }
                    Ok(())
                }
                None => Err(YamlError {
                    pos: node.pos,
                    message: "mapping key must be a scalar".into(),
                }),
            },
        }
    }

    fn check_duplicates(&mut self, entries: &[Entry]) {
        if entries.len() < 2 {
            return;
        }
        let mut dups: Vec<(usize, usize)> = Vec::new();
        if entries.len() <= 24 {
            for j in 1..entries.len() {
                if let Some(i) = (0..j).find(|&i| entries[i].key == entries[j].key) {
                    dups.push((i, j));
                }
            }
        } else {
            let mut first: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
            for (j, e) in entries.iter().enumerate() {
                if let Some(&i) = first.get(&*e.key) {
                    dups.push((i, j));
                } else {
                    first.insert(&e.key, j);
                }
            }
        }
        for (i, j) in dups {
            let first = entries[i].key_pos;
            self.warnings.push(YamlError {
                pos: entries[j].key_pos,
                message: format!(
                    "duplicate key {:?} (first at line {}); Kubernetes keeps the last value, strict validation rejects it",
                    &*entries[j].key, first.line
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Node {
        let mut d = decode(src, 0).expect("parses");
        assert_eq!(d.docs.len(), 1);
        d.docs.remove(0)
    }

    #[test]
    fn positions_are_one_based_and_offset() {
        let d = decode("a:\n  b: yes\n  c: 'yes'\n", 10).unwrap();
        let n = &d.docs[0];
        let b = n.at(&["a", "b"]).unwrap();
        assert_eq!(b.value, Value::Bool(true));
        assert_eq!(b.pos, Pos::new(12, 6));
        assert_eq!(n.get("a").unwrap().entry("c").unwrap().key_pos, Pos::new(13, 3));
        assert_eq!(n.at(&["a", "c"]).unwrap().as_str(), Some("yes"));
    }

    #[test]
    fn tags_and_keys() {
        let n = one("? !!str 1\n: x\n2: b\ntrue: z\ny: yes-key\nv: !!str 0777\nw: !!int \"12\"\n");
        assert_eq!(n.get("1").and_then(Node::as_str), Some("x"));
        assert_eq!(n.get("2").and_then(Node::as_str), Some("b"));
        // go-yaml v2 resolves the key `y` to the boolean true, so it becomes "true" (and
        // here overrides the earlier `true` key), exactly as in Kubernetes.
        assert_eq!(n.get("true").and_then(Node::as_str), Some("yes-key"));
        assert_eq!(n.get("v").and_then(Node::as_str), Some("0777"));
        assert_eq!(n.get("w").and_then(Node::as_i64), Some(12));
    }

    #[test]
    fn anchors_aliases_and_merge() {
        let d = decode("base: &b\n  x: 1\n  k: 2\nother:\n  <<: *b\n  k: 3\nref: *b\n", 0).unwrap();
        let n = &d.docs[0];
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert_eq!(n.at(&["other", "x"]).and_then(Node::as_i64), Some(1));
        assert_eq!(n.at(&["other", "k"]).and_then(Node::as_i64), Some(3));
        assert_eq!(n.at(&["ref", "k"]).and_then(Node::as_i64), Some(2));
    }

    #[test]
    fn billion_laughs_is_rejected() {
        let mut s = String::from(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..10 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
            ));
        }
        let err = decode(&s, 0).unwrap_err().0;
        assert!(err.message.contains("alias bomb"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let s = "[".repeat(10_000);
        let err = decode(&s, 0).unwrap_err().0;
        // Either our nesting limit or the parser's own recursion limit rejects it, cleanly.
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{}",
            err.message
        );
    }

    #[test]
    fn duplicate_keys_warn_and_last_wins() {
        let d = decode("a: 1\nb: 2\na: 3\n", 0).unwrap();
        assert_eq!(d.docs[0].get("a").and_then(Node::as_i64), Some(3));
        assert_eq!(d.warnings.len(), 1);
        assert_eq!(d.warnings[0].pos, Pos::new(3, 1));
    }

    #[test]
    fn syntax_error_has_position() {
        let (e, _) = decode("a: 1\nb: [1, 2\nc: 3\n", 4).unwrap_err();
        assert!(e.pos.line >= 6, "{e:?}");
    }

    #[test]
    fn block_scalar_at_end_of_input_without_newline() {
        let n = one("a: |\n  x");
        assert_eq!(n.get("a").and_then(Node::as_str), Some("x\n"));
    }

    #[test]
    fn json_decodes() {
        let n = one("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"hostPID\": true, \"x\": \"yes\", \"n\": 1.5e2}}");
        assert_eq!(n.at(&["spec", "hostPID"]).and_then(Node::as_bool), Some(true));
        assert_eq!(n.at(&["spec", "x"]).and_then(Node::as_str), Some("yes"));
        assert_eq!(n.at(&["spec", "n"]).and_then(Node::as_i64), Some(150));
    }
}
