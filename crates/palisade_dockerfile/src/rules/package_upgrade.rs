//! DKR006: a whole-system package upgrade in a RUN (`apt-get upgrade`, `apk upgrade`, `yum
//! update`).

use super::common::{pkg_cmds, Manager};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags commands that upgrade every installed package of the system: `apt-get upgrade`,
    /// `dist-upgrade`, `full-upgrade`; `apk upgrade`; `yum update`/`upgrade` and `dnf`/
    /// `microdnf upgrade`/`update`/`distro-sync` without package names; `zypper update`/`up`/
    /// `dist-upgrade`/`dup`. Upgrading named packages (`yum update openssl`) is not flagged.
    ///
    /// ## Why is this bad?
    /// The image then depends on whatever the mirrors serve on the day of the build, not on
    /// the base image that was tested and scanned: two builds of one commit differ, and
    /// packages the base image maintainers pinned for compatibility move. CIS Docker
    /// Benchmark 4.3/4.4: keep images minimal and patched by rebuilding on an updated base
    /// image. (Debian's own guidance is mixed; this rule is low severity — ignore it if your
    /// policy is to upgrade at build time and you rebuild often.)
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get -y upgrade
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM debian:12.5-slim   # a patched base, rebuilt when the base is updated
    /// ```
    pub static PACKAGE_UPGRADE = {
        code: "DKR006",
        name: "dockerfile-package-upgrade",
        severity: Low,
        summary: "Whole-system package upgrade during the build",
        remediation: "Rebuild on an updated base image instead of upgrading every package; upgrade named packages only when a fix requires it.",
        references: [Reference::CisDocker("4.3"), Reference::CisDocker("4.4")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for p in pkg_cmds(ctx.scripts) {
        let whole = match p.manager {
            Manager::Apt => p.sub_is(&["upgrade", "dist-upgrade", "full-upgrade"]),
            Manager::Apk => p.sub_is(&["upgrade"]),
            Manager::Yum | Manager::Dnf | Manager::Microdnf => {
                p.sub_is(&["update", "upgrade", "distro-sync", "dist-upgrade"]) && p.packages().is_empty()
            }
            Manager::Zypper => {
                p.sub_is(&["update", "up", "dist-upgrade", "dup", "patch"]) && p.packages().is_empty()
            }
            _ => false,
        };
        if whole {
            hits.push(RuleHit::new(
                p.sub.span,
                format!(
                    "`{} {}` upgrades every package at build time: the image no longer matches the tested base",
                    p.cmd.program().unwrap_or(p.manager.name()),
                    p.sub.value
                ),
            ));
        }
    }
}
