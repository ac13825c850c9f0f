//! The Dockerfile parser: text → [`Dockerfile`], following BuildKit's parser (parser
//! directives, the escape character, continuations with comment and empty lines inside, JSON
//! form detection, builder flags, heredocs, ONBUILD) and its instruction-level checks. Every
//! error is located and parsing goes on with the next instruction; nothing panics. No I/O.

use crate::expand::{expand_with_escape, has_variable, unquote};
use crate::model::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Parse `text` (the content of the Dockerfile at `path`).
pub fn parse(path: &str, text: &str) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if text.ends_with('\n') {
        // The empty "line" after the final newline is not a line.
        lines.pop();
    }
    let mut p = Parser {
        lines: &lines,
        escape: '\\',
        errors: Vec::new(),
    };
    let directives = p.directives();
    let mut instructions = p.instructions();
    let stages = build_stages(&mut instructions, p.escape, &mut p.errors);
    if stages.is_empty() {
        if let Some(first) = instructions.first() {
            p.errors.push(ParseError {
                span: first.keyword_span,
                message: "no build stage: the file has no FROM".to_string(),
            });
        }
    }
    if instructions.is_empty() && p.errors.is_empty() {
        p.errors.push(ParseError {
            span: Span::at(Pos::new(1, 1)),
            message: "file with no instructions".to_string(),
        });
    }
    p.errors.sort_by_key(|e| e.span.start);
    Dockerfile {
        path: Arc::from(path),
        directives,
        escape: p.escape,
        instructions,
        stages,
        errors: p.errors,
    }
}

struct Parser<'a> {
    lines: &'a [&'a str],
    escape: char,
    errors: Vec<ParseError>,
}

fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

