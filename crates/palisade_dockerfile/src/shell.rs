//! RUN scripts through a real shell parser (brush-parser): an instruction's shell text,
//! heredoc bodies and `sh -c` / `bash -c` scripts are flattened into the simple commands they
//! run, in order, each word located in the Dockerfile. A shell syntax error is a located
//! [`ParseError`] and gives no commands. Pure: no I/O.

use crate::expand::unquote;
use crate::model::*;
use brush_parser::ast;
use serde::Serialize;

/// What joins a command to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Connector {
    /// The first command of the script.
    First,
    /// `a && b`
    And,
    /// `a || b`
    Or,
    /// `a; b` or a new line.
    Seq,
    /// `a & b`
    Async,
    /// `a | b`
    Pipe,
}

/// One simple command of a RUN script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// The command word (`apt-get`, `/usr/bin/curl`); `value` has quotes removed.
    pub name: Word,
    /// The arguments, redirections and assignments left out.
    pub args: Vec<Word>,
    /// From the command word to the end of its last argument.
    pub span: Span,
    pub connector: Connector,
    /// Inside `( … )`.
    pub in_subshell: bool,
    /// The shell that ran it from a script argument or heredoc (`sh -c`, `bash -c`, `bash`
    /// with a heredoc on stdin), `None` when it is in the RUN text itself.
    pub via: Option<String>,
    /// It comes from a heredoc body.
    pub heredoc: bool,
}

impl Command {
    /// The command's base name (`/usr/bin/apt-get` → `apt-get`).
    pub fn program(&self) -> &str {
        let v = self.name.value.as_str();
        v.rsplit('/').next().unwrap_or(v)
    }

    /// Is the program `name`?
    pub fn is(&self, name: &str) -> bool {
        self.program() == name
    }

    /// Is `flag` among the arguments (exactly, or as a letter of a short-option cluster like
    /// `-qy` when `flag` is `-y`)?
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args.iter().any(|a| {
            let v = a.value.as_str();
            v == flag
                || (flag.len() == 2
                    && flag.starts_with('-')
                    && !flag.starts_with("--")
                    && v.starts_with('-')
                    && !v.starts_with("--")
                    && v[1..].contains(&flag[1..]))
        })
    }
}

/// The commands of a script and its syntax errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Script {
    pub commands: Vec<Command>,
    pub errors: Vec<ParseError>,
}

