//! HRD013: pods with fsGroup 0.

use super::common::is_windows;
use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags a pod (template) whose `spec.securityContext.fsGroup` is `0`. The field exists
    /// only at pod level. Pods with `spec.os.name: windows` are skipped.
    ///
    /// ## Why is this bad?
    /// `fsGroup` is added to every container's supplementary groups and the kubelet
    /// `chown`s supporting volumes to it. With `0`, every process in the pod belongs to group
    /// `root`, and volume files become group-root-writable: group permissions on host files
    /// reachable after a mount mistake or a breakout are granted to the attacker — MITRE
    /// ATT&CK T1068 "Exploitation for Privilege Escalation", T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   fsGroup: 0
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// securityContext:
    ///   fsGroup: 10001
    /// ```
    /// Use a dedicated non-zero group for volume ownership.
    pub static FS_GROUP_ROOT = {
        code: "HRD013",
        name: "fs-group-root",
        severity: Medium,
        group: "hardening",
        summary: "Pod fsGroup is 0 (root group)",
        remediation: "Set spec.securityContext.fsGroup to a non-zero GID.",
        references: [
            Reference::Nsa("Pod security: non-root containers"),
            Reference::Mitre("T1068"),
            Reference::Mitre("T1611"),
            Reference::Trivy("KSV029"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    if is_windows(ctx) {
        return;
    }
    if ctx
        .spec()
        .at(&["securityContext", "fsGroup"])
        .and_then(Node::as_i64)
        == Some(0)
    {
        hits.push(Hit::new(
            ctx.spec_path(&["securityContext", "fsGroup"]),
            "pod sets fsGroup: 0, so every container gets the root group and volumes are owned by it",
        ));
    }
}
