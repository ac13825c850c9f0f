//! HRD005: container images tagged `:latest`.

use super::common::{flag_images, raw_image};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose image is tagged `:latest`.
    /// Images without any tag (which also resolve to `latest`) are flagged by
    /// `image-without-tag`; images pinned by digest are never flagged.
    ///
    /// ## Why is this bad?
    /// `latest` moves: the same manifest runs different code on different nodes and days, a
    /// rollback does not roll back, and an attacker who can push to the repository (a leaked
    /// CI token, a typo-squatted public image) gets their image pulled on the next restart
    /// without any change to the manifest — MITRE ATT&CK T1525 "Implant Internal Image".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app:latest
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app:1.8.3@sha256:<digest of 1.8.3>
    /// ```
    /// Use an immutable version tag, ideally pinned by digest.
    pub static IMAGE_LATEST_TAG = {
        code: "HRD005",
        name: "image-latest-tag",
        severity: Medium,
        group: "hardening",
        summary: "Container image uses the mutable :latest tag",
        remediation: "Use an immutable version tag (and pin it by digest) instead of :latest.",
        references: [
            Reference::Nsa("Container images: use trusted, immutable images"),
            Reference::Mitre("T1525"),
            Reference::Checkov("CKV_K8S_14"),
            Reference::Trivy("KSV013"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    flag_images(ctx, hits, raw_image, |r| {
        (r.digest.is_none() && r.tag == Some("latest")).then_some("with the mutable tag latest")
    });
}
