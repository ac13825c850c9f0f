//! RBAC014: role grants patch or update on nodes.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `patch` or
    /// `update` on `nodes` or `nodes/status`.
    ///
    /// ## Why is this bad?
    /// Node labels and taints decide where pods run. Whoever can change them moves sensitive
    /// workloads onto a node they control, or drains a node by tainting it.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["nodes"]
    ///     verbs: ["patch"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["nodes"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    pub static NODE_MODIFY = {
        code: "RBAC014",
        name: "rbac-node-modify",
        severity: Medium,
        group: "rbac",
        summary: "Role grants patch or update on nodes",
        remediation: "Leave node labels and taints to the node's kubelet and cluster administrators.",
        references: [
            Reference::Mitre("T1578"),
            Reference::Nsa("Authentication and authorization: least privilege"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::NodeModify, hits);
}
