//! DKR020: a relative WORKDIR.

use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `WORKDIR` with a relative path (not starting with `/`, nor with a variable that
    /// may hold an absolute path, nor a Windows drive such as `C:\`). (hadolint DL3000.)
    ///
    /// ## Why is this bad?
    /// A relative WORKDIR is resolved against the previous WORKDIR — which may come from the
    /// base image and change when the base changes. An absolute path says where files go.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR app
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// WORKDIR /app
    /// ```
    pub static RELATIVE_WORKDIR = {
        code: "DKR020",
        name: "dockerfile-relative-workdir",
        severity: Low,
        summary: "WORKDIR with a relative path",
        remediation: "Use an absolute path in WORKDIR.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3000")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        if !ins.is(Keyword::Workdir) {
            continue;
        }
        let Some(w) = ins.words().first() else { continue };
        let v = w.value.trim_matches(['"', '\'']);
        let b = v.as_bytes();
        let windows = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
        if v.starts_with('/') || v.starts_with('$') || windows || v.starts_with('\\') {
            continue;
        }
        hits.push(RuleHit::new(
            w.span,
            format!("WORKDIR {v:?} is relative to the previous WORKDIR; use an absolute path"),
        ));
    }
}