thread_local! {
    static IN_SHELL_PARSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while brush-parser runs on this thread. brush-parser 0.4 can panic on some malformed
/// scripts (an `unwrap` in its tokenizer); [`script`] contains such a panic and reports a
/// located error instead. A panic hook can use this to tell those panics from others (the
/// fuzz target does).
pub fn in_shell_parser() -> bool {
    IN_SHELL_PARSER.with(|c| c.get())
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

/// The simple commands a RUN (or ONBUILD RUN) runs, flattened in order. Empty on a shell
/// syntax error (see [`script`]) and for other instructions.
pub fn commands(ins: &Instruction) -> Vec<Command> {
    script(ins).commands
}

/// The commands of a RUN instruction and the shell syntax errors found in it.
pub fn script(ins: &Instruction) -> Script {
    let ins = match &ins.onbuild {
        Some(inner) => inner,
        None => ins,
    };
    let mut out = Script::default();
    if !ins.is(Keyword::Run) {
        return out;
    }
    match &ins.args {
        Args::Exec(words) => exec_command(words, &mut out),
        Args::Shell(text) => {
            let with_heredocs = heredoc_only(text, &ins.heredocs);
            if with_heredocs {
                // `RUN <<EOF`: each body is a script.
                for doc in &ins.heredocs {
                    if let Some(interp) = shebang(&doc.body) {
                        if !SHELLS.contains(&interp.as_str()) {
                            continue;
                        }
                    }
                    let text = doc.text();
                    parse_into(&text, Ctx::heredoc(None), &mut out);
                }
            } else {
                let full = join_heredocs(text, &ins.heredocs);
                parse_into(&full, Ctx::top(), &mut out);
                // `bash <<EOF`: the body is the shell's script.
                for doc in &ins.heredocs {
                    let shell = out.commands.iter().find(|c| {
                        SHELLS.contains(&c.program())
                            && !c.has_flag("-c")
                            && c.args.iter().all(|a| a.value.starts_with('-'))
                            && c.span.start.line == doc.span.start.line
                    });
                    if let Some(sh) = shell {
                        let via = sh.program().to_string();
                        parse_into(&doc.text(), Ctx::heredoc(Some(via)), &mut out);
                    }
                }
            }
        }
        _ => {}
    }
    if !out.errors.is_empty() {
        out.commands.clear();
    }
    out
}

/// Shell syntax errors of every RUN of the file (ONBUILD RUN included).
pub fn check(file: &Dockerfile) -> Vec<ParseError> {
    file.instructions.iter().flat_map(|i| script(i).errors).collect()
}

/// Is the text nothing but heredoc words (`RUN <<EOF`, `RUN <<A <<B`)?
fn heredoc_only(text: &ShellText, docs: &[Heredoc]) -> bool {
    !docs.is_empty()
        && text.text.split_whitespace().all(|w| {
            w.trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with("<<")
        })
}

fn shebang(body: &str) -> Option<String> {
    let first = body.lines().next()?.strip_prefix("#!")?;
    let mut parts = first.split_whitespace();
    let prog = parts.next()?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    if base == "env" {
        parts.find(|p| !p.starts_with('-')).map(str::to_string)
    } else {
        Some(base.to_string())
    }
}

/// The RUN text followed by its heredoc bodies and delimiters, as the shell sees it.
fn join_heredocs(text: &ShellText, docs: &[Heredoc]) -> ShellText {
    let mut full = text.clone();
    for doc in docs {
        full.text.push('\n');
        for (o, p) in &doc.map {
            full.map.push((full.text.len() + o, *p));
        }
        full.text.push_str(&doc.body);
        // Every character of the delimiter line is located at the start of the `<<EOF` word
        // (an unterminated heredoc has no such line; the word may be shorter than the rest of
        // its line or span lines).
        for c in doc.delimiter.chars() {
            full.map.push((full.text.len(), doc.span.start));
            full.text.push(c);
        }
    }
    full.text.push('\n');
    full
}

#[derive(Clone)]
struct Ctx {
    in_subshell: bool,
    via: Option<String>,
    heredoc: bool,
    depth: usize,
}

impl Ctx {
    fn top() -> Ctx {
        Ctx {
            in_subshell: false,
            via: None,
            heredoc: false,
            depth: 0,
        }
    }
    fn heredoc(via: Option<String>) -> Ctx {
        Ctx {
            heredoc: true,
            via,
            ..Ctx::top()
        }
    }
}

struct Walker<'a> {
    text: &'a ShellText,
    /// Byte offset of each line start of `text.text`.
    line_starts: Vec<usize>,
    ctx: Ctx,
    out: &'a mut Script,
}

/// Parse `text` as a shell script and append its commands (and `sh -c` scripts) to `out`.
fn parse_into(text: &ShellText, ctx: Ctx, out: &mut Script) {
    let options = brush_parser::ParserOptions::default();
    let src = text.text.clone();
    IN_SHELL_PARSER.with(|c| c.set(true));
    let parsed = std::panic::catch_unwind(move || {
        let mut parser = brush_parser::Parser::new(src.as_bytes(), &options);
        parser.parse_program().map_err(|e| {
            let pos = match &e {
                brush_parser::ParseError::ParsingNear(p) => Some((p.line, p.column)),
                brush_parser::ParseError::Tokenizing { position, .. } => {
                    position.as_ref().map(|p| (p.line, p.column))
                }
                brush_parser::ParseError::ParsingAtEndOfInput => None,
            };
            (e.to_string(), pos)
        })
    });
    IN_SHELL_PARSER.with(|c| c.set(false));
    let mut w = Walker {
        line_starts: std::iter::once(0)
            .chain(text.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        text,
        ctx,
        out,
    };
    match parsed {
        Ok(Ok(program)) => {
            let mut first = true;
            for cc in &program.complete_commands {
                w.list(cc, &mut first, Connector::Seq);
            }
        }
        Ok(Err((message, pos))) => {
            let at = match pos {
                // Never past the script's last character (the parser may point after the
                // newline appended to the RUN text, which is not in the file).
                Some((l, c)) => w.text.pos(w.offset(l, c).min(w.text.text.trim_end().len())),
                None => w.text.pos(w.text.text.trim_end().len()),
            };
            w.out.errors.push(ParseError {
                span: Span::at(at),
                message: format!("shell syntax error: {message}"),
            });
        }
        Err(_) => w.out.errors.push(ParseError {
            span: text.span,
            message: "shell syntax error: the shell parser failed on this script".to_string(),
        }),
    }
}

impl Walker<'_> {
    /// Byte offset of a brush (1-based line, 1-based character column) position.
    fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.text.len();
        };
        let rest = self.text.text.get(start..).unwrap_or("");
        start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(rest.len(), |(i, _)| i)
    }

    fn word(&self, w: &ast::Word) -> Word {
        let span = match self.word_range(w) {
            Some(r) => self.text.span_of(r),
            None => self.text.span,
        };
        Word {
            value: unquote(&w.value, '\\'),
            raw: w.value.clone(),
            span,
        }
    }

    /// The word's byte range in the script, without trailing newlines (a word ending in a
    /// shell line continuation, or at the newline appended to the RUN text, ends on its line).
    fn word_range(&self, w: &ast::Word) -> Option<std::ops::Range<usize>> {
        let loc = w.loc.as_ref()?;
        let a = self.offset(loc.start.line, loc.start.column);
        let b = self.offset(loc.end.line, loc.end.column).max(a);
        let trimmed = self.text.text.get(a..b)?.trim_end_matches('\n').len();
        Some(a..a + trimmed)
    }

    fn list(&mut self, list: &ast::CompoundList, first: &mut bool, mut conn: Connector) {
        for ast::CompoundListItem(and_or, sep) in &list.0 {
            self.pipeline(&and_or.first, first, conn);
            for next in &and_or.additional {
                match next {
                    ast::AndOr::And(p) => self.pipeline(p, first, Connector::And),
                    ast::AndOr::Or(p) => self.pipeline(p, first, Connector::Or),
                }
            }
            conn = match sep {
                ast::SeparatorOperator::Async => Connector::Async,
                ast::SeparatorOperator::Sequence => Connector::Seq,
            };
        }
    }

    fn pipeline(&mut self, p: &ast::Pipeline, first: &mut bool, conn: Connector) {
        for (i, cmd) in p.seq.iter().enumerate() {
            let c = if i == 0 { conn } else { Connector::Pipe };
            self.command(cmd, first, c);
        }
    }

    fn command(&mut self, cmd: &ast::Command, first: &mut bool, conn: Connector) {
        match cmd {
            ast::Command::Simple(s) => self.simple(s, first, conn),
            ast::Command::Compound(c, _) => self.compound(c, first, conn),
            ast::Command::Function(f) => self.compound(&f.body.0, first, conn),
            ast::Command::ExtendedTest(..) => {}
        }
    }

    fn compound(&mut self, c: &ast::CompoundCommand, first: &mut bool, conn: Connector) {
        match c {
            ast::CompoundCommand::BraceGroup(b) => self.list(&b.list, first, conn),
            ast::CompoundCommand::Subshell(s) => {
                let outer = self.ctx.in_subshell;
                self.ctx.in_subshell = true;
                self.list(&s.list, first, conn);
                self.ctx.in_subshell = outer;
            }
            ast::CompoundCommand::ForClause(f) => self.list(&f.body.list, first, conn),
            ast::CompoundCommand::ArithmeticForClause(f) => self.list(&f.body.list, first, conn),
            ast::CompoundCommand::CaseClause(c) => {
                let mut conn = conn;
                for item in &c.cases {
                    if let Some(body) = &item.cmd {
                        self.list(body, first, conn);
                        conn = Connector::Seq;
                    }
                }
            }
            ast::CompoundCommand::IfClause(i) => {
                self.list(&i.condition, first, conn);
                self.list(&i.then, first, Connector::And);
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.list(cond, first, Connector::Or);
                    }
                    self.list(&e.body, first, Connector::Or);
                }
            }
            ast::CompoundCommand::WhileClause(w) | ast::CompoundCommand::UntilClause(w) => {
                self.list(&w.0, first, conn);
                self.list(&w.1.list, first, Connector::And);
            }
            ast::CompoundCommand::Coprocess(c) => self.command(&c.body, first, conn),
            ast::CompoundCommand::Arithmetic(_) => {}
        }
    }

    fn simple(&mut self, s: &ast::SimpleCommand, first: &mut bool, conn: Connector) {
        let Some(name) = &s.word_or_name else {
            return;
        };
        let mut args = Vec::new();
        let mut ranges = Vec::new();
        for item in s.suffix.iter().flat_map(|x| x.0.iter()) {
            // After the command name, `a=b` is an argument (brush marks it as an assignment
            // for declaration builtins).
            if let ast::CommandPrefixOrSuffixItem::Word(w)
            | ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) = item
            {
                args.push(self.word(w));
                ranges.push(self.word_range(w));
            }
        }
        let name_word = self.word(name);
        let end = args.last().map_or(name_word.span.end, |a| a.span.end);
        let connector = if *first { Connector::First } else { conn };
        *first = false;
        let cmd = Command {
            span: Span::new(name_word.span.start, end),
            name: name_word,
            args,
            connector,
            in_subshell: self.ctx.in_subshell,
            via: self.ctx.via.clone(),
            heredoc: self.ctx.heredoc,
        };
        let nested = self.dash_c(&cmd, &ranges);
        self.out.commands.push(cmd);
        if let Some((script, via)) = nested {
            if self.ctx.depth < 8 {
                let ctx = Ctx {
                    in_subshell: false,
                    via: Some(via),
                    heredoc: self.ctx.heredoc,
                    depth: self.ctx.depth + 1,
                };
                parse_into(&script, ctx, self.out);
            }
        }
    }

    /// For `sh -c 'script'`: the script, located, and the wrapper's description.
    fn dash_c(
        &self,
        cmd: &Command,
        ranges: &[Option<std::ops::Range<usize>>],
    ) -> Option<(ShellText, String)> {
        let i = dash_c_index(cmd)?;
        let arg = &cmd.args[i];
        let range = ranges.get(i)?.clone()?;
        Some((
            located_value(self.text, range, &arg.raw),
            format!("{} -c", cmd.program()),
        ))
    }
}