fn chars(s: &str) -> u32 {
    u32::try_from(s.chars().count()).unwrap_or(u32::MAX)
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

impl Parser<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(ParseError {
            span,
            message: message.into(),
        });
    }

    /// The parser directives at the top: `# name=value` comment lines, until the first line
    /// that is not one (an instruction, an empty line, another comment, an unknown directive).
    fn directives(&mut self) -> Vec<Directive> {
        let mut out: Vec<Directive> = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let Some((name, value, value_col)) = directive(line) else {
                break;
            };
            if !matches!(name.as_str(), "syntax" | "escape" | "check") {
                break;
            }
            let n = line_no(i);
            let value_span = Span::new(Pos::new(n, value_col), Pos::new(n, value_col + chars(&value)));
            let span = Span::new(Pos::new(n, 1), Pos::new(n, chars(line) + 1));
            if out.iter().any(|d| d.name == name) {
                self.error(span, format!("only one {name} parser directive can be used"));
                continue;
            }
            if name == "escape" {
                match value.as_str() {
                    "\\" => self.escape = '\\',
                    "`" => self.escape = '`',
                    _ => self.error(
                        value_span,
                        format!("invalid escape token '{value}' does not match ` or \\"),
                    ),
                }
            }
            out.push(Directive {
                name,
                value,
                span,
                value_span,
            });
        }
        out
    }

    /// Strip the continuation (escape then spaces/tabs at the end): (content, continued).
    fn trim_continuation<'l>(&self, line: &'l str) -> (&'l str, bool) {
        let t = line.trim_end_matches([' ', '\t']);
        match t.strip_suffix(self.escape) {
            Some(c) => (c, true),
            None => (line, false),
        }
    }

    fn instructions(&mut self) -> Vec<Instruction> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.lines.len() {
            let first = self.lines[i];
            if is_comment(first) || is_blank(first) {
                i += 1;
                continue;
            }
            // The logical line: continuation lines joined, comment and empty lines skipped.
            let start_line = i;
            let indent = first.len() - first.trim_start().len();
            let (content, mut continued) = self.trim_continuation(&first[indent..]);
            let mut text = ShellText {
                text: content.to_string(),
                span: Span::default(),
                map: vec![(0, Pos::new(line_no(i), chars(&first[..indent]) + 1))],
            };
            let mut last = i;
            i += 1;
            while continued && i < self.lines.len() {
                let line = self.lines[i];
                if is_comment(line) || is_blank(line) {
                    i += 1;
                    continue;
                }
                let (content, c) = self.trim_continuation(line);
                continued = c;
                text.map.push((text.text.len(), Pos::new(line_no(i), 1)));
                text.text.push_str(content);
                last = i;
                i += 1;
            }
            text.span = Span::new(
                text.map[0].1,
                Pos::new(line_no(last), chars(self.lines[last]) + 1),
            );
            let mut ins = self.instruction(&text, 0);
            // Heredocs: the body lines follow the logical line.
            let target = match ins.onbuild.as_deref_mut() {
                Some(inner) => inner,
                None => &mut ins,
            };
            if matches!(target.keyword, Keyword::Run | Keyword::Copy | Keyword::Add)
                && !matches!(target.args, Args::Exec(_))
                && text.text.contains("<<")
            {
                let words = self.heredoc_words(&text);
                for (word_span, delimiter, expand, strip_tabs) in words {
                    let (doc, next, terminated) =
                        self.heredoc_body(i, word_span, delimiter, expand, strip_tabs);
                    if !terminated {
                        self.error(
                            word_span,
                            format!("unterminated heredoc: no line '{}' below", doc.delimiter),
                        );
                    }
                    if next > i {
                        last = next - 1;
                    }
                    i = next;
                    target.heredocs.push(doc);
                }
                if last >= start_line {
                    let end = Pos::new(line_no(last), chars(self.lines[last]) + 1);
                    target.span.end = end;
                    ins.span.end = end;
                }
            }
            out.push(ins);
        }
        out
    }

    /// The `<<EOF` words of a logical line: (span, delimiter, expand, strip_tabs).
    fn heredoc_words(&self, text: &ShellText) -> Vec<(Span, String, bool, bool)> {
        let mut out = Vec::new();
        for (a, b) in split_ranges(&text.text, self.escape, true) {
            let word = &text.text[a..b];
            let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let Some(rest) = word[digits..].strip_prefix("<<") else {
                continue;
            };
            let (strip_tabs, rest) = match rest.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            if rest.is_empty() || rest.contains('<') {
                continue;
            }
            let name = unquote(rest, '\\');
            if name.is_empty() {
                continue;
            }
            let expand = name == rest;
            out.push((text.span_of(a..b), name, expand, strip_tabs));
        }
        out
    }

    /// Read a heredoc body from line `i`: (heredoc, next line index, terminated).
    fn heredoc_body(
        &self,
        mut i: usize,
        span: Span,
        delimiter: String,
        expand: bool,
        strip_tabs: bool,
    ) -> (Heredoc, usize, bool) {
        let mut body = String::new();
        let mut map = Vec::new();
        let first = i;
        let mut terminated = false;
        while i < self.lines.len() {
            let line = self.lines[i];
            let stripped = if strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if stripped == delimiter {
                terminated = true;
                i += 1;
                break;
            }
            let tabs = chars(line) - chars(stripped);
            map.push((body.len(), Pos::new(line_no(i), tabs + 1)));
            body.push_str(stripped);
            body.push('\n');
            i += 1;
        }
        let body_end = if terminated { i - 1 } else { i };
        let body_span = if body_end > first {
            Span::new(
                Pos::new(line_no(first), 1),
                Pos::new(line_no(body_end - 1), chars(self.lines[body_end - 1]) + 1),
            )
        } else {
            Span::at(Pos::new(line_no(first), 1))
        };
        if map.is_empty() {
            map.push((0, body_span.start));
        }
        let doc = Heredoc {
            delimiter,
            body,
            span,
            body_span,
            expand,
            strip_tabs,
            map,
        };
        (doc, i, terminated)
    }

    /// One instruction from its logical line, starting at `start` (ONBUILD recurses).
    fn instruction(&mut self, text: &ShellText, depth: usize) -> Instruction {
        let t = &text.text;
        let kw_end = t.find(|c: char| c.is_whitespace()).unwrap_or(t.len());
        let keyword_span = text.span_of(0..kw_end);
        let keyword = Keyword::from_word(&t[..kw_end]);
        let (flags, rest_start) = self.flags(text, kw_end);
        let rest_end = t.trim_end().len().max(rest_start);
        let rest = text.slice(rest_start..rest_end);
        let mut ins = Instruction {
            keyword: keyword.clone(),
            keyword_span,
            span: text.span,
            flags,
            args: Args::Words(Vec::new()),
            heredocs: Vec::new(),
            onbuild: None,
            stage: None,
        };
        self.check_flags(&ins);
        let esc = self.escape;
        ins.args = match keyword {
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint => self.maybe_json(&rest),
            Keyword::Shell => {
                let args = self.maybe_json(&rest);
                if !matches!(args, Args::Exec(_)) {
                    self.error(rest.span, "SHELL requires the arguments to be in JSON form");
                }
                args
            }
            Keyword::Add | Keyword::Copy | Keyword::Volume => match self.maybe_json(&rest) {
                Args::Shell(s) => Args::Words(words(&s, esc)),
                exec => exec,
            },
            Keyword::From | Keyword::Expose => Args::Words(words(&rest, esc)),
            Keyword::User | Keyword::Workdir | Keyword::Stopsignal | Keyword::Maintainer => {
                if rest.text.is_empty() {
                    Args::Words(Vec::new())
                } else {
                    Args::Words(vec![word(&rest, 0..rest.text.len(), esc)])
                }
            }
            Keyword::Env | Keyword::Label => Args::KeyValues(self.name_values(&rest, &keyword)),
            Keyword::Arg => Args::KeyValues(self.arg_names(&rest)),
            Keyword::Healthcheck => self.healthcheck(&rest),
            Keyword::Onbuild => {
                if rest.text.is_empty() || depth > 0 {
                    if depth > 0 {
                        self.error(ins.keyword_span, "ONBUILD ONBUILD isn't allowed");
                    }
                } else {
                    let inner = self.instruction(&rest, depth + 1);
                    match inner.keyword {
                        Keyword::From | Keyword::Maintainer => self.error(
                            inner.keyword_span,
                            format!("{} isn't allowed as an ONBUILD trigger", inner.keyword),
                        ),
                        _ => {}
                    }
                    ins.onbuild = Some(Box::new(inner));
                }
                Args::Shell(rest.clone())
            }
            Keyword::Unknown(ref w) => {
                self.error(keyword_span, format!("unknown instruction: {}", w.to_uppercase()));
                Args::Shell(rest.clone())
            }
        };
        self.check_arity(&ins, &rest);
        ins
    }

    /// BuildKit's `extractBuilderFlags`: leading `--name[=value]` words (quotes removed);
    /// `--` alone ends them. Returns the flags and the offset where the arguments start.
    fn flags(&mut self, text: &ShellText, from: usize) -> (Vec<Flag>, usize) {
        let t = &text.text;
        let mut flags = Vec::new();
        let mut pos = from;
        loop {
            let ws = t[pos..].len() - t[pos..].trim_start().len();
            pos += ws;
            if !t[pos..].starts_with("--") {
                return (flags, pos);
            }
            // One flag word: up to unquoted whitespace.
            let start = pos;
            let mut word = String::new();
            let mut quote: Option<char> = None;
            let mut it = t[pos..].char_indices().peekable();
            let mut end = t.len();
            while let Some((i, c)) = it.next() {
                match quote {
                    Some(q) if c == q => quote = None,
                    None if c == '\'' || c == '"' => quote = Some(c),
                    None if c.is_whitespace() => {
                        end = pos + i;
                        break;
                    }
                    _ if c == '\\' => {
                        if let Some((_, n)) = it.next() {
                            word.push(n);
                        }
                    }
                    _ => word.push(c),
                }
            }
            pos = end;
            if word == "--" {
                return (flags, pos);
            }
            let body = &word[2..];
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            let span = text.span_of(start..end);
            let raw = &t[start..end];
            let value_span = match raw.find('=') {
                Some(eq) => text.span_of(start + eq + 1..end),
                None => Span::at(span.end),
            };
            flags.push(Flag {
                name,
                value,
                span,
                value_span,
            });
        }
    }

    fn check_flags(&mut self, ins: &Instruction) {
        let allowed: &[&str] = match ins.keyword {
            Keyword::From => &["platform"],
            Keyword::Run => &["mount", "network", "security", "device"],
            Keyword::Copy => &["from", "chown", "chmod", "link", "parents", "exclude"],
            Keyword::Add => &[
                "chown",
                "chmod",
                "link",
                "keep-git-dir",
                "checksum",
                "exclude",
                "parents",
                "unpack",
            ],
            Keyword::Healthcheck => &["interval", "timeout", "start-period", "start-interval", "retries"],
            Keyword::Unknown(_) => return,
            _ => &[],
        };
        for f in &ins.flags {
            if !allowed.contains(&f.name.as_str()) {
                self.error(f.span, format!("unknown flag: --{} for {}", f.name, ins.keyword));
            } else if f.value.is_none()
                && !matches!(f.name.as_str(), "link" | "parents" | "keep-git-dir" | "unpack")
            {
                self.error(f.span, format!("missing a value on flag: --{}", f.name));
            }
        }
    }

    /// BuildKit's `parseMaybeJSON`: a JSON array of strings is exec form; JSON that is not an
    /// array of strings is an error; anything else (including invalid JSON) is shell form.
    fn maybe_json(&mut self, rest: &ShellText) -> Args {
        if rest.text.starts_with('[') {
            if let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(&rest.text) {
                if values.iter().all(|v| v.is_string()) {
                    let ranges = json_string_ranges(&rest.text);
                    let words = values
                        .iter()
                        .zip(ranges)
                        .map(|(v, r)| Word {
                            raw: rest.text[r.clone()].to_string(),
                            value: v.as_str().unwrap_or_default().to_string(),
                            span: rest.span_of(r),
                        })
                        .collect();
                    return Args::Exec(words);
                }
                self.error(rest.span, "the JSON array must hold only strings");
            }
        }
        Args::Shell(rest.clone())
    }

    /// ENV and LABEL: `k=v k2="v 2"` or the old `k v…` form.
    fn name_values(&mut self, rest: &ShellText, keyword: &Keyword) -> Vec<KeyValue> {
        let ranges = split_ranges(&rest.text, self.escape, true);
        let Some(&(a0, b0)) = ranges.first() else {
            return Vec::new();
        };
        let esc = self.escape;
        if !rest.text[a0..b0].contains('=') {
            // Old form: NAME VALUE (the value is the rest of the line).
            let Some(&(a1, _)) = ranges.get(1) else {
                self.error(rest.span, format!("{keyword} must have two arguments"));
                return vec![KeyValue {
                    key: word(rest, a0..b0, esc),
                    value: None,
                }];
            };
            return vec![KeyValue {
                key: word(rest, a0..b0, esc),
                value: Some(word(rest, a1..rest.text.len(), esc)),
            }];
        }
        let mut out = Vec::new();
        for (a, b) in ranges {
            let w = &rest.text[a..b];
            match w.find('=') {
                Some(eq) => out.push(KeyValue {
                    key: word(rest, a..a + eq, esc),
                    value: Some(word(rest, a + eq + 1..b, esc)),
                }),
                None => {
                    self.error(
                        rest.span_of(a..b),
                        format!("syntax error - can't find = in {w:?}; must be of the form: name=value"),
                    );
                }
            }
        }
        out
    }

    /// ARG: `name` or `name=default`, several allowed.
    fn arg_names(&mut self, rest: &ShellText) -> Vec<KeyValue> {
        let esc = self.escape;
        split_ranges(&rest.text, esc, true)
            .into_iter()
            .map(|(a, b)| match rest.text[a..b].find('=') {
                Some(eq) => KeyValue {
                    key: word(rest, a..a + eq, esc),
                    value: Some(word(rest, a + eq + 1..b, esc)),
                },
                None => KeyValue {
                    key: word(rest, a..b, esc),
                    value: None,
                },
            })
            .collect()
    }

    /// HEALTHCHECK NONE, or HEALTHCHECK [flags] CMD exec-or-shell.
    fn healthcheck(&mut self, rest: &ShellText) -> Args {
        let t = &rest.text;
        let end = t.find(|c: char| c.is_whitespace()).unwrap_or(t.len());
        let typ = &t[..end];
        if typ.eq_ignore_ascii_case("CMD") {
            let ws = t[end..].len() - t[end..].trim_start().len();
            let cmd = rest.slice(end + ws..t.len());
            if cmd.text.is_empty() {
                self.error(rest.span, "missing command after HEALTHCHECK CMD");
            }
            return self.maybe_json(&cmd);
        }
        if typ.eq_ignore_ascii_case("NONE") {
            if end < t.len() {
                self.error(rest.span, "HEALTHCHECK NONE takes no arguments");
            }
        } else if !typ.is_empty() {
            self.error(
                rest.span_of(0..end),
                format!("unknown type {typ:?} in HEALTHCHECK (try CMD)"),
            );
        }
        Args::Words(words(rest, self.escape))
    }

    fn check_arity(&mut self, ins: &Instruction, rest: &ShellText) {
        let n = match &ins.args {
            Args::Exec(w) | Args::Words(w) => w.len(),
            Args::KeyValues(kv) => kv.len(),
            Args::Shell(s) => usize::from(!s.text.is_empty()),
        };
        let span = if rest.text.is_empty() {
            ins.keyword_span
        } else {
            rest.span
        };
        let k = &ins.keyword;
        match k {
            Keyword::From if n != 1 && n != 3 => {
                self.error(span, "FROM requires either one or three arguments")
            }
            Keyword::From if n == 3 && !ins.words()[1].value.eq_ignore_ascii_case("as") => {
                self.error(ins.words()[1].span, "FROM's second argument must be AS")
            }
            Keyword::Add | Keyword::Copy if n < 2 && ins.heredocs.is_empty() => {
                // Heredocs are attached later; `COPY <<EOF /dst` has two words anyway.
                self.error(span, format!("{k} requires at least two arguments"))
            }
            Keyword::Env | Keyword::Label | Keyword::Arg | Keyword::Expose | Keyword::Volume if n == 0 => {
                self.error(span, format!("{k} requires at least one argument"))
            }
            Keyword::User | Keyword::Workdir | Keyword::Stopsignal | Keyword::Maintainer if n == 0 => {
                self.error(span, format!("{k} requires exactly one argument"))
            }
            Keyword::Healthcheck | Keyword::Onbuild | Keyword::Run if n == 0 => {
                self.error(span, format!("{k} requires at least one argument"))
            }
            _ => {}
        }
    }
}

