//! DKR023: packages installed without a version (apt-get, apk, pip, npm, gem).

use super::common::{pkg_cmds, CmdWord, Manager, PkgCmd};
use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags package arguments of installs that name no version:
    /// - `apt-get install curl` (pin: `curl=7.88.1-10+deb12u5`; hadolint DL3008);
    /// - `apk add curl` (pin: `curl=8.5.0-r0`, or `curl~8.5`; DL3018);
    /// - `pip install requests` (pin: `requests==2.31.0`, any specifier `>=`, `~=`, `<`;
    ///   requirement files, local paths, URLs, VCS and wheel files are skipped; DL3013);
    /// - `npm install express` (pin: `express@4.18.2`; `npm install`/`npm ci` without package
    ///   arguments install the lock file and are fine; local paths, tarballs and git URLs are
    ///   skipped; DL3016);
    /// - `gem install rails` (pin: `rails:7.1.3` or `-v 7.1.3`; DL3028).
    ///
    /// One finding per install command, at its first unpinned package, naming them all.
    /// Arguments that are a variable (`$PKGS`) and `.deb`/`.apk`/`.rpm`/`.whl` files are
    /// skipped; a variable inside a name (`mysql-client-${V}`) is part of the name, not a pin.
    ///
    /// ## Why is this bad?
    /// Without versions, two builds of the same commit get different packages: a build
    /// breaks (or changes behaviour) with no change in the repository, and scanning results
    /// describe a different image than the one that ships.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask gunicorn
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask==3.0.2 gunicorn==21.2.0
    /// ```
    pub static PACKAGE_UNPINNED = {
        code: "DKR023",
        name: "dockerfile-package-unpinned",
        severity: Low,
        summary: "Package installed without a pinned version",
        remediation: "Pin versions (pkg=version for apt/apk, pkg==version for pip, pkg@version for npm, pkg:version for gem) or install from a lock file.",
        references: [Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3008")],
        check: check,
    }
}

fn skip(v: &str) -> bool {
    v.starts_with('$')
        || v.starts_with('.')
        || v.starts_with('/')
        || v.starts_with('~')
        || v.contains("://")
        || v.starts_with("git+")
        || v.starts_with("git@")
        || v.contains('(')
        || [
            ".deb", ".apk", ".rpm", ".whl", ".tar.gz", ".tgz", ".zip", ".gem", ".txt",
        ]
        .iter()
        .any(|e| v.ends_with(e))
}

fn pinned(p: &PkgCmd<'_>, w: &CmdWord) -> bool {
    let v = w.value.as_str();
    match p.manager {
        Manager::Apt => v.contains('='),
        Manager::Apk => v.contains('=') || v.contains('~') || v.contains('<') || v.contains('>'),
        Manager::Pip => v.contains(['=', '<', '>', '~', '@']) || v.starts_with('-'),
        Manager::Npm => {
            let body = v.strip_prefix('@').unwrap_or(v);
            body.contains('@') || v.contains('/') && !v.starts_with('@') || v.contains(':')
        }
        Manager::Gem => v.contains(':'),
        _ => true,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for p in pkg_cmds(ctx.scripts) {
        if !p.is_install()
            || !matches!(
                p.manager,
                Manager::Apt | Manager::Apk | Manager::Pip | Manager::Npm | Manager::Gem
            )
        {
            continue;
        }
        if p.from_file() {
            continue;
        }
        if p.manager == Manager::Gem
            && p.rest
                .iter()
                .any(|w| w.value == "-v" || w.value.starts_with("--version"))
        {
            continue;
        }
        let unpinned: Vec<&CmdWord> = p
            .packages()
            .into_iter()
            .filter(|w| !skip(&w.value) && !pinned(&p, w))
            // apk's `--virtual NAME` consumes its value; pip's `install .` etc. are skipped.
            .collect();
        let Some(first) = unpinned.first() else { continue };
        let names: Vec<&str> = unpinned.iter().map(|w| w.value.as_str()).collect();
        hits.push(RuleHit::new(
            first.span,
            format!(
                "{} {} without a version: {}",
                p.manager.name(),
                p.sub.value,
                names.join(", ")
            ),
        ));
    }
}