/// The index in `args` of the script of a `sh -c SCRIPT` command.
fn dash_c_index(cmd: &Command) -> Option<usize> {
    if !SHELLS.contains(&cmd.program()) {
        return None;
    }
    let mut seen_c = false;
    for (i, a) in cmd.args.iter().enumerate() {
        let v = a.value.as_str();
        if v.starts_with('-') && !v.starts_with("--") && v.len() > 1 {
            if v[1..].contains('c') {
                seen_c = true;
            }
            continue;
        }
        if v.starts_with("--") {
            continue;
        }
        return seen_c.then_some(i);
    }
    None
}

/// The unquoted value of the shell word at `range` of `text`, with each character located
/// at the character it came from.
fn located_value(text: &ShellText, range: std::ops::Range<usize>, raw: &str) -> ShellText {
    let mut value = String::new();
    let mut map = Vec::new();
    let mut quote: Option<char> = None;
    let mut it = raw.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let (src, ch) = match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                continue;
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                continue;
            }
            (Some('\''), c) => (i, c),
            (_, '\\') => match it.peek().copied() {
                Some((j, n)) if quote.is_none() || matches!(n, '"' | '\\' | '$' | '`') => {
                    it.next();
                    (j, n)
                }
                Some((_, '\n')) => {
                    it.next();
                    continue;
                }
                _ => (i, c),
            },
            (_, c) => (i, c),
        };
        map.push((value.len(), text.pos(range.start + src)));
        value.push(ch);
    }
    if map.is_empty() {
        map.push((0, text.pos(range.start)));
    }
    ShellText {
        span: text.span_of(range),
        text: value,
        map,
    }
}

