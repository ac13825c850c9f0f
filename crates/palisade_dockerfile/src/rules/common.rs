//! What several rules share: the simple commands of every RUN (from the parser's shell
//! analysis) with the wrappers (`sudo`, `env`, `nice`, …) seen through, the package-manager
//! invocations found in them (apt-get/apt, apk, yum/dnf/microdnf, zypper, pip, npm, gem), and
//! the stages that end up in the final image. Pure functions of the parsed file.

use crate::model::{Dockerfile, Instruction, Keyword, Span};
use std::collections::BTreeSet;

/// One word of a command: as written, with quotes removed, and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct CmdWord {
    pub raw: String,
    pub value: String,
    pub span: Span,
}

/// A simple command of a RUN (`apt-get install -y curl`), in the order the shell would run
/// them.
#[derive(Clone, Debug, PartialEq)]
pub struct Cmd {
    /// Index of the RUN in [`Dockerfile::instructions`].
    pub ins: usize,
    /// The stage of that RUN.
    pub stage: Option<usize>,
    /// `NAME=value` words before the command.
    pub assignments: Vec<CmdWord>,
    /// The command name and its arguments, as written (wrappers included).
    pub words: Vec<CmdWord>,
    /// Commands with the same number are in one pipeline (`curl … | sh`).
    pub pipeline: usize,
    /// The position in that pipeline (0 for the first command).
    pub pipe_pos: usize,
}

impl Cmd {
    /// The command's span: from its first word to its last.
    pub fn span(&self) -> Span {
        let first = self.assignments.first().or(self.words.first());
        match (first, self.words.last().or(self.assignments.last())) {
            (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
            _ => Span::default(),
        }
    }

    /// The words from the real program on: wrappers (`sudo`, `env VAR=x`, `nice`, `nohup`,
    /// `time`, `exec`, `command`, `xargs`, `stdbuf`, `timeout N`) and their options skipped.
    pub fn argv(&self) -> &[CmdWord] {
        let mut w = &self.words[..];
        loop {
            let Some(first) = w.first() else { return w };
            let prog = basename(&first.value);
            let takes_value: &[&str] = match prog {
                "sudo" => &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U"],
                "env" => &["-u", "-C", "-S"],
                "nice" => &["-n"],
                "timeout" => &["-s", "-k"],
                "xargs" => &["-I", "-n", "-P", "-d", "-a", "-E", "-L", "-s"],
                "nohup" | "time" | "exec" | "command" | "stdbuf" | "tini" | "gosu" | "su-exec" => &[],
                _ => return w,
            };
            let mut i = 1;
            while let Some(a) = w.get(i) {
                let v = a.value.as_str();
                if v == "--" {
                    i += 1;
                    break;
                }
                if prog == "env" && v.contains('=') && !v.starts_with('-') {
                    i += 1;
                } else if v.starts_with('-') {
                    i += if takes_value.contains(&v) { 2 } else { 1 };
                } else if prog == "timeout" && v.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                    break;
                } else if matches!(prog, "gosu" | "su-exec") {
                    // `gosu USER cmd…`
                    i += 1;
                    break;
                } else {
                    break;
                }
            }
            w = w.get(i..).unwrap_or(&[]);
        }
    }

    /// The real program's name without its directory (`/usr/bin/apt-get` → `apt-get`).
    pub fn program(&self) -> Option<&str> {
        self.argv().first().map(|w| basename(&w.value))
    }

    /// The real program's arguments.
    pub fn args(&self) -> &[CmdWord] {
        self.argv().get(1..).unwrap_or(&[])
    }

    /// Whether an argument equals one of `names` (`-y`, `--no-cache`), or is a short-option
    /// cluster containing `short` (`-qy` contains `y`).
    pub fn has_option(&self, names: &[&str]) -> Option<&CmdWord> {
        self.args().iter().find(|a| {
            names.iter().any(|n| {
                a.value == *n
                    || (n.starts_with("--") && a.value.starts_with(&format!("{n}=")))
                    || (n.len() == 2
                        && n.starts_with('-')
                        && !n.starts_with("--")
                        && a.value.starts_with('-')
                        && !a.value.starts_with("--")
                        && a.value.len() > 2
                        && a.value[1..].chars().all(|c| c.is_ascii_alphabetic())
                        && a.value[1..].contains(&n[1..]))
            })
        })
    }
}

