//! HRD010: containers without a memory request.

use super::common::{check_resource, Resource};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers with neither `resources.requests.memory` nor
    /// `resources.limits.memory` (absent, null or zero): when only the limit is set,
    /// Kubernetes copies it into the request, so that container is fine. Ephemeral
    /// containers cannot carry resources and are skipped, and so are containers without an
    /// `image` (fragments such as kustomize patches or operator overrides). Silent when the pod sets a
    /// pod-level `spec.resources.requests.memory` or `limits.memory`. A namespace LimitRange
    /// may inject a default at admission; offline scans cannot see it.
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests. A container without a memory request
    /// reserves nothing, so nodes are overcommitted: under memory pressure the kubelet
    /// evicts pods that exceed their (zero) request first, and a memory-hungry or
    /// compromised neighbour gets this workload killed — a denial of service (MITRE ATT&CK
    /// T1499 "Endpoint Denial of Service"). Pods with no requests at all are BestEffort and
    /// are evicted first.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     resources: {}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    ///       limits: {memory: 256Mi}
    /// ```
    /// Request what the container needs to run; the scheduler reserves it on the node.
    pub static MISSING_MEMORY_REQUEST = {
        code: "HRD010",
        name: "missing-memory-request",
        severity: Low,
        group: "hardening",
        summary: "Container has no memory request",
        remediation: "Set resources.requests.memory on every container (or a default in the namespace's LimitRange).",
        references: [
            Reference::Nsa("Network separation: resource policies (LimitRange, ResourceQuota, container limits)"),
            Reference::Mitre("T1499"),
            Reference::Checkov("CKV_K8S_12"),
            Reference::Trivy("KSV016"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_resource(
        ctx,
        hits,
        Resource::Memory,
        false,
        "it reserves no memory and is evicted first under node memory pressure",
    );
}
