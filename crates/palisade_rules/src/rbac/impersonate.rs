//! RBAC009: role grants impersonation of users, groups, ServiceAccounts or user extras.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow
    /// `impersonate` on `users`, `groups`, `serviceaccounts`, `userextras/*` or `uids`.
    ///
    /// ## Why is this bad?
    /// Impersonation makes every request with `Impersonate-User`/`Impersonate-Group` headers run as
    /// that identity. Unrestricted `impersonate` on users and groups means acting as anyone,
    /// including the `system:masters` group that bypasses RBAC.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["users", "groups"]
    ///     verbs: ["impersonate"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["users"]
    ///     verbs: ["impersonate"]
    ///     resourceNames: ["readonly-bot"]
    /// ```
    pub static IMPERSONATE = {
        code: "RBAC009",
        name: "rbac-impersonate",
        severity: Critical,
        group: "rbac",
        summary: "Role grants impersonation of users, groups, ServiceAccounts or user extras",
        remediation: "Remove impersonate, or restrict it with resourceNames to the identities a proxy must act as.",
        references: [
            Reference::Cis("5.1.8"),
            Reference::Mitre("T1134"),
            Reference::Trivy("KSV-0043"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::Impersonate, hits);
}
