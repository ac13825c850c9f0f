//! DKR028: COPY/ADD of several sources to a destination without a trailing slash.

use super::add_instead_of_copy::sources;
use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `COPY` and `ADD` with more than one source whose destination does not end with
    /// `/` (nor is `.`/`..`, nor a variable). A single wildcard source is not flagged: it may
    /// match one file, which Docker accepts. (hadolint DL3021.)
    ///
    /// ## Why is this bad?
    /// Docker requires the destination of several sources to be a directory ending in `/`:
    /// the build fails ("When using COPY with more than one source file, the destination must
    /// be a directory and end with a /").
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY package.json package-lock.json /app
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// COPY package.json package-lock.json /app/
    /// ```
    pub static COPY_MULTIPLE_TO_FILE = {
        code: "DKR028",
        name: "dockerfile-copy-multiple-to-file",
        severity: Medium,
        summary: "Several COPY/ADD sources to a destination that is not a directory",
        remediation: "End the destination with / when copying several files.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3021")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        if !(ins.is(Keyword::Copy) || ins.is(Keyword::Add)) || !ins.heredocs.is_empty() {
            continue;
        }
        let src = sources(ins);
        let Some(dest) = ins.words().last() else { continue };
        let many = src.len() > 1;
        if !many {
            continue;
        }
        let d = dest.value.as_str();
        if d.ends_with('/') || d.ends_with('\\') || d == "." || d == ".." || d.contains('$') {
            continue;
        }
        hits.push(RuleHit::new(
            dest.span,
            format!(
                "{} of {} sources to {d:?}: the destination must be a directory ending with /",
                ins.keyword,
                src.len()
            ),
        ));
    }
}