/// `/usr/bin/apt-get` → `apt-get`.
pub fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The commands of every RUN of a file, computed once per lint.
#[derive(Debug, Default)]
pub struct Scripts {
    pub cmds: Vec<Cmd>,
}

impl Scripts {
    pub fn of(file: &Dockerfile) -> Scripts {
        let mut cmds = Vec::new();
        let mut pipeline = 0;
        for (i, ins) in file.instructions.iter().enumerate() {
            if ins.is(Keyword::Run) {
                crate::rules::common::commands_of(file, ins, i, &mut pipeline, &mut cmds);
            }
        }
        Scripts { cmds }
    }

    /// The commands of instruction `ins`.
    pub fn of_ins(&self, ins: usize) -> impl Iterator<Item = &Cmd> + '_ {
        self.cmds.iter().filter(move |c| c.ins == ins)
    }

    /// The commands of stage `stage`.
    pub fn of_stage(&self, stage: usize) -> impl Iterator<Item = &Cmd> + '_ {
        self.cmds.iter().filter(move |c| c.stage == Some(stage))
    }
}

/// The stages whose file system ends up in the final image: the final stage and the stages
/// it is built `FROM` (transitively). Caches left in a builder stage do not ship.
pub fn shipped_stages(file: &Dockerfile) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut cur = file.final_stage().map(|s| s.index);
    while let Some(i) = cur {
        if !out.insert(i) {
            break;
        }
        let st = &file.stages[i];
        cur = if st.base.is_stage_ref {
            file.stage_by_ref(&st.base.raw)
                .map(|b| b.index)
                .filter(|&b| b < i)
        } else {
            None
        };
    }
    out
}

/// The first word of an instruction's arguments (or its keyword when it has none).
pub fn first_arg_span(ins: &Instruction) -> Span {
    ins.words().first().map_or(ins.keyword_span, |w| w.span)
}

/// A package-manager invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manager {
    Apt,
    Apk,
    Yum,
    Dnf,
    Microdnf,
    Zypper,
    Pip,
    Npm,
    Gem,
}

impl Manager {
    pub fn name(self) -> &'static str {
        match self {
            Manager::Apt => "apt-get",
            Manager::Apk => "apk",
            Manager::Yum => "yum",
            Manager::Dnf => "dnf",
            Manager::Microdnf => "microdnf",
            Manager::Zypper => "zypper",
            Manager::Pip => "pip",
            Manager::Npm => "npm",
            Manager::Gem => "gem",
        }
    }
    /// The system package managers (whose packages land in the image's root file system).
    pub fn is_system(self) -> bool {
        !matches!(self, Manager::Pip | Manager::Npm | Manager::Gem)
    }
}

/// A package-manager command: which manager, its subcommand word, and the words after it.
#[derive(Clone, Debug)]
pub struct PkgCmd<'a> {
    pub manager: Manager,
    pub cmd: &'a Cmd,
    pub sub: &'a CmdWord,
    /// The words after the subcommand.
    pub rest: &'a [CmdWord],
}

