//! DKR018: `sudo` in a RUN.

use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags RUN commands that call `sudo` (anywhere in the script: `&&` chains, pipelines,
    /// subshells, `sh -c`). (hadolint DL3004.)
    ///
    /// ## Why is this bad?
    /// RUN already runs as the current USER; if that user needs root for a step, switch with
    /// `USER root` for it and back. `sudo` in the image means a sudo binary (setuid root)
    /// and a sudoers configuration ship with it, an escalation path for whoever gets a shell
    /// in the container, and its TTY and environment handling make builds unpredictable.
    ///
    /// ## Example
    /// ```dockerfile
    /// USER app
    /// RUN sudo apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// USER root
    /// RUN apt-get install -y --no-install-recommends curl
    /// USER app
    /// ```
    pub static SUDO = {
        code: "DKR018",
        name: "dockerfile-sudo",
        severity: Medium,
        summary: "sudo used in a RUN",
        remediation: "Remove sudo; switch USER around the steps that need root.",
        references: [Reference::CisDocker("4.1"), Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3004")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for c in &ctx.scripts.cmds {
        // The wrappers in front of the real program (`sudo -u app env X=1 make`).
        let wrappers = c.words.len() - c.argv().len();
        if let Some(w) = c.words[..wrappers]
            .iter()
            .find(|w| super::common::basename(&w.value) == "sudo")
        {
            hits.push(RuleHit::new(
                w.span,
                "sudo in a RUN: switch USER for the steps that need root instead",
            ));
        }
    }
}
