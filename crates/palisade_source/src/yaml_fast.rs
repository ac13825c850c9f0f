//! A fast parser for the subset of YAML that most manifests are written in. It feeds the
//! same [`Builder`] libyaml's events feed, so the tree, positions and warnings are the same.
//!
//! The subset: printable ASCII and `\n` only (no tabs, `\r`, byte-order mark or other
//! characters); one document without `---`, `...` or directives; block mappings and block
//! sequences (indentless ones too); plain, single-quoted and double-quoted scalars on one
//! line; block scalars (`|`, `>`, with `-` or `+`); flow mappings and flow sequences of
//! one-line scalars on one line; empty values; comments. Anything else (anchors, aliases,
//! tags, multi-line plain or quoted scalars or flow collections, explicit indentation
//! indicators, `?` keys, an error of any kind) makes it stop with [`Bail`], and libyaml
//! decodes the text instead. Where a construct is legal YAML but its exact libyaml reading is
//! subtle, the parser stops too: it never guesses. Its answers are checked against libyaml's
//! by the tests below, on every document of the real-world corpus
//! (`tests/fast_yaml_corpus.rs`) and by the `yaml_fast` fuzz target.

use super::Builder;
use libyaml_safer::ScalarStyle;
use palisade_core::Pos;
use std::borrow::Cow;

/// The text is outside the fast parser's subset, or the builder rejected it: libyaml decides.
#[derive(Debug)]
pub(super) struct Bail;

type R<T = ()> = Result<T, Bail>;

/// Whether the fast parser may read `text`: printable ASCII and line feeds only.
pub(super) fn eligible(text: &str) -> bool {
    !text.is_empty()
        && text.as_bytes().chunks(64).all(|c| {
            c.iter()
                .fold(true, |ok, &b| ok & ((0x20..0x7f).contains(&b) | (b == b'\n')))
        })
}

/// Parses `text` (one document of [`eligible`] text) into `b`; `line_offset` is the 0-based
/// file line of its first line.
pub(super) fn parse(b: &mut Builder<'_, '_>, text: &str, line_offset: u32) -> R {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        line: 0,
        ls: 0,
        first_line: line_offset.saturating_add(1),
        b,
    };
    let Some(col) = p.next_content()? else {
        return Err(Bail);
    };
    p.b.document_start();
    let start = p.pos(p.i);
    p.block_node(col, -1, false, start)?;
    if p.next_content()?.is_some() {
        return Err(Bail);
    }
    Ok(())
}

/// A simple key found at the cursor: its text, style, position and where its `:` ends.
struct Key<'s> {
    text: Cow<'s, str>,
    style: ScalarStyle,
    at: usize,
    after: usize,
}

/// libyaml rejects a simple key longer than 1024 characters; the fast parser leaves keys
/// near that length to it.
const MAX_KEY: usize = 1000;

struct Parser<'s, 'x, 't, 'b> {
    s: &'s [u8],
    text: &'s str,
    /// The cursor.
    i: usize,
    /// The cursor's line (0-based, within the text) and the offset where that line starts.
    line: u32,
    ls: usize,
    /// The file line of the text's first line (1-based).
    first_line: u32,
    b: &'x mut Builder<'t, 'b>,
}