/// `# name = value` → (lower-cased name, value, 1-based column of the value).
fn directive(line: &str) -> Option<(String, String, u32)> {
    let rest = line.strip_prefix('#')?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after = rest[name_len..].trim_start_matches([' ', '\t']);
    let value_raw = after.strip_prefix('=')?.trim_start_matches([' ', '\t']);
    let value = value_raw.trim_end_matches([' ', '\t']);
    if value.is_empty() {
        return None;
    }
    let col = chars(line) - chars(value_raw) + 1;
    Some((name.to_ascii_lowercase(), value.to_string(), col))
}

/// Byte ranges of whitespace-separated words; with `quotes`, quotes and the escape character
/// keep whitespace inside a word (BuildKit's `parseWords`).
fn split_ranges(t: &str, escape: char, quotes: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in t.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(i);
        }
        if quotes && c == escape && quote != Some('\'') {
            escaped = true;
        } else if quotes && quote.is_some() {
            if Some(c) == quote {
                quote = None;
            }
        } else if quotes && (c == '"' || c == '\'') {
            quote = Some(c);
        } else if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
        }
    }
    if let Some(s) = start {
        out.push((s, t.len()));
    }
    out
}

fn word(text: &ShellText, r: std::ops::Range<usize>, escape: char) -> Word {
    let raw = text.text.get(r.clone()).unwrap_or("").to_string();
    Word {
        value: unquote(&raw, escape),
        raw,
        span: text.span_of(r),
    }
}

