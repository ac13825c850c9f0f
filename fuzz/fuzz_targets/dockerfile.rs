//! The Dockerfile parser on arbitrary text: directives, continuations, heredocs, flags, JSON
//! form, stages; every RUN through the shell parser (brush-parser, `sh -c` and heredoc
//! scripts); ARG scope and variable expansion. Nothing may panic; every error, instruction,
//! word and command is located inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dockerfile::{parse, shell, Args, Pos, Span};

/// libfuzzer-sys aborts on every panic, even a caught one. brush-parser 0.4 panics on some
/// malformed scripts; `shell::script` contains those and reports a located error, so they are
/// let through (`shell::in_shell_parser()`); every other panic aborts. Set
/// `PALISADE_FUZZ_PARSER_PANICS=1` to abort on brush-parser panics too.
fn contain_shell_parser_panics() {
    let abort = std::panic::take_hook();
    let strict = std::env::var_os("PALISADE_FUZZ_PARSER_PANICS").is_some();
    std::panic::set_hook(Box::new(move |info| {
        if strict || !shell::in_shell_parser() {
            abort(info);
        }
    }));
}

fuzz_target!(init: contain_shell_parser_panics(), |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let df = parse("fuzz/Dockerfile", &text);
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines: Vec<&str> = body.split('\n').collect();
    let inside = |p: Pos| {
        let Some(line) = (p.line as usize).checked_sub(1).and_then(|i| lines.get(i)) else {
            return false;
        };
        let len = line.trim_end_matches('\r').chars().count() as u32;
        p.column >= 1 && p.column <= len + 1
    };
    let located = |s: Span, what: &str| {
        assert!(inside(s.start) && inside(s.end), "{what} at {s:?} outside the input");
        assert!(s.start <= s.end, "{what}: reversed span {s:?}");
    };
    for e in &df.errors {
        assert!(!e.message.is_empty());
        located(e.span, "error");
    }
    assert!(!df.instructions.is_empty() || !df.errors.is_empty(), "no instructions and no error");
    for (i, ins) in df.instructions.iter().enumerate() {
        located(ins.span, "instruction");
        located(ins.keyword_span, "keyword");
        for f in &ins.flags {
            located(f.span, "flag");
        }
        match &ins.args {
            Args::Exec(w) | Args::Words(w) => w.iter().for_each(|w| located(w.span, "word")),
            Args::Shell(s) => {
                located(s.span, "shell text");
                for o in 0..=s.text.len() {
                    assert!(inside(s.pos(o)), "shell offset {o} outside");
                }
            }
            Args::KeyValues(kv) => kv.iter().for_each(|kv| located(kv.key.span, "key")),
        }
        for h in &ins.heredocs {
            located(h.span, "heredoc");
        }
        let script = shell::script(ins);
        for c in &script.commands {
            located(c.name.span, "command");
            c.args.iter().for_each(|a| located(a.span, "argument"));
        }
        for e in &script.errors {
            located(e.span, "shell error");
        }
        let vars = df.vars_in_scope(ins.stage, i);
        for w in ins.words() {
            let _ = palisade_dockerfile::expand_with_escape(&w.raw, df.escape, &vars);
        }
    }
    for s in &df.stages {
        assert!(s.from < df.instructions.len());
        assert!(s.instructions.start == s.from && s.instructions.end <= df.instructions.len());
        let _ = s.instructions(&df);
    }
});
