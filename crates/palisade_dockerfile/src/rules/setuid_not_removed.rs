//! DKR009: packages installed in the final image without removing setuid/setgid bits
//! (advisory).

use super::common::{pkg_cmds, shipped_stages};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Advisory. Flags the first system package install (`apt-get`, `apk`, `yum`, `dnf`,
    /// `microdnf`, `zypper`) of the stages that ship when no RUN after it in those stages
    /// removes setuid/setgid bits: a `chmod` with `a-s`, `u-s`, `g-s`, `-s` or `ug-s` (for
    /// example `find / -xdev -perm /6000 -type f -exec chmod a-s {} +`). Packages can
    /// install setuid programs (`su`, `mount`, `passwd`, …); whether they did is only known
    /// in the built image, hence the low severity.
    ///
    /// ## Why is this bad?
    /// A setuid-root binary in the image is a privilege escalation path for a compromised
    /// process that runs as a non-root user. CIS Docker Benchmark 4.8 asks that setuid and
    /// setgid permissions be removed from images.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends iputils-ping
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends iputils-ping \
    ///  && find / -xdev -perm /6000 -type f -exec chmod a-s {} + \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    pub static SETUID_NOT_REMOVED = {
        code: "DKR009",
        name: "dockerfile-setuid-not-removed",
        severity: Low,
        summary: "Packages installed without removing setuid/setgid bits (advisory)",
        remediation: "After installing packages, remove setuid/setgid bits you do not need: find / -xdev -perm /6000 -type f -exec chmod a-s {} +",
        references: [Reference::CisDocker("4.8")],
        check: check,
    }
}

fn strips_suid(mode: &str) -> bool {
    mode.split(',').any(|m| {
        m.split_once('-')
            .is_some_and(|(who, what)| who.chars().all(|c| "ugoa".contains(c)) && what.contains('s'))
    })
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let shipped = shipped_stages(ctx.file);
    let Some(first) = pkg_cmds(ctx.scripts)
        .filter(|p| p.manager.is_system() && p.is_install())
        .find(|p| p.cmd.stage.is_some_and(|s| shipped.contains(&s)))
    else {
        return;
    };
    let stripped = ctx.scripts.cmds.iter().any(|c| {
        c.ins >= first.cmd.ins
            && c.stage.is_some_and(|s| shipped.contains(&s))
            && c.words.iter().enumerate().any(|(i, w)| {
                super::common::basename(&w.value) == "chmod"
                    && c.words[i + 1..].iter().any(|m| strips_suid(&m.value))
            })
    });
    if !stripped {
        hits.push(RuleHit::new(
            first.sub.span,
            format!(
                "{} {} installs packages into the image and no later RUN removes setuid/setgid bits",
                first.manager.name(),
                first.sub.value
            ),
        ));
    }
}
