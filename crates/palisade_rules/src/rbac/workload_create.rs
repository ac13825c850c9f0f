//! RBAC005: role grants create, update or patch on pods or workload controllers.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `create`,
    /// `update` or `patch` on `pods`, `replicationcontrollers`, or the `apps`/`batch` controllers
    /// (`deployments`, `replicasets`, `statefulsets`, `daemonsets`, `jobs`, `cronjobs`). A `create`
    /// rule limited by `resourceNames` is not flagged: it can never authorize creating an object.
    ///
    /// ## Why is this bad?
    /// Whoever can create a pod in a namespace can run it as any ServiceAccount of that namespace
    /// and mount any of its Secrets and ConfigMaps: they inherit every permission of every identity
    /// there. Where Pod Security admission does not forbid it, the pod can also be privileged, use
    /// the host's namespaces or mount the node's filesystem.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["create", "update", "patch"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    pub static WORKLOAD_CREATE = {
        code: "RBAC005",
        name: "rbac-workload-create",
        severity: High,
        group: "rbac",
        summary: "Role grants create, update or patch on pods or workload controllers",
        remediation: "Deploy through a pipeline with its own narrowly bound identity; do not give runtime identities write access to workloads.",
        references: [
            Reference::Cis("5.1.4"),
            Reference::Mitre("T1610"),
            Reference::Checkov("CKV_K8S_156"),
            Reference::Trivy("KSV-0048"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::WorkloadCreate, hits);
}
