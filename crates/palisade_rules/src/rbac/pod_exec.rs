//! RBAC006: role grants exec, attach or port-forward into pods.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `create` or
    /// `get` on `pods/exec`, `pods/attach` or `pods/portforward`, or `update`/`patch` on
    /// `pods/ephemeralcontainers`. `get` counts: the WebSocket upgrade of `kubectl exec` is a GET,
    /// and before Kubernetes 1.35 `get` alone is enough to exec.
    ///
    /// ## Why is this bad?
    /// Exec runs commands inside running containers with their identity: the attacker reads the
    /// pod's ServiceAccount token, mounted Secrets and in-memory credentials, and pivots to whatever
    /// the pod can reach.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/exec"]
    ///     verbs: ["get", "create"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/log"]
    ///     verbs: ["get"]
    /// ```
    pub static POD_EXEC = {
        code: "RBAC006",
        name: "rbac-pod-exec",
        severity: High,
        group: "rbac",
        summary: "Role grants exec, attach or port-forward into pods",
        remediation: "Remove pods/exec, pods/attach and pods/portforward from runtime roles; grant them to humans through a separate, audited role.",
        references: [
            Reference::Nsa("Authentication and authorization: least privilege"),
            Reference::Mitre("T1609"),
            Reference::Trivy("KSV-0053"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::PodExec, hits);
}
