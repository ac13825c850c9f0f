//! The parser on each Dockerfile construct, with exact positions (line and column of
//! keywords, flags, words, heredocs, shell text inside continuations) and located errors.

use palisade_dockerfile::{parse, Args, Keyword, Pos, Span};

fn span(l1: u32, c1: u32, l2: u32, c2: u32) -> Span {
    Span::new(Pos::new(l1, c1), Pos::new(l2, c2))
}

#[test]
fn directives_escape_and_backtick_continuation() {
    let df = parse(
        "Dockerfile",
        "# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM windows `\n  AS base\nRUN dir C:\\ `\n  && echo hi\n",
    );
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.escape, '`');
    let names: Vec<_> = df.directives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["syntax", "escape", "check"]);
    assert_eq!(df.directives[0].value_span, span(1, 10, 1, 29));
    assert_eq!(df.stages[0].name.as_deref(), Some("base"));
    let run = &df.instructions[1];
    let Args::Shell(s) = &run.args else {
        panic!("shell form")
    };
    assert_eq!(s.text, "dir C:\\   && echo hi");
    // `&&` on the continuation line.
    let amp = s.text.find("&&").unwrap();
    assert_eq!(s.pos(amp), Pos::new(7, 3));
    assert_eq!(run.span, span(6, 1, 7, 13));
}

#[test]
fn directives_stop_at_first_other_line() {
    let df = parse("D", "# a comment\n# escape=`\nFROM x\n");
    assert!(df.directives.is_empty());
    assert_eq!(df.escape, '\\');
    let df = parse("D", "# escape=x\nFROM x\n");
    assert_eq!(df.errors.len(), 1);
    assert_eq!(df.errors[0].span.start, Pos::new(1, 10));
}

#[test]
fn continuation_with_comments_and_empty_lines_inside() {
    let text =
        "FROM alpine\nRUN apk add \\\n# a comment\n\n      curl \\\n   # indented comment\n  git\nUSER app\n";
    let df = parse("D", text);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.instructions.len(), 3);
    let Args::Shell(s) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(s.text, "apk add       curl   git");
    assert_eq!(s.pos(s.text.find("curl").unwrap()), Pos::new(5, 7));
    assert_eq!(s.pos(s.text.find("git").unwrap()), Pos::new(7, 3));
    assert_eq!(df.instructions[2].keyword_span, span(8, 1, 8, 5));
    assert_eq!(df.instructions[2].words()[0].value, "app");
}

#[test]
fn keywords_case_insensitive_crlf_bom_tabs() {
    let df = parse(
        "D",
        "\u{feff}from\talpine:3.19 as Build\r\n\trun\techo hi\r\nCopy --from=build /a /b\r\n",
    );
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.instructions[0].keyword, Keyword::From);
    assert_eq!(df.instructions[0].keyword_span, span(1, 1, 1, 5));
    assert_eq!(df.stages[0].name.as_deref(), Some("Build"));
    assert_eq!(df.stages[0].base.repository, "alpine");
    assert_eq!(df.stages[0].base.tag.as_deref(), Some("3.19"));
    assert_eq!(df.stages[0].base.span, span(1, 6, 1, 17));
    assert_eq!(df.instructions[1].keyword_span, span(2, 2, 2, 5));
    let Args::Shell(s) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(s.text, "echo hi");
    assert_eq!(s.span, span(2, 6, 2, 13));
    let copy = &df.instructions[2];
    let from = copy.flag("from").unwrap();
    assert_eq!(from.value.as_deref(), Some("build"));
    assert_eq!(from.span, span(3, 6, 3, 18));
    assert_eq!(from.value_span, span(3, 13, 3, 18));
    assert_eq!(df.stage_by_ref("BUILD").map(|s| s.index), Some(0));
    assert_eq!(df.stage_by_ref("0").map(|s| s.index), Some(0));
}

#[test]
fn json_form_exactly_as_buildkit() {
    let df = parse(
        "D",
        "FROM a\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nENTRYPOINT [not json]\nRUN [\"a\",]\nCMD []\nRUN [\"a\", 1]\n",
    );
    let Args::Exec(w) = &df.instructions[1].args else {
        panic!()
    };
    let vals: Vec<_> = w.iter().map(|w| w.value.as_str()).collect();
    assert_eq!(vals, ["nginx", "-g", "daemon off;"]);
    assert_eq!(w[2].span, span(2, 21, 2, 34));
    assert!(matches!(df.instructions[2].args, Args::Shell(_)));
    assert!(
        matches!(df.instructions[3].args, Args::Shell(_)),
        "trailing comma: invalid JSON, shell form"
    );
    assert!(matches!(&df.instructions[4].args, Args::Exec(w) if w.is_empty()));
    assert_eq!(df.errors.len(), 1, "{:?}", df.errors);
    assert_eq!(df.errors[0].span.start, Pos::new(6, 5));
}

