//! RUN scripts through the shell parser: simple commands in order with their connectors,
//! subshells, `sh -c` and heredoc scripts, every word located in the Dockerfile, and shell
//! syntax errors located without commands.

use palisade_dockerfile::shell::{commands, script, Connector};
use palisade_dockerfile::{parse, Pos, Span};

fn run(text: &str) -> palisade_dockerfile::Dockerfile {
    let df = parse("D", text);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    df
}

#[test]
fn commands_in_order_across_continuations() {
    let df = run("FROM a\nRUN apt-get update \\\n && apt-get install -y \\\n      curl=7.* git || true; rm -rf /var/lib/apt/lists/* | cat\n");
    let cmds = commands(&df.instructions[1]);
    let names: Vec<_> = cmds.iter().map(|c| c.name.value.as_str()).collect();
    assert_eq!(names, ["apt-get", "apt-get", "true", "rm", "cat"]);
    let conns: Vec<_> = cmds.iter().map(|c| c.connector).collect();
    assert_eq!(
        conns,
        [
            Connector::First,
            Connector::And,
            Connector::Or,
            Connector::Seq,
            Connector::Pipe
        ]
    );
    assert_eq!(cmds[0].name.span, Span::new(Pos::new(2, 5), Pos::new(2, 12)));
    assert_eq!(cmds[1].name.span.start, Pos::new(3, 5));
    assert!(cmds[1].has_flag("-y"));
    let curl = &cmds[1].args[2];
    assert_eq!(curl.value, "curl=7.*");
    assert_eq!(curl.span, Span::new(Pos::new(4, 7), Pos::new(4, 15)));
    assert_eq!(cmds[1].span, Span::new(Pos::new(3, 5), Pos::new(4, 19)));
    assert_eq!(cmds[3].args[1].span.start, Pos::new(4, 36));
    assert_eq!(cmds[3].args[1].value, "/var/lib/apt/lists/*");
}

#[test]
fn subshells_compound_commands_and_assignments() {
    let df = run("FROM a\nRUN (cd /src && make) ; if [ -f x ]; then FOO=1 sudo make install; fi; for i in 1 2; do echo \"$i\" > /dev/null; done\n");
    let cmds = commands(&df.instructions[1]);
    let got: Vec<_> = cmds.iter().map(|c| (c.program(), c.in_subshell)).collect();
    assert_eq!(
        got,
        [
            ("cd", true),
            ("make", true),
            ("[", false),
            ("sudo", false),
            ("echo", false)
        ]
    );
    assert_eq!(cmds[3].args[0].value, "make");
    assert_eq!(cmds[4].args.len(), 1, "redirections are not arguments");
    assert_eq!(cmds[4].args[0].value, "$i");
}

#[test]
fn sh_c_is_parsed_recursively_and_located() {
    let df = run("FROM a\nRUN sh -c 'curl -fsSL https://x | bash' && bash -ec \"apk add --no-cache git\"\n");
    let cmds = commands(&df.instructions[1]);
    let got: Vec<_> = cmds.iter().map(|c| (c.program(), c.via.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("sh", None),
            ("curl", Some("sh -c")),
            ("bash", Some("sh -c")),
            ("bash", None),
            ("apk", Some("bash -c"))
        ]
    );
    // `curl` starts after `RUN sh -c '` : column 12.
    assert_eq!(cmds[1].name.span, Span::new(Pos::new(2, 12), Pos::new(2, 16)));
    assert_eq!(cmds[2].connector, Connector::Pipe);
    assert_eq!(cmds[4].args[1].span.start, Pos::new(2, 62));
    assert_eq!(cmds[4].args[1].value, "--no-cache");
}

#[test]
fn exec_form_is_one_command_and_sh_c_recurses() {
    let df = run("FROM a\nRUN [\"/bin/sh\", \"-c\", \"apt-get update && apt-get install -y x\"]\nRUN [\"make\", \"all\"]\n");
    let cmds = commands(&df.instructions[1]);
    assert_eq!(cmds.len(), 3);
    assert_eq!(cmds[0].program(), "sh");
    assert_eq!(cmds[2].connector, Connector::And);
    assert_eq!(cmds[1].name.span.start, Pos::new(2, 24));
    assert_eq!(cmds[2].via.as_deref(), Some("sh -c"));
    let make = commands(&df.instructions[2]);
    assert_eq!(make.len(), 1);
    assert_eq!(make[0].args[0].value, "all");
}

