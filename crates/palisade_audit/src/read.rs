//! Reading audit logs: files, directories (recursively, in name order), gzip files (rotated
//! logs, detected by their magic bytes, concatenated members included) and stdin (`-`),
//! streamed line by line through one reused buffer, so memory does not grow with the log.
//!
//! A line that is not an audit event is a located error (file:line) and reading goes on. A
//! pretty-printed JSON document (a line that is just `{` or `[`) is read up to its end. A
//! line longer than [`ReadOptions::max_line_bytes`] is skipped with an error (gzip bombs and
//! runaway lines cannot exhaust memory).

use crate::decode::{decode, DecodeError};
use crate::event::{Event, Loc};
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to read.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// The longest line (or multi-line document) read; longer ones are skipped with an error.
    pub max_line_bytes: usize,
    /// How many errors are kept (all are counted).
    pub max_errors: usize,
    /// Lines that cannot match a question are skipped before decoding: every group must have
    /// one of its strings in the line (from [`crate::filter::Filter::needles`]). Applied only
    /// to lines holding events directly (`{"kind":"Event...`), whose strings are not escaped
    /// JSON inside JSON.
    pub prefilter: Vec<Vec<String>>,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            max_line_bytes: 256 << 20,
            max_errors: 1000,
            prefilter: Vec::new(),
        }
    }
}

/// A located problem: an unreadable file (line 0) or a line that is not an audit event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub loc: Loc,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.loc.line == 0 {
            write!(f, "{}: {}", self.loc.file, self.message)
        } else {
            write!(f, "{}: {}", self.loc, self.message)
        }
    }
}

/// What a read saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub files: u64,
    pub lines: u64,
    /// Bytes of text read (after decompression).
    pub bytes: u64,
    pub events: u64,
    /// Lines skipped by the prefilter (they cannot match).
    pub skipped: u64,
    /// Every error, including those not kept.
    pub errors: u64,
}

/// The outcome of a read: the errors kept and the counts.
#[derive(Clone, Debug, Default)]
pub struct ReadSummary {
    pub errors: Vec<ReadError>,
    pub stats: ReadStats,
}

impl ReadSummary {
    fn error(&mut self, opts: &ReadOptions, loc: Loc, message: String) {
        self.stats.errors += 1;
        if self.errors.len() < opts.max_errors {
            self.errors.push(ReadError { loc, message });
        }
    }
    fn decode_errors(&mut self, opts: &ReadOptions, file: &Arc<str>, line: u64, errs: Vec<DecodeError>) {
        for e in errs {
            let loc = Loc {
                file: file.clone(),
                line,
                item: e.item,
            };
            self.error(opts, loc, e.message);
        }
    }
}

/// One input: a path or stdin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    pub fn parse(s: &str) -> Input {
        if s == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(s))
        }
    }
}

/// The files of the inputs: directories walked recursively in name order (hidden entries
/// skipped); an input that does not exist is an error.
pub fn expand(inputs: &[Input], summary: &mut ReadSummary, opts: &ReadOptions) -> Vec<Input> {
    let mut out = Vec::new();
    for i in inputs {
        match i {
            Input::Stdin => out.push(Input::Stdin),
            Input::Path(p) => walk(p, &mut out, summary, opts, true),
        }
    }
    out
}

fn walk(p: &Path, out: &mut Vec<Input>, summary: &mut ReadSummary, opts: &ReadOptions, top: bool) {
    let meta = match fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            summary.error(opts, file_loc(p), format!("cannot read: {e}"));
            return;
        }
    };
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = match fs::read_dir(p) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                summary.error(opts, file_loc(p), format!("cannot read directory: {e}"));
                return;
            }
        };
        entries.sort();
        for e in entries {
            let hidden = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                walk(&e, out, summary, opts, false);
            }
        }
    } else if meta.is_file() || top {
        out.push(Input::Path(p.to_path_buf()));
    }
}

fn file_loc(p: &Path) -> Loc {
    Loc {
        file: Arc::from(p.display().to_string()),
        line: 0,
        item: None,
    }
}

