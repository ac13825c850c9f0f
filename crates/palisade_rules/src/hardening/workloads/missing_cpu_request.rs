//! HRD009: containers without a CPU request.

use super::common::{check_resource, Resource};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers with neither `resources.requests.cpu` nor
    /// `resources.limits.cpu` (absent, null or zero): when only the limit is set,
    /// Kubernetes copies it into the request, so that container is fine. Ephemeral
    /// containers cannot carry resources and are skipped, and so are containers without an
    /// `image` (fragments such as kustomize patches or operator overrides). Silent when the pod sets a
    /// pod-level `spec.resources.requests.cpu` or `limits.cpu`. A namespace LimitRange
    /// may inject a default at admission; offline scans cannot see it.
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests. A container without a CPU request
    /// reserves nothing: it is packed onto busy nodes and, under contention, gets only the
    /// minimal CPU share, so a noisy or compromised neighbour (MITRE ATT&CK T1496 "Resource
    /// Hijacking") starves it — a denial of service of this workload (T1499 "Endpoint
    /// Denial of Service"). Pods with no requests at all are BestEffort and are evicted
    /// first under node pressure.
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
    pub static MISSING_CPU_REQUEST = {
        code: "HRD009",
        name: "missing-cpu-request",
        severity: Low,
        group: "hardening",
        summary: "Container has no CPU request",
        remediation: "Set resources.requests.cpu on every container (or a default in the namespace's LimitRange).",
        references: [
            Reference::Nsa("Network separation: resource policies (LimitRange, ResourceQuota, container limits)"),
            Reference::Mitre("T1499"),
            Reference::Checkov("CKV_K8S_10"),
            Reference::Trivy("KSV015"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_resource(
        ctx,
        hits,
        Resource::Cpu,
        false,
        "it reserves no CPU and is starved first when the node is busy",
    );
}
