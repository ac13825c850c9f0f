//! HRD001: container images without a tag or digest.

use super::common::{flag_images, image_of};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose `image` has neither a tag nor a
    /// digest (`nginx`, `registry.example.com:5000/team/app`). The runtime resolves such an
    /// image to `:latest`. Images tagged `:latest` explicitly are flagged by
    /// `image-latest-tag`; images pinned by digest are never flagged. Empty images and
    /// unrendered placeholders (`$(IMAGE)`, `{{ .Values.image }}`) are skipped.
    ///
    /// ## Why is this bad?
    /// An untagged image is `latest` in disguise: each node pulls whatever the repository
    /// points at when the pod starts, so the code that runs is not what was reviewed, and an
    /// attacker who can push to the repository (leaked CI token, typo-squatted public image)
    /// gets their image run on the next restart — MITRE ATT&CK T1525 "Implant Internal
    /// Image".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app:1.8.3@sha256:<digest of 1.8.3>
    /// ```
    /// Name an immutable version tag, ideally pinned by digest.
    pub static IMAGE_WITHOUT_TAG = {
        code: "HRD001",
        name: "image-without-tag",
        severity: Medium,
        group: "hardening",
        summary: "Container image has no tag or digest (resolves to :latest)",
        remediation: "Add an immutable version tag (and pin it by digest) to the image reference.",
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
    flag_images(ctx, hits, image_of, |r| {
        (r.digest.is_none() && r.tag.is_none())
            .then_some("without a tag or digest: it resolves to the mutable tag latest")
    });
}