/// Read every event of `inputs` in order, handing each to `f` with its location.
pub fn read(inputs: &[Input], opts: &ReadOptions, f: &mut dyn FnMut(&Loc, Event<'_>)) -> ReadSummary {
    let mut summary = ReadSummary::default();
    let files = expand(inputs, &mut summary, opts);
    for input in files {
        let (name, reader): (Arc<str>, io::Result<Box<dyn Read>>) = match &input {
            Input::Stdin => (Arc::from("-"), Ok(Box::new(io::stdin().lock()))),
            Input::Path(p) => (
                Arc::from(p.display().to_string()),
                fs::File::open(p).map(|f| Box::new(f) as Box<dyn Read>),
            ),
        };
        match reader {
            Ok(r) => {
                summary.stats.files += 1;
                read_stream(name, r, opts, &mut summary, f);
            }
            Err(e) => summary.error(
                opts,
                Loc {
                    file: name,
                    line: 0,
                    item: None,
                },
                format!("cannot read: {e}"),
            ),
        }
    }
    summary
}

/// Read one stream (decompressing it if it is gzip).
pub fn read_stream(
    file: Arc<str>,
    r: Box<dyn Read + '_>,
    opts: &ReadOptions,
    summary: &mut ReadSummary,
    f: &mut dyn FnMut(&Loc, Event<'_>),
) {
    let mut br = BufReader::with_capacity(1 << 20, r);
    let gzip = match br.fill_buf() {
        Ok(b) => b.starts_with(&[0x1f, 0x8b]),
        Err(e) => {
            summary.error(
                opts,
                Loc {
                    file,
                    line: 0,
                    item: None,
                },
                format!("cannot read: {e}"),
            );
            return;
        }
    };
    if gzip {
        let gz = flate2::bufread::MultiGzDecoder::new(br);
        let br = BufReader::with_capacity(1 << 20, gz);
        lines(file, br, opts, summary, f);
    } else {
        lines(file, br, opts, summary, f);
    }
}

enum Line {
    Eof,
    Ok,
    /// Longer than the limit: the rest of the line was skipped; its length.
    TooLong(u64),
}

/// Read one line into `buf` (without its newline), at most `max` bytes.
fn next_line(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    buf.clear();
    let mut skipped: u64 = 0;
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(match (any, skipped) {
                (false, _) => Line::Eof,
                (true, 0) => Line::Ok,
                (true, n) => Line::TooLong(n),
            });
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if skipped == 0 && buf.len() + take <= max {
            buf.extend_from_slice(&chunk[..take]);
        } else {
            skipped += (buf.len() + take) as u64;
            buf.clear();
        }
        r.consume(if done { take + 1 } else { take });
        if done {
            return Ok(if skipped == 0 {
                Line::Ok
            } else {
                Line::TooLong(skipped)
            });
        }
    }
}

fn lines(
    file: Arc<str>,
    mut r: impl BufRead,
    opts: &ReadOptions,
    summary: &mut ReadSummary,
    f: &mut dyn FnMut(&Loc, Event<'_>),
) {
    let finders: Vec<Vec<memchr::memmem::Finder<'_>>> = opts
        .prefilter
        .iter()
        .map(|g| {
            g.iter()
                .map(|n| memchr::memmem::Finder::new(n.as_bytes()))
                .collect()
        })
        .collect();
    let mut buf = Vec::with_capacity(64 << 10);
    let mut line_no: u64 = 0;
    let mut loc = Loc {
        file: file.clone(),
        line: 0,
        item: None,
    };
    loop {
        let res = next_line(&mut r, &mut buf, opts.max_line_bytes);
        line_no += 1;
        match res {
            Err(e) => {
                summary.error(
                    opts,
                    Loc {
                        file: file.clone(),
                        line: line_no,
                        item: None,
                    },
                    format!("read error: {e}"),
                );
                return;
            }
            Ok(Line::Eof) => return,
            Ok(Line::TooLong(n)) => {
                summary.stats.lines += 1;
                summary.stats.bytes += n;
                summary.error(
                    opts,
                    Loc {
                        file: file.clone(),
                        line: line_no,
                        item: None,
                    },
                    format!(
                        "line of {n} bytes skipped: longer than the limit of {} bytes",
                        opts.max_line_bytes
                    ),
                );
                continue;
            }
            Ok(Line::Ok) => {}
        }
        summary.stats.lines += 1;
        summary.stats.bytes += buf.len() as u64 + 1;
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        let start = line_no;
        let pretty = match trim(&buf) {
            b"" => continue,
            t => t == b"{" || t == b"[",
        };
        // A pretty-printed document: read on to its end.
        if pretty {
            loop {
                let mut more = Vec::new();
                match next_line(&mut r, &mut more, opts.max_line_bytes) {
                    Ok(Line::Ok) => {
                        line_no += 1;
                        summary.stats.lines += 1;
                        summary.stats.bytes += more.len() as u64 + 1;
                        buf.push(b'\n');
                        buf.extend_from_slice(&more);
                        if buf.len() > opts.max_line_bytes {
                            break;
                        }
                        if complete(&buf) {
                            break;
                        }
                    }
                    Ok(Line::TooLong(_)) => {
                        line_no += 1;
                        break;
                    }
                    Ok(Line::Eof) | Err(_) => break,
                }
            }
        }
        let trimmed = trim(&buf);
        if !finders.is_empty()
            && trimmed.starts_with(br#"{"kind":"Event"#)
            && !finders
                .iter()
                .all(|g| g.iter().any(|f| f.find(trimmed).is_some()))
        {
            summary.stats.skipped += 1;
            continue;
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t,
            Err(e) => {
                summary.error(
                    opts,
                    Loc {
                        file: file.clone(),
                        line: start,
                        item: None,
                    },
                    format!("not UTF-8 (byte {})", e.valid_up_to() + 1),
                );
                continue;
            }
        };
        loc.line = start;
        let mut n = 0u64;
        let res = decode(text, &mut |item, ev| {
            n += 1;
            loc.item = item;
            f(&loc, ev);
        });
        loc.item = None;
        summary.stats.events += n;
        if let Err(errs) = res {
            summary.decode_errors(opts, &file, start, errs);
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &b[s..e.max(s)]
}

/// Whether `buf` holds a whole JSON value: brackets outside strings balance.
fn complete(buf: &[u8]) -> bool {
    let mut depth: i64 = 0;
    let mut in_str = false;
    let mut esc = false;
    let mut seen = false;
    for &c in buf {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                seen = true;
            }
            b'}' | b']' => depth -= 1,
            _ => {}
        }
    }
    seen && depth <= 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &[u8], opts: &ReadOptions) -> (Vec<(Loc, String)>, ReadSummary) {
        let mut got = Vec::new();
        let mut summary = ReadSummary::default();
        read_stream(
            Arc::from("t.log"),
            Box::new(text),
            opts,
            &mut summary,
            &mut |l, e| got.push((l.clone(), e.verb.to_string())),
        );
        (got, summary)
    }

    const EV: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"u"}}"#;

    #[test]
    fn lines_errors_and_pretty_documents() {
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(EV).unwrap()).unwrap();
        let text = format!("{EV}\n\n{{\"kind\":\"Ev\n{EV}\r\n{pretty}\nnot json\n{EV}");
        let (got, s) = read_text(text.as_bytes(), &ReadOptions::default());
        let lines: Vec<u64> = got.iter().map(|(l, _)| l.line).collect();
        let pretty_lines = pretty.lines().count() as u64;
        assert_eq!(lines, [1, 4, 5, 6 + pretty_lines]);
        assert_eq!(s.errors.len(), 2, "{:?}", s.errors);
        assert_eq!(s.errors[0].loc.line, 3);
        assert_eq!(s.errors[1].loc.line, 5 + pretty_lines);
        assert_eq!(s.stats.events, 4);
    }

    #[test]
    fn long_lines_are_skipped() {
        let long = format!("{{\"x\":\"{}\"}}", "a".repeat(5000));
        let text = format!("{long}\n{EV}\n");
        let opts = ReadOptions {
            max_line_bytes: 1000,
            ..ReadOptions::default()
        };
        let (got, s) = read_text(text.as_bytes(), &opts);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0.line, 2);
        assert!(
            s.errors[0].message.contains("longer than the limit"),
            "{:?}",
            s.errors
        );
    }

    #[test]
    fn gzip_is_read() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        writeln!(gz, "{EV}\n{EV}").unwrap();
        let bytes = gz.finish().unwrap();
        let (got, s) = read_text(&bytes, &ReadOptions::default());
        assert_eq!(got.len(), 2);
        assert!(s.errors.is_empty());
    }
}
