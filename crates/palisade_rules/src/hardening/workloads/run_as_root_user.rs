//! HRD011: containers explicitly running as UID 0.

use super::common::check_effective_zero;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags an explicit `runAsUser: 0`: in a container's `securityContext` (reported on the
    /// container), or in the pod's `securityContext` when at least one container does not
    /// override it (reported once on the pod field, naming those containers). Init and
    /// ephemeral containers count. Images that merely default to root are not flagged here
    /// (see the PSS `runAsNonRoot` rule). Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// UID 0 in the container is UID 0 on the node's kernel (without user namespaces). Any
    /// file the container can reach through a volume, a misconfigured mount or a runtime
    /// bug is reached as root, and most container-escape exploits need root inside the
    /// container first — MITRE ATT&CK T1611 "Escape to Host", T1068 "Exploitation for
    /// Privilege Escalation".
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 0
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 10001
    ///   runAsNonRoot: true
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    /// Run as a dedicated non-zero UID.
    pub static RUN_AS_ROOT_USER = {
        code: "HRD011",
        name: "run-as-root-user",
        severity: High,
        group: "hardening",
        summary: "Container runs as UID 0 (root)",
        remediation: "Set securityContext.runAsUser to a non-zero UID and runAsNonRoot: true.",
        references: [
            Reference::Cis("5.2.7"),
            Reference::Nsa("Pod security: non-root containers"),
            Reference::Mitre("T1611"),
            Reference::Mitre("T1068"),
            Reference::Trivy("KSV105"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_effective_zero(ctx, hits, "runAsUser", "root");
}
