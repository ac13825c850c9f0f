//! Builds positioned `Node` trees from YAML events, with Kubernetes' decoding semantics. The
//! event parser is a safe Rust port of libyaml, the parser go-yaml (and so Kubernetes) is a
//! port of, so the same inputs are accepted and rejected.
//! YAML 1.1 scalars (see `scalar`), string keys, merge keys, anchors and aliases with a
//! bounded expansion budget (alias bombs are rejected), a nesting limit, and duplicate keys
//! reported (the last value wins, as in the API server's non-strict decoding).
//! Plain block-style text, most manifests, is read by a fast parser of that subset of YAML
//! (`yaml_fast.rs`), which feeds the same builder; everything else goes to libyaml.

use crate::scalar::{key_string, plain_is_str, resolve_plain};
use libyaml_safer::{EventData, Mark, Parser, ScalarStyle};
use palisade_core::{Entry, Node, Pos, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[path = "yaml_fast.rs"]
mod fast;

/// Maximum nesting of collections in one document.
pub const MAX_DEPTH: usize = 512;
/// Maximum number of nodes one document may expand to (aliases included).
pub const MAX_NODES: usize = 4_000_000;
/// Kubernetes' YAML decoder (go-yaml v2, CVE-2019-11254) rejects a document with "excessive
/// aliasing" once more than [`ALIAS_MIN_ALIASED`] of its decoded nodes come from alias
/// expansion, it has decoded more than [`ALIAS_MIN_DECODED`] nodes, and the share of aliased
/// nodes exceeds [`allowed_alias_ratio`]; palisade applies the same rule, node for node.
pub const ALIAS_MIN_ALIASED: usize = 100;
/// See [`ALIAS_MIN_ALIASED`].
pub const ALIAS_MIN_DECODED: usize = 1000;

/// go-yaml v2's `allowedAliasRatio`: 99% of the nodes may come from aliases up to 400,000
/// decoded nodes, 10% from 4,000,000, linearly in between.
pub fn allowed_alias_ratio(decoded: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if decoded <= LOW {
        0.99
    } else if decoded >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decoded - LOW) as f64 / (HIGH - LOW) as f64)
    }
}
/// Maximum amount of data anchors and aliases may copy in one input (all its documents
/// together), in bytes of text plus [`NODE_WEIGHT`] per node: bounds the memory an alias bomb
/// can take, whether its copies are many small nodes or a few long strings.
pub const MAX_ALIAS_COPY: usize = 256 << 20;
/// What one copied node counts for in [`MAX_ALIAS_COPY`] (about its size in memory).
pub const NODE_WEIGHT: usize = 64;
/// Maximum number of warnings (duplicate keys) kept for one chunk; the others are counted
/// in [`Decoded::dropped_warnings`], so that `{a, a, a, …}` cannot take memory without bound.
pub const MAX_WARNINGS: usize = 1000;

/// A YAML syntax error or warning at a position (the message does not repeat it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// The documents decoded from one chunk of text, plus non-fatal problems (duplicate keys).
#[derive(Debug, Default)]
pub struct Decoded {
    pub docs: Vec<Node>,
    pub warnings: Vec<YamlError>,
    /// Warnings past [`MAX_WARNINGS`], counted but not kept.
    pub dropped_warnings: usize,
}

/// What anchors and aliases have copied so far in one input; shared by the chunks of a
/// file so that splitting an alias bomb into many documents does not multiply the limit.
#[derive(Debug, Default)]
pub struct Budget {
    copied: std::sync::atomic::AtomicUsize,
}

/// The size of a subtree: nodes, a weight in bytes (nodes and text), and how many node
/// decodes go-yaml makes to decode it (keys included, an alias counting once plus its target).
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    nodes: usize,
    weight: usize,
    decodes: usize,
}

impl Size {
    fn node(text_len: usize) -> Size {
        Size {
            nodes: 1,
            weight: NODE_WEIGHT.saturating_add(text_len),
            decodes: 1,
        }
    }
    fn add(&mut self, o: Size) {
        self.nodes = self.nodes.saturating_add(o.nodes);
        self.weight = self.weight.saturating_add(o.weight);
        self.decodes = self.decodes.saturating_add(o.decodes);
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: Option<String>,
        size: Size,
    },
    Map {
        entries: Vec<Entry>,
        pos: Pos,
        anchor: Option<String>,
        key: Option<PendingKey>,
        /// Set at the mapping's first merge key.
        merge: Option<Box<MergeState>>,
        size: Size,
    },
}