impl<'s> Parser<'s, '_, '_, '_> {
    /// The byte `k` places after the cursor; 0 past the end (the text has no NUL).
    fn at(&self, k: usize) -> u8 {
        self.s.get(self.i + k).copied().unwrap_or(0)
    }

    /// A space, a line break or the end.
    fn blankz(&self, k: usize) -> bool {
        matches!(self.at(k), b' ' | b'\n' | 0)
    }

    /// The file position of offset `at` on the cursor's line.
    fn pos(&self, at: usize) -> Pos {
        let col = u32::try_from(at.saturating_sub(self.ls)).unwrap_or(u32::MAX - 1);
        Pos::new(self.first_line.saturating_add(self.line), col.saturating_add(1))
    }

    fn skip_spaces(&mut self) {
        while self.at(0) == b' ' {
            self.i += 1;
        }
    }

    /// Moves the cursor to the next line.
    fn newline(&mut self) {
        self.i += 1;
        self.line += 1;
        self.ls = self.i;
    }

    /// From a line start (or from the content of a line), skips blank and comment lines and
    /// returns the column of the next content, the cursor on it; `None` at the end.
    fn next_content(&mut self) -> R<Option<usize>> {
        loop {
            self.skip_spaces();
            match self.at(0) {
                0 => return Ok(None),
                b'\n' => self.newline(),
                b'#' => self.skip_comment(),
                c => {
                    let col = self.i - self.ls;
                    // Document markers and directives: libyaml's.
                    if col == 0
                        && (c == b'%'
                            || ((self.s[self.i..].starts_with(b"---")
                                || self.s[self.i..].starts_with(b"..."))
                                && self.blankz(3)))
                    {
                        return Err(Bail);
                    }
                    return Ok(Some(col));
                }
            }
        }
    }

    /// Skips a comment to the start of the next line (or the end).
    fn skip_comment(&mut self) {
        match self.s[self.i..].iter().position(|&c| c == b'\n') {
            Some(n) => {
                self.i += n;
                self.newline();
            }
            None => self.i = self.s.len(),
        }
    }

    /// After a token: nothing but spaces and a comment (after a space) to the end of the line;
    /// the cursor moves to the next line.
    fn end_line(&mut self) -> R {
        self.skip_spaces();
        match self.at(0) {
            0 => Ok(()),
            b'\n' => {
                self.newline();
                Ok(())
            }
            b'#' if self.i > 0 && self.s[self.i - 1] == b' ' => {
                self.skip_comment();
                Ok(())
            }
            _ => Err(Bail),
        }
    }

    /// A block entry indicator (`-` then a space or the end of the line) at the cursor.
    fn is_entry(&self) -> bool {
        self.at(0) == b'-' && self.blankz(1)
    }

    /// Whether a plain scalar may start at the cursor (block context when `!flow`).
    fn plain_start(&self, flow: bool) -> bool {
        match self.at(0) {
            b'-' => !matches!(
                self.at(1),
                b' ' | b'\n' | 0 | b',' | b'[' | b']' | b'{' | b'}' | b'#'
            ),
            b'?' | b':' => !flow && self.at(1).is_ascii_alphanumeric(),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"'
            | b'%' | b'@' | b'`' | 0 | b' ' | b'\n' => false,
            _ => true,
        }
    }

    /// A node starting at the content the cursor is on, at column `col`, in a block collection
    /// whose indentation is `parent` (-1 for the document). `indentless`: the node is a
    /// mapping's value, where a sequence may start at the mapping's own column.
    fn block_node(&mut self, col: usize, parent: isize, indentless: bool, empty_at: Pos) -> R {
        let c = col as isize;
        if c < parent || (c == parent && !(indentless && self.is_entry())) {
            return self.empty(empty_at);
        }
        if self.is_entry() {
            return self.sequence(col);
        }
        match self.key()? {
            Some(k) => self.mapping(col, k),
            // A scalar or flow collection on a line of its own.
            None => Err(Bail),
        }
    }

    /// An empty node (null) where a value or an entry has nothing, at `pos`.
    fn empty(&mut self, pos: Pos) -> R {
        self.b
            .scalar("", ScalarStyle::Plain, &None, None, pos)
            .map_err(|_| Bail)
    }

    /// The simple key at the cursor (`key:` then a space or the end of the line), if there is
    /// one; the cursor does not move.
    fn key(&mut self) -> R<Option<Key<'s>>> {
        let at = self.i;
        let (text, style, end) = match self.at(0) {
            b'"' | b'\'' => {
                let (text, style) = self.quoted()?;
                let end = self.i;
                self.skip_spaces();
                let found = self.at(0) == b':' && self.blankz(1);
                let after = self.i + 1;
                self.i = at;
                if !found || end - at > MAX_KEY {
                    return if found { Err(Bail) } else { Ok(None) };
                }
                return Ok(Some(Key {
                    text,
                    style,
                    at,
                    after,
                }));
            }
            _ if self.plain_start(false) => {
                let mut j = at;
                loop {
                    match self.s.get(j) {
                        None | Some(b'\n') => return Ok(None),
                        Some(b' ') if self.s.get(j + 1) == Some(&b'#') => return Ok(None),
                        Some(b':') if matches!(self.s.get(j + 1), None | Some(b' ' | b'\n')) => break,
                        _ => j += 1,
                    }
                }
                let t = self.text[at..j].trim_end_matches(' ');
                (Cow::Borrowed(t), ScalarStyle::Plain, j)
            }
            _ => return Ok(None),
        };
        if end - at > MAX_KEY {
            return Err(Bail);
        }
        Ok(Some(Key {
            text,
            style,
            at,
            after: end + 1,
        }))
    }

    fn emit_key(&mut self, k: &Key<'_>) -> R {
        let pos = self.pos(k.at);
        self.b
            .scalar(&k.text, k.style, &None, None, pos)
            .map_err(|_| Bail)
    }

    /// A block mapping at column `col`, the cursor on its first key `first`.
    fn mapping(&mut self, col: usize, first: Key<'s>) -> R {
        let pos = self.pos(first.at);
        self.b.mapping_start(None, pos).map_err(|_| Bail)?;
        let mut key = first;
        loop {
            self.emit_key(&key)?;
            self.i = key.after;
            self.value(col)?;
            match self.next_content()? {
                Some(c) if c == col => {
                    if self.is_entry() {
                        return Err(Bail);
                    }
                    key = self.key()?.ok_or(Bail)?;
                }
                Some(c) if c > col => return Err(Bail),
                _ => break,
            }
        }
        let pos = self.pos(self.i.max(self.ls));
        self.b.end(pos).map_err(|_| Bail)
    }

    /// The value after a key's `:` in a mapping at column `col`.
    fn value(&mut self, col: usize) -> R {
        // libyaml places an empty value just after the `:`.
        let empty_at = self.pos(self.i);
        self.skip_spaces();
        if matches!(self.at(0), b'\n' | 0 | b'#') {
            self.end_line()?;
            return match self.next_content()? {
                Some(c) => self.block_node(c, col as isize, true, empty_at),
                None => self.empty(empty_at),
            };
        }
        self.inline(col)
    }

    /// A node on the rest of the line (a scalar or a flow collection) in a block collection
    /// indented `col`; the cursor moves to the next line. A more indented line after it would
    /// continue a plain scalar (or be an error): left to libyaml.
    fn inline(&mut self, col: usize) -> R {
        match self.at(0) {
            b'"' | b'\'' => {
                let pos = self.pos(self.i);
                let (text, style) = self.quoted()?;
                self.b.scalar(&text, style, &None, None, pos).map_err(|_| Bail)?;
            }
            b'{' | b'[' => self.flow()?,
            b'|' | b'>' => {
                // Ends at the start of the line after it.
                self.block_scalar(col)?;
                return match self.next_content()? {
                    Some(c) if c > col => Err(Bail),
                    _ => Ok(()),
                };
            }
            _ if self.plain_start(false) => {
                let start = self.i;
                let mut j = start;
                loop {
                    match self.s.get(j) {
                        None | Some(b'\n') => break,
                        Some(b' ') if self.s.get(j + 1) == Some(&b'#') => break,
                        Some(b':') if matches!(self.s.get(j + 1), None | Some(b' ' | b'\n')) => {
                            return Err(Bail)
                        }
                        _ => j += 1,
                    }
                }
                let t = self.text[start..j].trim_end_matches(' ');
                let pos = self.pos(start);
                self.b
                    .scalar(t, ScalarStyle::Plain, &None, None, pos)
                    .map_err(|_| Bail)?;
                self.i = j;
            }
            _ => return Err(Bail),
        }
        self.end_line()?;
        match self.next_content()? {
            Some(c) if c > col => Err(Bail),
            _ => Ok(()),
        }
    }

    /// A block sequence whose entries' `-` stand at column `col`; the cursor on the first.
    fn sequence(&mut self, col: usize) -> R {
        let pos = self.pos(self.i);
        self.b.sequence_start(None, pos).map_err(|_| Bail)?;
        loop {
            self.i += 1;
            // libyaml places an empty entry just after the `-`.
            let empty_at = self.pos(self.i);
            self.skip_spaces();
            if matches!(self.at(0), b'\n' | 0 | b'#') {
                self.end_line()?;
                match self.next_content()? {
                    Some(c) if c > col => self.block_node(c, col as isize, false, empty_at)?,
                    _ => self.empty(empty_at)?,
                }
            } else if self.is_entry() {
                return Err(Bail);
            } else if let Some(k) = self.key()? {
                let v = self.i - self.ls;
                self.mapping(v, k)?;
            } else {
                self.inline(col)?;
            }
            match self.next_content()? {
                Some(c) if c == col && self.is_entry() => {}
                Some(c) if c > col => return Err(Bail),
                _ => break,
            }
        }
        let pos = self.pos(self.i.max(self.ls));
        self.b.end(pos).map_err(|_| Bail)
    }

    /// A block scalar (`|` literal or `>` folded, optionally `-` strip or `+` keep) in a block
    /// collection indented `parent`, the cursor on its indicator; the cursor moves to the start
    /// of the first line after it. libyaml's `scan_block_scalar`, for text without tabs or
    /// `\r`; an explicit indentation indicator, an empty scalar or a scalar at the end of a
    /// text without a final line break are left to libyaml.
    fn block_scalar(&mut self, parent: usize) -> R {
        if !self.text.ends_with('\n') {
            return Err(Bail);
        }
        let pos = self.pos(self.i);
        let folded = self.at(0) == b'>';
        self.i += 1;
        let chomp: i8 = match self.at(0) {
            b'-' => -1,
            b'+' => 1,
            _ => 0,
        };
        if chomp != 0 {
            self.i += 1;
        }
        if !matches!(self.at(0), b' ' | b'\n') {
            return Err(Bail);
        }
        self.end_line()?;
        // Leading blank lines, then the first line with content sets the indentation.
        let spaces = |p: &Self| p.s[p.ls..].iter().take_while(|&&c| c == b' ').count();
        let mut breaks = 0usize;
        let mut max_blank = 0usize;
        let indent = loop {
            let n = spaces(self);
            match self.s.get(self.ls + n) {
                Some(b'\n') => {
                    max_blank = max_blank.max(n);
                    breaks += 1;
                    self.i = self.ls + n;
                    self.newline();
                }
                Some(_) if n >= max_blank && n > parent => break n,
                _ => return Err(Bail),
            }
        };
        let mut out = String::new();
        let (mut leading_break, mut leading_blank) = (false, false);
        loop {
            // A line with content, `indent` spaces in.
            let start = self.ls + indent;
            let trailing_blank = self.s[start] == b' ';
            if folded && leading_break && !leading_blank && !trailing_blank {
                if breaks == 0 {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            out.extend(std::iter::repeat_n('\n', breaks));
            breaks = 0;
            leading_blank = trailing_blank;
            let end = start + self.s[start..].iter().position(|&c| c == b'\n').ok_or(Bail)?;
            out.push_str(&self.text[start..end]);
            self.i = end;
            self.newline();
            leading_break = true;
            // Blank lines (up to `indent` spaces, then the line break).
            loop {
                let n = spaces(self).min(indent);
                if self.s.get(self.ls + n) != Some(&b'\n') {
                    break;
                }
                breaks += 1;
                self.i = self.ls + n;
                self.newline();
            }
            if self.ls >= self.s.len() || spaces(self) < indent {
                break;
            }
        }
        if chomp != -1 && leading_break {
            out.push('\n');
        }
        if chomp == 1 {
            out.extend(std::iter::repeat_n('\n', breaks));
        }
        self.i = self.ls;
        let style = if folded {
            ScalarStyle::Folded
        } else {
            ScalarStyle::Literal
        };
        self.b.scalar(&out, style, &None, None, pos).map_err(|_| Bail)
    }

    /// A quoted scalar on one line, the cursor on its opening quote; the cursor moves past
    /// the closing one.
    fn quoted(&mut self) -> R<(Cow<'s, str>, ScalarStyle)> {
        let q = self.at(0);
        let start = self.i + 1;
        // Most quoted scalars have nothing to unescape: the text itself.
        let stop = self.s[start..]
            .iter()
            .position(|&c| c == q || c == b'\n' || (q == b'"' && c == b'\\'))
            .map(|n| start + n)
            .ok_or(Bail)?;
        let style = if q == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        if self.s[stop] == q && !(q == b'\'' && self.s.get(stop + 1) == Some(&b'\'')) {
            self.i = stop + 1;
            return Ok((Cow::Borrowed(&self.text[start..stop]), style));
        }
        let mut out = String::with_capacity(stop - start + 16);
        out.push_str(&self.text[start..stop]);
        let mut j = stop;
        loop {
            match self.s.get(j).copied() {
                None | Some(b'\n') => return Err(Bail),
                Some(b'\'') if q == b'\'' => {
                    if self.s.get(j + 1) == Some(&b'\'') {
                        out.push('\'');
                        j += 2;
                    } else {
                        break;
                    }
                }
                Some(b'"') if q == b'"' => break,
                Some(b'\\') if q == b'"' => {
                    let e = self.s.get(j + 1).copied().ok_or(Bail)?;
                    let hex = match e {
                        b'x' => 2,
                        b'u' => 4,
                        b'U' => 8,
                        _ => 0,
                    };
                    if hex > 0 {
                        let digits = self.text.get(j + 2..j + 2 + hex).ok_or(Bail)?;
                        if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                            return Err(Bail);
                        }
                        let v = u32::from_str_radix(digits, 16).map_err(|_| Bail)?;
                        out.push(char::from_u32(v).ok_or(Bail)?);
                        j += 2 + hex;
                        continue;
                    }
                    out.push(match e {
                        b'0' => '\0',
                        b'a' => '\x07',
                        b'b' => '\x08',
                        b't' => '\t',
                        b'n' => '\n',
                        b'v' => '\x0b',
                        b'f' => '\x0c',
                        b'r' => '\r',
                        b'e' => '\x1b',
                        b' ' => ' ',
                        b'"' => '"',
                        b'/' => '/',
                        b'\\' => '\\',
                        b'N' => '\u{85}',
                        b'_' => '\u{a0}',
                        b'L' => '\u{2028}',
                        b'P' => '\u{2029}',
                        _ => return Err(Bail),
                    });
                    j += 2;
                }
                Some(c) => {
                    out.push(char::from(c));
                    j += 1;
                }
            }
        }
        self.i = j + 1;
        Ok((Cow::Owned(out), style))
    }

    /// A flow mapping or flow sequence on one line, the cursor on its `{` or `[`; the cursor
    /// moves past its end.
    fn flow(&mut self) -> R {
        let pos = self.pos(self.i);
        let map = self.at(0) == b'{';
        let close = if map { b'}' } else { b']' };
        if map {
            self.b.mapping_start(None, pos).map_err(|_| Bail)?;
        } else {
            self.b.sequence_start(None, pos).map_err(|_| Bail)?;
        }
        self.i += 1;
        self.skip_spaces();
        if self.at(0) != close {
            loop {
                if map {
                    self.flow_scalar(true)?;
                    self.skip_spaces();
                    if self.at(0) != b':' || self.at(1) != b' ' {
                        return Err(Bail);
                    }
                    self.i += 2;
                    self.skip_spaces();
                }
                match self.at(0) {
                    b'{' | b'[' => self.flow()?,
                    _ => self.flow_scalar(false)?,
                }
                self.skip_spaces();
                match self.at(0) {
                    b',' => {
                        self.i += 1;
                        self.skip_spaces();
                        if self.at(0) == close {
                            break;
                        }
                    }
                    c if c == close => break,
                    _ => return Err(Bail),
                }
            }
        }
        let pos = self.pos(self.i);
        self.i += 1;
        self.b.end(pos).map_err(|_| Bail)
    }

    /// A scalar inside a flow collection: a key (which ends at `: `) or a value (which ends
    /// at `,`, `]` or `}`).
    fn flow_scalar(&mut self, key: bool) -> R {
        let pos = self.pos(self.i);
        if matches!(self.at(0), b'"' | b'\'') {
            let (text, style) = self.quoted()?;
            return self.b.scalar(&text, style, &None, None, pos).map_err(|_| Bail);
        }
        if !self.plain_start(true) {
            return Err(Bail);
        }
        let start = self.i;
        let mut j = start;
        loop {
            match self.s.get(j) {
                Some(b':') if key && self.s.get(j + 1) == Some(&b' ') => break,
                Some(b',' | b']' | b'}') if !key => break,
                None | Some(b'\n' | b':' | b',' | b'[' | b']' | b'{' | b'}') => return Err(Bail),
                Some(b' ') if self.s.get(j + 1) == Some(&b'#') => return Err(Bail),
                _ => j += 1,
            }
        }
        let t = self.text[start..j].trim_end_matches(' ');
        self.i = j;
        self.b
            .scalar(t, ScalarStyle::Plain, &None, None, pos)
            .map_err(|_| Bail)
    }
}

