//! RBAC011: role grants approval of certificate signing requests.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `approve`
    /// on `signers` or `update`/`patch` on `certificatesigningrequests/approval`
    /// (`certificates.k8s.io`); approving needs both.
    ///
    /// ## Why is this bad?
    /// An approved CSR for the `kubernetes.io/kube-apiserver-client` signer is a client
    /// certificate for any user and group the requester chose — `system:masters` included, which no
    /// RBAC rule can take away and which cannot be revoked before it expires.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["signers"]
    ///     verbs: ["approve"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["signers"]
    ///     resourceNames: ["example.com/my-signer"]
    ///     verbs: ["approve"]
    /// ```
    pub static CSR_APPROVE = {
        code: "RBAC011",
        name: "rbac-csr-approve",
        severity: High,
        group: "rbac",
        summary: "Role grants approval of certificate signing requests",
        remediation: "Leave CSR approval to the built-in approvers; if a controller needs it, restrict `approve` to its signer with resourceNames.",
        references: [
            Reference::Cis("5.1.11"),
            Reference::Mitre("T1649"),
            Reference::Nsa("Authentication and authorization: least privilege"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::CsrApprove, hits);
}
