//! PSS018: the Pod Security Standards "Running as Non-root user" control (PSA check
//! `runAsUser`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `spec.securityContext.runAsUser: 0` and `securityContext.runAsUser: 0` on any
    /// container (including init and ephemeral containers). Only an explicit `0` is flagged;
    /// unset is fine. A pod-level `0` is flagged even when every container overrides it, and
    /// a container-level `0` even when the pod level is non-zero.
    ///
    /// Pod Security Admission check `runAsUser`, restricted level, from policy version
    /// v1.23 (absent at v1.0–v1.22). From v1.35, a pod that sets `spec.hostUsers: false`
    /// explicitly (it runs in a user namespace) is allowed. There is no Windows exemption.
    ///
    /// ## Why is this bad?
    /// `runAsUser: 0` explicitly asks for root, overriding a non-root `USER` in the image.
    /// Outside a user namespace that is root to the kernel: the process owns root files on
    /// mounted volumes, keeps the container's capabilities, and can exploit a runtime or
    /// kernel flaw (the runc overwrite CVE-2019-5736 needed root in the container). An
    /// attacker who gets code execution in it is one bug away from root on the node: MITRE
    /// ATT&CK T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsUser: 0
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
    /// Use a non-zero UID at the pod and container levels (or leave `runAsUser` unset and
    /// build the image with a non-root `USER`).
    pub static RUN_AS_USER = {
        code: "PSS018",
        name: "pss-run-as-user",
        severity: High,
        group: "pss",
        summary: "Running as UID 0 is forbidden (restricted)",
        remediation: "Remove runAsUser: 0 at the pod and container levels; set a non-zero UID instead.",
        references: [
            Reference::Pss("Running as Non-root user"),
            Reference::Cis("5.2.7"),
            Reference::Nsa("Pod security: use non-root containers"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::run_as_user::INFO),
    }
}
