//! RBAC008: role grants escalate or bind on roles or clusterroles.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow the
    /// `escalate` or `bind` verbs on `roles` or `clusterroles` of `rbac.authorization.k8s.io`,
    /// including through `*` verbs.
    ///
    /// ## Why is this bad?
    /// RBAC stops users from granting permissions they do not hold — unless they hold `escalate`
    /// (write roles with any rule) or `bind` (bind any role). With either, plus write access to roles
    /// or bindings, the holder grants themselves cluster-admin.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles"]
    ///     verbs: ["bind"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles"]
    ///     verbs: ["bind"]
    ///     resourceNames: ["view"]   # only the role it must hand out
    /// ```
    pub static ESCALATE_BIND = {
        code: "RBAC008",
        name: "rbac-escalate-bind",
        severity: Critical,
        group: "rbac",
        summary: "Role grants escalate or bind on roles or clusterroles",
        remediation: "Remove escalate and bind; let an administrator create the bindings the subject needs.",
        references: [
            Reference::Cis("5.1.8"),
            Reference::Mitre("T1098"),
            Reference::Trivy("KSV-0056"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::RbacEscalate, hits);
}
