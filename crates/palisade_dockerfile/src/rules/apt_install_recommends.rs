//! DKR004: `apt-get install` without `--no-install-recommends`.

use super::common::{pkg_cmds, Manager};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `apt-get install` (and `apt install`) commands in RUN — wherever they are in the
    /// script: `&&` chains, subshells, `sh -c`, heredocs — that do not pass
    /// `--no-install-recommends` (nor `-o APT::Install-Recommends=false` /
    /// `=0`). Files under `/etc/apt/apt.conf.d/` that switch recommends off are not seen;
    /// when the Dockerfile writes one (`APT::Install-Recommends "false"` in an earlier RUN of
    /// the stage), the rule stays silent. (hadolint DL3015.)
    ///
    /// ## Why is this bad?
    /// "Recommended" packages are extra software nobody asked for: more to patch, more
    /// attack surface, bigger images. CIS Docker Benchmark 4.3 asks that unnecessary packages
    /// are not installed.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    pub static APT_INSTALL_RECOMMENDS = {
        code: "DKR004",
        name: "dockerfile-apt-install-recommends",
        severity: Low,
        summary: "apt-get install without --no-install-recommends",
        remediation: "Add --no-install-recommends to apt-get install and list the packages you need.",
        references: [Reference::CisDocker("4.3"), Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3015")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    // Stages that configure apt to skip recommends in a RUN (apt.conf.d snippet).
    let configured: Vec<Option<usize>> = ctx
        .file
        .instructions
        .iter()
        .filter(|i| {
            i.exec_or_shell().is_some_and(|_| {
                let t = match &i.args {
                    crate::model::Args::Shell(s) => s.text.as_str(),
                    _ => "",
                };
                t.contains("Install-Recommends") && (t.contains("false") || t.contains("\"0\""))
            }) || i.heredocs.iter().any(|h| h.body.contains("Install-Recommends"))
        })
        .map(|i| i.stage)
        .collect();
    for p in pkg_cmds(ctx.scripts) {
        if p.manager != Manager::Apt || !p.is_install() || p.cmd.program() == Some("aptitude") {
            continue;
        }
        if configured.contains(&p.cmd.stage) {
            continue;
        }
        let ok = p.cmd.args().windows(2).any(|w| {
            w[0].value == "-o"
                && (w[1].value.contains("Install-Recommends=false")
                    || w[1].value.contains("Install-Recommends=0"))
        }) || p.cmd.args().iter().any(|w| {
            w.value == "--no-install-recommends"
                || w.value.starts_with("-oAPT::Install-Recommends=")
                || w.value == "--without-recommends"
        });
        if !ok {
            hits.push(RuleHit::new(
                p.sub.span,
                format!(
                    "{} install without --no-install-recommends installs recommended packages too",
                    p.cmd.program().unwrap_or("apt-get")
                ),
            ));
        }
    }
}
