//! DKR002: a FROM image from a registry outside the configured `allowedRegistries`.

use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `FROM` images (of every stage: a builder stage's tools run during the build and
    /// its files are copied into the image) that do not come from one of the registries listed
    /// in the rule's `allowedRegistries` option — the same entries as the manifest rule
    /// `allowed-registries` (HRD006): `registry.example.com`, `ghcr.io/example` (a path
    /// prefix), `*.dkr.ecr.eu-west-1.amazonaws.com`, `docker.io/library`. An image without a
    /// registry is on `docker.io`. `scratch`, references to earlier stages and images given
    /// by a variable that has no default are not judged. Silent unless the option is set.
    ///
    /// ```yaml
    /// rules:
    ///   dockerfile-base-image-registry:
    ///     allowedRegistries: [registry.example.com, docker.io/library]
    /// ```
    ///
    /// ## Why is this bad?
    /// A base image is code you run and ship. CIS Docker Benchmark 4.2 asks that images be
    /// built only from trusted base images; an organisation enforces that by mirroring vetted
    /// images into its own registries.
    ///
    /// ## Example
    /// ```dockerfile
    /// # allowedRegistries: [registry.example.com]
    /// FROM someone/node-with-extras:20
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM registry.example.com/base/node:20.11
    /// ```
    pub static BASE_IMAGE_REGISTRY = {
        code: "DKR002",
        name: "dockerfile-base-image-registry",
        severity: Medium,
        summary: "Base image from a registry outside allowedRegistries",
        remediation: "Build from an image mirrored into an approved registry, or extend allowedRegistries once it is vetted.",
        references: [Reference::CisDocker("4.2")],
        requires_option: "allowedRegistries",
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    let Some(allowed) = ctx.opts.strings("allowedRegistries") else {
        return;
    };
    let allowed: Vec<String> = allowed
        .iter()
        .map(|a| a.trim().trim_end_matches('/').to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .collect();
    if allowed.is_empty() {
        return;
    }
    for st in &ctx.file.stages {
        let b = &st.base;
        if b.is_scratch || b.is_stage_ref || b.repository.is_empty() || b.repository.contains('$') {
            continue;
        }
        let image = match &b.registry {
            Some(r) => format!("{r}/{}", b.repository),
            None => b.repository.clone(),
        };
        let (registry, repository) =
            palisade_rules::hardening::workloads::common::canonical_image_name(&image);
        if allowed.iter().any(|a| {
            palisade_rules::hardening::workloads::allowed_registries::matches(a, &registry, &repository)
        }) {
            continue;
        }
        hits.push(RuleHit::new(
            b.span,
            format!(
                "base image {:?} comes from registry {registry:?}, which is not in allowedRegistries",
                b.raw
            ),
        ));
    }
}
