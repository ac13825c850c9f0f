//! HRD004: mutable image tags with a pull policy that reuses cached images.

use super::common::{container_hit, image_of, is_mutable};
use crate::hardening::util::parse_image;
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) that set `imagePullPolicy` to
    /// `IfNotPresent` or `Never` while their `image` uses a mutable reference: no tag or the
    /// `latest` tag, and no digest. Containers that leave `imagePullPolicy` unset are not
    /// flagged: Kubernetes defaults it to `Always` for such images. Images with a version
    /// tag or a digest may use any policy.
    ///
    /// ## Why is this bad?
    /// With a cached pull policy, what runs depends on which `latest` each node happened to
    /// pull earlier. A node can keep running an old or tampered image (planted in the node's
    /// image cache by anyone who could run a pod there: MITRE ATT&CK T1525 "Implant Internal
    /// Image"), and the registry's authorisation is not re-checked on pod start, so a pod
    /// can use a private image cached by another tenant.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app:latest
    ///     imagePullPolicy: IfNotPresent
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/example/app:1.8.3@sha256:<digest of 1.8.3>
    ///     imagePullPolicy: IfNotPresent
    /// ```
    /// Pin an immutable tag or digest; otherwise use `imagePullPolicy: Always`.
    pub static IMAGE_PULL_POLICY_NOT_ALWAYS = {
        code: "HRD004",
        name: "image-pull-policy-not-always",
        severity: Low,
        group: "hardening",
        summary: "Mutable image tag used with imagePullPolicy IfNotPresent or Never",
        remediation: "Pin the image to an immutable tag or digest, or set imagePullPolicy: Always.",
        references: [
            Reference::Nsa("Container images: use trusted, immutable images"),
            Reference::Mitre("T1525"),
            Reference::Checkov("CKV_K8S_15"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    for &c in ctx.containers() {
        let Some(policy) = c.node.get("imagePullPolicy").and_then(Node::as_str) else {
            continue;
        };
        if !matches!(policy, "IfNotPresent" | "Never") {
            continue;
        }
        let Some(image) = image_of(&c) else { continue };
        if is_mutable(&parse_image(image)) {
            hits.push(container_hit(
                ctx,
                &c,
                &["imagePullPolicy"],
                format!(
                    "container {:?} uses the mutable image {image:?} with imagePullPolicy {policy}: nodes run whatever they cached",
                    c.name()
                ),
            ));
        }
    }
}