#[test]
fn heredoc_scripts() {
    let df = run("FROM a\nRUN <<EOF\nset -e\napt-get update\n\tapk add x\nEOF\nRUN bash <<SH\necho in-bash\nSH\nRUN cat <<DATA > /etc/x.conf\nnot a command\nDATA\nRUN <<PY\n#!/usr/bin/env python3\nprint(1)\nPY\n");
    let cmds = commands(&df.instructions[1]);
    let names: Vec<_> = cmds.iter().map(|c| c.program()).collect();
    assert_eq!(names, ["set", "apt-get", "apk"]);
    assert!(cmds.iter().all(|c| c.heredoc));
    assert_eq!(cmds[1].name.span.start, Pos::new(4, 1));
    assert_eq!(cmds[2].name.span.start, Pos::new(5, 2));
    let bash = commands(&df.instructions[2]);
    let got: Vec<_> = bash
        .iter()
        .map(|c| (c.program(), c.heredoc, c.via.as_deref()))
        .collect();
    assert_eq!(got, [("bash", false, None), ("echo", true, Some("bash"))]);
    assert_eq!(bash[1].name.span.start, Pos::new(8, 1));
    let cat = commands(&df.instructions[3]);
    assert_eq!(cat.len(), 1, "a heredoc fed to cat is data: {cat:?}");
    assert!(
        commands(&df.instructions[4]).is_empty(),
        "a python heredoc is not shell"
    );
}

#[test]
fn syntax_errors_are_located_and_give_no_commands() {
    let df = run("FROM a\nRUN echo ok && \\\n    if then fi (\n");
    let s = script(&df.instructions[1]);
    assert!(s.commands.is_empty());
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].span.start.line, 3, "{:?}", s.errors);
    assert!(s.errors[0].message.starts_with("shell syntax error"));
    let unclosed = run("FROM a\nRUN echo 'unclosed\n");
    let s = script(&unclosed.instructions[1]);
    assert!(s.commands.is_empty() && s.errors.len() == 1, "{s:?}");
    assert_eq!(s.errors[0].span.start.line, 2);
    // Found by the fuzzer: an unterminated backquote at the end of the line was located
    // one column past the end of the line.
    let backquote = run("FROM a\nRUN x `\n");
    let s = script(&backquote.instructions[1]);
    assert_eq!(s.errors.len(), 1, "{s:?}");
    assert_eq!(s.errors[0].span.start, Pos::new(2, 8));
}

#[test]
fn a_shell_parser_panic_is_a_located_error() {
    // Found by the fuzzer: brush-parser 0.4 panics (an `unwrap` in its tokenizer) on `${`
    // at the end of a line before a heredoc body. The panic is contained and reported.
    let df = run("FROM a\nRUN cat <<E ${H}${\nE\nUSER app\n");
    let s = script(&df.instructions[1]);
    assert!(s.commands.is_empty());
    assert_eq!(s.errors.len(), 1, "{s:?}");
    assert!(s.errors[0].message.contains("shell parser failed"), "{s:?}");
    assert_eq!(s.errors[0].span.start, Pos::new(2, 5));
    assert!(!palisade_dockerfile::shell::in_shell_parser());
    // Found by the fuzzer: an unterminated heredoc whose delimiter is longer than what
    // follows it on its line was located past the end of the line.
    let long = parse(
        "D",
        "FROM a\nRUN cat <<\"A \\\nBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\" && echo ${\n",
    );
    assert_eq!(long.instructions[1].heredocs[0].delimiter.len(), 45);
    let s = script(&long.instructions[1]);
    assert!(!s.errors.is_empty());
    for e in &s.errors {
        let Pos { line, column } = e.span.start;
        assert!(
            (line == 2 && column <= 14) || (line == 3 && column <= 56),
            "{s:?}"
        );
    }
    assert_eq!(commands(&df.instructions[1]), vec![]);
}

#[test]
fn a_word_before_a_shell_continuation_ends_on_its_line() {
    // Found by the fuzzer: with a backquote escape, a RUN ending in a backslash is a shell
    // line continuation; the last word's span ran past the end of the line.
    let df = run("# escape=`\nFROM a\nRUN true && c\\\n");
    let cmds = commands(&df.instructions[1]);
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    assert_eq!(cmds[1].name.span, Span::new(Pos::new(3, 13), Pos::new(3, 15)));
}

#[test]
fn onbuild_run_and_other_instructions() {
    let df = run("FROM a\nONBUILD RUN make install\nCMD make\n");
    let cmds = commands(&df.instructions[1]);
    assert_eq!(cmds.len(), 1);
    assert_eq!(cmds[0].name.span.start, Pos::new(2, 13));
    assert!(commands(&df.instructions[2]).is_empty(), "only RUN has commands");
}
