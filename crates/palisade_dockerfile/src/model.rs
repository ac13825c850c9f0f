//! The Dockerfile model: what the parser produces and the rules read. Types with exact
//! positions (1-based line, column in characters) for every instruction, flag, word, heredoc
//! and shell text, plus the small queries rules need (stages, ARG scope, command forms).
//! No parsing and no I/O here (`crate::parse` builds it, `crate::expand` substitutes).

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// A position in the file: 1-based line, 1-based column counted in characters (a tab is one
/// column, a multi-byte character is one column). A UTF-8 BOM is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub fn new(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A range of the file: `start` is the first character, `end` is just after the last one
/// (same line, one column further), so an empty span has `start == end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(start: Pos, end: Pos) -> Span {
        Span { start, end }
    }
    /// An empty span at `pos`.
    pub fn at(pos: Pos) -> Span {
        Span { start: pos, end: pos }
    }
}

/// A parse error, located. The parser records it and goes on with the next instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

/// A parser directive at the top of the file (`# syntax=…`, `# escape=…`, `# check=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// The directive's name, lower-cased (`syntax`, `escape`, `check`).
    pub name: String,
    /// Its value, trimmed.
    pub value: String,
    /// The whole comment line.
    pub span: Span,
    /// The value alone.
    pub value_span: Span,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, Serialize)]
pub struct Dockerfile {
    /// The path as given to the parser (used in findings).
    pub path: Arc<str>,
    /// Parser directives, in order.
    pub directives: Vec<Directive>,
    /// The escape character: `\` by default, or `` ` `` by `# escape=`.
    pub escape: char,
    /// Every instruction in file order. ONBUILD's trigger is nested in
    /// [`Instruction::onbuild`], not listed here.
    pub instructions: Vec<Instruction>,
    /// The build stages, one per FROM, in order.
    pub stages: Vec<Stage>,
    /// Parse errors (located); the instructions around them are still parsed.
    pub errors: Vec<ParseError>,
}

/// One build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    /// 0-based position among the stages (`COPY --from=0`).
    pub index: usize,
    /// The `AS name` alias as written (BuildKit compares it case-insensitively).
    pub name: Option<String>,
    /// The base image of its FROM.
    pub base: ImageRef,
    /// Index of its FROM in [`Dockerfile::instructions`].
    pub from: usize,
    /// Indices in [`Dockerfile::instructions`] of the FROM and everything up to the next FROM.
    pub instructions: Range<usize>,
}

/// A FROM's image reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// As written (variables unexpanded).
    pub raw: String,
    /// Where `raw` is.
    pub span: Span,
    /// The registry host when the reference names one (`quay.io`, `localhost:5000`).
    /// The components below come from the reference after expanding the global ARGs' defaults.
    pub registry: Option<String>,
    /// The repository path without registry, tag or digest (`ubuntu`, `library/alpine`).
    pub repository: String,
    /// The tag, if any.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<String>,
    /// The `--platform` flag's value, if given.
    pub platform: Option<String>,
    /// `FROM scratch`.
    pub is_scratch: bool,
    /// The name or index of an earlier stage (`FROM builder`): not an image.
    pub is_stage_ref: bool,
    /// `raw` contains a variable (`$VAR`, `${VAR}`).
    pub uses_variable: bool,
}

/// The 18 Dockerfile instructions, and any other word in instruction position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// An unknown instruction, as written (the parser also records an error).
    Unknown(String),
}

impl Keyword {
    /// Every known keyword.
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// The keyword for a word, case-insensitively; `Unknown` otherwise.
    pub fn from_word(word: &str) -> Keyword {
        Keyword::ALL
            .iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
            .cloned()
            .unwrap_or_else(|| Keyword::Unknown(word.to_string()))
    }

