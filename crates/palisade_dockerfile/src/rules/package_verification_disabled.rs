//! DKR015: package signature checks switched off (`--allow-unauthenticated`,
//! `--allow-untrusted`, `--nogpgcheck`, `[trusted=yes]`).

use super::common::{basename, pkg_cmd, Manager};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags RUN commands that install packages with their signature verification off:
    /// - apt: `--allow-unauthenticated`, `--force-yes`, `--allow-insecure-repositories`,
    ///   `--allow-downgrades` is not flagged; `-o APT::Get::AllowUnauthenticated=true`,
    ///   `Acquire::AllowInsecureRepositories=true`; a source line with `[trusted=yes]`
    ///   written by the RUN (`echo "deb [trusted=yes] http://…" > /etc/apt/sources.list.d/x.list`);
    /// - apk: `--allow-untrusted`;
    /// - yum/dnf/microdnf/zypper: `--nogpgcheck`, `--setopt=gpgcheck=0`/`False`,
    ///   `--no-gpg-checks`; rpm: `--nosignature`, `--nodigest`, `--nogpg`.
    ///
    /// ## Why is this bad?
    /// Package signatures are what tie a package to its distribution's keys; without them a
    /// mirror, proxy or attacker on the path can substitute any package. CIS Docker
    /// Benchmark 4.11: install verified packages only.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --no-cache --allow-untrusted /tmp/tool.apk
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// COPY tool-signing.rsa.pub /etc/apk/keys/
    /// RUN apk add --no-cache /tmp/tool.apk
    /// ```
    pub static PACKAGE_VERIFICATION_DISABLED = {
        code: "DKR015",
        name: "dockerfile-package-verification-disabled",
        severity: High,
        summary: "Package signature verification disabled",
        remediation: "Remove the flag; import the repository's signing key instead (signed-by= for apt, /etc/apk/keys, rpm --import).",
        references: [Reference::CisDocker("4.11"), Reference::Mitre("T1195.002")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for c in &ctx.scripts.cmds {
        let prog = c.program().unwrap_or("");
        let manager = pkg_cmd(c).map(|p| p.manager);
        for (i, w) in c.args().iter().enumerate() {
            let v = w.value.as_str();
            let next = c.args().get(i + 1).map_or("", |n| n.value.as_str());
            let bad = match (manager, prog) {
                (Some(Manager::Apt), _) => {
                    matches!(
                        v,
                        "--allow-unauthenticated" | "--force-yes" | "--allow-insecure-repositories"
                    ) || (v == "-o"
                        && (next.contains("AllowUnauthenticated=true")
                            || next.contains("AllowUnauthenticated=1")
                            || next.contains("AllowInsecureRepositories=true")
                            || next.contains("AllowInsecureRepositories=1")))
                }
                (Some(Manager::Apk), _) => v == "--allow-untrusted",
                (Some(Manager::Yum | Manager::Dnf | Manager::Microdnf | Manager::Zypper), _) => {
                    matches!(v, "--nogpgcheck" | "--no-gpg-checks" | "--no-gpgcheck")
                        || v.starts_with("--setopt=gpgcheck=0")
                        || v.eq_ignore_ascii_case("--setopt=gpgcheck=false")
                        || (v == "--setopt"
                            && (next == "gpgcheck=0" || next.eq_ignore_ascii_case("gpgcheck=false")))
                }
                (_, "rpm") => matches!(v, "--nosignature" | "--nodigest" | "--nogpg"),
                (_, "echo" | "printf" | "tee") => v.contains("[trusted=yes]") || v.contains(" trusted=yes"),
                _ => false,
            };
            if bad {
                hits.push(RuleHit::new(
                    w.span,
                    format!(
                        "`{}` {} turns off package signature verification",
                        basename(prog),
                        if v.contains("trusted=yes") {
                            "writes an apt source with [trusted=yes], which"
                        } else {
                            v
                        }
                    ),
                ));
            }
        }
    }
}
