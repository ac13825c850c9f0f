//! HRD008: containers without a memory limit.

use super::common::{check_resource, Resource};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers whose `resources.limits.memory` is absent, null or
    /// zero (Kubernetes treats a zero limit as no limit). Ephemeral containers cannot carry
    /// resources and are skipped, and so are containers without an `image` (fragments such
    /// as kustomize patches or operator overrides). Silent when the pod sets a pod-level
    /// `spec.resources.limits.memory`, which bounds all its containers. A namespace
    /// LimitRange may inject a default at admission; offline scans cannot see it, so the
    /// manifest is judged as written.
    ///
    /// ## Why is this bad?
    /// Without a memory limit a container may allocate until the node runs out of memory.
    /// A leak, a decompression bomb or an attacker's deliberate allocation (MITRE ATT&CK
    /// T1499 "Endpoint Denial of Service") then makes the kubelet evict other pods and the
    /// kernel's OOM killer kill processes across the node — neighbouring workloads and
    /// sometimes node daemons. Memory is not compressible, so one pod can take down a node.
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
    /// Set a memory limit on every container, or enforce a default with a LimitRange.
    pub static MISSING_MEMORY_LIMIT = {
        code: "HRD008",
        name: "missing-memory-limit",
        severity: Medium,
        group: "hardening",
        summary: "Container has no memory limit",
        remediation: "Set resources.limits.memory on every container (or a default in the namespace's LimitRange).",
        references: [
            Reference::Nsa("Network separation: resource policies (LimitRange, ResourceQuota, container limits)"),
            Reference::Mitre("T1499"),
            Reference::Checkov("CKV_K8S_13"),
            Reference::Trivy("KSV018"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_resource(
        ctx,
        hits,
        Resource::Memory,
        true,
        "it can exhaust its node's memory and get neighbouring pods evicted or OOM-killed",
    );
}