/// Merge-key (`<<`) bookkeeping of one mapping, kept in sets so that merging or overriding
/// many keys stays linear.
#[derive(Default)]
struct MergeState {
    /// Every key present in the mapping.
    keys: HashSet<Arc<str>>,
    /// Keys present only through a merge, with the index of their entry.
    merged: HashMap<Arc<str>, usize>,
    /// Entries brought by a merge and then overridden by an explicit key: removed when the
    /// mapping ends (explicit keys override merged ones wherever they stand).
    dead: Vec<usize>,
}

enum PendingKey {
    Key(Arc<str>, Pos),
    Merge(Pos),
}

/// Turns the parser's byte offsets into file positions. Lines are counted on `\n` alone, as
/// the document splitter and the UTF-8/NUL checks count them (libyaml's own line counter also
/// breaks on a lone `\r`, NEL, LS and PS); columns are 1-based characters. Offsets arrive in
/// increasing order, so the whole text is walked once.
struct Lines<'t> {
    text: &'t str,
    at: usize,
    line: u32,
    col: u32,
    offset: u32,
}

impl Lines<'_> {
    fn pos(&mut self, mark: Mark) -> Pos {
        let mut i = usize::try_from(mark.index)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        let count = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        let lines = |s: &str| u32::try_from(s.bytes().filter(|&b| b == b'\n').count()).unwrap_or(u32::MAX);
        if i >= self.at {
            let s = &self.text[self.at..i];
            match s.rfind('\n') {
                Some(p) => {
                    self.line = self.line.saturating_add(lines(s));
                    self.col = count(&s[p + 1..]);
                }
                None => self.col = self.col.saturating_add(count(s)),
            }
        } else {
            let s = &self.text[i..self.at];
            let crossed = lines(s);
            if crossed == 0 {
                self.col = self.col.saturating_sub(count(s));
            } else {
                self.line = self.line.saturating_sub(crossed);
                let start = self.text[..i].rfind('\n').map_or(0, |p| p + 1);
                self.col = count(&self.text[start..i]);
            }
        }
        self.at = i;
        Pos::new(
            self.offset.saturating_add(self.line).saturating_add(1),
            self.col.saturating_add(1),
        )
    }
}

struct Builder<'t, 'b> {
    stack: Vec<Frame>,
    anchors: HashMap<String, (Node, Size)>,
    nodes: usize,
    /// go-yaml's decode counters of the current document: every node decoded, and those
    /// decoded inside an alias expansion.
    decoded: usize,
    aliased: usize,
    budget: &'b Budget,
    lines: Lines<'t>,
    /// The position of the last event read.
    last: Pos,
    docs: Vec<Node>,
    warnings: Vec<YamlError>,
    dropped_warnings: usize,
    /// Emptied scratch vectors of closed collections: a collection grows in a reused one and
    /// leaves in an exactly sized copy (one allocation, no slack), so building a tree does
    /// not reallocate as entries are added.
    spare_items: Vec<Vec<Node>>,
    spare_entries: Vec<Vec<Entry>>,
}

/// Keys longer than this are not interned.
const INTERN_MAX_LEN: usize = 64;
/// Interned keys kept per thread; the table starts again when full.
const INTERN_MAX_KEYS: usize = 4096;

thread_local! {
    static KEYS: std::cell::RefCell<HashSet<Arc<str>, foldhash::fast::RandomState>> =
        std::cell::RefCell::new(HashSet::default());
}

/// The shared copy of mapping key `k`: the same keys recur in every object of an input, so
/// each is stored once per thread instead of once per entry.
fn intern(k: &str) -> Arc<str> {
    if k.len() > INTERN_MAX_LEN {
        return k.into();
    }
    KEYS.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(a) = t.get(k) {
            return a.clone();
        }
        if t.len() >= INTERN_MAX_KEYS {
            t.clear();
        }
        let a: Arc<str> = k.into();
        t.insert(a.clone());
        a
    })
}

