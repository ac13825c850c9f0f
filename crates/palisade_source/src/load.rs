//! Decodes one input (file or stdin) into Kubernetes objects: reads UTF-16 with a byte-order
//! mark as kubectl does, rejects binary and non-UTF-8 input with a located error, splits YAML streams into documents, decodes JSON, flattens
//! `List` and `*List` objects, and skips (counts) documents that are not Kubernetes objects.

use crate::discover::InputFile;
use crate::docs::split_documents;
use crate::yaml::{decode_with_budget, Budget, Decoded, YamlError};
use palisade_core::{edit_vec, DiagLevel, Diagnostic, Entry, FieldPath, Node, Object, Origin, Pos, Value};
use rayon::prelude::*;
use std::io::Read;
use std::sync::Arc;

/// Diagnostics kept for one input; past that they are counted, and one more diagnostic per
/// level says how many were left out (a file of many broken documents or duplicate keys
/// cannot take memory without bound).
pub const MAX_DIAGNOSTICS: usize = 1000;

/// Inputs larger than this are refused with an error (Kubernetes' own request limit is 3 MiB
/// per object; this bounds memory on absurd inputs).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// What one input decoded to.
pub type Loaded = palisade_core::Batch;

/// How the warning about a document that is not a Kubernetes object begins (the reason
/// follows in parentheses).
pub const SKIPPED_DOCUMENT: &str = "document skipped: not a Kubernetes object";

/// Whether `d` is the warning of a skipped document (counted apart from other warnings).
pub fn is_skipped_document(d: &Diagnostic) -> bool {
    d.level == DiagLevel::Warning && d.message.starts_with(SKIPPED_DOCUMENT)
}

fn diag(level: DiagLevel, file: &Arc<str>, pos: Option<Pos>, message: String) -> Diagnostic {
    Diagnostic {
        level,
        file: Some(file.clone()),
        line: pos.filter(Pos::is_known).map(|p| p.line),
        column: pos.filter(Pos::is_known).map(|p| p.col),
        message,
        object: None,
    }
}

/// Reads and decodes one input. Read failures become error diagnostics.
pub fn load_input(input: &InputFile) -> Loaded {
    concat(load_input_parts(input))
}

/// [`load_input`] as batches in input order (see [`load_parts`]).
pub fn load_input_parts(input: &InputFile) -> Vec<Loaded> {
    collect_parts(|each| load_input_with(input, each))
}

/// The batches of `parts`, in order.
fn collect_parts(parts: impl FnOnce(&PartSink<'_>)) -> Vec<Loaded> {
    let out = std::sync::Mutex::new(Vec::new());
    parts(&|j, l| out.lock().unwrap_or_else(|e| e.into_inner()).push((j, l)));
    let mut v = out.into_inner().unwrap_or_else(|e| e.into_inner());
    v.sort_by_key(|(j, _)| *j);
    v.into_iter().map(|(_, l)| l).collect()
}

/// Receives the batches of one input as they are decoded (from any thread), with their
/// ordinal within the input.
pub type PartSink<'a> = dyn Fn(usize, Loaded) + Sync + 'a;

/// Reads and decodes one input, handing each batch to `each` as it is decoded (see
/// [`load_parts_with`]).
pub fn load_input_with(input: &InputFile, each: &PartSink<'_>) {
    let name = input.display_name();
    let mut buf = Vec::new();
    let res = match input {
        InputFile::Kustomization { dir, display } => return each(0, crate::kustomize::render(dir, display)),
        InputFile::Stdin => std::io::stdin()
            .lock()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map(|_| ()),
        InputFile::Path { path, .. } => {
            // (Unreadable metadata: the open below says why.)
            let len = std::fs::metadata(path).map_or(0, |m| m.len());
            if len > MAX_FILE_BYTES {
                let mut l = Loaded::default();
                l.diagnostics.push(diag(
                    DiagLevel::Error,
                    &name,
                    None,
                    format!(
                        "file is too large ({} MiB; the limit is {} MiB)",
                        len >> 20,
                        MAX_FILE_BYTES >> 20
                    ),
                ));
                return each(0, l);
            }
            // A large file of plain UTF-8 YAML is decoded a block at a time; anything else
            // (UTF-16, binary, JSON, invalid UTF-8) is read whole, for the same answer and the
            // same located error as a small file.
            let streamed = (len >= STREAM_MIN_BYTES)
                .then(|| load_stream_with(name.clone(), || std::fs::File::open(path), STREAM_BLOCK, each));
            match streamed {
                Some(Ok(true)) => return,
                Some(Err(e)) => Err(e),
                None | Some(Ok(false)) => std::fs::File::open(path)
                    .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut buf))
                    .map(|_| ()),
            }
        }
    };
    if let Err(e) = res {
        let mut l = Loaded::default();
        l.diagnostics
            .push(diag(DiagLevel::Error, &name, None, format!("cannot read: {e}")));
        return each(0, l);
    }
    load_parts_with(name, &buf, each)
}

/// Files at least this large are read a block at a time ([`load_stream_with`]): their text is
/// not held whole while their documents are decoded.
const STREAM_MIN_BYTES: u64 = 8 * 1024 * 1024;