    /// The upper-case name (`RUN`); an unknown keyword as written.
    pub fn as_str(&self) -> &str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown(w) => w,
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--name=value` flag before an instruction's arguments (`--from`, `--chown`, `--chmod`,
/// `--mount`, `--platform`, `--link`, `--network`, `--security`, `--interval`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The name without the dashes, lower-cased as BuildKit does.
    pub name: String,
    /// The value after `=`, `None` for a bare flag (`--link`).
    pub value: Option<String>,
    /// The whole flag.
    pub span: Span,
    /// The value alone (for a bare flag, an empty span after the name).
    pub value_span: Span,
}

/// One argument word: as written and with quotes removed and escapes resolved (variables are
/// not substituted: see [`crate::expand`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    pub raw: String,
    pub value: String,
    pub span: Span,
}

/// `key=value` (ENV, LABEL, ARG). The old `ENV key value` form gives one pair whose value is
/// the rest of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: Word,
    /// `None` for `ARG name` without a default.
    pub value: Option<Word>,
}

/// The text of a shell-form command (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD, ONBUILD's rest) as
/// the shell sees it: continuations removed and lines joined, comment lines inside the
/// continuation dropped. `map` locates every byte of `text` in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShellText {
    pub text: String,
    pub span: Span,
    /// Segments of `text` that are contiguous in the file: `(offset in text, position of that
    /// byte in the file)`, sorted by offset, starting at offset 0.
    pub map: Vec<(usize, Pos)>,
}

impl ShellText {
    /// The file position of the byte at `offset` in `text` (clamped to the end of `text`;
    /// an offset inside a multi-byte character counts as that character).
    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let seg = match self.map.binary_search_by(|(o, _)| o.cmp(&offset)) {
            Ok(i) => i,
            Err(0) => return self.span.start,
            Err(i) => i - 1,
        };
        let (start, pos) = self.map[seg];
        let chars = self
            .text
            .get(start..)
            .unwrap_or("")
            .char_indices()
            .take_while(|(i, _)| start + i < offset)
            .count();
        Pos::new(pos.line, pos.column + chars as u32)
    }

    /// The file position just after the character that ends before `end` (the end of a span
    /// that stops at `end`; stays on that character's line even across a continuation).
    pub fn end_pos(&self, end: usize) -> Pos {
        let end = end.min(self.text.len());
        let last = match self.text.get(..end) {
            Some(head) => head.char_indices().next_back().map(|(i, _)| i),
            None => self
                .text
                .char_indices()
                .take_while(|(i, _)| *i < end)
                .last()
                .map(|(i, _)| i),
        };
        match last {
            Some(i) => {
                let p = self.pos(i);
                Pos::new(p.line, p.column + 1)
            }
            None => self.pos(0),
        }
    }

    /// The file span of `text[range]`.
    pub fn span_of(&self, range: Range<usize>) -> Span {
        let start = self.pos(range.start);
        if range.end <= range.start {
            return Span::at(start);
        }
        Span::new(start, self.end_pos(range.end))
    }

    /// `text[range]` as its own `ShellText`, still located in the file.
    pub fn slice(&self, range: Range<usize>) -> ShellText {
        let end = range.end.min(self.text.len());
        let start = range.start.min(end);
        let mut map = vec![(0, self.pos(start))];
        map.extend(
            self.map
                .iter()
                .filter(|(o, _)| *o > start && *o < end)
                .map(|(o, p)| (o - start, *p)),
        );
        ShellText {
            text: self.text.get(start..end).unwrap_or("").to_string(),
            span: self.span_of(start..end),
            map,
        }
    }
}

/// An instruction's arguments, after its flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Args {
    /// JSON (exec) form: `["a", "b"]` (RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK CMD, ADD,
    /// COPY, VOLUME). Word values are the decoded JSON strings.
    Exec(Vec<Word>),
    /// Shell form of RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD; ONBUILD's trigger text.
    Shell(ShellText),
    /// Whitespace-separated words: FROM (`image`, `AS`, `name`), ADD/COPY sources and
    /// destination, EXPOSE, VOLUME, HEALTHCHECK NONE; USER, WORKDIR, STOPSIGNAL and MAINTAINER
    /// give one word holding the rest of the line.
    Words(Vec<Word>),
    /// ENV, LABEL, ARG.
    KeyValues(Vec<KeyValue>),
}

