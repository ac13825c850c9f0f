//! RBAC018: RBAC objects the API server would reject, or parts of them that grant nothing.

use super::common::{model, problem_hits};
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags what the API server's validation rejects in Roles, ClusterRoles and bindings,
    /// and what silently grants nothing: rules without verbs, resource rules without
    /// `apiGroups` or `resources`, `nonResourceURLs` in a namespaced Role, rules that mix
    /// resources and `nonResourceURLs`, a ClusterRoleBinding whose `roleRef` is a Role,
    /// `roleRef.kind` or `roleRef.apiGroup` that are not valid, subjects of an unknown kind or
    /// with the wrong `apiGroup`, ServiceAccount subjects of a ClusterRoleBinding without a
    /// namespace, and objects defined twice in the input. The finding is on the field.
    ///
    /// ## Why is this bad?
    /// Manifests that the API server rejects break deployments; worse, the parts it accepts
    /// but never matches (a ServiceAccount subject without a namespace in a
    /// ClusterRoleBinding, a rule without apiGroups) look like working permissions in review
    /// while granting nothing, so someone later "fixes" them with a wildcard.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics-reader}
    /// subjects:
    ///   - {kind: ServiceAccount, name: prometheus}     # no namespace: matches no one
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// subjects:
    ///   - {kind: ServiceAccount, name: prometheus, namespace: monitoring}
    /// ```
    pub static INVALID_OBJECT = {
        code: "RBAC018",
        name: "rbac-invalid-object",
        severity: Medium,
        group: "rbac",
        summary: "RBAC object is invalid, or part of it can never grant anything",
        remediation: "Fix the field so the API server accepts the object and the rule or subject matches what was intended.",
        references: [
            Reference::Url("https://kubernetes.io/docs/reference/access-authn-authz/rbac/"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    problem_hits(&model(ctx), hits, false);
}
