//! PSS015: the Pod Security Standards restricted "/proc Mount Type" control (PSA check
//! `procMount_restricted`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose
    /// `securityContext.procMount` is set to anything but `Default`: `Unmasked`, `""` and
    /// unknown strings are flagged; an absent securityContext or procMount is fine. Unlike
    /// the baseline check (PSS008) there is **no** user-namespace relaxation:
    /// `spec.hostUsers: false` does not allow `Unmasked`.
    ///
    /// Pod Security Admission check `procMount_restricted`, restricted level, from policy
    /// version v1.35 (absent before, where the baseline `procMount` check, PSS008, runs at
    /// restricted instead). From v1.35 it replaces `procMount` at the restricted level, so
    /// an `Unmasked` container in a pod with `hostUsers: false` passes baseline but fails
    /// restricted.
    ///
    /// ## Why is this bad?
    /// An unmasked /proc exposes `/proc/sys`, `/proc/sysrq-trigger`, `/proc/kcore` and other
    /// kernel interfaces that the default mount hides. In a user namespace the kernel refuses
    /// most writes to host-global entries, which is why baseline tolerates it there; but the
    /// user namespace then becomes the only barrier, and user-namespace code has been a
    /// steady source of kernel privilege-escalation bugs. An attacker who gets code execution
    /// in the container and one such bug can write `/proc/sys/kernel/core_pattern` or
    /// trigger sysrq on the node: MITRE ATT&CK T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///     - name: builder
    ///       image: registry.example.com/builder:3.1.0
    ///       securityContext:
    ///         procMount: Unmasked
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///     - name: builder
    ///       image: registry.example.com/builder:3.1.0
    /// ```
    /// Remove `procMount` (or set it to `Default`); workloads that need an unmasked /proc
    /// belong in a namespace enforcing baseline, not restricted.
    pub static PROC_MOUNT_RESTRICTED = {
        code: "PSS015",
        name: "pss-proc-mount-restricted",
        severity: Medium,
        group: "pss",
        summary: "/proc mount types other than Default are forbidden, even in a user namespace (restricted)",
        remediation: "Remove securityContext.procMount or set it to Default, whatever the pod's hostUsers \
                      setting.",
        references: [Reference::Pss("/proc Mount Type"), Reference::Mitre("T1611")],
        check: Check::Pss(&palisade_pss::checks::proc_mount_restricted::INFO),
    }
}
