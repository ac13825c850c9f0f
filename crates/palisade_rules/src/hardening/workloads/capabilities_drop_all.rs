//! HRD023: containers that do not drop all capabilities.

use super::common::{container_says, flag_linux_containers, normalize_capability};
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (init and ephemeral included) whose
    /// `securityContext.capabilities.drop` does not contain `ALL` (compared as the runtimes
    /// do: any case, with or without `CAP_`): the securityContext, `capabilities` or `drop`
    /// is absent, or lists only some capabilities. Privileged containers are flagged too
    /// (dropping does not apply to them; `pss-privileged` covers the rest). Pods with
    /// `spec.os.name: windows` are skipped, and so are containers without an `image`
    /// (fragments such as kustomize patches or operator overrides). The restricted Pod Security Standard
    /// (`pss-capabilities-restricted`) requires the exact string `ALL`.
    ///
    /// ## Why is this bad?
    /// Without `drop: [ALL]` a container keeps the runtime's default set: `CHOWN`,
    /// `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `NET_RAW`, `MKNOD`, `SYS_CHROOT` and more.
    /// After gaining code execution an attacker uses them to read any file in the container
    /// regardless of permissions, become any user, forge packets on the pod network, and
    /// turn a kernel bug that needs one of them into an escape: MITRE ATT&CK T1068
    /// "Exploitation for Privilege Escalation", T1611 "Escape to Host". Most applications
    /// need none of them.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         drop: ["NET_RAW"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       capabilities:
    ///         drop: ["ALL"]
    ///         add: ["NET_BIND_SERVICE"]   # only if it binds a port below 1024
    /// ```
    /// Drop everything and add back only what the process needs.
    pub static CAPABILITIES_DROP_ALL = {
        code: "HRD023",
        name: "capabilities-drop-all",
        severity: Low,
        group: "hardening",
        summary: "Container does not drop all capabilities",
        remediation: "Add ALL to securityContext.capabilities.drop and add back only the capabilities the process needs.",
        references: [
            Reference::Cis("5.2.9"),
            Reference::Nsa("Pod security: drop unneeded Linux capabilities"),
            Reference::Mitre("T1068"),
            Reference::Mitre("T1611"),
            Reference::Trivy("KSV003"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let keys = ["securityContext", "capabilities", "drop"];
    flag_linux_containers(ctx, hits, &keys, |c| {
        let drop = c.node.at(&keys).and_then(Node::as_seq);
        let drops_all = drop.is_some_and(|d| {
            d.iter()
                .filter_map(Node::as_str)
                .any(|s| normalize_capability(s) == "ALL")
        });
        if drops_all {
            return None;
        }
        Some(match drop {
            Some(d) if !d.is_empty() => container_says(
                c,
                " drops only some capabilities, not ALL: it keeps the rest of the runtime's default set",
            ),
            _ => container_says(
                c,
                " does not drop ALL capabilities: it keeps the runtime's default set",
            ),
        })
    });
}