/// How much of a large file is read at a time.
const STREAM_BLOCK: usize = 4 * 1024 * 1024;

/// Fills `buf` from `r` (short only at the end of the input); returns how much was read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads an input through once to learn whether it is plain UTF-8 YAML (no UTF-16 byte-order
/// mark, no NUL byte, valid UTF-8, not JSON, within [`MAX_FILE_BYTES`]); returns its size if so.
fn plain_yaml_size(mut r: impl Read, block: usize) -> std::io::Result<Option<u64>> {
    let mut buf = vec![0u8; block.max(4)];
    // The bytes of a character split between two blocks.
    let mut carry: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut start = true;
    loop {
        let n = fill(&mut r, &mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_FILE_BYTES {
            return Ok(None);
        }
        let mut chunk = &buf[..n];
        if total == n as u64 {
            if chunk.starts_with(&[0xFF, 0xFE]) || chunk.starts_with(&[0xFE, 0xFF]) {
                return Ok(None);
            }
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
        }
        if chunk.contains(&0) {
            return Ok(None);
        }
        if start {
            // JSON (one document, not split) or text that starts with a non-ASCII character
            // (perhaps Unicode white space before JSON): the whole-input path decides.
            // (`trim_start` also takes the vertical tab for white space.)
            match chunk.iter().find(|b| !(b.is_ascii_whitespace() || **b == 0x0B)) {
                Some(b'{' | b'[') => return Ok(None),
                Some(b) if !b.is_ascii() => return Ok(None),
                Some(_) => start = false,
                None => {}
            }
        }
        carry.extend_from_slice(chunk);
        match std::str::from_utf8(&carry) {
            Ok(_) => carry.clear(),
            Err(e) if e.error_len().is_none() => {
                carry.drain(..e.valid_up_to());
            }
            Err(_) => return Ok(None),
        }
    }
    Ok(carry.is_empty().then_some(total))
}

/// Decodes a large input of plain UTF-8 YAML a block at a time, each block cut after its last
/// document separator, so that the input's text is never held whole: the same documents,
/// positions and diagnostics as [`load_parts_with`] on the whole text. `open` opens the input
/// (it is read twice: once to check it, once to decode it). Returns false, having handed on
/// nothing, when the input is not plain UTF-8 YAML ([`plain_yaml_size`]).
fn load_stream_with<R: Read>(
    name: Arc<str>,
    open: impl Fn() -> std::io::Result<R>,
    block: usize,
    each: &PartSink<'_>,
) -> std::io::Result<bool> {
    let Some(total) = plain_yaml_size(open()?, block)? else {
        return Ok(false);
    };
    let block = block.max(4);
    let mut r = open()?;
    let mut d = Decoder::new(name, total, each);
    let mut buf: Vec<u8> = Vec::with_capacity(2 * block);
    // Lines of the input before `buf`; where the next line to check for a separator starts.
    let (mut line_base, mut scan) = (0u32, 0usize);
    let mut first = true;
    loop {
        let old = buf.len();
        buf.resize(old + block, 0);
        let n = match fill(&mut r, &mut buf[old..]) {
            Ok(n) => n,
            Err(e) => {
                buf.truncate(old);
                stream_failed(&mut d, format!("cannot read: {e}"));
                break;
            }
        };
        buf.truncate(old + n);
        let eof = n < block;
        if first {
            first = false;
            if buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
        }
        // Whole documents: up to the end of the last separator line (everything at the end).
        let mut cut = 0;
        if eof {
            cut = buf.len();
        } else {
            while let Some(i) = buf[scan..].iter().position(|&b| b == b'\n') {
                let end = scan + i + 1;
                let line = &buf[scan..end];
                if line.starts_with(b"---") && std::str::from_utf8(line).is_ok_and(crate::docs::is_separator)
                {
                    cut = end;
                }
                scan = end;
            }
        }
        if cut > 0 || eof {
            let Ok(text) = std::str::from_utf8(&buf[..cut]) else {
                stream_failed(
                    &mut d,
                    "cannot read: the file changed while it was read (it is no longer valid UTF-8)".into(),
                );
                break;
            };
            let mut docs = split_documents(text);
            if !eof {
                // The text after the separator: the start of the next block's first document.
                docs.pop();
            }
            for doc in &mut docs {
                doc.first_line = doc.first_line.saturating_add(line_base);
            }
            d.documents(&docs);
            let lines = buf[..cut].iter().filter(|&&b| b == b'\n').count();
            line_base = line_base.saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
            buf.drain(..cut);
            scan -= cut.min(scan);
        }
        if eof {
            break;
        }
    }
    d.finish();
    Ok(true)
}

/// A large input that could not be read to its end: what was decoded stands, and an error
/// says why the rest is missing.
fn stream_failed(d: &mut Decoder<'_>, message: String) {
    let mut l = Loaded::default();
    l.diagnostics.push(diag(DiagLevel::Error, &d.name, None, message));
    d.tell_bytes(&mut l);
    (d.each)(d.next, l);
    d.next += 1;
}

/// The position of byte `at`: lines counted on `\n`, columns in characters (an invalid
/// sequence counting as one), as the YAML decoder counts them.
fn line_col_of(bytes: &[u8], at: usize) -> Pos {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    Pos::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// Decodes the bytes of one input named `name`.
pub fn load_bytes(name: Arc<str>, bytes: &[u8]) -> Loaded {
    concat(load_parts(name, bytes))
}

/// The batches of one input as one.
fn concat(parts: Vec<Loaded>) -> Loaded {
    let mut parts = parts.into_iter();
    let mut out = parts.next().unwrap_or_default();
    for p in parts {
        out.append(p);
    }
    out
}

/// Decodes the bytes of one input named `name` into batches, in input order: one for most
/// inputs, one per [`GROUP`] documents for a large stream (decoded in parallel).
pub fn load_parts(name: Arc<str>, bytes: &[u8]) -> Vec<Loaded> {
    collect_parts(|each| load_parts_with(name, bytes, each))
}

/// [`load_parts`], handing each batch to `each` (with its ordinal) as soon as it is decoded: a
/// large stream is decoded [`WINDOW`] groups at a time, so that only that many documents'
/// trees exist before the consumer has taken what it keeps.
pub fn load_parts_with(name: Arc<str>, bytes: &[u8], each: &PartSink<'_>) {
    let mut out = Loaded {
        bytes: bytes.len() as u64,
        ..Loaded::default()
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        out.diagnostics.push(diag(
            DiagLevel::Error,
            &name,
            None,
            format!("input is too large (more than {} MiB)", MAX_FILE_BYTES >> 20),
        ));
        return each(0, out);
    }
    // kubectl reads UTF-16 after a byte-order mark (BOMOverride): so does palisade.
    let utf16 = decode_utf16(bytes);
    let bytes = utf16.as_deref().map_or(bytes, str::as_bytes);
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        let message = if utf16.is_none() && looks_like_utf16(bytes) {
            "UTF-16 text without a byte-order mark (NUL bytes between the characters); kubectl reads UTF-16 only \
             after a byte-order mark: save the file as UTF-8"
        } else {
            "binary file (contains a NUL byte); not YAML or JSON"
        };
        out.diagnostics.push(diag(
            DiagLevel::Error,
            &name,
            Some(line_col_of(bytes, i)),
            message.into(),
        ));
        return each(0, out);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            out.diagnostics.push(diag(
                DiagLevel::Error,
                &name,
                Some(line_col_of(bytes, e.valid_up_to())),
                "invalid UTF-8; Kubernetes manifests must be UTF-8".into(),
            ));
            return each(0, out);
        }
    };
    let json = text.trim_start().starts_with(['{', '[']);
    let chunks = if json {
        vec![crate::docs::DocText { text, first_line: 0 }]
    } else {
        split_documents(text)
    };
    let mut d = Decoder::new(name, out.bytes, each);
    d.documents(&chunks);
    d.finish();
}