fn words(text: &ShellText, escape: char) -> Vec<Word> {
    split_ranges(&text.text, escape, true)
        .into_iter()
        .map(|(a, b)| word(text, a..b, escape))
        .collect()
}

/// Byte ranges (quotes included) of the string tokens of a JSON text.
fn json_string_ranges(t: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut it = t.char_indices();
    while let Some((i, c)) = it.next() {
        if c != '"' {
            continue;
        }
        let mut end = t.len();
        while let Some((j, d)) = it.next() {
            if d == '\\' {
                it.next();
            } else if d == '"' {
                end = j + 1;
                break;
            }
        }
        out.push(i..end);
    }
    out
}

/// Stages from the FROMs; each instruction's `stage`; instructions before the first FROM
/// other than ARG are errors (BuildKit: "no build stage in current context").
fn build_stages(instructions: &mut [Instruction], escape: char, errors: &mut Vec<ParseError>) -> Vec<Stage> {
    let mut globals: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    let total = instructions.len();
    for (i, ins) in instructions.iter_mut().enumerate() {
        if ins.is(Keyword::From) {
            if let Some(prev) = stages.last_mut() {
                prev.instructions.end = i;
            }
            let index = stages.len();
            let w = ins.words();
            let name = (w.len() == 3).then(|| w[2].value.clone());
            let base = image_ref(ins, &globals, escape, &stages);
            stages.push(Stage {
                index,
                name,
                base,
                from: i,
                instructions: i..total,
            });
        }
        ins.stage = stages.len().checked_sub(1);
        if ins.stage.is_none() {
            if ins.is(Keyword::Arg) {
                for kv in ins.key_values() {
                    let v = kv
                        .value
                        .as_ref()
                        .map_or(String::new(), |v| expand_with_escape(&v.raw, escape, &globals));
                    globals.insert(kv.key.value.clone(), v);
                }
            } else if !matches!(ins.keyword, Keyword::Unknown(_)) {
                errors.push(ParseError {
                    span: ins.keyword_span,
                    message: format!(
                        "{} before the first FROM: no build stage in current context",
                        ins.keyword
                    ),
                });
            }
        }
    }
    stages
}