#[test]
fn heredocs() {
    let text = "FROM a\nRUN <<EOF\napt-get update\n  apt-get install -y x\nEOF\nRUN <<-\"A\" cat > /x && sh <<B\n\tliteral $HOME\n\tA\necho b\nB\nCOPY <<EOF /dst\nhello\nEOF\nUSER 1000\n";
    let df = parse("D", text);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    let h = &run.heredocs[0];
    assert_eq!(h.delimiter, "EOF");
    assert!(h.expand && !h.strip_tabs);
    assert_eq!(h.body, "apt-get update\n  apt-get install -y x\n");
    assert_eq!(h.span, span(2, 5, 2, 10));
    assert_eq!(h.body_span, span(3, 1, 4, 23));
    assert_eq!(run.span, span(2, 1, 5, 4));
    let two = &df.instructions[2];
    assert_eq!(two.heredocs.len(), 2);
    assert_eq!(two.heredocs[0].delimiter, "A");
    assert!(!two.heredocs[0].expand && two.heredocs[0].strip_tabs);
    assert_eq!(two.heredocs[0].body, "literal $HOME\n");
    assert_eq!(two.heredocs[0].text().pos(0), Pos::new(7, 2));
    assert_eq!(two.heredocs[1].body, "echo b\n");
    let copy = &df.instructions[3];
    assert_eq!(copy.keyword, Keyword::Copy);
    assert_eq!(copy.heredocs[0].body, "hello\n");
    assert_eq!(copy.words()[1].value, "/dst");
    assert_eq!(df.instructions[4].keyword_span.start, Pos::new(14, 1));
}

#[test]
fn unterminated_heredoc_is_located() {
    let df = parse("D", "FROM a\nRUN cat <<EOF\nabc\n");
    assert_eq!(df.errors.len(), 1);
    assert_eq!(df.errors[0].span, span(2, 9, 2, 14));
    assert!(df.errors[0].message.contains("unterminated heredoc"));
    assert_eq!(df.instructions[1].heredocs[0].body, "abc\n");
}

#[test]
fn flags_and_words() {
    let df = parse(
        "D",
        "FROM --platform=$BUILDPLATFORM golang AS b\nRUN --mount=type=cache,target=/root/.cache --network=none go build\nCOPY --chown=1000:1000 --chmod=0755 --link \"a b\" c /app/\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/\n",
    );
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.stages[0].base.platform.as_deref(), Some("$BUILDPLATFORM"));
    let run = &df.instructions[1];
    assert_eq!(
        run.flag("mount").unwrap().value.as_deref(),
        Some("type=cache,target=/root/.cache")
    );
    assert_eq!(run.flag("network").unwrap().span, span(2, 44, 2, 58));
    let copy = &df.instructions[2];
    assert_eq!(copy.flag("link").unwrap().value, None);
    let w: Vec<_> = copy.words().iter().map(|w| w.value.as_str()).collect();
    assert_eq!(w, ["a b", "c", "/app/"]);
    assert_eq!(copy.words()[0].span, span(3, 44, 3, 49));
    let hc = &df.instructions[3];
    assert_eq!(hc.flag("interval").unwrap().value.as_deref(), Some("30s"));
    let Args::Shell(s) = &hc.args else { panic!() };
    assert_eq!(s.text, "curl -f http://localhost/");
    assert_eq!(s.span.start, Pos::new(4, 32));
}

#[test]
fn env_label_arg_forms() {
    let df = parse(
        "D",
        "ARG BASE=alpine:3\nARG V\nFROM $BASE\nARG V\nENV A=1 B=\"two words\" \\\n    C=${A}x\nENV OLD value with spaces\nLABEL org.opencontainers.image.title=\"x y\"\n",
    );
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let base = &df.stages[0].base;
    assert!(base.uses_variable);
    assert_eq!(base.repository, "alpine");
    assert_eq!(base.tag.as_deref(), Some("3"));
    assert_eq!(df.instructions[0].stage, None);
    assert_eq!(df.instructions[3].stage, Some(0));
    let env = df.instructions[4].key_values();
    assert_eq!(env.len(), 3);
    assert_eq!(env[1].value.as_ref().unwrap().value, "two words");
    assert_eq!(env[2].key.span, span(6, 5, 6, 6));
    let old = df.instructions[5].key_values();
    assert_eq!(old[0].key.value, "OLD");
    assert_eq!(old[0].value.as_ref().unwrap().value, "value with spaces");
    let scope = df.args_in_scope(Some(0), 4);
    assert_eq!(scope.get("V"), Some(&None));
    assert!(
        !scope.contains_key("BASE"),
        "a global ARG is not in a stage unless re-declared"
    );
    let vars = df.vars_in_scope(Some(0), 6);
    assert_eq!(vars.get("C").map(String::as_str), Some("1x"));
    assert_eq!(df.global_args().get("BASE"), Some(&Some("alpine:3".to_string())));
}