/// Scratch vectors kept per thread between documents (one per nesting level in use).
const SPARE_MAX: usize = 64;

thread_local! {
    #[allow(clippy::type_complexity)]
    static SPARE: std::cell::RefCell<(Vec<Vec<Node>>, Vec<Vec<Entry>>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

thread_local! {
    static IN_PARSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while this thread runs the YAML parser (libyaml-safer) itself: a panic hook can stay
/// quiet about a parser panic that `decode` turns into an input error.
pub fn in_parser() -> bool {
    IN_PARSER.with(|c| c.get())
}

/// Decodes one chunk of YAML (or JSON) text; `line_offset` is the 0-based line of the file
/// at which the chunk starts, so that positions are file positions. Never panics: a failure
/// inside the parser becomes an error for this chunk.
pub fn decode(text: &str, line_offset: u32) -> Result<Decoded, (YamlError, Decoded)> {
    decode_with_budget(text, line_offset, &Budget::default())
}

/// [`decode`] for one chunk of a larger input: what anchors and aliases copy is counted in
/// `budget`, across all the chunks of the input.
pub fn decode_with_budget(
    text: &str,
    line_offset: u32,
    budget: &Budget,
) -> Result<Decoded, (YamlError, Decoded)> {
    // A leading byte-order mark is invisible: positions count from after it.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    // Plain block-style text (most manifests) is decoded by a fast parser of that subset
    // of YAML, into the same tree; anything else, and any error, is left to libyaml.
    if fast::eligible(text) {
        let mut b = Builder::new(text, line_offset, budget);
        if fast::parse(&mut b, text, line_offset).is_ok() {
            return Ok(b.finish());
        }
        // What it built is dropped; its scratch vectors go back to this thread.
        b.finish();
    }
    libyaml(text, line_offset, budget)
}

/// [`decode_with_budget`] by libyaml alone, without the fast parser: what the fast parser's
/// answers are checked against (tests and the `yaml_fast` fuzz target).
#[doc(hidden)]
pub fn decode_libyaml(
    text: &str,
    line_offset: u32,
    budget: &Budget,
) -> Result<Decoded, (YamlError, Decoded)> {
    libyaml(text.strip_prefix('\u{FEFF}').unwrap_or(text), line_offset, budget)
}

/// What the fast parser alone makes of `text` (`None`: it leaves the text to libyaml); for
/// tests and the `yaml_fast` fuzz target, which check it against [`decode_libyaml`].
#[doc(hidden)]
pub fn decode_fast(text: &str, line_offset: u32) -> Option<Decoded> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if !fast::eligible(text) {
        return None;
    }
    let budget = Budget::default();
    let mut b = Builder::new(text, line_offset, &budget);
    let ok = fast::parse(&mut b, text, line_offset).is_ok();
    let d = b.finish();
    ok.then_some(d)
}

/// Whether the fast parser takes `text` (`Ok(false)`: it leaves it to libyaml) and, when it
/// does, whether libyaml takes it too, to the same tree, positions and warnings (`Err` says
/// how they differ). The one check of the unit tests, the corpus test and the fuzz target.
#[doc(hidden)]
pub fn check_fast_against_libyaml(text: &str, line_offset: u32) -> Result<bool, String> {
    let Some(fast) = decode_fast(text, line_offset) else {
        return Ok(false);
    };
    let slow = decode_libyaml(text, line_offset, &Budget::default())
        .map_err(|(e, _)| format!("the fast parser took what libyaml rejects ({e})"))?;
    let (f, l) = (format!("{:?}", fast.docs), format!("{:?}", slow.docs));
    if f != l {
        return Err(format!("the trees differ:\n  fast:    {f}\n  libyaml: {l}"));
    }
    if fast.warnings != slow.warnings || fast.dropped_warnings != slow.dropped_warnings {
        return Err(format!(
            "the warnings differ: fast {:?} (+{}), libyaml {:?} (+{})",
            fast.warnings, fast.dropped_warnings, slow.warnings, slow.dropped_warnings
        ));
    }
    Ok(true)
}

/// Decodes `text` (without its byte-order mark) with libyaml.
fn libyaml(text: &str, line_offset: u32, budget: &Budget) -> Result<Decoded, (YamlError, Decoded)> {
    // libyaml-safer 0.3 panics on a block scalar that ends the input without a line break;
    // a final newline changes nothing else. It also takes any input whose first byte is 0xEF
    // for a byte-order mark (and rejects it when it is another character, such as U+FF71):
    // an explicit mark in front makes it read such a text as the UTF-8 it is. The parser
    // skips the mark without counting it, so offsets still index `text`.
    let needs_bom = text.as_bytes().first() == Some(&0xEF);
    let needs_nl = !text.ends_with('\n');
    let owned;
    let input = if needs_bom || needs_nl {
        owned = format!(
            "{}{text}{}",
            if needs_bom { "\u{FEFF}" } else { "" },
            if needs_nl { "\n" } else { "" }
        );
        owned.as_str()
    } else {
        text
    };
    let mut b = Builder::new(text, line_offset, budget);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_events(&mut b, input)));
    IN_PARSER.with(|c| c.set(false));
    let res = match r {
        Ok(res) => res,
        // libyaml-safer 0.3 still has a few panics where libyaml reports an error or goes on
        // (a tag directly followed by ',' inside a flow collection, `[!t, x]`, is one): the
        // documents before are kept, and the error is placed at the last event read.
        Err(_) => Err(YamlError {
            pos: b.last,
            message: "the YAML parser failed after this point (internal error of the parser, e.g. on a \
                      tag directly followed by ',' in a flow collection); the rest of this document is skipped"
                .into(),
        }),
    };
    let decoded = b.finish();
    match res {
        Ok(()) => Ok(decoded),
        Err(e) => Err((e, decoded)),
    }
}