fn image_ref(
    ins: &Instruction,
    globals: &BTreeMap<String, String>,
    escape: char,
    stages: &[Stage],
) -> ImageRef {
    let platform = ins.flag("platform").and_then(|f| f.value.clone());
    let Some(first) = ins.words().first() else {
        return ImageRef {
            raw: String::new(),
            span: ins.keyword_span,
            registry: None,
            repository: String::new(),
            tag: None,
            digest: None,
            platform,
            is_scratch: false,
            is_stage_ref: false,
            uses_variable: false,
        };
    };
    let uses_variable = has_variable(&first.raw, escape);
    let name = expand_with_escape(&first.raw, escape, globals);
    let is_stage_ref = stages
        .iter()
        .any(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&name)));
    let (rest, digest) = match name.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (name.as_str(), None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match rest[last_slash..].rfind(':') {
        Some(c) => (
            &rest[..last_slash + c],
            Some(rest[last_slash + c + 1..].to_string()),
        ),
        None => (rest, None),
    };
    let (registry, repository) = match path.split_once('/') {
        Some((host, repo)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            (Some(host.to_string()), repo.to_string())
        }
        _ => (None, path.to_string()),
    };
    ImageRef {
        raw: first.raw.clone(),
        span: first.span,
        registry,
        is_scratch: !is_stage_ref && name.eq_ignore_ascii_case("scratch"),
        repository,
        tag,
        digest,
        platform,
        is_stage_ref,
        uses_variable,
    }
}