impl<'a> PkgCmd<'a> {
    pub fn sub_is(&self, names: &[&str]) -> bool {
        names.contains(&self.sub.value.as_str())
    }
    /// Whether it installs packages.
    pub fn is_install(&self) -> bool {
        match self.manager {
            Manager::Apt | Manager::Yum | Manager::Dnf | Manager::Microdnf | Manager::Pip | Manager::Gem => {
                self.sub_is(&["install"])
            }
            Manager::Zypper => self.sub_is(&["install", "in"]),
            Manager::Apk => self.sub_is(&["add"]),
            Manager::Npm => self.sub_is(&[
                "install", "i", "add", "isntall", "in", "ins", "inst", "insta", "instal",
            ]),
        }
    }
    /// The package arguments of an install (options and their values skipped).
    pub fn packages(&self) -> Vec<&'a CmdWord> {
        let with_value: &[&str] = match self.manager {
            Manager::Apt => &["-o", "-t", "--target-release", "-c", "--config-file"],
            Manager::Apk => &[
                "-t",
                "--virtual",
                "-X",
                "--repository",
                "--root",
                "-p",
                "--arch",
                "--repositories-file",
                "--cache-dir",
                "--keys-dir",
            ],
            Manager::Yum | Manager::Dnf | Manager::Microdnf => &[
                "--setopt",
                "--enablerepo",
                "--disablerepo",
                "--installroot",
                "--releasever",
                "-c",
                "--config",
                "--exclude",
                "-x",
                "--repo",
                "--repofrompath",
                "--nodocs",
            ],
            Manager::Zypper => &["-r", "--repo", "--from", "-t", "--type"],
            Manager::Pip => &[
                "-r",
                "--requirement",
                "-c",
                "--constraint",
                "-e",
                "--editable",
                "-i",
                "--index-url",
                "--extra-index-url",
                "-f",
                "--find-links",
                "--trusted-host",
                "-t",
                "--target",
                "--prefix",
                "--root",
                "--src",
                "--platform",
                "--python-version",
                "--implementation",
                "--abi",
                "--progress-bar",
                "--cache-dir",
                "--log",
                "--proxy",
                "--timeout",
                "--retries",
                "--upgrade-strategy",
                "--only-binary",
                "--no-binary",
                "--global-option",
                "--config-settings",
                "-C",
                "--report",
            ],
            Manager::Npm => &["--prefix", "--registry", "--tag", "--cache", "-w", "--workspace"],
            Manager::Gem => &[
                "-v",
                "--version",
                "-i",
                "--install-dir",
                "-n",
                "--bindir",
                "--source",
                "-s",
                "-P",
                "--trust-policy",
                "--platform",
                "-g",
                "--file",
            ],
        };
        let mut out = Vec::new();
        let mut skip = false;
        for w in self.rest {
            if skip {
                skip = false;
                continue;
            }
            let v = w.value.as_str();
            if v.starts_with('-') {
                if with_value.contains(&v) {
                    skip = true;
                }
                continue;
            }
            if v.is_empty() || v.starts_with('>') || v.starts_with('<') {
                continue;
            }
            out.push(w);
        }
        out
    }
    /// Whether the install reads packages from a file or installs local files only
    /// (`pip install -r requirements.txt`, `npm ci`).
    pub fn from_file(&self) -> bool {
        let flags: &[&str] = match self.manager {
            Manager::Pip => &["-r", "--requirement", "-e", "--editable", "-c", "--constraint"],
            Manager::Gem => &["-g", "--file"],
            Manager::Apk
            | Manager::Apt
            | Manager::Yum
            | Manager::Dnf
            | Manager::Microdnf
            | Manager::Zypper
            | Manager::Npm => &[],
        };
        self.rest.iter().any(|w| {
            flags.contains(&w.value.as_str())
                || flags
                    .iter()
                    .any(|f| f.starts_with("--") && w.value.starts_with(&format!("{f}=")))
                || (self.manager == Manager::Pip && w.value.starts_with("-r") && w.value.len() > 2)
        })
    }
}

