//! DKR005: package-manager caches left in the layer that installed packages.

use super::common::{cache_mount, pkg_cmd, shipped_stages, Cmd, Manager};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags a RUN of a stage that ships (the final stage and the stages it is built `FROM`)
    /// that installs packages and does not remove the package manager's cache in the same
    /// RUN:
    /// - `apt-get`/`apt update` and `install` without `rm -rf /var/lib/apt/lists/*` (hadolint
    ///   DL3009; an install without an update in its RUN downloads no lists);
    /// - `yum install` without `yum clean all` or removing `/var/cache/yum` (DL3032);
    /// - `dnf`/`microdnf install` without `dnf clean all` / `microdnf clean all` or removing
    ///   `/var/cache/dnf` (DL3040, DL3041's neighbour);
    /// - `zypper install` without `zypper clean` / `zypper cc` (DL3036).
    ///
    /// A BuildKit cache mount on the cache directory (`RUN --mount=type=cache,target=/var/lib/apt`)
    /// keeps the cache out of the layer and satisfies the rule. `apk add` is covered by
    /// `dockerfile-apk-without-no-cache`, pip by `dockerfile-pip-without-no-cache-dir`.
    /// Builder stages are not flagged: their layers do not ship.
    ///
    /// ## Why is this bad?
    /// A later `RUN rm` does not shrink the image: the files stay in the earlier layer. Stale
    /// package indexes also make the next `install` in a derived image use outdated metadata.
    /// CIS Docker Benchmark 4.3 asks for minimal images.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    pub static PACKAGE_CACHE_KEPT = {
        code: "DKR005",
        name: "dockerfile-package-cache-kept",
        severity: Low,
        summary: "Package-manager cache not removed in the layer that installed packages",
        remediation: "Remove the package lists/cache in the same RUN that installs (rm -rf /var/lib/apt/lists/*, yum/dnf clean all) or use a cache mount.",
        references: [Reference::CisDocker("4.3"), Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3009")],
        check: check,
    }
}

/// The cache directories of a manager, and the clean subcommands that empty them.
fn cache_of(m: Manager) -> Option<(&'static [&'static str], &'static [&'static str])> {
    match m {
        Manager::Apt => Some((&["/var/lib/apt/lists", "/var/lib/apt"], &[])),
        Manager::Yum => Some((&["/var/cache/yum"], &["clean"])),
        Manager::Dnf | Manager::Microdnf => Some((&["/var/cache/dnf", "/var/cache/yum"], &["clean"])),
        Manager::Zypper => Some((&["/var/cache/zypp"], &["clean", "cc"])),
        _ => None,
    }
}

/// Whether `c` removes one of `dirs` (`rm -rf /var/lib/apt/lists/*`, `rm -r /var/cache/yum`).
fn removes(c: &Cmd, dirs: &[&str]) -> bool {
    matches!(c.program(), Some("rm" | "find"))
        && c.args().iter().any(|a| {
            let t = a.value.trim_end_matches(['/', '*']);
            // The directory itself, something below it, or a parent of it (`rm -rf /var/cache`).
            t.len() >= "/var/cache".len() && dirs.iter().any(|d| t.starts_with(d) || d.starts_with(t))
        })
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let shipped = shipped_stages(ctx.file);
    for p in super::common::pkg_cmds(ctx.scripts) {
        if !p.is_install() || !p.cmd.stage.is_some_and(|s| shipped.contains(&s)) {
            continue;
        }
        let Some((dirs, clean)) = cache_of(p.manager) else {
            continue;
        };
        // apt only downloads package lists on `update`: an install in a RUN without one
        // adds no lists to the layer (the update's own RUN is `dockerfile-update-alone`).
        if p.manager == Manager::Apt
            && !ctx
                .scripts
                .of_ins(p.cmd.ins)
                .filter_map(pkg_cmd)
                .any(|q| q.manager == Manager::Apt && q.sub_is(&["update"]))
        {
            continue;
        }
        let ins = &ctx.file.instructions[p.cmd.ins];
        if cache_mount(ins, dirs) || (p.manager == Manager::Apt && cache_mount(ins, &["/var/lib/apt"])) {
            continue;
        }
        let cleaned = ctx.scripts.of_ins(p.cmd.ins).any(|c| {
            removes(c, dirs)
                || pkg_cmd(c).is_some_and(|q| {
                    q.sub_is(clean)
                        && (q.manager == p.manager
                            || matches!(
                                (q.manager, p.manager),
                                (
                                    Manager::Dnf | Manager::Yum | Manager::Microdnf,
                                    Manager::Dnf | Manager::Yum | Manager::Microdnf
                                )
                            ))
                })
        });
        if !cleaned {
            let how = match p.manager {
                Manager::Apt => "rm -rf /var/lib/apt/lists/*",
                Manager::Yum => "yum clean all",
                Manager::Dnf => "dnf clean all",
                Manager::Microdnf => "microdnf clean all",
                _ => "zypper clean --all",
            };
            hits.push(RuleHit::new(
                p.sub.span,
                format!(
                    "{} {} leaves the package cache in this layer; add `{how}` to the same RUN",
                    p.manager.name(),
                    p.sub.value
                ),
            ));
        }
    }
}
