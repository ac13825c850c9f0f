//! HRD012: containers explicitly running with GID 0.

use super::common::check_effective_zero;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags an explicit `runAsGroup: 0`: in a container's `securityContext` (reported on the
    /// container), or in the pod's `securityContext` when at least one container does not
    /// override it (reported once on the pod field, naming those containers). Init and
    /// ephemeral containers count. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// With primary group 0 every process can read and write files owned by group `root`
    /// with group permissions — on mounted host paths and volumes that includes many
    /// system files — and new files are created group-root. It widens what an attacker in
    /// the container can tamper with after a breakout or through a mount: MITRE ATT&CK
    /// T1611 "Escape to Host", T1068 "Exploitation for Privilege Escalation".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       runAsUser: 10001
    ///       runAsGroup: 0
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       runAsUser: 10001
    ///       runAsGroup: 10001
    /// ```
    /// Use a dedicated non-zero GID.
    pub static RUN_AS_ROOT_GROUP = {
        code: "HRD012",
        name: "run-as-root-group",
        severity: Medium,
        group: "hardening",
        summary: "Container runs with GID 0 (root group)",
        remediation: "Set securityContext.runAsGroup to a non-zero GID.",
        references: [
            Reference::Cis("5.2.7"),
            Reference::Nsa("Pod security: non-root containers"),
            Reference::Mitre("T1611"),
            Reference::Mitre("T1068"),
            Reference::Trivy("KSV029"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_effective_zero(ctx, hits, "runAsGroup", "the root group");
}