/// The package-manager command `cmd` runs, if it is one.
pub fn pkg_cmd(cmd: &Cmd) -> Option<PkgCmd<'_>> {
    let argv = cmd.argv();
    let prog = basename(&argv.first()?.value);
    let (manager, after) = match prog {
        "apt-get" | "apt" | "aptitude" => (Manager::Apt, 1),
        "apk" => (Manager::Apk, 1),
        "yum" => (Manager::Yum, 1),
        "dnf" | "dnf5" | "tdnf" => (Manager::Dnf, 1),
        "microdnf" => (Manager::Microdnf, 1),
        "zypper" => (Manager::Zypper, 1),
        "npm" => (Manager::Npm, 1),
        "gem" => (Manager::Gem, 1),
        p if is_pip(p) => (Manager::Pip, 1),
        p if is_python(p) => {
            // python -m pip …
            let m = argv.iter().position(|w| w.value == "-m")?;
            if !is_pip(&argv.get(m + 1)?.value) {
                return None;
            }
            (Manager::Pip, m + 2)
        }
        _ => return None,
    };
    let with_value: &[&str] = match manager {
        Manager::Apt => &["-o", "-c", "-t"],
        Manager::Apk => &["-X", "--repository", "-p", "--root"],
        Manager::Yum | Manager::Dnf | Manager::Microdnf => &[
            "--setopt",
            "--enablerepo",
            "--disablerepo",
            "-c",
            "--installroot",
            "--releasever",
        ],
        Manager::Zypper => &["-R", "--root", "-D", "--reposd-dir"],
        Manager::Pip => &["--proxy", "--log", "--cache-dir", "--timeout", "--retries"],
        Manager::Npm | Manager::Gem => &["--prefix", "--registry", "--cache"],
    };
    let mut i = after;
    while let Some(w) = argv.get(i) {
        let v = w.value.as_str();
        if v.starts_with('-') {
            i += if with_value.contains(&v) { 2 } else { 1 };
            continue;
        }
        return Some(PkgCmd {
            manager,
            cmd,
            sub: w,
            rest: &argv[i + 1..],
        });
    }
    None
}

fn is_pip(p: &str) -> bool {
    p == "pip"
        || p.strip_prefix("pip")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_python(p: &str) -> bool {
    p == "python"
        || p.strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Every package-manager command of the file.
pub fn pkg_cmds(scripts: &Scripts) -> impl Iterator<Item = PkgCmd<'_>> + '_ {
    scripts.cmds.iter().filter_map(pkg_cmd)
}

/// Whether the RUN at `ins` has a `--mount=type=cache` whose target contains one of `dirs`.
pub fn cache_mount(ins: &Instruction, dirs: &[&str]) -> bool {
    ins.flags_named("mount").any(|f| {
        let v = f.value.as_deref().unwrap_or("");
        let mut is_cache = false;
        let mut target = "";
        for part in v.split(',') {
            match part.split_once('=') {
                Some(("type", t)) => is_cache = t == "cache",
                Some(("target" | "dst" | "destination", t)) => target = t,
                _ => {}
            }
        }
        is_cache
            && dirs
                .iter()
                .any(|d| target.trim_end_matches('/').starts_with(d.trim_end_matches('/')))
    })
}

// ---------------------------------------------------------------------------------------------
// RUN scripts → simple commands, through brush-parser
// ---------------------------------------------------------------------------------------------

use crate::model::{Args, ShellText};
use brush_parser::ast;

/// A script being flattened: its text located in the file, and char index → byte offset.
struct Script<'a> {
    text: &'a ShellText,
    bytes: Vec<usize>,
}

impl Script<'_> {
    fn byte(&self, char_index: usize) -> usize {
        self.bytes
            .get(char_index)
            .copied()
            .unwrap_or(self.text.text.len())
    }
    fn range(&self, w: &ast::Word) -> std::ops::Range<usize> {
        match &w.loc {
            Some(l) => self.byte(l.start.index)..self.byte(l.end.index),
            None => 0..0,
        }
    }
    fn word(&self, w: &ast::Word) -> CmdWord {
        let std::ops::Range { start, end } = self.range(w);
        let raw = self
            .text
            .text
            .get(start..end)
            .map_or_else(|| w.value.clone(), str::to_owned);
        CmdWord {
            value: brush_parser::unquote_str(&w.value),
            raw,
            span: self.text.span_of(start..end),
        }
    }
}

struct Flattener<'s> {
    ins: usize,
    stage: Option<usize>,
    pipeline: &'s mut usize,
    out: &'s mut Vec<Cmd>,
    depth: usize,
}

