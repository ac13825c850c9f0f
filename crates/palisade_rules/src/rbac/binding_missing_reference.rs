//! RBAC017: bindings whose role, or ServiceAccount subject, does not exist.

use super::common::{flag_subjects, model, problem_hits};
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags bindings written in the input whose `roleRef` names a Role or ClusterRole that
    /// is neither in the scanned input nor among the default roles of every cluster, and
    /// ServiceAccount subjects that do not exist in the input although the input defines
    /// other ServiceAccounts of that namespace (so the missing one is likely a typo).
    ///
    /// ## Why is this bad?
    /// A binding to a missing role grants nothing today — often a typo that leaves a
    /// workload broken — and grants whatever a role of that name will hold the day someone
    /// creates one. A binding to a missing ServiceAccount hands its permissions to whoever
    /// later creates an account of that name in the namespace.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// metadata: {name: app, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app-reader}   # no such Role
    /// subjects:
    ///   - {kind: ServiceAccount, name: app, namespace: shop}
    /// ```
    ///
    /// ## Fix
    /// Reference the role and ServiceAccount that exist (or add them to the same manifests).
    pub static BINDING_MISSING_REFERENCE = {
        code: "RBAC017",
        name: "rbac-binding-missing-reference",
        severity: Low,
        group: "rbac",
        summary: "Binding references a role or ServiceAccount that does not exist",
        remediation: "Fix the roleRef or subject name, or add the missing Role, ClusterRole or ServiceAccount.",
        references: [
            Reference::Url("https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding"),
        ],
        scope: Cluster,
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    problem_hits(&model(ctx), hits, true);
    flag_subjects(ctx, hits, |m, b, s| {
        if s.kind != "ServiceAccount" || s.name == "default" || s.namespace.is_empty() {
            return None;
        }
        let namespace_known = m
            .service_accounts
            .iter()
            .any(|x| x.namespace == s.namespace && x.source.input.is_some());
        (namespace_known && m.service_account(&s.namespace, &s.name).is_none()).then(|| {
            format!(
                "{} binds ServiceAccount {}/{}, which is not among the ServiceAccounts the input defines in namespace {}",
                b.display(),
                s.namespace,
                s.name,
                s.namespace
            )
        })
    });
}
