//! RBAC016: bindings that grant permissions to a namespace's `default` ServiceAccount.

use super::common::{flag_subjects, role_label};
use palisade_core::{Check, InvCtx, InvHit, Reference};

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
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    flag_subjects(ctx, hits, |m, b, s| {
        (s.kind == "ServiceAccount" && s.name == "default" && !s.namespace.is_empty()).then(|| {
            format!(
                "{} grants {} {} to ServiceAccount {}/default, which every pod of the namespace that names no ServiceAccount runs as",
                b.display(),
                role_label(m, b),
                b.scope(),
                s.namespace
            )
        })
    });
}
