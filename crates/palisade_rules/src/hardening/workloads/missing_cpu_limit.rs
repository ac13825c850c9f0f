//! HRD007: containers without a CPU limit.

use super::common::{check_resource, Resource};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers whose `resources.limits.cpu` is absent, null or
    /// zero (Kubernetes treats a zero limit as no limit). Ephemeral containers cannot carry
    /// resources and are skipped, and so are containers without an `image` (fragments such
    /// as kustomize patches or operator overrides). Silent when the pod sets a pod-level
    /// `spec.resources.limits.cpu`, which bounds all its containers. A namespace
    /// LimitRange may inject a default at admission; offline scans cannot see it, so the
    /// manifest is judged as written.
    ///
    /// ## Why is this bad?
    /// Without a CPU limit a container may use every idle core of its node. A compromised
    /// pod running a crypto-miner (MITRE ATT&CK T1496 "Resource Hijacking") or a request
    /// flood against a CPU-heavy endpoint (T1499 "Endpoint Denial of Service") then slows
    /// every neighbour on the node down to its CPU request, and system daemons without
    /// reservations with it; a noisy neighbour goes unnoticed until latency alerts fire.
    /// CPU is compressible (nothing is killed), which is why this is low severity and why
    /// some teams deliberately set only CPU requests: disable this rule then, and keep
    /// `missing-cpu-request`.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    ///       limits: {cpu: "1", memory: 256Mi}
    /// ```
    /// Set a cpu limit on every container, or enforce a default with a LimitRange.
    pub static MISSING_CPU_LIMIT = {
        code: "HRD007",
        name: "missing-cpu-limit",
        severity: Low,
        group: "hardening",
        summary: "Container has no CPU limit",
        remediation: "Set resources.limits.cpu on every container (or a default in the namespace's LimitRange).",
        references: [
            Reference::Nsa("Network separation: resource policies (LimitRange, ResourceQuota, container limits)"),
            Reference::Mitre("T1496"),
            Reference::Checkov("CKV_K8S_11"),
            Reference::Trivy("KSV011"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_resource(
        ctx,
        hits,
        Resource::Cpu,
        true,
        "the container can use every idle core of its node",
    );
}
