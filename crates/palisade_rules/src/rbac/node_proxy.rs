//! RBAC007: role grants nodes/proxy (the kubelet API).

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `get` or
    /// `create` on `nodes/proxy`.
    ///
    /// ## Why is this bad?
    /// `nodes/proxy` forwards requests to the kubelet API of any node, including its `/exec` and
    /// `/run` endpoints: commands in every pod on every node, without the pod-level RBAC checks and
    /// outside the API server's audit of pod exec. It is commonly granted to monitoring agents that
    /// only need metrics.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["nodes/proxy"]
    ///     verbs: ["get"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["nodes/metrics"]
    ///     verbs: ["get"]
    /// ```
    pub static NODE_PROXY = {
        code: "RBAC007",
        name: "rbac-node-proxy",
        severity: Critical,
        group: "rbac",
        summary: "Role grants nodes/proxy (the kubelet API)",
        remediation: "Remove nodes/proxy; monitoring agents should read metrics through nodes/metrics or the metrics API.",
        references: [
            Reference::Cis("5.1.10"),
            Reference::Nsa("Authentication and authorization: least privilege"),
            Reference::Mitre("T1609"),
            Reference::Trivy("KSV-0047"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::NodeProxy, hits);
}