/// Decodes the documents of one input as they come, [`WINDOW`] groups of [`GROUP`] at a time,
/// and hands each group's batch on: the state kept across windows (document indexes, the
/// diagnostics cap, the alias budget).
struct Decoder<'e> {
    name: Arc<str>,
    /// The input's size, told by its first batch.
    bytes: u64,
    each: &'e PartSink<'e>,
    /// One alias budget for the whole input, however many documents it is split into.
    budget: Budget,
    /// Document indexes continue across groups.
    offset: u32,
    /// Diagnostics kept, and left out past MAX_DIAGNOSTICS: (errors, warnings).
    kept: usize,
    dropped: (usize, usize),
    /// The ordinal of the next batch.
    next: usize,
    bytes_told: bool,
}

impl<'e> Decoder<'e> {
    fn new(name: Arc<str>, bytes: u64, each: &'e PartSink<'e>) -> Decoder<'e> {
        Decoder {
            name,
            bytes,
            each,
            budget: Budget::default(),
            offset: 0,
            kept: 0,
            dropped: (0, 0),
            next: 0,
            bytes_told: false,
        }
    }

    /// Decodes consecutive documents of the input (the next ones after those already given).
    fn documents(&mut self, chunks: &[crate::docs::DocText<'_>]) {
        let groups: Vec<&[crate::docs::DocText<'_>]> = chunks.chunks(GROUP).collect();
        for window in groups.chunks(WINDOW) {
            self.window(window);
        }
    }

    fn window(&mut self, window: &[&[crate::docs::DocText<'_>]]) {
        let (name, budget) = (&self.name, &self.budget);
        let mut parts: Vec<Group> = if window.len() == 1 {
            vec![decode_group(name, window[0], budget)]
        } else {
            // A large stream: its documents are decoded in parallel, GROUP at a time.
            window.par_iter().map(|g| decode_group(name, g, budget)).collect()
        };
        for g in &mut parts {
            for o in &mut g.loaded.objects {
                if let Origin::File { doc, .. } = &mut o.origin {
                    *doc = doc.saturating_add(self.offset);
                }
            }
            self.offset = self.offset.saturating_add(g.docs);
            let room = MAX_DIAGNOSTICS.saturating_sub(self.kept);
            for d in g.loaded.diagnostics.drain(room.min(g.loaded.diagnostics.len())..) {
                match d.level {
                    DiagLevel::Error => self.dropped.0 += 1,
                    DiagLevel::Warning => self.dropped.1 += 1,
                }
            }
            self.kept += g.loaded.diagnostics.len();
            self.dropped.0 += g.dropped.0;
            self.dropped.1 += g.dropped.1;
        }
        if let Some(first) = parts.first_mut() {
            self.tell_bytes(&mut first.loaded);
        }
        let first = self.next;
        self.next += parts.len();
        let each = self.each;
        parts
            .into_par_iter()
            .enumerate()
            .for_each(|(k, g)| each(first + k, g.loaded));
    }

    /// Gives the input's size to `l` if no batch has told it yet (the first batch tells it).
    fn tell_bytes(&mut self, l: &mut Loaded) {
        if !self.bytes_told {
            l.bytes = self.bytes;
            self.bytes_told = true;
        }
    }

    /// Ends the input: the count of diagnostics left out, or, for an input without a
    /// document, one empty batch that counts its bytes.
    fn finish(mut self) {
        if !self.bytes_told {
            let mut out = Loaded::default();
            self.tell_bytes(&mut out);
            (self.each)(self.next, out);
            return;
        }
        let mut tail = Loaded::default();
        for (n, level, what) in [
            (self.dropped.0, DiagLevel::Error, "errors"),
            (self.dropped.1, DiagLevel::Warning, "warnings"),
        ] {
            if n > 0 {
                tail.diagnostics.push(diag(
                    level,
                    &self.name,
                    None,
                    format!("{n} more {what} in this input not shown (only the first {MAX_DIAGNOSTICS} diagnostics are kept)"),
                ));
            }
        }
        if !tail.diagnostics.is_empty() {
            (self.each)(self.next, tail);
        }
    }
}

/// Documents decoded per group (and per batch handed to the engine) in a large stream.
const GROUP: usize = 256;

/// Groups decoded (in parallel) before they are handed on: the documents of a large stream
/// that exist at once, as trees, before the consumer keeps what it needs.
const WINDOW: usize = 16;

/// What one group of documents decoded to.
struct Group {
    loaded: Loaded,
    /// Documents consumed (document indexes used), empty ones included.
    docs: u32,
    /// Diagnostics past MAX_DIAGNOSTICS in this group: (errors, warnings).
    dropped: (usize, usize),
}

/// Decodes consecutive chunks of one input; document indexes start at 0.
fn decode_group(name: &Arc<str>, chunks: &[crate::docs::DocText<'_>], budget: &Budget) -> Group {
    let mut out = Loaded::default();
    let mut doc_index = 0u32;
    let mut dropped = (0usize, 0usize);
    for chunk in chunks {
        // `helm template` names the template each document comes from: findings name it too.
        let chunk_name =
            helm_source(chunk.text).map_or_else(|| name.clone(), |s| format!("{s} in {name}").into());
        let (d, error) = match decode_with_budget(chunk.text, chunk.first_line, budget) {
            Ok(d) => (d, None),
            Err((e, d)) => (d, Some(e)),
        };
        let Decoded {
            docs,
            warnings,
            dropped_warnings,
        } = d;
        // Duplicate keys: Kubernetes keeps the last value (and kubectl's strict validation
        // rejects the object); reported as warnings so they do not fail the run.
        dropped.1 += dropped_warnings;
        for w in warnings {
            if out.diagnostics.len() < MAX_DIAGNOSTICS {
                out.diagnostics.push(yaml_diag(DiagLevel::Warning, name, w));
            } else {
                dropped.1 += 1;
            }
        }
        for doc in docs {
            add_document(&mut out, &chunk_name, doc_index, doc);
            doc_index += 1;
        }
        if let Some(mut e) = error {
            out.documents += 1;
            doc_index += 1;
            if chunk.text.contains("{{") {
                e.message.push_str(
                    "; this is a template (Helm or Go `{{ }}`), not a manifest: render it first, e.g. \
                     helm template RELEASE CHART | palisade scan -",
                );
            }
            if out.diagnostics.len() < MAX_DIAGNOSTICS {
                out.diagnostics.push(yaml_diag(DiagLevel::Error, name, e));
            } else {
                dropped.0 += 1;
            }
        }
    }
    Group {
        loaded: out,
        docs: doc_index,
        dropped,
    }
}

/// The text of UTF-16 input that starts with a byte-order mark (little or big endian), as
/// kubectl decodes it (an unpaired surrogate becomes U+FFFD); `None` for other input.
fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let (le, rest) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units = rest.chunks(2).map(|c| match (c, le) {
        ([a, b], true) => u16::from_le_bytes([*a, *b]),
        ([a, b], false) => u16::from_be_bytes([*a, *b]),
        _ => 0xFFFD,
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// Whether text with NUL bytes looks like UTF-16 without a byte-order mark: in its first
/// bytes, every NUL at the same parity and about every other byte a NUL.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(200) & !1];
    let (even, odd) = head.chunks(2).fold((0, 0), |(e, o), c| {
        (e + usize::from(c[0] == 0), o + usize::from(c[1] == 0))
    });
    let pairs = head.len() / 2;
    pairs >= 2 && ((even == 0 && odd * 4 >= pairs * 3) || (odd == 0 && even * 4 >= pairs * 3))
}

/// The template named by a `# Source: chart/templates/x.yaml` comment that `helm template`
/// writes before each document (among the comment lines that start the document).
fn helm_source(text: &str) -> Option<&str> {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let comment = line.strip_prefix('#')?;
        if let Some(s) = comment.trim_start().strip_prefix("Source:") {
            let s = s.trim();
            return (!s.is_empty()).then_some(s);
        }
    }
    None
}

fn yaml_diag(level: DiagLevel, name: &Arc<str>, e: YamlError) -> Diagnostic {
    diag(level, name, Some(e.pos), e.message)
}

/// Pushes a diagnostic about one document (at most one per document; the input's total is
/// capped, and what is left out counted, when its groups are joined).
fn push_diag(out: &mut Loaded, d: Diagnostic) {
    out.diagnostics.push(d);
}

/// Why a document (or a `List` item) is not a Kubernetes object, or why the API server would
/// reject its identity.
enum Rejected {
    /// Not a Kubernetes object (no string `apiVersion`/`kind`): skipped, with a warning.
    Skipped(Pos, String),
    /// A field of the object's identity has the wrong type: an input error.
    Invalid(Pos, String),
}

/// A hint for a boolean or number written where a string belongs: YAML 1.1 reads `y`, `no`,
/// `on`, `1.0` ... as such unless quoted.
fn type_hint(n: &Node) -> &'static str {
    match n.value {
        Value::Bool(_) => {
            " (unquoted y, yes, on, true, n, no, off, false ... are booleans in YAML; quote the value)"
        }
        Value::Int(_) | Value::Float(_) => " (quote the value to make it a string)",
        _ => "",
    }
}

/// Checks that `node` is a Kubernetes object whose identity (`apiVersion`, `kind`,
/// `metadata.name`, `generateName`, `namespace`) has the types the API server requires.
fn check_object(node: &Node) -> Option<Rejected> {
    let Some(entries) = node.as_map() else {
        return Some(Rejected::Skipped(
            node.pos,
            format!(
                "{SKIPPED_DOCUMENT} (a YAML {}, not a mapping with apiVersion and kind)",
                node.type_name()
            ),
        ));
    };
    let mut missing = Vec::new();
    for field in ["apiVersion", "kind"] {
        match node.entry(field) {
            Some(e) if matches!(&e.value.value, Value::Str(s) if !s.is_empty()) => {}
            Some(e) if e.value.as_str().is_some() || e.value.is_null() => {
                missing.push(format!("{field} is empty"))
            }
            Some(e) => {
                return Some(Rejected::Invalid(
                    e.key_pos,
                    format!(
                        "{field} must be a string, not {}{}; the API server rejects this object",
                        e.value.type_name(),
                        type_hint(&e.value)
                    ),
                ))
            }
            None => match entries.iter().find(|e| e.key.eq_ignore_ascii_case(field)) {
                Some(e) => missing.push(format!(
                    "no {field} (\"{}\" is not \"{field}\": keys are case-sensitive)",
                    e.key
                )),
                None => missing.push(format!("no {field}")),
            },
        }
    }
    if !missing.is_empty() {
        return Some(Rejected::Skipped(
            node.pos,
            format!("{SKIPPED_DOCUMENT} ({})", missing.join(", ")),
        ));
    }
    let meta = node.entry("metadata")?;
    let Some(meta_map) = meta.value.as_map() else {
        if meta.value.is_null() {
            return None;
        }
        return Some(Rejected::Invalid(
            meta.key_pos,
            format!(
                "metadata must be a mapping, not {}; the API server rejects this object",
                meta.value.type_name()
            ),
        ));
    };
    for field in ["name", "generateName", "namespace"] {
        let Some(e) = meta_map.iter().rev().find(|e| &*e.key == field) else {
            continue;
        };
        if e.value.as_str().is_some() || e.value.is_null() {
            continue;
        }
        return Some(Rejected::Invalid(
            e.key_pos,
            format!(
                "metadata.{field} must be a string, not {}{}; the API server rejects this object",
                e.value.type_name(),
                type_hint(&e.value)
            ),
        ));
    }
    None
}

/// Builds the object of `node`, or reports why it is skipped or invalid.
fn to_object(out: &mut Loaded, name: &Arc<str>, node: Node, origin: Origin) -> Option<Object> {
    if let Some(r) = check_object(&node) {
        let (level, pos, message) = match r {
            Rejected::Skipped(pos, m) => {
                out.skipped += 1;
                (DiagLevel::Warning, pos, m)
            }
            Rejected::Invalid(pos, m) => (DiagLevel::Error, pos, m),
        };
        let pos = if pos.is_known() { pos } else { node.pos };
        push_diag(out, diag(level, name, Some(pos), message));
        return None;
    }
    match Object::from_node(node, origin) {
        Ok(o) => {
            out.diagnostics.extend(crate::validate::pod_template_values(&o));
            Some(o)
        }
        Err(n) => {
            // check_object accepts exactly what from_node accepts.
            out.skipped += 1;
            push_diag(
                out,
                diag(DiagLevel::Warning, name, Some(n.pos), SKIPPED_DOCUMENT.into()),
            );
            None
        }
    }
}

fn add_document(out: &mut Loaded, name: &Arc<str>, doc: u32, node: Node) {
    if node.is_null() {
        return;
    }
    out.documents += 1;
    let origin = Origin::File {
        path: name.clone(),
        doc,
    };
    let Some(obj) = to_object(out, name, node, origin) else {
        return;
    };
    let items = obj.root.get("items");
    if obj.kind.ends_with("List") && items.is_some_and(|i| i.as_seq().is_some() || i.is_null()) {
        flatten_list(out, name, obj);
        return;
    }
    out.objects.push(obj);
}

/// `kind: List` and typed lists (`PodList`): each item becomes an object. Items of a typed
/// list may omit apiVersion/kind; they inherit them from the list.
fn flatten_list(out: &mut Loaded, name: &Arc<str>, mut list: Object) {
    let origin = list.origin.clone();
    let item_kind = list.kind.strip_suffix("List").unwrap_or("").to_owned();
    let api_version = list.api_version.clone();
    let items = match &mut list.root.value {
        Value::Map(entries) => match entries.iter_mut().rev().find(|e| &*e.key == "items") {
            Some(e) => std::mem::replace(&mut e.value, Node::null()),
            None => return,
        },
        _ => return,
    };
    // `items: null` is an empty list.
    let Value::Seq(items) = std::mem::replace(&mut { items }.value, Value::Null) else {
        return;
    };
    for (i, mut item) in items.into_vec().into_iter().enumerate() {
        if let Value::Map(fields) = &mut item.value {
            edit_vec(fields, |entries| {
                if !item_kind.is_empty() && !entries.iter().any(|e| &*e.key == "kind") {
                    entries.push(Entry {
                        key: "kind".into(),
                        key_pos: Pos::NONE,
                        value: Node::new(Value::Str(item_kind.as_str().into()), Pos::NONE),
                    });
                }
                if !entries.iter().any(|e| &*e.key == "apiVersion") {
                    entries.push(Entry {
                        key: "apiVersion".into(),
                        key_pos: Pos::NONE,
                        value: Node::new(Value::Str(api_version.as_str().into()), Pos::NONE),
                    });
                }
            });
        }
        if let Some(mut o) = to_object(out, name, item, origin.clone()) {
            o.list_path = Some(FieldPath::root().key("items").idx(i));
            out.objects.push(o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(src: &str) -> Loaded {
        load_bytes("t.yaml".into(), src.as_bytes())
    }

    /// `bytes` decoded a block of `block` bytes at a time, as a large file is; None when the
    /// input is left to the whole-input path.
    fn load_streamed(bytes: &[u8], block: usize) -> Option<Loaded> {
        let parts = std::sync::Mutex::new(Vec::new());
        let streamed = load_stream_with(
            "t.yaml".into(),
            || Ok(std::io::Cursor::new(bytes)),
            block,
            &|j, l| parts.lock().unwrap().push((j, l)),
        )
        .unwrap();
        let mut v = parts.into_inner().unwrap();
        if !streamed {
            assert!(v.is_empty(), "nothing is handed on before falling back");
            return None;
        }
        let ordinals: std::collections::BTreeSet<usize> = v.iter().map(|(j, _)| *j).collect();
        assert_eq!(ordinals.len(), v.len(), "each batch has its own ordinal");
        v.sort_by_key(|(j, _)| *j);
        Some(concat(v.into_iter().map(|(_, l)| l).collect()))
    }

    #[test]
    fn a_large_file_read_a_block_at_a_time_decodes_as_the_whole_text() {
        let mut src = String::from("\u{feff}# leading comment\n");
        for i in 0..700 {
            match i % 7 {
                0 => src.push_str(&format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ünï}}\n")),
                1 => src.push_str("--- # a comment after the separator\n"),
                2 => src.push_str(&format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: |\n    ---x\n    ok\n"
                )),
                3 => src.push_str("---\n"),
                4 => src.push_str("metadata:\n  name: [broken\n"),
                5 => src.push_str("---\n# Source: chart/templates/x.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a, image: b, ports: [{containerPort: 99999}]}]}}}\n---\n"),
                _ => src.push_str("kind: Service\napiVersion: v1\nmetadata: {name: s, name: s2}\n---\n---\n"),
            }
        }
        let whole = format!("{:?}", load(&src));
        for block in [4, 5, 64, 333, 4096, src.len(), src.len() + 1] {
            let streamed = load_streamed(src.as_bytes(), block).expect("plain YAML is streamed");
            assert_eq!(format!("{streamed:?}"), whole, "block of {block} bytes");
        }
        // Ending on a separator line, and without a final newline.
        for tail in ["---\n", "---", "kind: Pod"] {
            let s = format!("{src}{tail}");
            let streamed = load_streamed(s.as_bytes(), 100).unwrap();
            assert_eq!(
                format!("{streamed:?}"),
                format!("{:?}", load(&s)),
                "ending {tail:?}"
            );
        }
    }

    #[test]
    fn a_file_of_8_mib_or_more_is_read_in_blocks_with_the_same_answer() {
        let dir = std::env::temp_dir().join(format!("palisade-source-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.yaml");
        let mut text = String::new();
        let mut i = 0;
        while (text.len() as u64) < STREAM_MIN_BYTES + STREAM_BLOCK as u64 {
            text.push_str(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: ns}}\ndata:\n  k: {}\n---\n",
                "v".repeat(2000 + i % 97)
            ));
            if i % 1000 == 0 {
                text.push_str("metadata: [broken\n---\n");
            }
            i += 1;
        }
        std::fs::write(&path, &text).unwrap();
        let input = InputFile::Path {
            path: path.clone(),
            display: "big.yaml".into(),
        };
        let read = load_input(&input);
        let whole = load_bytes("big.yaml".into(), text.as_bytes());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(read.objects.len(), i);
        assert!(read.diagnostics.len() > 4, "{:?}", read.diagnostics);
        assert_eq!(format!("{read:?}"), format!("{whole:?}"));
    }

    #[test]
    fn inputs_that_are_not_plain_yaml_are_left_to_the_whole_input_path() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: 1\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let mut invalid = b"a: 1\n".repeat(40);
        invalid.extend_from_slice(b"b: \xC3\n");
        let mut split_char = b"a: 1\n".repeat(3);
        split_char.extend_from_slice("b: é\n".as_bytes());
        for (what, bytes) in [
            ("UTF-16", utf16),
            ("NUL", b"a: 1\n\0\n".to_vec()),
            ("invalid UTF-8", invalid),
            ("truncated character", b"a: \xC3".to_vec()),
            ("JSON", b"  \n{\"kind\": \"Pod\"}".to_vec()),
            ("JSON after a vertical tab", b"\x0B[]".to_vec()),
        ] {
            assert!(load_streamed(&bytes, 8).is_none(), "{what}");
        }
        // A character split between two blocks is valid UTF-8.
        let s = load_streamed(&split_char, 16).unwrap();
        assert_eq!(
            format!("{s:?}"),
            format!("{:?}", load_bytes("t.yaml".into(), &split_char))
        );
    }

    #[test]
    fn multi_document_with_skips_and_errors() {
        let l = load(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nreplicaCount: 3\n---\n# only a comment\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [broken\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
        );
        assert_eq!(l.objects.len(), 2);
        assert_eq!(l.objects[1].kind, "Service");
        assert_eq!(l.objects[1].root.get("kind").unwrap().pos, Pos::new(15, 7));
        assert_eq!(l.skipped, 1);
        assert_eq!(l.diagnostics.len(), 2);
        assert_eq!(l.diagnostics[0].line, Some(5));
        assert_eq!(l.diagnostics[0].level, DiagLevel::Warning);
        assert!(l.diagnostics[1].line.unwrap() >= 12, "{:?}", l.diagnostics);
    }

    #[test]
    fn lists_are_flattened_with_real_lines() {
        let l = load("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n");
        assert_eq!(l.objects.len(), 2);
        assert_eq!(l.objects[1].kind, "Deployment");
        assert_eq!(l.objects[1].root.pos.line, 7);
        let t =
            load("{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\"}}]}");
        assert_eq!(t.objects.len(), 1);
        assert_eq!(t.objects[0].kind, "Pod");
        assert_eq!(t.objects[0].api_version, "v1");
    }

    #[test]
    fn binary_and_non_utf8_are_located_errors() {
        let l = load_bytes("b".into(), b"a: 1\nb: \x00\x01");
        assert_eq!(l.diagnostics[0].line, Some(2));
        let l = load_bytes("u".into(), b"a: 1\nb: \xff\xfe\n");
        assert_eq!(
            (l.diagnostics[0].line, l.diagnostics[0].column),
            (Some(2), Some(4))
        );
        assert!(l.objects.is_empty());
    }

    #[test]
    fn skipped_documents_are_named_with_their_reason() {
        let l = load("Kind: Pod\napiVersion: v1\nmetadata: {name: q}\n---\nreplicaCount: 3\n---\n- a\n---\napiVersion: v1\nkind: ''\n");
        assert_eq!(l.skipped, 4);
        let d: Vec<String> = l
            .diagnostics
            .iter()
            .map(|d| format!("{:?} {d}", d.level))
            .collect();
        assert_eq!(
            d,
            [
                "Warning t.yaml:1:1: document skipped: not a Kubernetes object (no kind (\"Kind\" is not \"kind\": keys are case-sensitive))",
                "Warning t.yaml:5:1: document skipped: not a Kubernetes object (no apiVersion, no kind)",
                "Warning t.yaml:7:1: document skipped: not a Kubernetes object (a YAML array, not a mapping with apiVersion and kind)",
                "Warning t.yaml:9:1: document skipped: not a Kubernetes object (kind is empty)",
            ]
        );
    }

    #[test]
    fn booleans_in_identity_fields_are_input_errors() {
        let l = load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: y\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: 1.5\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: no}\n---\napiVersion: v1\nkind: y\n");
        assert!(l.objects.is_empty(), "{:?}", l.objects);
        assert_eq!(l.skipped, 0);
        let d: Vec<String> = l
            .diagnostics
            .iter()
            .map(|d| format!("{:?} {d}", d.level))
            .collect();
        assert_eq!(
            d,
            [
                "Error t.yaml:5:3: metadata.namespace must be a string, not boolean (unquoted y, yes, on, true, n, no, off, false ... are booleans in YAML; quote the value); the API server rejects this object",
                "Error t.yaml:10:3: metadata.name must be a string, not number (quote the value to make it a string); the API server rejects this object",
                "Error t.yaml:17:14: metadata.name must be a string, not boolean (unquoted y, yes, on, true, n, no, off, false ... are booleans in YAML; quote the value); the API server rejects this object",
                "Error t.yaml:20:1: kind must be a string, not boolean (unquoted y, yes, on, true, n, no, off, false ... are booleans in YAML; quote the value); the API server rejects this object",
            ]
        );
    }

    #[test]
    fn a_large_stream_is_decoded_in_parallel_groups_in_input_order() {
        let mut src = String::new();
        for i in 0..600 {
            if i == 300 {
                src.push_str("apiVersion: v1\nkind: Pod\nmetadata: {name: [broken\n---\n");
            } else {
                src.push_str(&format!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\n---\n"
                ));
            }
        }
        let parts = load_parts("big.yaml".into(), src.as_bytes());
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.iter().map(|p| p.bytes).sum::<u64>(), src.len() as u64);
        let l = load_bytes("big.yaml".into(), src.as_bytes());
        assert_eq!((l.objects.len(), l.documents), (599, 600));
        for (o, i) in l.objects.iter().zip((0..600).filter(|&i| i != 300)) {
            assert_eq!(o.name, format!("p{i}"));
            assert_eq!(
                o.origin,
                Origin::File {
                    path: "big.yaml".into(),
                    doc: i
                }
            );
            assert_eq!(o.root.pos.line, i * 4 + 1);
        }
        assert_eq!(l.diagnostics.len(), 1);
        assert_eq!(l.diagnostics[0].line, Some(1204));
    }

    #[test]
    fn diagnostics_are_capped_for_the_whole_input_across_groups() {
        let src = "x: 1\n---\n".repeat(MAX_DIAGNOSTICS + 10);
        let l = load_bytes("w.yaml".into(), src.as_bytes());
        assert_eq!(l.skipped, MAX_DIAGNOSTICS + 10);
        assert_eq!(l.diagnostics.len(), MAX_DIAGNOSTICS + 1);
        assert_eq!(
            l.diagnostics[MAX_DIAGNOSTICS].message,
            format!("10 more warnings in this input not shown (only the first {MAX_DIAGNOSTICS} diagnostics are kept)")
        );
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read_as_kubectl_reads_it() {
        let src = "apiVersion: v1\nkind: Pod\nmetadata: {name: caf\u{e9}}\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(src.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(src.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for bytes in [&le, &be] {
            let l = load_bytes("w.yaml".into(), bytes);
            assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
            assert_eq!(l.objects[0].name, "caf\u{e9}");
            assert_eq!(l.objects[0].root.get("kind").unwrap().pos, Pos::new(2, 7));
            assert_eq!(l.bytes, bytes.len() as u64);
        }
        // Without a mark, kubectl sees NUL bytes and fails; palisade names the encoding.
        let l = load_bytes("w.yaml".into(), &le[2..]);
        assert_eq!(
            l.diagnostics[0].message,
            "UTF-16 text without a byte-order mark (NUL bytes between the characters); kubectl reads UTF-16 only \
             after a byte-order mark: save the file as UTF-8"
        );
        let l = load_bytes(
            "b".into(),
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        );
        assert!(l.diagnostics[0].message.starts_with("binary file"));
    }

    #[test]
    fn out_of_range_ports_and_ids_are_located_input_errors() {
        let l = load("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      securityContext: {runAsGroup: -1, fsGroup: 0}\n      containers:\n      - name: c\n        ports:\n        - {containerPort: 80, hostPort: 99999}\n        - {containerPort: 81, hostPort: 0}\n        securityContext: {runAsUser: 2147483648}\n");
        assert_eq!(l.objects.len(), 1, "the object is still evaluated");
        let d: Vec<String> = l
            .diagnostics
            .iter()
            .map(|d| format!("{:?} {d}", d.level))
            .collect();
        assert_eq!(
            d,
            [
                "Error t.yaml:7:25: Deployment/d: invalid value at spec.template.spec.securityContext.runAsGroup: -1: must be between 0 and 2147483647, inclusive",
                "Error t.yaml:13:27: Deployment/d: invalid value at spec.template.spec.containers[0].securityContext.runAsUser: 2147483648: must be between 0 and 2147483647, inclusive",
                "Error t.yaml:11:31: Deployment/d: invalid value at spec.template.spec.containers[0].ports[0].hostPort: 99999: must be between 1 and 65535, inclusive",
            ]
        );
    }

    #[test]
    fn empty_input_has_no_documents() {
        let l = load("");
        assert_eq!(
            (l.documents, l.skipped, l.objects.len(), l.diagnostics.len()),
            (0, 0, 0, 0)
        );
    }
}
