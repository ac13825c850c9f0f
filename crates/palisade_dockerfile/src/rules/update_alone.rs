//! DKR008: `apt-get update` (or `apk update`) in a RUN that installs nothing.

use super::common::{pkg_cmd, pkg_cmds, Manager};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `apt-get update` / `apt update` (and `apk update`) in a RUN in which no package of
    /// the same manager is installed (`apt-get install`, `apk add`) — a RUN that consists of
    /// the update alone, or one that updates and then does something else. The install must
    /// be in the same RUN: the update's layer is cached separately otherwise.
    ///
    /// ## Why is this bad?
    /// Docker caches each instruction. A `RUN apt-get update` layer is reused for months, so a
    /// later `RUN apt-get install` (whose line changed) installs from the stale index:
    /// outdated packages, or failures when the mirror dropped them. CIS Docker Benchmark 4.7:
    /// do not use update instructions alone in the Dockerfile.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    pub static UPDATE_ALONE = {
        code: "DKR008",
        name: "dockerfile-update-alone",
        severity: Medium,
        summary: "Package index update without an install in the same RUN",
        remediation: "Run the update and the install in one RUN (apt-get update && apt-get install …).",
        references: [Reference::CisDocker("4.7")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for p in pkg_cmds(ctx.scripts) {
        if !matches!(p.manager, Manager::Apt | Manager::Apk) || !p.sub_is(&["update"]) {
            continue;
        }
        let installs = ctx.scripts.of_ins(p.cmd.ins).filter_map(pkg_cmd).any(|q| {
            q.manager == p.manager
                && (q.is_install()
                    || q.sub_is(&["upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source"]))
        });
        if installs {
            continue;
        }
        let alone = ctx.scripts.of_ins(p.cmd.ins).count() == 1;
        hits.push(RuleHit::new(
            p.sub.span,
            format!(
                "`{} update` {}: the cached index goes stale; update and install in the same RUN",
                p.cmd.program().unwrap_or(p.manager.name()),
                if alone {
                    "alone in a RUN"
                } else {
                    "without an install in the same RUN"
                }
            ),
        ));
    }
}