/// A heredoc (`<<EOF`, `<<-EOF`, `<<"EOF"`) attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter without quotes or `-`.
    pub delimiter: String,
    /// The body: lines between the instruction and the delimiter line, each ending in `\n`
    /// (leading tabs removed for `<<-`).
    pub body: String,
    /// The `<<EOF` word.
    pub span: Span,
    /// The body lines (from the first body line to the end of the last one).
    pub body_span: Span,
    /// Variables are expanded in the body (false when the delimiter is quoted).
    pub expand: bool,
    /// `<<-`: leading tabs stripped.
    pub strip_tabs: bool,
    /// Where each body line is in the file (see [`ShellText::map`]).
    #[serde(skip)]
    pub map: Vec<(usize, Pos)>,
}

impl Heredoc {
    /// The body as [`ShellText`] located in the file (one map segment per body line, exact
    /// also for `<<-`, where stripped tabs are skipped).
    pub fn text(&self) -> ShellText {
        ShellText {
            text: self.body.clone(),
            span: self.body_span,
            map: self.map.clone(),
        }
    }
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    pub keyword: Keyword,
    pub keyword_span: Span,
    /// The whole instruction including continuation lines and heredoc bodies.
    pub span: Span,
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// ONBUILD's trigger instruction.
    pub onbuild: Option<Box<Instruction>>,
    /// The stage it belongs to; `None` for ARGs before the first FROM.
    pub stage: Option<usize>,
}

/// The command of RUN, CMD, ENTRYPOINT or HEALTHCHECK: exec or shell form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form<'a> {
    Exec(&'a [Word]),
    Shell(&'a ShellText),
}

impl Instruction {
    /// Is it this keyword?
    pub fn is(&self, keyword: Keyword) -> bool {
        self.keyword == keyword
    }

    /// The flag `--name`, if given (the last one when repeated; see [`Instruction::flags_named`]).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// Every flag `--name`, in order (`--mount` may repeat).
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }

    /// Exec or shell form, for instructions that have one.
    pub fn exec_or_shell(&self) -> Option<Form<'_>> {
        match &self.args {
            Args::Exec(w) => Some(Form::Exec(w)),
            Args::Shell(s) => Some(Form::Shell(s)),
            _ => None,
        }
    }

    /// The words of `Args::Words` or `Args::Exec`, else empty.
    pub fn words(&self) -> &[Word] {
        match &self.args {
            Args::Words(w) | Args::Exec(w) => w,
            _ => &[],
        }
    }

    /// The pairs of `Args::KeyValues`, else empty.
    pub fn key_values(&self) -> &[KeyValue] {
        match &self.args {
            Args::KeyValues(kv) => kv,
            _ => &[],
        }
    }
}

/// An ARG visible at some point: its name and the default in effect (`None` without one).
pub type ArgScope = BTreeMap<String, Option<String>>;

impl Dockerfile {
    /// The last stage (what `docker build` produces without `--target`).
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage named `name` (case-insensitive, as BuildKit) or with index `name`.
    pub fn stage_by_ref(&self, name: &str) -> Option<&Stage> {
        if let Some(s) = self
            .stages
            .iter()
            .find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        {
            return Some(s);
        }
        name.parse::<usize>().ok().and_then(|i| self.stages.get(i))
    }

    /// The earlier stage a `COPY --from=…` (or `RUN --mount=…,from=…`) of instruction `ins`
    /// refers to, by name or index; `None` when it names an image (or there is no `--from`).
    pub fn source_stage(&self, ins: &Instruction) -> Option<&Stage> {
        let from = match ins.flag("from").and_then(|f| f.value.as_deref()) {
            Some(v) => v.to_string(),
            None => ins
                .flags_named("mount")
                .filter_map(|f| f.value.as_deref())
                .flat_map(|v| v.split(','))
                .find_map(|kv| kv.strip_prefix("from="))?
                .to_string(),
        };
        let current = ins.stage.unwrap_or(usize::MAX);
        self.stage_by_ref(&from).filter(|s| s.index < current)
    }

