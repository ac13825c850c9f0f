//! PSS010: the Pod Security Standards baseline "Seccomp" control (PSA check
//! `seccompProfile_baseline`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags a seccomp profile explicitly set to something other than a runtime default or
    /// a node-local profile. What is read depends on the policy version:
    ///
    /// - **v1.0–v1.18, annotations only** (the fields are ignored): the
    ///   `seccomp.security.alpha.kubernetes.io/pod` annotation and
    ///   `container.seccomp.security.alpha.kubernetes.io/<name>` for each existing container
    ///   (init and ephemeral included). Allowed values are `runtime/default`,
    ///   `docker/default` and anything starting with `localhost/`; anything else, the empty
    ///   string and `unconfined` included, is flagged.
    /// - **v1.19 and later, fields only** (the annotations are ignored):
    ///   `spec.securityContext.seccompProfile.type` and `securityContext.seccompProfile.type`
    ///   of every container, init and ephemeral included. A profile that is present must be
    ///   `RuntimeDefault` or `Localhost`; `Unconfined`, `""` and unknown values are flagged.
    ///   An absent profile is fine at this level.
    ///
    /// Pod Security Admission check `seccompProfile_baseline`, baseline level. At the
    /// restricted level it runs only at v1.0–v1.18; from v1.19 `seccompProfile_restricted`
    /// (PSS019) replaces it.
    ///
    /// ## Why is this bad?
    /// The runtime's default seccomp profile blocks dozens of rarely needed system calls
    /// (`unshare` of user namespaces, `keyctl`, `bpf`, `mount`, `kexec_load`...),
    /// which is most of the kernel attack surface that privilege-escalation exploits use.
    /// With `Unconfined`, an attacker with code execution in the container can reach a
    /// kernel bug such as the `fsconfig` overflow CVE-2022-0185 (which needs `unshare`) to
    /// become root in the kernel: MITRE ATT&CK T1068 "Exploitation for Privilege Escalation",
    /// and from there T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: Unconfined
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
    /// Use `RuntimeDefault` (or a `Localhost` profile); with policy versions before v1.19,
    /// use the `runtime/default` annotation value instead of `unconfined`.
    pub static SECCOMP_BASELINE = {
        code: "PSS010",
        name: "pss-seccomp-baseline",
        severity: Medium,
        group: "pss",
        summary: "Seccomp profiles other than RuntimeDefault or Localhost are forbidden (baseline)",
        remediation: "Set seccompProfile.type to RuntimeDefault or Localhost (or omit it); for policy \
                      versions before v1.19, set seccomp annotations to runtime/default or \
                      localhost/<profile>.",
        references: [
            Reference::Pss("Seccomp"),
            Reference::Cis("5.6.2"),
            Reference::Nsa("Pod security: confine processes with seccomp, AppArmor or SELinux"),
            Reference::Mitre("T1068"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::seccomp_profile_baseline::INFO),
    }
}
