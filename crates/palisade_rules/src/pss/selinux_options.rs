//! PSS009: the Pod Security Standards "SELinux" control (PSA check `seLinuxOptions`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags a forbidden `spec.securityContext.seLinuxOptions` or `securityContext.seLinuxOptions`
    /// of any container (init and ephemeral containers included). Each options object that is
    /// present must have:
    /// - `type` empty or one of `container_t`, `container_init_t`, `container_kvm_t`, plus
    ///   `container_engine_t` from policy version v1.31;
    /// - `user` empty;
    /// - `role` empty.
    ///
    /// `level` is not restricted. Pod Security Admission check `seLinuxOptions`, baseline
    /// level, every policy version from v1.0; the v1.31 implementation adds
    /// `container_engine_t` to the allowed types.
    ///
    /// ## Why is this bad?
    /// On SELinux-enforcing nodes the `container_t` policy is what keeps a container's
    /// processes away from host files, other pods' volumes and the container runtime; it
    /// stopped the runc overwrite escape (CVE-2019-5736) on such nodes. Setting the type to
    /// `spc_t` ("super privileged container") or `unconfined_t`, or choosing a custom user or
    /// role, takes the process out of that policy. An attacker who then gains code execution
    /// in the container keeps only the remaining layers between them and the node: MITRE
    /// ATT&CK T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       seLinuxOptions:
    ///         type: spc_t
    ///         user: system_u
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       seLinuxOptions:
    ///         level: "s0:c123,c456"
    /// ```
    /// Drop `type`, `user` and `role` (or use one of the container types); setting only the
    /// MCS `level` is allowed.
    pub static SELINUX_OPTIONS = {
        code: "PSS009",
        name: "pss-selinux-options",
        severity: Medium,
        group: "pss",
        summary: "Custom SELinux types, users and roles are forbidden (baseline)",
        remediation: "Remove seLinuxOptions.user and seLinuxOptions.role, and leave seLinuxOptions.type \
                      unset or set it to container_t, container_init_t or container_kvm_t.",
        references: [
            Reference::Pss("SELinux"),
            Reference::Nsa("Pod security: confine processes with seccomp, AppArmor or SELinux"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::se_linux_options::INFO),
    }
}
