//! DKR011: ADD of a remote URL without `--checksum`.

use super::add_instead_of_copy::sources;
use super::{Ctx, RuleHit};
use crate::model::Keyword;
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `ADD https://…` / `ADD http://…` without `--checksum=sha256:…` (BuildKit
    /// Dockerfile syntax 1.6 and later verifies the download against it). Git sources
    /// (`ADD git@…`, `ADD https://….git#ref`) are flagged unless the ref is a full commit
    /// hash. A checksum also makes a plain-`http://` download safe, so only the missing
    /// verification is reported.
    ///
    /// ## Why is this bad?
    /// The build trusts whatever the server (or anyone on the path) returns that day; a
    /// compromised download site becomes a compromised image. CIS Docker Benchmark 4.9
    /// (ADD) and 4.11 (install only verified packages).
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD https://example.com/tool-1.2.tar.gz /tmp/
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1.6
    /// ADD --checksum=sha256:24454f830cdd… https://example.com/tool-1.2.tar.gz /tmp/
    /// ```
    pub static ADD_REMOTE_WITHOUT_CHECKSUM = {
        code: "DKR011",
        name: "dockerfile-add-remote-without-checksum",
        severity: Medium,
        summary: "ADD of a remote URL without --checksum",
        remediation: "Add --checksum=sha256:<digest> to the ADD (or download with curl and verify with sha256sum -c).",
        references: [Reference::CisDocker("4.9"), Reference::CisDocker("4.11")],
        check: check,
    }
}

fn is_commit(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for ins in &ctx.file.instructions {
        if !ins.is(Keyword::Add) || ins.flag("checksum").is_some() {
            continue;
        }
        for s in sources(ins) {
            let l = s.value.to_ascii_lowercase();
            let git = l.starts_with("git@")
                || l.starts_with("git://")
                || l.contains(".git#")
                || l.ends_with(".git");
            if git {
                let pinned = s
                    .value
                    .rsplit_once('#')
                    .is_some_and(|(_, r)| is_commit(r.split(':').next().unwrap_or("")));
                if !pinned {
                    hits.push(RuleHit::new(
                        s.span,
                        format!(
                            "ADD of git repository {:?} without a commit hash: the ref can move",
                            s.value
                        ),
                    ));
                }
            } else if l.starts_with("http://") || l.starts_with("https://") {
                hits.push(RuleHit::new(
                    s.span,
                    format!(
                        "ADD of {:?} without --checksum: the download is not verified",
                        s.value
                    ),
                ));
            }
        }
    }
}
