//! PSS008: the Pod Security Standards baseline "/proc Mount Type" control (PSA check
//! `procMount`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose
    /// `securityContext.procMount` is set to anything but `Default`: `Unmasked`, `""` and
    /// unknown strings are flagged; an absent securityContext or procMount is fine.
    ///
    /// Pod Security Admission check `procMount`, baseline level, every policy version from
    /// v1.0. From v1.35, a pod that sets `spec.hostUsers: false` explicitly (it runs in a
    /// user namespace) may use any value. At the restricted level this check runs up to
    /// v1.34; from v1.35 `procMount_restricted` (PSS015) replaces it, without the
    /// user-namespace relaxation. The API server itself rejects `Unmasked` without
    /// `hostUsers: false` since Kubernetes 1.30, but raw manifests can still carry it.
    ///
    /// ## Why is this bad?
    /// The default /proc mount masks or makes read-only the kernel's dangerous entries:
    /// `/proc/sys`, `/proc/sysrq-trigger`, `/proc/kcore`, `/proc/keys` and more. `Unmasked`
    /// exposes them. An attacker with code execution as root in the container can write
    /// `/proc/sys/kernel/core_pattern` to a pipe (`|/path/in/container`), and the node's
    /// kernel runs that program as root on the host the next time any process crashes; or
    /// crash the node through `/proc/sysrq-trigger`, or read kernel memory: MITRE ATT&CK
    /// T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       procMount: Unmasked
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       procMount: Default
    /// ```
    /// Remove `procMount` or set it to `Default`; nested-container builders that need an
    /// unmasked /proc must run with `hostUsers: false`.
    pub static PROC_MOUNT = {
        code: "PSS008",
        name: "pss-proc-mount",
        severity: Medium,
        group: "pss",
        summary: "/proc mount types other than Default are forbidden (baseline)",
        remediation: "Remove securityContext.procMount or set it to Default (from policy v1.35, baseline \
                      also allows other values in pods with hostUsers: false).",
        references: [Reference::Pss("/proc Mount Type"), Reference::Mitre("T1611")],
        check: Check::Pss(&palisade_pss::checks::proc_mount::INFO),
    }
}
