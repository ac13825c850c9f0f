//! DKR032: a variable used in an instruction before the ARG that declares it is in scope
//! (later in the stage, a global ARG not redeclared in the stage, or a stage ARG used in
//! FROM).

use super::{Ctx, RuleHit};
use crate::model::{Dockerfile, Instruction, Keyword, Span};
use palisade_core::Reference;
use std::collections::BTreeSet;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `$NAME` / `${NAME…}` references in the instructions BuildKit substitutes (FROM,
    /// ADD, COPY, ENV, ARG, LABEL, EXPOSE, STOPSIGNAL, USER, VOLUME, WORKDIR, and flags such
    /// as `--chown`, `--from`) where `NAME` is not in scope at that point although the
    /// Dockerfile declares it with ARG elsewhere:
    /// - the ARG comes later in the same stage (or later before the first FROM);
    /// - `NAME` is a global ARG (declared before the first FROM) used inside a stage that does
    ///   not redeclare it with `ARG NAME` — global ARGs are only in scope for FROM lines;
    /// - a FROM uses an ARG declared inside a stage — FROM only sees the global ARGs.
    ///
    /// BuildKit's automatic platform ARGs (`TARGETPLATFORM`, `BUILDPLATFORM`, `TARGETARCH`, …)
    /// are in scope for FROM without a declaration. Variables the file never declares are
    /// not flagged: they may come from the base
    /// image's ENV (`WORKDIR $GOPATH/src`). RUN, CMD and ENTRYPOINT are not checked: the shell
    /// substitutes those at run time, from the environment.
    ///
    /// ## Why is this bad?
    /// BuildKit substitutes an undeclared variable with the empty string, silently: `COPY
    /// app-${VERSION}.jar` copies `app-.jar`, `FROM base:${TAG}` builds from `base:` (an
    /// error) or from a different image.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG VERSION=1.4.2
    /// FROM alpine:3.19
    /// COPY app-${VERSION}.tar.gz /opt/
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// ARG VERSION=1.4.2
    /// FROM alpine:3.19
    /// ARG VERSION
    /// COPY app-${VERSION}.tar.gz /opt/
    /// ```
    pub static ARG_USED_BEFORE_DECLARED = {
        code: "DKR032",
        name: "dockerfile-arg-used-before-declared",
        severity: Medium,
        summary: "Variable used before its ARG is in scope",
        remediation: "Declare the ARG before its use in the same stage (redeclare global ARGs with ARG NAME inside the stage).",
        references: [Reference::Url("https://docs.docker.com/reference/dockerfile/#scope")],
        check: check,
    }
}

/// The variable names referenced in `text` (`$A`, `${B}`, `${C:-x}`), honouring the escape
/// character; the names inside a `${A:-$B}` default are included.
pub fn var_refs(text: &str, escape: char) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == escape {
            i += 2;
            continue;
        }
        if c == '$' {
            let braced = chars.get(i + 1) == Some(&'{');
            let start = i + 1 + usize::from(braced);
            let mut j = start;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > start && !chars[start].is_ascii_digit() {
                out.push(chars[start..j].iter().collect());
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

/// The texts of an instruction BuildKit substitutes in, with their spans.
fn texts(ins: &Instruction) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = Vec::new();
    for f in &ins.flags {
        if let Some(v) = &f.value {
            if matches!(f.name.as_str(), "chown" | "chmod" | "from" | "platform") {
                out.push((v.clone(), f.value_span));
            }
        }
    }
    match ins.keyword {
        Keyword::Env | Keyword::Arg | Keyword::Label => {
            for kv in ins.key_values() {
                out.push((kv.key.raw.clone(), kv.key.span));
                if let Some(v) = &kv.value {
                    out.push((v.raw.clone(), v.span));
                }
            }
        }
        Keyword::From
        | Keyword::Add
        | Keyword::Copy
        | Keyword::Expose
        | Keyword::Stopsignal
        | Keyword::User
        | Keyword::Volume
        | Keyword::Workdir
            if ins.heredocs.is_empty() =>
        {
            for w in ins.words() {
                out.push((w.raw.clone(), w.span));
            }
        }
        _ => {}
    }
    out
}

/// Where each name is declared by ARG: `(instruction index, stage)`.
fn arg_decls(file: &Dockerfile) -> Vec<(String, usize, Option<usize>)> {
    let mut out = Vec::new();
    for (i, ins) in file.instructions.iter().enumerate() {
        if ins.is(Keyword::Arg) {
            for kv in ins.key_values() {
                out.push((kv.key.value.clone(), i, ins.stage));
            }
        }
    }
    out
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let file = ctx.file;
    let decls = arg_decls(file);
    let global: BTreeSet<String> = file.global_args().into_keys().collect();
    // BuildKit's automatic platform ARGs are in the global scope (FROM lines) undeclared.
    const AUTOMATIC: &[&str] = &[
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
    ];
    for (i, ins) in file.instructions.iter().enumerate() {
        let is_from = ins.is(Keyword::From);
        let in_scope: BTreeSet<String> = if is_from || ins.stage.is_none() {
            file.args_in_scope(None, i).into_keys().collect()
        } else {
            let mut s: BTreeSet<String> = file.args_in_scope(ins.stage, i).into_keys().collect();
            s.extend(file.vars_in_scope(ins.stage, i).into_keys());
            // ENV/ARG declared earlier in the same instruction (`ENV A=1 B=$A`) are in scope.
            s
        };
        let mut earlier_in_ins: BTreeSet<String> = BTreeSet::new();
        for (text, span) in texts(ins) {
            for name in var_refs(&text, file.escape) {
                if in_scope.contains(&name) || earlier_in_ins.contains(&name) {
                    continue;
                }
                if (is_from || ins.stage.is_none()) && AUTOMATIC.contains(&name.as_str()) {
                    continue;
                }
                let why = if is_from || ins.stage.is_none() {
                    if let Some((_, at, _)) = decls
                        .iter()
                        .find(|(n, at, st)| *n == name && *at > i && st.is_none())
                    {
                        Some(format!(
                            "${name} is used before its ARG (line {})",
                            file.instructions[*at].keyword_span.start.line
                        ))
                    } else {
                        decls.iter().find(|(n, _, st)| *n == name && st.is_some()).map(|(_, at, _)| {
                            format!(
                                "${name} is declared by the ARG at line {} inside a stage: FROM only sees ARGs declared before the first FROM",
                                file.instructions[*at].keyword_span.start.line
                            )
                        })
                    }
                } else if let Some((_, at, _)) = decls
                    .iter()
                    .find(|(n, at, st)| *n == name && *at > i && *st == ins.stage)
                {
                    Some(format!(
                        "${name} is used before its ARG at line {} in this stage: it expands to an empty string here",
                        file.instructions[*at].keyword_span.start.line
                    ))
                } else if global.contains(&name) {
                    Some(format!(
                        "${name} is a global ARG (declared before the first FROM) that this stage does not redeclare: add `ARG {name}` in the stage"
                    ))
                } else {
                    None
                };
                if let Some(why) = why {
                    hits.push(RuleHit::new(span, why));
                }
            }
            if matches!(ins.keyword, Keyword::Env | Keyword::Arg) {
                for kv in ins.key_values() {
                    if kv.key.span <= span {
                        earlier_in_ins.insert(kv.key.value.clone());
                    }
                }
            }
        }
    }
}
