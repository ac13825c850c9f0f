//! DKR003: a FROM image not pinned by digest.

use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `FROM` images of the stages that ship (the final stage and the stages it is built
    /// `FROM`) that are not pinned by digest (`@sha256:…`). Tags are mutable: `debian:12` is
    /// a different image every few weeks. `scratch`, stage references and images given by a
    /// variable without a default are skipped. Options: `requireDigest: false` turns the rule
    /// off for a project that pins by tag and rebuilds on purpose; `exemptImages` lists image
    /// name prefixes that need no digest (an internal base rebuilt by the same pipeline).
    ///
    /// ## Why is this bad?
    /// CIS Docker Benchmark 4.2 asks for trusted base images; a tag can be moved by whoever
    /// controls the repository (or an attacker who took it over), so a rebuild silently
    /// picks up a different base. A digest makes the build reproducible and reviewable;
    /// tools such as Renovate or Dependabot keep digests current.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM debian:12-slim@sha256:a1b2c3…
    /// ```
    pub static BASE_IMAGE_DIGEST = {
        code: "DKR003",
        name: "dockerfile-base-image-digest",
        severity: Low,
        summary: "Base image not pinned by digest",
        remediation: "Pin the base image by digest (image:tag@sha256:…) and let a bot update it.",
        references: [Reference::CisDocker("4.2")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    if ctx.opts.bool("requireDigest") == Some(false) {
        return;
    }
    let exempt = ctx.opts.strings("exemptImages").unwrap_or_default();
    for i in super::common::shipped_stages(ctx.file) {
        let b = &ctx.file.stages[i].base;
        if b.is_scratch || b.is_stage_ref || b.digest.is_some() || b.repository.is_empty() {
            continue;
        }
        if b.uses_variable && b.raw.contains('@') {
            continue;
        }
        let name = match &b.registry {
            Some(r) => format!("{r}/{}", b.repository),
            None => b.repository.clone(),
        };
        if exempt
            .iter()
            .any(|e| name.starts_with(e.as_str()) || b.raw.starts_with(e.as_str()))
        {
            continue;
        }
        hits.push(RuleHit::new(
            b.span,
            format!(
                "base image {:?} is not pinned by digest: a rebuild may pull a different image",
                b.raw
            ),
        ));
    }
}
