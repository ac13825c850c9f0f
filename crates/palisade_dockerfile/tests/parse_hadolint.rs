//! Edge cases where Dockerfile parsers disagree, with what palisade does (BuildKit's
//! behaviour) and, for the record, what hadolint 2.15 does (`DL1000` is its parse error);
//! docs/dockerfile-review.md "## Parsing" explains each difference.

use palisade_dockerfile::parse;

/// (name, text, palisade's error (a fragment of the message and line:column) or None when
/// the file is valid, hadolint's verdict: true when it accepts the file).
type Case = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
    bool,
);

const CASES: &[Case] = &[
    (
        "unknown instruction",
        "FROM a\nFOO bar\n",
        Some(("unknown instruction: FOO", "2:1")),
        false,
    ),
    (
        "COPY with one argument",
        "FROM a\nCOPY onlyone\n",
        Some(("at least two arguments", "2:6")),
        false,
    ),
    (
        "ENV without value",
        "FROM a\nENV novalue\n",
        Some(("must have two arguments", "2:5")),
        false,
    ),
    (
        "unknown flag",
        "FROM a\nRUN --bogus=1 x\n",
        Some(("unknown flag: --bogus", "2:5")),
        true,
    ),
    (
        "RUN before FROM",
        "RUN x\nFROM a\n",
        Some(("no build stage", "1:1")),
        true,
    ),
    (
        "no instructions",
        "\n# only a comment\n\n",
        Some(("no instructions", "1:1")),
        true,
    ),
    (
        "unterminated heredoc",
        "FROM a\nRUN cat <<EOF\nabc\n",
        Some(("unterminated heredoc", "2:9")),
        false,
    ),
    (
        "JSON array of a number",
        "FROM a\nRUN [\"a\", 1]\n",
        Some(("only strings", "2:5")),
        true,
    ),
    ("invalid JSON is shell form", "FROM a\nRUN [\"a\",]\n", None, true),
    (
        "ONBUILD ONBUILD",
        "FROM a\nONBUILD ONBUILD RUN x\n",
        Some(("ONBUILD ONBUILD", "2:9")),
        true,
    ),
    (
        "FROM with two words",
        "FROM a b\n",
        Some(("one or three arguments", "1:6")),
        false,
    ),
    ("FROM x XS y", "FROM a XS b\n", Some(("must be AS", "1:8")), false),
    (
        "invalid escape directive",
        "# escape=x\nFROM a\n",
        Some(("invalid escape token", "1:10")),
        true,
    ),
    (
        "SHELL not JSON",
        "FROM a\nSHELL /bin/bash -c\n",
        Some(("JSON form", "2:7")),
        true,
    ),
    (
        "HEALTHCHECK unknown type",
        "FROM a\nHEALTHCHECK FOO x\n",
        Some(("unknown type", "2:13")),
        false,
    ),
    (
        "backtick escape",
        "# escape=`\nFROM a\nRUN dir `\n  c:\\\n",
        None,
        true,
    ),
    (
        "comment and empty line in a continuation",
        "FROM a\nRUN a \\\n# c\n\n  b\n",
        None,
        true,
    ),
    ("RUN heredoc", "FROM a\nRUN <<EOF\necho hi\nEOF\n", None, true),
    (
        "ENV word without =",
        "FROM a\nENV A=1 B\n",
        Some(("can't find =", "2:9")),
        false,
    ),
    ("lower-case keywords", "from a\nrun x\n", None, true),
    (
        "USER without argument",
        "FROM a\nUSER\n",
        Some(("exactly one argument", "2:1")),
        false,
    ),
    ("only ARG", "ARG A=1\n", Some(("no FROM", "1:1")), true),
    (
        "ONBUILD FROM",
        "FROM a\nONBUILD FROM b\n",
        Some(("isn't allowed as an ONBUILD trigger", "2:9")),
        true,
    ),
    ("COPY heredoc", "FROM a\nCOPY <<EOF /x\nhi\nEOF\n", None, true),
    ("MAINTAINER", "FROM a\nMAINTAINER me <m@x>\n", None, true),
    (
        "EXPOSE without argument",
        "FROM a\nEXPOSE\n",
        Some(("at least one argument", "2:1")),
        false,
    ),
    (
        "CMD --help (a builder flag)",
        "FROM a\nCMD --help\n",
        Some(("unknown flag: --help", "2:5")),
        true,
    ),
    ("CRLF and BOM", "\u{feff}FROM a\r\nRUN x\r\n", None, true),
];

#[test]
fn edge_cases_parse_as_buildkit() {
    let mut wrong = Vec::new();
    for (name, text, want, _hadolint) in CASES {
        let df = parse("Dockerfile", text);
        match (want, df.errors.as_slice()) {
            (None, []) => {}
            (Some((msg, at)), [e]) if e.message.contains(msg) && e.span.start.to_string() == *at => {}
            _ => wrong.push(format!("{name}: want {want:?}, got {:?}", df.errors)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
