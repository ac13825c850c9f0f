//! HRD002: container images not pinned by digest.

use super::common::{flag_images, image_of};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose `image` does not end in an
    /// `@<algorithm>:<hex>` digest (`@sha256:...`), whatever its tag. Empty images and
    /// unrendered placeholders are skipped. Informational: many teams pin by digest through
    /// their CD tooling rather than in source manifests; mutable tags (`latest`, none) are
    /// flagged at higher severity by `image-latest-tag` and `image-without-tag`.
    ///
    /// ## Why is this bad?
    /// Tags are mutable pointers: a version tag can be re-pushed, by mistake or by an
    /// attacker holding registry credentials, and every node that pulls afterwards runs the
    /// new content without any manifest change — MITRE ATT&CK T1525 "Implant Internal
    /// Image". A digest names exactly the reviewed and scanned bytes.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app:1.8.3
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app:1.8.3@sha256:<digest of 1.8.3>
    /// ```
    /// Keep the tag for readability and append the digest the tag resolved to.
    pub static IMAGE_NOT_PINNED_BY_DIGEST = {
        code: "HRD002",
        name: "image-not-pinned-by-digest",
        severity: Info,
        group: "hardening",
        summary: "Container image is not pinned by digest",
        remediation: "Append the image digest (`@sha256:...`) to the image reference.",
        references: [
            Reference::Nsa("Container images: use trusted, immutable images"),
            Reference::Mitre("T1525"),
            Reference::Checkov("CKV_K8S_43"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    flag_images(ctx, hits, image_of, |r| {
        r.digest
            .is_none_or(str::is_empty)
            .then_some("without a digest: the tag can be re-pointed to other content")
    });
}