/// `RUN ["sh", "-c", "…"]` and other exec forms: one command, and the `-c` script's.
fn exec_command(words: &[Word], out: &mut Script) {
    let Some((name, args)) = words.split_first() else {
        return;
    };
    let cmd = Command {
        name: name.clone(),
        args: args.to_vec(),
        span: Span::new(name.span.start, args.last().map_or(name.span.end, |a| a.span.end)),
        connector: Connector::First,
        in_subshell: false,
        via: None,
        heredoc: false,
    };
    let nested = dash_c_index(&cmd).map(|i| {
        let w = &cmd.args[i];
        // The JSON string's characters are where they are written when nothing is escaped.
        let inner = w.raw.get(1..w.raw.len().saturating_sub(1)).unwrap_or("");
        let map = if inner == w.value {
            w.value
                .char_indices()
                .map(|(o, _)| {
                    let col = u32::try_from(w.value[..o].chars().count()).unwrap_or(0);
                    (o, Pos::new(w.span.start.line, w.span.start.column + 1 + col))
                })
                .collect()
        } else {
            vec![(0, w.span.start)]
        };
        let map = if w.span.start.line == w.span.end.line && !map.is_empty() {
            map
        } else {
            vec![(0, w.span.start)]
        };
        (
            ShellText {
                text: w.value.clone(),
                span: w.span,
                map,
            },
            format!("{} -c", cmd.program()),
        )
    });
    out.commands.push(cmd);
    if let Some((text, via)) = nested {
        parse_into(
            &text,
            Ctx {
                via: Some(via),
                ..Ctx::top()
            },
            out,
        );
    }
}
