//! Every real Dockerfile of the shared corpus (`../shared/corpus/dockerfiles`, listed in its
//! SOURCES.tsv) parses without error, with as many stages as the index counts FROM lines,
//! every position the parser reports lies inside the file, and every RUN is accepted by the
//! shell parser with its commands located.

use palisade_dockerfile::{parse, shell, Args, Dockerfile, Keyword, Pos, Span};
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dockerfiles")
}

/// Files of the corpus that are genuinely invalid, with the reason (none so far).
const INVALID: &[(&str, &str)] = &[];

/// RUNs that are valid shell but that brush-parser 0.4 rejects, where it reports the error.
const SHELL_LIMITS: &[(&str, &str)] = &[(
    "linkerd__linkerd2/Dockerfile.controller:45:47",
    "a `case` inside `$( … )` with patterns written `amd64)` (no opening parenthesis): bash \
     accepts it, brush-parser ends the command substitution at the pattern's `)`",
)];

fn check_span(file: &str, lines: &[&str], span: Span, what: &str) {
    for p in [span.start, span.end] {
        let Pos { line, column } = p;
        assert!(
            line >= 1 && (line as usize) <= lines.len(),
            "{file}: {what} at {p} outside the file"
        );
        let len = lines[line as usize - 1].trim_end_matches('\r').chars().count() as u32;
        assert!(
            column >= 1 && column <= len + 1,
            "{file}: {what} at {p}: line has {len} characters"
        );
    }
    assert!(span.start <= span.end, "{file}: {what}: span {span:?} reversed");
}

fn check_positions(file: &str, text: &str, df: &Dockerfile) {
    let lines: Vec<&str> = text.split('\n').collect();
    for ins in &df.instructions {
        check_span(file, &lines, ins.span, "instruction");
        check_span(file, &lines, ins.keyword_span, "keyword");
        // The keyword span covers the keyword as written.
        let l = lines[ins.keyword_span.start.line as usize - 1];
        let kw: String = l
            .chars()
            .skip(ins.keyword_span.start.column as usize - 1)
            .take((ins.keyword_span.end.column - ins.keyword_span.start.column) as usize)
            .collect();
        assert!(
            kw.eq_ignore_ascii_case(ins.keyword.as_str()),
            "{file}: keyword {kw:?} at {:?}",
            ins.keyword_span
        );
        for f in &ins.flags {
            check_span(file, &lines, f.span, "flag");
        }
        match &ins.args {
            Args::Exec(w) | Args::Words(w) => {
                for w in w {
                    check_span(file, &lines, w.span, "word");
                    if w.span.start.line == w.span.end.line {
                        let l = lines[w.span.start.line as usize - 1];
                        let got: String = l
                            .chars()
                            .skip(w.span.start.column as usize - 1)
                            .take((w.span.end.column - w.span.start.column) as usize)
                            .collect();
                        assert_eq!(got, w.raw, "{file}: word at {:?}", w.span);
                    }
                }
            }
            Args::Shell(s) => check_span(file, &lines, s.span, "shell text"),
            Args::KeyValues(kv) => {
                for kv in kv {
                    check_span(file, &lines, kv.key.span, "key");
                }
            }
        }
    }
}

#[test]
fn every_corpus_dockerfile_parses() {
    let index = std::fs::read_to_string(corpus().join("SOURCES.tsv")).expect("the corpus index SOURCES.tsv");
    let mut files = 0;
    let mut instructions = 0;
    let (mut runs, mut commands) = (0, 0);
    let mut shell_errors = Vec::new();
    let mut failures = Vec::new();
    for row in index.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (stages, local) = (cols[4], cols[5]);
        let path = corpus().join(local);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let df = parse(local, &text);
        files += 1;
        instructions += df.instructions.len();
        let invalid = INVALID.iter().any(|(f, _)| *f == local);
        if df.errors.is_empty() == invalid {
            failures.push(format!("{local}: {:?}", df.errors));
        }
        let want: usize = stages.parse().expect("from_stages is a number");
        if df.stages.len() != want {
            failures.push(format!("{local}: {} stages, index says {want}", df.stages.len()));
        }
        check_positions(local, &text, &df);
        let lines: Vec<&str> = text.split('\n').collect();
        for ins in &df.instructions {
            let s = shell::script(ins);
            if ins.is(Keyword::Run) {
                runs += 1;
            }
            for e in &s.errors {
                shell_errors.push(format!("{local}:{}: {}", e.span.start, e.message));
            }
            for c in &s.commands {
                commands += 1;
                check_span(local, &lines, c.span, "command");
                // A command word on one line is written there as the parser says (words
                // inside `sh -c "…"` with escapes excepted).
                let w = &c.name;
                if w.span.start.line == w.span.end.line && c.via.is_none() {
                    let l = lines[w.span.start.line as usize - 1];
                    let got: String = l
                        .chars()
                        .skip(w.span.start.column as usize - 1)
                        .take((w.span.end.column - w.span.start.column) as usize)
                        .collect();
                    assert_eq!(got, w.raw, "{local}: command at {:?}", w.span);
                }
            }
        }
    }
    // Every RUN of the corpus is valid shell: the shell parser accepts them all but the ones
    // listed in SHELL_LIMITS.
    let want: Vec<String> = SHELL_LIMITS.iter().map(|(at, _)| at.to_string()).collect();
    let got: Vec<String> = shell_errors
        .iter()
        .map(|e| e.split(": ").next().unwrap_or("").to_string())
        .collect();
    assert_eq!(got, want, "{}", shell_errors.join("\n"));
    println!("{files} files, {instructions} instructions, {runs} RUNs, {commands} commands");
    assert!(runs > 300 && commands > runs, "{runs} RUNs, {commands} commands");
    assert_eq!(files, 149, "SOURCES.tsv lists 149 Dockerfiles");
    assert!(instructions > 1000, "only {instructions} instructions");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