#[test]
fn stages_and_image_refs() {
    let df = parse(
        "D",
        "FROM quay.io/org/img:1.2@sha256:abc AS build\nRUN make\nFROM localhost:5000/x\nFROM build AS again\nFROM scratch\nCOPY --from=0 /a /a\n",
    );
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.stages.len(), 4);
    let b = &df.stages[0].base;
    assert_eq!(b.registry.as_deref(), Some("quay.io"));
    assert_eq!(b.repository, "org/img");
    assert_eq!(b.tag.as_deref(), Some("1.2"));
    assert_eq!(b.digest.as_deref(), Some("sha256:abc"));
    assert_eq!(df.stages[1].base.registry.as_deref(), Some("localhost:5000"));
    assert_eq!(df.stages[1].base.tag, None);
    assert!(df.stages[2].base.is_stage_ref);
    assert!(df.stages[3].base.is_scratch);
    assert_eq!(df.stages[0].instructions, 0..2);
    assert_eq!(df.final_stage().unwrap().instructions(&df).len(), 2);
    assert_eq!(df.instructions[5].stage, Some(3));
    assert_eq!(df.source_stage(&df.instructions[5]).map(|s| s.index), Some(0));
    let m = parse("D", "FROM a AS deps\nFROM b\nRUN --mount=type=bind,from=DEPS,target=/d x\nCOPY --from=nginx:1 /a /b\nCOPY --from=later /a /b\nFROM c AS later\n");
    assert_eq!(m.source_stage(&m.instructions[2]).map(|s| s.index), Some(0));
    assert!(
        m.source_stage(&m.instructions[3]).is_none(),
        "an image, not a stage"
    );
    assert!(
        m.source_stage(&m.instructions[4]).is_none(),
        "a later stage is not a source"
    );
}

#[test]
fn onbuild_nests_its_trigger() {
    let df = parse(
        "D",
        "FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nONBUILD ONBUILD RUN x\n",
    );
    let ob = &df.instructions[1];
    let inner = ob.onbuild.as_ref().unwrap();
    assert_eq!(inner.keyword, Keyword::Run);
    assert_eq!(inner.keyword_span, span(2, 9, 2, 12));
    assert_eq!(inner.heredocs[0].body, "echo hi\n");
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(df.errors.len(), 1, "{:?}", df.errors);
    assert!(df.errors[0].message.contains("ONBUILD ONBUILD"));
}

#[test]
fn errors_are_located_and_parsing_goes_on() {
    let df = parse(
        "D",
        "FROM a\nFOO bar\nCOPY onlyone\nENV novalue\nRUN --bogus=1 x\nUSER app\n",
    );
    let at: Vec<_> = df.errors.iter().map(|e| e.span.start).collect();
    assert_eq!(
        at,
        [Pos::new(2, 1), Pos::new(3, 6), Pos::new(4, 5), Pos::new(5, 5)],
        "{:?}",
        df.errors
    );
    assert_eq!(df.instructions.len(), 6);
    assert!(df.instructions[5].is(Keyword::User));
    let empty = parse("D", "\n# only a comment\n\n");
    assert_eq!(empty.errors.len(), 1);
    assert!(empty.errors[0].message.contains("no instructions"));
    let before = parse("D", "RUN x\nFROM a\n");
    assert_eq!(before.errors.len(), 1);
    assert_eq!(before.errors[0].span, span(1, 1, 1, 4));
}

#[test]
fn nothing_panics_on_odd_input() {
    for text in [
        "",
        "\\",
        "FROM",
        "FROM a \\",
        "RUN <<",
        "RUN <<\"\"",
        "COPY <<EOF",
        "ONBUILD",
        "ONBUILD ONBUILD",
        "FROM a\nRUN [\"\\u00e9\"]",
        "# escape=`\nRUN a`",
        "FROM ${X:-",
        "ARG A=${A}\nFROM $A",
        "\u{feff}",
        "FROM a\nENV =",
        "FROM a\nLABEL \"",
        "HEALTHCHECK",
        "FROM é AS ü\nRUN ü \\\n é",
        "FROM a\nRUN --mount",
        "FROM a\nRUN -- x",
    ] {
        let df = parse("D", text);
        for i in &df.instructions {
            let _ = palisade_dockerfile::shell::script(i);
        }
    }
}
