//! PSS019: the Pod Security Standards restricted "Seccomp" control (PSA check
//! `seccompProfile_restricted`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Requires a seccomp profile of type `RuntimeDefault` or `Localhost` for every container
    /// (including init and ephemeral containers), read from
    /// `spec.securityContext.seccompProfile.type` and `securityContext.seccompProfile.type`.
    /// Flags:
    /// - a pod-level or container-level profile that is present with any other type
    ///   (`Unconfined`, `""`, unknown values);
    /// - a container with no profile when the pod has no valid pod-level profile.
    ///
    /// Annotations are never consulted. Pod Security Admission check
    /// `seccompProfile_restricted`, restricted level, from policy version v1.19 (absent
    /// before, where the annotation-based `seccompProfile_baseline`, PSS010, runs at
    /// restricted instead). From v1.19 it replaces `seccompProfile_baseline` at the
    /// restricted level. From v1.25, pods with `spec.os.name: windows` are exempt.
    ///
    /// ## Why is this bad?
    /// An unset profile means `Unconfined` unless the kubelet runs with
    /// `seccompDefault: true`, which is off by default. Unconfined processes can call every
    /// system call, including those most kernel exploits rely on (`unshare` of user
    /// namespaces, `keyctl`, `bpf`). An attacker with code execution in the container can
    /// reach a kernel bug such as CVE-2022-0185 and become root in the kernel: MITRE ATT&CK
    /// T1068 "Exploitation for Privilege Escalation", then T1611 "Escape to Host".
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
    ///     seccompProfile:
    ///       type: RuntimeDefault
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    /// Set `seccompProfile.type: RuntimeDefault` (or `Localhost`) at the pod level, or on
    /// every container.
    pub static SECCOMP_RESTRICTED = {
        code: "PSS019",
        name: "pss-seccomp-restricted",
        severity: Medium,
        group: "pss",
        summary: "A RuntimeDefault or Localhost seccomp profile must be set (restricted)",
        remediation: "Set securityContext.seccompProfile.type to RuntimeDefault or Localhost at the pod \
                      level (or on every container), and never to Unconfined.",
        references: [
            Reference::Pss("Seccomp"),
            Reference::Cis("5.6.2"),
            Reference::Nsa("Pod security: confine processes with seccomp, AppArmor or SELinux"),
            Reference::Mitre("T1068"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::seccomp_profile_restricted::INFO),
    }
}