impl Flattener<'_> {
    fn list(&mut self, s: &Script<'_>, l: &ast::CompoundList) {
        for item in &l.0 {
            for (_, p) in item.0.iter() {
                self.pipeline(s, p);
            }
        }
    }

    fn pipeline(&mut self, s: &Script<'_>, p: &ast::Pipeline) {
        *self.pipeline += 1;
        let id = *self.pipeline;
        for (pos, c) in p.seq.iter().enumerate() {
            self.command(s, c, id, pos);
        }
    }

    fn command(&mut self, s: &Script<'_>, c: &ast::Command, pipeline: usize, pipe_pos: usize) {
        match c {
            ast::Command::Simple(sc) => self.simple(s, sc, pipeline, pipe_pos),
            ast::Command::Compound(cc, _) => self.compound(s, cc),
            ast::Command::Function(f) => self.compound(s, &f.body.0),
            ast::Command::ExtendedTest(..) => {}
        }
    }

    fn compound(&mut self, s: &Script<'_>, cc: &ast::CompoundCommand) {
        use ast::CompoundCommand as C;
        match cc {
            C::BraceGroup(b) => self.list(s, &b.list),
            C::Subshell(b) => self.list(s, &b.list),
            C::ForClause(f) => self.list(s, &f.body.list),
            C::ArithmeticForClause(f) => self.list(s, &f.body.list),
            C::CaseClause(c) => {
                for item in &c.cases {
                    if let Some(l) = &item.cmd {
                        self.list(s, l);
                    }
                }
            }
            C::IfClause(i) => {
                self.list(s, &i.condition);
                self.list(s, &i.then);
                for e in i.elses.iter().flatten() {
                    if let Some(c) = &e.condition {
                        self.list(s, c);
                    }
                    self.list(s, &e.body);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.list(s, &w.0);
                self.list(s, &w.1.list);
            }
            C::Arithmetic(_) | C::Coprocess(_) => {}
        }
    }

    fn simple(&mut self, s: &Script<'_>, sc: &ast::SimpleCommand, pipeline: usize, pipe_pos: usize) {
        let mut assignments = Vec::new();
        let mut words = Vec::new();
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        let mut substs: Vec<&ast::SubshellCommand> = Vec::new();
        let items = sc.prefix.iter().flat_map(|p| p.0.iter());
        for item in items {
            match item {
                ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => assignments.push(s.word(w)),
                ast::CommandPrefixOrSuffixItem::Word(w) => {
                    ranges.push(s.range(w));
                    words.push(s.word(w));
                }
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => substs.push(sub),
                ast::CommandPrefixOrSuffixItem::IoRedirect(_) => {}
            }
        }
        if let Some(w) = &sc.word_or_name {
            ranges.push(s.range(w));
            words.push(s.word(w));
        }
        for item in sc.suffix.iter().flat_map(|p| p.0.iter()) {
            match item {
                ast::CommandPrefixOrSuffixItem::Word(w)
                | ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                    ranges.push(s.range(w));
                    words.push(s.word(w));
                }
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
                    // `bash <(curl …)`: an argument whose text is the substitution.
                    let start = s.byte(sub.loc.start.index);
                    let end = s.byte(sub.loc.end.index);
                    let inner = s.text.text.get(start..end).unwrap_or("");
                    ranges.push(start..end);
                    words.push(CmdWord {
                        raw: format!("<{inner}"),
                        value: format!("<{inner}"),
                        span: s.text.span_of(start..end),
                    });
                    substs.push(sub);
                }
                ast::CommandPrefixOrSuffixItem::IoRedirect(_) => {}
            }
        }
        let cmd = Cmd {
            ins: self.ins,
            stage: self.stage,
            assignments,
            words,
            pipeline,
            pipe_pos,
        };
        let inner = nested_script(&cmd).and_then(|i| {
            let r = ranges.get(cmd.words.len() - cmd.argv().len() + i)?.clone();
            let raw = s.text.text.get(r.clone())?;
            let quoted = raw.len() >= 2
                && (raw.starts_with('\'') && raw.ends_with('\'')
                    || raw.starts_with('"') && raw.ends_with('"'));
            Some(if quoted { r.start + 1..r.end - 1 } else { r })
        });
        self.out.push(cmd);
        for sub in substs {
            self.list(s, &sub.list);
        }
        // `sh -c '…'`: the script it runs, located inside the quoted word.
        if let Some(range) = inner {
            if self.depth < 4 {
                self.depth += 1;
                let nested = slice(s.text, range);
                parse_into(&nested, self);
                self.depth -= 1;
            }
        }
    }
}

