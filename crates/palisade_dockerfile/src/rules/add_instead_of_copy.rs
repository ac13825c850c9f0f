//! DKR010: ADD used for local files where COPY does.

use super::{Ctx, RuleHit};
use crate::model::{Instruction, Keyword, Word};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `ADD` whose sources are all local files or directories (not URLs, not git
    /// repositories) and none of them is a local tar archive (`.tar`, `.tar.gz`/`.tgz`,
    /// `.tar.bz2`, `.tar.xz`/`.txz`, `.tar.zst`) — the one thing ADD does with local files that
    /// COPY does not (auto-extraction). ADD with `--from` is treated like COPY --from.
    /// (hadolint DL3020.)
    ///
    /// ## Why is this bad?
    /// ADD has surprising behaviour: it unpacks archives and fetches URLs. Using it for plain
    /// files hides which of those the author meant, and a file later renamed to `*.tar.gz`
    /// is silently extracted. CIS Docker Benchmark 4.9: use COPY instead of ADD.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD app.jar /opt/app/
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// COPY app.jar /opt/app/
    /// ```
    pub static ADD_INSTEAD_OF_COPY = {
        code: "DKR010",
        name: "dockerfile-add-instead-of-copy",
        severity: Low,
        summary: "ADD used to copy local files",
        remediation: "Use COPY for local files and directories; keep ADD for archives it must extract.",
        references: [Reference::CisDocker("4.9"), Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3020")],
        check: check,
    }
}

/// Whether a source is remote: an http(s) URL or a git repository.
pub fn is_remote(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("git@")
        || l.starts_with("git://")
        || l.starts_with("ssh://")
}

fn is_archive(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tar.lz", ".tar.lzma", ".gz", ".bz2", ".xz"]
        .iter()
        .any(|e| l.ends_with(e))
        // A glob or a variable may name an archive.
        || l.contains('*')
        || l.contains('$')
}

/// The sources of an ADD/COPY (all words but the last).
pub fn sources(ins: &Instruction) -> &[Word] {
    let w = ins.words();
    w.get(..w.len().saturating_sub(1)).unwrap_or(&[])
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        if !ins.is(Keyword::Add) || !ins.heredocs.is_empty() {
            continue;
        }
        let src = sources(ins);
        if src.is_empty() || src.iter().any(|s| is_remote(&s.value) || is_archive(&s.value)) {
            continue;
        }
        hits.push(RuleHit::new(
            ins.keyword_span,
            format!(
                "ADD of local {} {}: use COPY (ADD also extracts archives and fetches URLs)",
                if src.len() == 1 { "source" } else { "sources" },
                src.iter().map(|s| s.value.as_str()).collect::<Vec<_>>().join(" ")
            ),
        ));
    }
}
