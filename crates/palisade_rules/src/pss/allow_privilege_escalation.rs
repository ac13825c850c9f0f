//! PSS013: the Pod Security Standards "Privilege Escalation" control (PSA check
//! `allowPrivilegeEscalation`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) that do not set
    /// `securityContext.allowPrivilegeEscalation: false` explicitly: an absent
    /// securityContext, an absent field and `true` are all flagged.
    ///
    /// Pod Security Admission check `allowPrivilegeEscalation`, restricted level, from
    /// policy version v1.8 (absent at v1.0–v1.7). From v1.25, pods with
    /// `spec.os.name: windows` are exempt.
    ///
    /// ## Why is this bad?
    /// Unless the field is `false`, the runtime does not set the kernel's `no_new_privs`
    /// flag, so a process can gain privileges when it executes a setuid or setgid binary or
    /// a file with capabilities. An attacker who gets code execution as an unprivileged
    /// user in the container (a vulnerable web app) can use `su`, `sudo` or a vulnerable
    /// setuid helper shipped in the image to become root with the container's full
    /// capability set: MITRE ATT&CK T1068 "Exploitation for Privilege Escalation" (setuid
    /// abuse is T1548.001 in the Enterprise matrix). Root in the container is the starting
    /// point of most escapes to the node.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       runAsNonRoot: true
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       runAsNonRoot: true
    ///       allowPrivilegeEscalation: false
    /// ```
    /// Set `allowPrivilegeEscalation: false` on every container; unset is not enough because
    /// the runtime default allows escalation.
    pub static ALLOW_PRIVILEGE_ESCALATION = {
        code: "PSS013",
        name: "pss-allow-privilege-escalation",
        severity: Medium,
        group: "pss",
        summary: "Containers must set allowPrivilegeEscalation to false (restricted)",
        remediation: "Set securityContext.allowPrivilegeEscalation: false explicitly on every container, \
                      init and ephemeral containers included.",
        references: [
            Reference::Pss("Privilege Escalation"),
            Reference::Cis("5.2.6"),
            Reference::Nsa("Pod security: prevent privilege escalation"),
            Reference::Mitre("T1068"),
        ],
        check: Check::Pss(&palisade_pss::checks::allow_privilege_escalation::INFO),
    }
}
