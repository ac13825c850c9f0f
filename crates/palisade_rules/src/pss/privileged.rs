//! PSS007: the Pod Security Standards "Privileged Containers" control (PSA check `privileged`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) that set
    /// `securityContext.privileged: true`. Pod Security Admission check `privileged`, baseline
    /// level, every policy version.
    ///
    /// ## Why is this bad?
    /// A privileged container runs with every Linux capability, no seccomp or AppArmor
    /// confinement, and access to all of the host's devices. An attacker who gets code
    /// execution in it (a vulnerable web app, a malicious image) can mount the host's disk,
    /// load kernel modules or write to `/proc/sysrq-trigger`, and escape to the node: MITRE
    /// ATT&CK T1611 "Escape to Host". From the node they read every pod's service-account
    /// token and the kubelet's credentials.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       privileged: true
    /// ```
    ///
    /// ## Fix
    /// Remove `privileged: true` (or set it to `false`). If the workload needs one specific
    /// kernel feature, add only that capability, and keep such workloads in a dedicated,
    /// labelled namespace.
    pub static PRIVILEGED = {
        code: "PSS007",
        name: "pss-privileged",
        severity: Critical,
        group: "pss",
        summary: "Privileged containers are forbidden (baseline)",
        remediation: "Remove securityContext.privileged or set it to false.",
        references: [
            Reference::Pss("Privileged Containers"),
            Reference::Cis("5.2.2"),
            Reference::Nsa("Pod security: use non-privileged containers"),
            Reference::Mitre("T1611"),
            Reference::Checkov("CKV_K8S_16"),
            Reference::Trivy("KSV017"),
        ],
        check: Check::Pss(&palisade_pss::checks::privileged::INFO),
    }
}
