//! RBAC004: role grants get, list or watch on Secrets.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules written in the input that allow `get`, `list` or `watch` on
    /// `secrets` (through `*` too), and bindings of built-in roles that do (`admin`, `edit`). The
    /// message says who the role is bound to and in which scope, and whether `resourceNames`
    /// restrict it.
    ///
    /// ## Why is this bad?
    /// Secrets hold database passwords, API keys, TLS keys and — for legacy token Secrets —
    /// ServiceAccount tokens. `list` and `watch` return every Secret's full contents, not just names:
    /// read access to Secrets in a namespace is the identity of every workload in it; cluster-wide it
    /// is usually the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["secrets"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["secrets"]
    ///     resourceNames: ["app-tls"]   # only the Secret it needs
    ///     verbs: ["get"]
    /// ```
    pub static SECRETS_READ = {
        code: "RBAC004",
        name: "rbac-secrets-read",
        severity: High,
        group: "rbac",
        summary: "Role grants get, list or watch on Secrets",
        remediation: "Grant access to named Secrets only (resourceNames with get), or mount the Secret into the workload instead of reading it through the API.",
        references: [
            Reference::Cis("5.1.2"),
            Reference::Nsa("Authentication and authorization: least privilege"),
            Reference::Mitre("T1552.007"),
            Reference::Checkov("CKV_K8S_157"),
            Reference::Trivy("KSV-0041"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::SecretsRead, hits);
}
