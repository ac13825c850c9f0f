//! DKR019: `cd` in a RUN where WORKDIR would do.

use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `cd DIR` commands in RUN scripts (wherever they are: `&&` chains, subshells,
    /// `sh -c`). `cd -`, `cd "$(…)"` and `cd` to a shell variable that is not an ARG or ENV
    /// of the stage (`cd "$dir"` in a loop) are skipped: WORKDIR cannot express them.
    /// (hadolint DL3003.)
    ///
    /// ## Why is this bad?
    /// `cd` lasts only until the end of the RUN; the next instruction starts in WORKDIR
    /// again, which makes long `cd a && … && cd ../b && …` chains fragile and hard to read.
    /// WORKDIR states the directory once, for every instruction after it.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN cd /src && make
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// WORKDIR /src
    /// RUN make
    /// ```
    pub static CD_INSTEAD_OF_WORKDIR = {
        code: "DKR019",
        name: "dockerfile-cd-instead-of-workdir",
        severity: Info,
        summary: "cd in a RUN instead of WORKDIR",
        remediation: "Use WORKDIR to change directory for the instructions that follow.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3003")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for c in &ctx.scripts.cmds {
        if c.program() != Some("cd") {
            continue;
        }
        let Some(dir) = c
            .args()
            .iter()
            .find(|a| !a.value.starts_with('-') || a.value == "-")
        else {
            continue;
        };
        if dir.value == "-" || dir.raw.contains("$(") || dir.raw.contains('`') {
            continue;
        }
        // `cd "$d"` in a loop cannot be a WORKDIR; `cd /src/${APP}` with an ARG or ENV can.
        let refs = super::arg_used_before_declared::var_refs(&dir.raw, '\\');
        if !refs.is_empty() {
            let ins = &ctx.file.instructions[c.ins];
            let mut known = ctx.file.vars_in_scope(ins.stage, c.ins);
            known.extend(
                ctx.file
                    .args_in_scope(ins.stage, c.ins)
                    .into_keys()
                    .map(|k| (k, String::new())),
            );
            if !refs.iter().all(|r| known.contains_key(r)) {
                continue;
            }
        }
        hits.push(RuleHit::new(
            c.argv()[0].span,
            format!("`cd {}` in a RUN: use WORKDIR {} instead", dir.value, dir.value),
        ));
    }
}
