//! PSS017: the Pod Security Standards "Running as Non-root" control (PSA check
//! `runAsNonRoot`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Checks `spec.securityContext.runAsNonRoot` and `securityContext.runAsNonRoot` of every
    /// container (including init and ephemeral containers). Flags:
    /// - a pod-level `false`, even when every container sets `true`;
    /// - a container that sets `false`, even when the pod level is `true`;
    /// - a container that leaves it unset while the pod level is not `true`.
    ///
    /// Pod Security Admission check `runAsNonRoot`, restricted level, every policy version
    /// from v1.0. From v1.35, a pod that sets `spec.hostUsers: false` explicitly (it runs in a
    /// user namespace) is allowed whatever these fields say. There is no Windows exemption.
    ///
    /// ## Why is this bad?
    /// Without `runAsNonRoot: true`, the image's `USER` decides, and many images run as UID
    /// 0. Outside a user namespace, root in the container is root to the kernel: it owns
    /// root files on every mounted volume, keeps the container's capability set, and is what
    /// most breakouts need (the runc overwrite CVE-2019-5736 required root in the
    /// container). An attacker who gets code execution in such a container lands as root on
    /// the node after any escape: MITRE ATT&CK T1611 "Escape to Host". With the field set,
    /// the kubelet refuses to start a container whose user would be 0.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    /// Set `runAsNonRoot: true` at the pod level (and never `false` on a container), with a
    /// non-zero `runAsUser` or an image whose `USER` is numeric and non-zero.
    pub static RUN_AS_NON_ROOT = {
        code: "PSS017",
        name: "pss-run-as-non-root",
        severity: Medium,
        group: "pss",
        summary: "Containers must set runAsNonRoot to true (restricted)",
        remediation: "Set securityContext.runAsNonRoot: true at the pod level (or on every container) and \
                      remove any runAsNonRoot: false.",
        references: [
            Reference::Pss("Running as Non-root"),
            Reference::Cis("5.2.7"),
            Reference::Nsa("Pod security: use non-root containers"),
            Reference::Mitre("T1611"),
            Reference::Checkov("CKV_K8S_23"),
            Reference::Trivy("KSV012"),
        ],
        check: Check::Pss(&palisade_pss::checks::run_as_non_root::INFO),
    }
}
