//! RBAC010: role grants create on serviceaccounts/token.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `create` on
    /// `serviceaccounts/token`.
    ///
    /// ## Why is this bad?
    /// The TokenRequest API mints a fresh token for a ServiceAccount: the holder becomes any
    /// ServiceAccount in scope (every namespace, for a cluster-wide grant), including controllers'
    /// highly privileged ones in kube-system.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["serviceaccounts/token"]
    ///     verbs: ["create"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["serviceaccounts/token"]
    ///     resourceNames: ["vault-auth"]
    ///     verbs: ["create"]
    /// ```
    pub static TOKEN_CREATE = {
        code: "RBAC010",
        name: "rbac-token-create",
        severity: High,
        group: "rbac",
        summary: "Role grants create on serviceaccounts/token",
        remediation: "Remove serviceaccounts/token create, or restrict it with resourceNames to the one ServiceAccount it must mint tokens for.",
        references: [
            Reference::Cis("5.1.13"),
            Reference::Mitre("T1528"),
            Reference::Nsa("Authentication and authorization: least privilege"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::TokenCreate, hits);
}