    /// The ARGs declared before the first FROM, with their defaults (the scope of FROM lines).
    pub fn global_args(&self) -> ArgScope {
        let mut scope = ArgScope::new();
        for ins in self.instructions.iter().take_while(|i| i.stage.is_none()) {
            if ins.is(Keyword::Arg) {
                declare(&mut scope, ins, &ArgScope::new(), self.escape);
            }
        }
        scope
    }

    /// The ARGs in scope at instruction `before` (an index in `instructions`) of `stage`
    /// (`None`: before the first FROM): the ARGs declared in that stage before it; an ARG
    /// without a default that re-declares a global ARG takes the global default, as in
    /// BuildKit. Defaults are expanded with the ARGs before them.
    pub fn args_in_scope(&self, stage: Option<usize>, before: usize) -> ArgScope {
        let global = self.global_args();
        let Some(stage) = stage.and_then(|s| self.stages.get(s)) else {
            let mut scope = ArgScope::new();
            for ins in self.instructions.iter().take(before) {
                if ins.stage.is_none() && ins.is(Keyword::Arg) {
                    declare(&mut scope, ins, &ArgScope::new(), self.escape);
                }
            }
            return scope;
        };
        let mut scope = ArgScope::new();
        let end = before.min(stage.instructions.end);
        for ins in self
            .instructions
            .get(stage.instructions.start..end)
            .unwrap_or(&[])
        {
            if ins.is(Keyword::Arg) {
                declare(&mut scope, ins, &global, self.escape);
            }
        }
        scope
    }

    /// The variables (ARGs with a value, then ENVs, which take precedence) visible at
    /// instruction `before` of `stage`, for [`crate::expand::expand`]. ENVs of a stage's base
    /// stage (`FROM builder`) are inherited.
    pub fn vars_in_scope(&self, stage: Option<usize>, before: usize) -> BTreeMap<String, String> {
        let mut vars: BTreeMap<String, String> = self
            .args_in_scope(stage, before)
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        if let Some(s) = stage {
            self.env_into(s, before, &mut vars, 0);
        }
        vars
    }

    fn env_into(&self, stage: usize, before: usize, vars: &mut BTreeMap<String, String>, depth: usize) {
        let Some(st) = self.stages.get(stage) else {
            return;
        };
        if st.base.is_stage_ref && depth < 64 {
            let base = self
                .stage_by_ref(&st.base.raw)
                .map(|b| b.index)
                .filter(|&b| b < stage);
            if let Some(b) = base {
                let end = self.stages[b].instructions.end;
                self.env_into(b, end, vars, depth + 1);
            }
        }
        let end = before.min(st.instructions.end);
        for ins in self.instructions.get(st.instructions.start..end).unwrap_or(&[]) {
            if ins.is(Keyword::Env) {
                for kv in ins.key_values() {
                    let value = kv.value.as_ref().map_or("", |w| &w.raw);
                    let v = crate::expand::expand_with_escape(value, self.escape, vars);
                    vars.insert(kv.key.value.clone(), v);
                }
            }
        }
    }
}

fn declare(scope: &mut ArgScope, ins: &Instruction, global: &ArgScope, escape: char) {
    for kv in ins.key_values() {
        let name = kv.key.value.clone();
        let default = match &kv.value {
            Some(v) => {
                let vars: BTreeMap<String, String> = scope
                    .iter()
                    .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                    .collect();
                Some(crate::expand::expand_with_escape(&v.raw, escape, &vars))
            }
            None => global.get(&name).cloned().flatten(),
        };
        scope.insert(name, default);
    }
}

impl Stage {
    /// The instructions of the stage, its FROM first.
    pub fn instructions<'a>(&self, file: &'a Dockerfile) -> &'a [Instruction] {
        file.instructions.get(self.instructions.clone()).unwrap_or(&[])
    }
}