#[cfg(test)]
mod tests {
    use crate::yaml::{check_fast_against_libyaml, decode_fast};

    /// The fast parser's tree, positions and warnings are libyaml's; `true` when it took
    /// the text (it may leave any text to libyaml, never answer differently).
    fn agree(src: &str) -> bool {
        check_fast_against_libyaml(src, 7).unwrap_or_else(|e| panic!("{e}: {src:?}"))
    }

    #[test]
    fn takes_plain_manifests_and_agrees_with_libyaml() {
        let taken = [
            "a: 1\n",
            "a: 1",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  labels:\n    app: x\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.25\n        args: [\"--port\", '8080', x]\n        resources:\n          limits: {cpu: 500m, memory: 256Mi}\n        ports:\n        - containerPort: 8080\n          protocol: TCP\n",
            "# leading comment\n\n  a: b   # trailing\n  c:   d\n\n  # between\n  e: 'it''s'\n",
            "list:\n  - a\n  -   b\n  - c: 1\n    d: 2\n  -\n    e: 3\n  - [x, y, ]\n  - {}\n  - []\n",
            "- a\n- b: c\n  d:\n  - e\n  - f\n- g\n",
            "k: \"esc \\\" \\\\ \\n \\t \\x41 \\u00e9 \\U0001F600 \\/ \\0 \\e \\N \\_ \\L \\P\"\n",
            "k: \"a  \"\nl: '  b  '\nm: \" \\  \"\n",
            "k: \"\"\nl: ''\nm: '#not a comment'\nn: a#b\no: http://x:80/y\np: -1\nq: --flag=x\nr: ~\ns: yes\nt: 0777\nu: 1_000\nv: .inf\nw: 1e3\n",
            "y: 1\non: 2\n\"y\": 3\nnull: 4\n1: 5\n",
            "a: 1\na: 2\nb: {c: 1, c: 2}\n",
            "<<: {a: 1}\nb: 2\n",
            "a: {b: {c: [1, {d: e}]}, f: \"g\"}\n",
            "a:\n  b:\n    c:\n      d: 1\n  e: 2\nf: 3\n",
            "key with spaces: value with spaces\n'quoted key': 1\n\"dq key\": 2\n",
            "a::b: 1\na: b:c\n",
            "a: [ 1 , 2 ]\nb: { x: 1 }\n",
            "a: -x\nb: ?x\nc: :x\n",
            "\u{FEFF}a: b\n",
            // Block scalars: literal, folded, chomping, blank lines, more-indented lines,
            // a comment after the indicator, in sequences and compact mappings.
            "a: |\n  text\n  more\nb: 1\n",
            "a: |-\n  text\n\n  more\n\n\nb: >\n  folded\n  lines\n\n  para\n    indented\n  back\n",
            "a: |+\n  keep\n\n\nb: >-\n  strip\n  this\n",
            "a: >+\n  x\n   \n\n",
            "a: | # note\n\n\n    deep\n    deeper\n      deepest\n    \n       \n    back\n# c\nb: 2\n",
            "- |\n  item\n- >\n  folded\n  item\n- name: x\n  script: |\n    set -e\n    echo \"#{x}\" # not a comment\n  after: 1\n",
            "k:\n  - |\n    a\n  - b\n",
            // Empty values, placed where libyaml places them (at the next token).
            "a:\nb: 1\n",
            "a:\n  b:\nc:\n",
            "a:\n  b:\nc:",
            "a: # note\n\n# more\nb:\n  # deeper\n",
            "- \n- a\n-\n  # c\n- b:\n  c:\n-\n",
            "a:\n- \n- x\nb:\n",
            "a:\n  - b:\n    c:\n  -\nd: 1\n",
        ];
        for src in taken {
            assert!(agree(src), "left to libyaml: {src:?}");
        }
    }

    #[test]
    fn leaves_the_rest_to_libyaml() {
        let left = [
            "",
            "# only a comment\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: |2\n  text\n",
            "a: |\n  text",
            "a: |\nb: 1\n",
            "a: |\n\n    x\n  y\n",
            "a: b\n  c\n",
            "a: \"b\n  c\"\n",
            "a: [b,\n  c]\n",
            "? a\n: b\n",
            "a: b: c\n",
            "a:\tb\n",
            "a: b\r\n",
            "a: é\n",
            "--- \na: b\n",
            "a: b\n...\n",
            "%YAML 1.1\n---\na: b\n",
            "- - a\n",
            "plain scalar\n",
            "a:\n  - b\n  c: d\n",
            "a: 1\n b: 2\n",
            "  a: 1\nb: 2\n",
            "a: \"\\q\"\n",
            // libyaml knows no \' escape (found by the yaml_fast fuzz target).
            "apiVersion: \"\\'\"\n",
            "a: \"\\ud800\"\n",
            "a: [b: c]\n",
            "a: {b}\n",
            "a: {b: }\n",
            "a: 'x'#c\n",
            "a: [x] y\n",
            "a: @x\n",
            "a: `x\n",
            "a: , x\n",
        ];
        for src in left {
            assert!(decode_fast(src, 0).is_none(), "taken: {src:?}");
        }
    }

    #[test]
    fn long_keys_are_left_to_libyaml() {
        let k = "k".repeat(1100);
        assert!(decode_fast(&format!("{k}: 1\n"), 0).is_none());
        assert!(decode_fast(&format!("\"{k}\": 1\n"), 0).is_none());
        assert!(agree(&format!("{}: 1\n", "k".repeat(900))));
    }

    #[test]
    fn deep_nesting_is_left_to_libyaml_without_overflowing_the_stack() {
        let deep = format!("a: {}{}\n", "[".repeat(600), "]".repeat(600));
        assert!(decode_fast(&deep, 0).is_none());
        let mut s = String::new();
        for d in 0..600 {
            s.push_str(&" ".repeat(d));
            s.push_str("k:\n");
        }
        s.push_str(&" ".repeat(600));
        s.push_str("k: v\n");
        assert!(decode_fast(&s, 0).is_none());
        let shallow = format!("a: {}1{}\n", "[".repeat(100), "]".repeat(100));
        assert!(agree(&shallow));
    }
}