/// The index in [`Cmd::argv`] of the script of `sh -c SCRIPT` / `bash -c SCRIPT` (also `-ec`,
/// `-xc`).
fn nested_script(c: &Cmd) -> Option<usize> {
    let argv = c.argv();
    let prog = basename(&argv.first()?.value);
    if !matches!(prog, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh") {
        return None;
    }
    let i = argv
        .iter()
        .position(|w| w.value.starts_with('-') && !w.value.starts_with("--") && w.value.ends_with('c'))?;
    (i + 1 < argv.len()).then_some(i + 1)
}

/// `text[range]` as its own [`ShellText`], still located in the file.
fn slice(text: &ShellText, range: std::ops::Range<usize>) -> ShellText {
    let end = range.end.min(text.text.len());
    let start = range.start.min(end);
    let mut map = vec![(0, text.pos(start))];
    map.extend(
        text.map
            .iter()
            .filter(|(o, _)| *o > start && *o < end)
            .map(|(o, p)| (o - start, *p)),
    );
    ShellText {
        text: text.text.get(start..end).unwrap_or("").to_string(),
        span: text.span_of(start..end),
        map,
    }
}

/// Parses `text` as a shell script and appends its simple commands.
fn parse_into(text: &ShellText, f: &mut Flattener<'_>) {
    let opts = brush_parser::ParserOptions::default();
    let mut parser = brush_parser::Parser::new(std::io::Cursor::new(text.text.as_bytes()), &opts);
    let Ok(program) = parser.parse_program() else {
        return;
    };
    let s = Script {
        text,
        bytes: text
            .text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.text.len()])
            .collect(),
    };
    for cc in &program.complete_commands {
        f.list(&s, cc);
    }
}

/// Appends the simple commands of RUN `ins` (shell form, heredoc scripts, exec form).
pub(crate) fn commands_of(
    file: &Dockerfile,
    ins: &Instruction,
    index: usize,
    pipeline: &mut usize,
    out: &mut Vec<Cmd>,
) {
    let _ = file;
    let mut f = Flattener {
        ins: index,
        stage: ins.stage,
        pipeline,
        out,
        depth: 0,
    };
    match &ins.args {
        Args::Shell(text) => {
            let t = text.text.trim_start();
            if !(ins.heredocs.len() == 1 && t.starts_with("<<")) {
                parse_into(text, &mut f);
            }
            // `RUN <<EOF` runs the body as the script; `RUN bash <<EOF` feeds it to a shell.
            let runs_body = t.starts_with("<<")
                || f.out.last().is_some_and(|c| {
                    c.ins == index
                        && matches!(c.program(), Some("sh" | "bash" | "ash" | "dash" | "zsh"))
                        && c.args().iter().all(|a| a.value.starts_with('-'))
                });
            if runs_body {
                for h in &ins.heredocs {
                    parse_into(&h.text(), &mut f);
                }
            }
        }
        Args::Exec(words) => {
            *f.pipeline += 1;
            let cmd = Cmd {
                ins: index,
                stage: ins.stage,
                assignments: Vec::new(),
                words: words
                    .iter()
                    .map(|w| CmdWord {
                        raw: w.raw.clone(),
                        value: w.value.clone(),
                        span: w.span,
                    })
                    .collect(),
                pipeline: *f.pipeline,
                pipe_pos: 0,
            };
            // `["sh", "-c", "apt-get update && …"]`: the script, located at the word.
            let script = cmd
                .argv()
                .iter()
                .position(|w| w.value.starts_with('-') && w.value.ends_with('c'))
                .and_then(|i| cmd.argv().get(i + 1))
                .cloned();
            f.out.push(cmd);
            if let Some(w) = script {
                let text = ShellText {
                    text: w.value.clone(),
                    span: w.span,
                    map: vec![(
                        0,
                        crate::model::Pos::new(w.span.start.line, w.span.start.column + 1),
                    )],
                };
                parse_into(&text, &mut f);
            }
        }
        _ => {}
    }
}
