//! RBAC017: bindings whose role, or ServiceAccount subject, does not exist.

use super::common::{model, user_bindings};
use palisade_core::{Check, FieldPath, Hit, InvCtx, InvHit, Reference};

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
        check: Check::Inventory(check),
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    let role_ref = FieldPath::root().key("roleRef").key("name");
    for p in &m.problems {
        if let (Some(obj), true) = (p.input, p.path == role_ref) {
            hits.push(InvHit {
                object: obj,
                hit: Hit::new(p.path.clone(), p.message.clone()),
            });
        }
    }
    for (obj, b) in user_bindings(&m) {
        for (i, s) in b.subjects.iter().enumerate() {
            if s.kind != "ServiceAccount" || s.name == "default" || s.namespace.is_empty() {
                continue;
            }
            let namespace_known = m
                .service_accounts
                .iter()
                .any(|x| x.namespace == s.namespace && x.source.input.is_some());
            if namespace_known && m.service_account(&s.namespace, &s.name).is_none() {
                hits.push(InvHit {
                    object: obj,
                    hit: Hit::new(
                        FieldPath::root().key("subjects").idx(i),
                        format!(
                            "{} binds ServiceAccount {}/{}, which is not among the ServiceAccounts the input defines in namespace {}",
                            b.display(),
                            s.namespace,
                            s.name,
                            s.namespace
                        ),
                    ),
                });
            }
        }
    }
}