impl<'t, 'b> Builder<'t, 'b> {
    /// A builder for one chunk, with this thread's scratch vectors.
    fn new(text: &'t str, line_offset: u32, budget: &'b Budget) -> Self {
        let (spare_items, spare_entries) = SPARE.with(|sp| {
            let mut sp = sp.borrow_mut();
            (std::mem::take(&mut sp.0), std::mem::take(&mut sp.1))
        });
        Builder {
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            decoded: 0,
            aliased: 0,
            budget,
            lines: Lines {
                text,
                at: 0,
                line: 0,
                col: 0,
                offset: line_offset,
            },
            last: Pos::new(line_offset.saturating_add(1), 1),
            docs: Vec::new(),
            warnings: Vec::new(),
            dropped_warnings: 0,
            spare_items,
            spare_entries,
        }
    }

    /// What was decoded; the scratch vectors go back to this thread for the next chunk.
    fn finish(mut self) -> Decoded {
        SPARE.with(|sp| {
            let mut sp = sp.borrow_mut();
            // A huge collection's scratch is not kept.
            self.spare_items.retain(|v| v.capacity() <= 1024);
            self.spare_entries.retain(|v| v.capacity() <= 1024);
            self.spare_items.truncate(SPARE_MAX);
            self.spare_entries.truncate(SPARE_MAX);
            self.spare_items.iter_mut().for_each(Vec::clear);
            self.spare_entries.iter_mut().for_each(Vec::clear);
            sp.0 = std::mem::take(&mut self.spare_items);
            sp.1 = std::mem::take(&mut self.spare_entries);
        });
        Decoded {
            docs: std::mem::take(&mut self.docs),
            warnings: std::mem::take(&mut self.warnings),
            dropped_warnings: self.dropped_warnings,
        }
    }
}

fn decode_events(b: &mut Builder<'_, '_>, input: &str) -> Result<(), YamlError> {
    let mut bytes = input.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut bytes);
    loop {
        // Only the parser itself runs flagged: a panic in this crate's own code is a bug to
        // see, not an input error to hide.
        IN_PARSER.with(|c| c.set(true));
        let ev = parser.next();
        IN_PARSER.with(|c| c.set(false));
        match ev {
            None => return Ok(()),
            Some(Ok(ev)) => b.on_event(ev.data, ev.start_mark)?,
            Some(Err(e)) => {
                let mark = e.problem_mark().unwrap_or_default();
                let message = match e.context() {
                    Some(c) => format!("{c}: {}", e.problem()),
                    None => e.problem().to_string(),
                };
                return Err(YamlError {
                    pos: b.lines.pos(mark),
                    message,
                });
            }
        }
    }
}

