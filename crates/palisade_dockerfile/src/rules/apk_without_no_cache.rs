//! DKR024: `apk add` without `--no-cache`.

use super::common::{cache_mount, pkg_cmds, Manager};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `apk add` without `--no-cache`, unless the same RUN removes `/var/cache/apk`
    /// (`rm -rf /var/cache/apk/*`) or mounts a BuildKit cache there
    /// (`--mount=type=cache,target=/var/cache/apk`). (hadolint DL3019.)
    ///
    /// ## Why is this bad?
    /// The package index (and, with a cache configured, the packages) stays in the layer: a
    /// bigger image, and a stale index for anything built on it. CIS Docker Benchmark 4.3.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk update && apk add curl=8.5.0-r0
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN apk add --no-cache curl=8.5.0-r0
    /// ```
    pub static APK_WITHOUT_NO_CACHE = {
        code: "DKR024",
        name: "dockerfile-apk-without-no-cache",
        severity: Low,
        summary: "apk add without --no-cache",
        remediation: "Use apk add --no-cache (and drop the separate apk update).",
        references: [Reference::CisDocker("4.3"), Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3019")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for p in pkg_cmds(ctx.scripts) {
        if p.manager != Manager::Apk || !p.is_install() {
            continue;
        }
        if p.cmd.args().iter().any(|a| a.value == "--no-cache") {
            continue;
        }
        if cache_mount(
            &ctx.file.instructions[p.cmd.ins],
            &["/var/cache/apk", "/etc/apk/cache"],
        ) {
            continue;
        }
        let removed = ctx.scripts.of_ins(p.cmd.ins).any(|c| {
            c.program() == Some("rm") && c.args().iter().any(|a| a.value.starts_with("/var/cache/apk"))
        });
        if !removed {
            hits.push(RuleHit::new(
                p.sub.span,
                "apk add without --no-cache keeps the package index in the layer",
            ));
        }
    }
}
