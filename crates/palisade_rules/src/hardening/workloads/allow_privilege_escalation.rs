//! HRD014: containers that do not set allowPrivilegeEscalation: false.

use super::common::{added_capabilities, container_says, flag_linux_containers, normalize_capability};
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.allowPrivilegeEscalation` is not explicitly `false`: absent, null,
    /// wrongly typed (the default, "allowed") or `true`. The field exists only at container
    /// level.
    ///
    /// Skipped: containers that are `privileged: true` or add `SYS_ADMIN` (any case, with or
    /// without `CAP_`) — escalation is always allowed for them and the API rejects
    /// `allowPrivilegeEscalation: false` there, so the finding belongs to `pss-privileged`
    /// and `capability-sys-admin` — pods with `spec.os.name: windows`, and containers
    /// without an `image` (fragments such as kustomize patches or operator overrides). CIS 5.2.6 (as
    /// kube-bench runs it) fails only an explicit `true`; this rule follows NSA/CISA and the
    /// restricted Pod Security Standard in requiring an explicit `false`, at every level.
    ///
    /// ## Why is this bad?
    /// Unless the kernel's `no_new_privs` flag is set (which is what `false` does), a process
    /// gains privileges by executing setuid/setgid binaries or files with file capabilities
    /// in the image (`su`, `sudo`, `ping`, `mount`, or one the attacker finds). An attacker
    /// with code execution as a non-root user uses them to become root in the container,
    /// the usual step before a breakout — MITRE ATT&CK T1548.001 "Setuid and Setgid", then
    /// T1611 "Escape to Host".
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
    /// Set it to `false` explicitly on every container.
    pub static ALLOW_PRIVILEGE_ESCALATION = {
        code: "HRD014",
        name: "allow-privilege-escalation",
        severity: Medium,
        group: "hardening",
        summary: "Container does not set allowPrivilegeEscalation: false",
        remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
        references: [
            Reference::Cis("5.2.6"),
            Reference::Nsa("Pod security: prevent privilege escalation"),
            Reference::Mitre("T1548.001"),
            Reference::Checkov("CKV_K8S_20"),
            Reference::Trivy("KSV001"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let keys = ["securityContext", "allowPrivilegeEscalation"];
    flag_linux_containers(ctx, hits, &keys, |c| {
        let privileged = c
            .node
            .at(&["securityContext", "privileged"])
            .and_then(Node::as_bool)
            == Some(true);
        if privileged
            || added_capabilities(c)
                .iter()
                .any(|(_, cap)| normalize_capability(cap) == "SYS_ADMIN")
        {
            return None;
        }
        match c.node.at(&keys).and_then(Node::as_bool) {
            Some(false) => None,
            Some(true) => Some(container_says(
                c,
                " sets allowPrivilegeEscalation: true (setuid binaries can gain privileges)",
            )),
            None => Some(container_says(
                c,
                " does not set allowPrivilegeEscalation: false (privilege escalation is allowed by default)",
            )),
        }
    });
}