fn is_core(tag: &Option<String>, suffix: &str) -> bool {
    matches!(tag, Some(t) if t.strip_prefix("tag:yaml.org,2002:") == Some(suffix))
}

impl Builder<'_, '_> {
    fn err(&self, pos: Pos, message: impl Into<String>) -> Result<(), YamlError> {
        Err(YamlError {
            pos,
            message: message.into(),
        })
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return self.err(
                pos,
                format!("document expands to more than {MAX_NODES} nodes (YAML alias bomb?); rejected"),
            );
        }
        Ok(())
    }

    /// Counts `decoded` node decodes, `aliased` of them inside an alias expansion, and
    /// rejects the document as go-yaml v2 does ("excessive aliasing"). Within one expansion
    /// the aliased share only grows and the allowed share only shrinks, so checking at its
    /// end finds exactly the documents go-yaml's check at every node finds.
    fn decode_count(&mut self, decoded: usize, aliased: usize, pos: Pos) -> Result<(), YamlError> {
        self.decoded = self.decoded.saturating_add(decoded);
        self.aliased = self.aliased.saturating_add(aliased);
        if self.aliased > ALIAS_MIN_ALIASED
            && self.decoded > ALIAS_MIN_DECODED
            && self.aliased as f64 / self.decoded as f64 > allowed_alias_ratio(self.decoded)
        {
            return self.err(
                pos,
                format!(
                    "document contains excessive aliasing ({} of its first {} nodes come from aliases; YAML alias bomb?); \
                     rejected, as Kubernetes' YAML decoder rejects it",
                    self.aliased, self.decoded
                ),
            );
        }
        Ok(())
    }

    /// Counts data copied by an anchor or an alias against the input's budget.
    fn copy(&mut self, weight: usize, pos: Pos) -> Result<(), YamlError> {
        use std::sync::atomic::Ordering;
        let before = self
            .budget
            .copied
            .fetch_add(weight.min(MAX_ALIAS_COPY + 1), Ordering::Relaxed);
        if before.saturating_add(weight) > MAX_ALIAS_COPY {
            return self.err(
                pos,
                format!(
                    "anchors and aliases copy more than {} MiB of data (YAML alias bomb?); rejected",
                    MAX_ALIAS_COPY >> 20
                ),
            );
        }
        Ok(())
    }

    /// Records an anchor: the node is copied, and the copy is counted.
    fn anchor(&mut self, name: String, node: &Node, size: Size, pos: Pos) -> Result<(), YamlError> {
        self.copy(size.weight, pos)?;
        self.anchors.insert(name, (node.clone(), size));
        Ok(())
    }

    fn on_event(&mut self, ev: EventData, mark: Mark) -> Result<(), YamlError> {
        let pos = self.lines.pos(mark);
        self.last = pos;
        match ev {
            EventData::StreamStart { .. } | EventData::StreamEnd | EventData::DocumentEnd { .. } => Ok(()),
            EventData::DocumentStart { .. } => {
                self.document_start();
                Ok(())
            }
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => self.scalar(&value, style, &tag, anchor, pos),
            EventData::Alias { anchor } => self.alias(&anchor, pos),
            EventData::SequenceStart { anchor, .. } => self.sequence_start(anchor, pos),
            EventData::MappingStart { anchor, .. } => self.mapping_start(anchor, pos),
            EventData::SequenceEnd | EventData::MappingEnd => self.end(pos),
        }
    }

    fn document_start(&mut self) {
        self.anchors.clear();
        self.nodes = 0;
        // go-yaml counts the document node itself.
        self.decoded = 1;
        self.aliased = 0;
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: &Option<String>,
        anchor: Option<String>,
        pos: Pos,
    ) -> Result<(), YamlError> {
        self.count(1, pos)?;
        let in_key_position = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
        if in_key_position {
            if style == ScalarStyle::Plain && text == "<<" && tag.is_none() {
                // go-yaml does not decode a merge key itself.
                if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                    *key = Some(PendingKey::Merge(pos));
                }
                return Ok(());
            }
            self.decode_count(1, 0, pos)?;
            // Most keys are plain or quoted strings: the key is the text itself.
            if tag.is_none() && (style != ScalarStyle::Plain || plain_is_str(text)) {
                self.set_key(intern(text), 1, pos);
                return Ok(());
            }
            let v = self.scalar_value(text, style, tag);
            let k = key_string(text, &v);
            self.set_key(intern(&k), 1, pos);
            return Ok(());
        }
        self.decode_count(1, 0, pos)?;
        let size = Size::node(text.len());
        let node = Node::new(self.scalar_value(text, style, tag), pos);
        if let Some(a) = anchor {
            self.anchor(a, &node, size, pos)?;
        }
        self.push(node, size)
    }

    fn alias(&mut self, anchor: &str, pos: Pos) -> Result<(), YamlError> {
        let Some((node, size)) = self.anchors.get(anchor).map(|(n, s)| (n, *s)) else {
            return self.err(pos, "unknown anchor");
        };
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            // An alias used as a key: only scalars make sense.
            let k = match &node.value {
                Value::Str(s) => s.to_string(),
                Value::Seq(_) | Value::Map(_) => return self.err(pos, "mapping key must be a scalar"),
                other => key_string("", other),
            };
            self.decode_count(1 + size.decodes, size.decodes, pos)?;
            self.copy(NODE_WEIGHT.saturating_add(k.len()), pos)?;
            self.set_key(intern(&k), 1 + size.decodes, pos);
            return Ok(());
        }
        self.decode_count(1 + size.decodes, size.decodes, pos)?;
        self.count(size.nodes, pos)?;
        self.copy(size.weight, pos)?;
        // Counted before the copy is made.
        let mut node = self.anchors[anchor].0.clone();
        node.pos = pos;
        let child = Size {
            decodes: size.decodes.saturating_add(1),
            ..size
        };
        self.push(node, child)
    }

    fn sequence_start(&mut self, anchor: Option<String>, pos: Pos) -> Result<(), YamlError> {
        self.open(pos)?;
        let items = self.spare_items.pop().unwrap_or_default();
        self.stack.push(Frame::Seq {
            items,
            pos,
            anchor,
            size: Size::node(0),
        });
        Ok(())
    }

    fn mapping_start(&mut self, anchor: Option<String>, pos: Pos) -> Result<(), YamlError> {
        self.open(pos)?;
        let entries = self.spare_entries.pop().unwrap_or_default();
        self.stack.push(Frame::Map {
            entries,
            pos,
            anchor,
            key: None,
            merge: None,
            size: Size::node(0),
        });
        Ok(())
    }

    /// The end of the innermost open collection.
    fn end(&mut self, pos: Pos) -> Result<(), YamlError> {
        let (node, anchor, size) = match self.stack.pop() {
            Some(Frame::Seq {
                items,
                pos,
                anchor,
                size,
            }) => {
                let mut items = items;
                // Moved into an exact-size vector; the scratch keeps its capacity.
                let mut exact = Vec::with_capacity(items.len());
                exact.append(&mut items);
                self.spare_items.push(items);
                (Node::new(Value::Seq(exact.into_boxed_slice()), pos), anchor, size)
            }
            Some(Frame::Map {
                mut entries,
                pos,
                anchor,
                merge,
                size,
                ..
            }) => {
                if let Some(m) = merge.filter(|m| !m.dead.is_empty()) {
                    let mut dead = vec![false; entries.len()];
                    for i in m.dead {
                        dead[i] = true;
                    }
                    let mut i = 0;
                    entries.retain(|_| {
                        i += 1;
                        !dead[i - 1]
                    });
                }
                self.check_duplicates(&entries);
                let mut exact = Vec::with_capacity(entries.len());
                exact.append(&mut entries);
                self.spare_entries.push(entries);
                (Node::new(Value::Map(exact.into_boxed_slice()), pos), anchor, size)
            }
            None => return self.err(pos, "unbalanced collection end"),
        };
        if let Some(a) = anchor {
            self.anchor(a, &node, size, pos)?;
        }
        self.push(node, size)
    }

    fn set_key(&mut self, k: Arc<str>, decodes: usize, pos: Pos) {
        if let Some(Frame::Map { key, size, .. }) = self.stack.last_mut() {
            size.weight = size.weight.saturating_add(k.len());
            size.decodes = size.decodes.saturating_add(decodes);
            *key = Some(PendingKey::Key(k, pos));
        }
    }

    fn open(&mut self, pos: Pos) -> Result<(), YamlError> {
        self.count(1, pos)?;
        self.decode_count(1, 0, pos)?;
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

    fn push(&mut self, node: Node, child: Size) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.docs.push(node);
                Ok(())
            }
            Some(Frame::Seq { items, size, .. }) => {
                size.add(child);
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                key,
                merge,
                size,
                ..
            }) => match key.take() {
                Some(PendingKey::Key(k, kpos)) => {
                    size.add(child);
                    if let Some(m) = merge {
                        // Explicit keys override keys merged in with `<<`, wherever they stand.
                        if let Some(i) = m.merged.remove(&k) {
                            m.dead.push(i);
                        } else {
                            m.keys.insert(k.clone());
                        }
                    }
                    entries.push(Entry {
                        key: k,
                        key_pos: kpos,
                        value: node,
                    });
                    Ok(())
                }
                Some(PendingKey::Merge(mpos)) => {
                    let mut node = node;
                    let sources: Vec<Node> = match std::mem::replace(&mut node.value, Value::Null) {
                        Value::Map(entries) => vec![Node::new(Value::Map(entries), node.pos)],
                        Value::Seq(items) if items.iter().all(|i| i.as_map().is_some()) => items.into_vec(),
                        _ => {
                            return Err(YamlError {
                                pos: mpos,
                                message: "merge key '<<' needs a mapping or a list of mappings".into(),
                            })
                        }
                    };
                    size.add(child);
                    let m = merge.get_or_insert_with(|| {
                        Box::new(MergeState {
                            keys: entries.iter().map(|e| e.key.clone()).collect(),
                            ..MergeState::default()
                        })
                    });
                    for mut src in sources {
                        if let Value::Map(src_entries) = std::mem::replace(&mut src.value, Value::Null) {
                            for e in src_entries {
                                if m.keys.insert(e.key.clone()) {
                                    m.merged.insert(e.key.clone(), entries.len());
                                    entries.push(e);
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
        let keep = MAX_WARNINGS.saturating_sub(self.warnings.len()).min(dups.len());
        self.dropped_warnings += dups.len() - keep;
        for &(i, j) in &dups[..keep] {
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
    fn small_alias_bomb_is_rejected_as_go_yaml_rejects_it() {
        // 456 bytes that would expand to 9^9 strings: go-yaml stops at about a thousand nodes.
        let mut s =
            String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for c in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
            let p = (c as u8 - 1) as char;
            s.push_str(&format!(
                "{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let budget = Budget::default();
        let err = decode_with_budget(&s, 0, &budget).unwrap_err().0;
        assert!(err.message.contains("excessive aliasing"), "{}", err.message);
        // Rejected on the line of `d` (9^3 + aliases > 1000 nodes), long before any limit of size.
        assert_eq!(err.pos.line, 4, "{err:?}");
        let copied = budget.copied.load(std::sync::atomic::Ordering::Relaxed);
        assert!(copied < 1 << 20, "{copied}");
        assert!(started.elapsed() < std::time::Duration::from_millis(500));
    }

    #[test]
    fn moderate_aliasing_is_accepted_like_go_yaml() {
        // 200 aliases of a 3-node mapping: 800 aliased decodes out of ~1,400: a ratio of
        // 0.57, under go-yaml's 0.99 for small documents.
        let mut s = String::from("base: &b {x: 1}\nitems:\n");
        for _ in 0..200 {
            s.push_str("- *b\n");
        }
        let d = decode(&s, 0).unwrap();
        assert_eq!(
            d.docs[0].get("items").and_then(Node::as_seq).map(<[Node]>::len),
            Some(200)
        );
        assert!(allowed_alias_ratio(2_200_000) > 0.54 && allowed_alias_ratio(2_200_000) < 0.546);
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
