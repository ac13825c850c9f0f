//! RBAC002: binding grants permissions to anonymous users, all authenticated users or all ServiceAccounts.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags bindings written in the input whose subjects are `User system:anonymous`,
    /// `Group system:unauthenticated` (anyone who can reach the API server), `Group
    /// system:authenticated` (every user and every ServiceAccount token of the cluster) or `Group
    /// system:serviceaccounts` / `system:serviceaccounts:<ns>` (every pod's token). The built-in
    /// discovery bindings of every cluster are not flagged. The finding is on the subject.
    ///
    /// ## Why is this bad?
    /// A grant to these groups is a grant to every pod and every person that can reach the API
    /// server; on a cluster with anonymous auth on, to the internet. Any compromised pod's token
    /// then holds the permission, whatever ServiceAccount it runs as: this is how read access to
    /// Secrets or the ability to create pods spreads from one foothold to the whole cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: everyone-can-view}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    /// subjects:
    ///   - {kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// subjects:
    ///   - {kind: Group, name: sre, apiGroup: rbac.authorization.k8s.io}   # a named group
    /// ```
    pub static ANONYMOUS_BINDING = {
        code: "RBAC002",
        name: "rbac-anonymous-or-all-users",
        severity: Critical,
        group: "rbac",
        summary: "Binding grants permissions to anonymous users, all authenticated users or all ServiceAccounts",
        remediation: "Bind named users, groups or ServiceAccounts instead of system:anonymous, system:unauthenticated, system:authenticated or system:serviceaccounts.",
        references: [
            Reference::Cis("5.1.1"),
            Reference::Nsa("Authentication and authorization: disable anonymous access"),
            Reference::Mitre("T1190"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    flag_subjects(ctx, hits, |m, b, s| {
        let who = match (s.kind.as_str(), s.name.as_str()) {
            ("User", "system:anonymous") => "anonymous requests".to_owned(),
            ("Group", "system:unauthenticated") => "every unauthenticated request".to_owned(),
            ("Group", "system:authenticated") => {
                "every authenticated user and every ServiceAccount token of the cluster".to_owned()
            }
            ("Group", "system:serviceaccounts") => "every ServiceAccount of every namespace".to_owned(),
            ("Group", g) if g.starts_with("system:serviceaccounts:") => format!(
                "every ServiceAccount of namespace {}",
                &g["system:serviceaccounts:".len()..]
            ),
            _ => return None,
        };
        Some(format!(
            "{} grants {} {} to {} ({who})",
            b.display(),
            role_label(m, b),
            b.scope(),
            s.display()
        ))
    });
}
