//! RBAC016: bindings that grant permissions to a namespace's `default` ServiceAccount.

use super::common::{model, role_label, user_bindings};
use palisade_core::{Check, FieldPath, Hit, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags subjects `ServiceAccount <ns>/default` in RoleBindings and ClusterRoleBindings
    /// written in the input. The finding is on the subject.
    ///
    /// ## Why is this bad?
    /// Every pod that names no ServiceAccount runs as `default` and — unless automount is
    /// disabled — carries its token. A permission granted to `default` for one workload is
    /// held by all of them, and by any pod an attacker manages to create in the namespace.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// metadata: {name: reader, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-reader}
    /// subjects:
    ///   - {kind: ServiceAccount, name: default, namespace: shop}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// subjects:
    ///   - {kind: ServiceAccount, name: config-loader, namespace: shop}   # a dedicated account
    /// ```
    pub static DEFAULT_SA_BOUND = {
        code: "RBAC016",
        name: "rbac-default-service-account-bound",
        severity: Medium,
        group: "rbac",
        summary: "Binding grants permissions to a namespace's default ServiceAccount",
        remediation: "Create a dedicated ServiceAccount for the workload that needs the permission and bind that instead.",
        references: [
            Reference::Cis("5.1.5"),
            Reference::Mitre("T1078.001"),
        ],
        check: Check::Inventory(check),
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    for (obj, b) in user_bindings(&m) {
        let role = role_label(&m, b);
        for (i, s) in b.subjects.iter().enumerate() {
            if s.kind == "ServiceAccount" && s.name == "default" && !s.namespace.is_empty() {
                hits.push(InvHit {
                    object: obj,
                    hit: Hit::new(
                        FieldPath::root().key("subjects").idx(i),
                        format!(
                            "{} grants {role} {} to ServiceAccount {}/default, which every pod of the namespace that names no ServiceAccount runs as",
                            b.display(),
                            b.scope(),
                            s.namespace
                        ),
                    ),
                });
            }
        }
    }
}
