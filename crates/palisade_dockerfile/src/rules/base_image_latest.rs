//! DKR017: a FROM image without a tag or with `:latest`.

use super::{Ctx, RuleHit};
use palisade_core::Reference;

declare_dockerfile_rule! {
    /// ## What it does
    /// Flags `FROM` images that have neither a tag nor a digest (`FROM ubuntu`, which means
    /// `ubuntu:latest`) or whose tag is `latest`, in every stage. `scratch`, references to an
    /// earlier stage (`FROM builder`, matched case-insensitively as BuildKit does) and images
    /// whose name or tag comes from a variable are not flagged; a digest makes any tag
    /// acceptable. (hadolint DL3006, DL3007.)
    ///
    /// ## Why is this bad?
    /// `latest` moves: the same Dockerfile builds a different image tomorrow, possibly a new
    /// major version, and nobody reviewed the change. Reproducible builds and the trusted base
    /// images of CIS Docker 4.2 start with a version.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node
    /// FROM alpine:latest
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM node:20.11-bookworm-slim
    /// FROM alpine:3.19
    /// ```
    pub static BASE_IMAGE_LATEST = {
        code: "DKR017",
        name: "dockerfile-base-image-latest",
        severity: Medium,
        summary: "Base image without a tag or with the latest tag",
        remediation: "Name an explicit version tag (and ideally a digest) for every FROM image.",
        references: [Reference::CisDocker("4.2"), Reference::Url("https://github.com/hadolint/hadolint/wiki/DL3007")],
        check: check,
    }
}

fn check(ctx: &Ctx<'_>, hits: &mut Vec<RuleHit>) {
    for st in &ctx.file.stages {
        let b = &st.base;
        if b.is_scratch || b.is_stage_ref || b.digest.is_some() || b.repository.is_empty() {
            continue;
        }
        if b.uses_variable && (b.tag.is_none() || b.repository.contains('$')) {
            // `FROM $IMAGE` or `FROM repo:$TAG` whose default did not expand: not decidable.
            if b.raw.contains('$') {
                continue;
            }
        }
        match b.tag.as_deref() {
            None => hits.push(RuleHit::new(
                b.span,
                format!(
                    "base image {:?} has no tag: it means {:?}, which moves",
                    b.raw,
                    format!("{}:latest", b.raw)
                ),
            )),
            Some("latest") => hits.push(RuleHit::new(
                b.span,
                format!(
                    "base image {:?} uses the latest tag{}, which moves; name a version",
                    b.raw,
                    if b.uses_variable {
                        " (by its ARG default)"
                    } else {
                        ""
                    }
                ),
            )),
            Some(_) => {}
        }
    }
}
