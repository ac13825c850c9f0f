//! RBAC001: binding grants cluster-admin (or a `*`/`*`/`*` role) to a non-system subject.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::is_cluster_admin_rule;

declare_rule! {
    /// ## What it does
    /// Flags ClusterRoleBindings and RoleBindings that bind `cluster-admin`, or any role holding a
    /// rule with `*` verbs on `*` resources in `*` API groups, to a subject that is not a Kubernetes
    /// component (`system:` users and groups and `kube-system` ServiceAccounts are left alone). The
    /// finding is on the subject.
    ///
    /// ## Why is this bad?
    /// cluster-admin is every permission on every resource, including future CRDs, Secrets of every
    /// namespace and RBAC itself. A token or certificate of a subject bound to it is the whole
    /// cluster: an attacker who steals it (from a CI system, a laptop, a pod) owns every workload and
    /// every credential the cluster holds. A RoleBinding to cluster-admin is namespace admin,
    /// including Secrets and the right to run pods as any ServiceAccount there.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: ci-admin}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    /// subjects:
    ///   - {kind: ServiceAccount, name: ci, namespace: ci}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: ci-deployer, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}   # only what CI deploys
    /// subjects:
    ///   - {kind: ServiceAccount, name: ci, namespace: ci}
    /// ```
    pub static CLUSTER_ADMIN_BINDING = {
        code: "RBAC001",
        name: "rbac-cluster-admin-binding",
        severity: Critical,
        group: "rbac",
        summary: "Binding grants cluster-admin (or a `*`/`*`/`*` role) to a non-system subject",
        remediation: "Bind a role with only the permissions the subject needs; keep cluster-admin for break-glass accounts outside manifests.",
        references: [
            Reference::Cis("5.1.1"),
            Reference::Nsa("Authentication and authorization: least privilege"),
            Reference::Mitre("T1078"),
            Reference::Trivy("KSV-0111"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    flag_subjects(ctx, hits, |m, b, s| {
        let role = &m.roles[b.role?];
        let (rule, origin) = role.rules.iter().find(|(r, _)| is_cluster_admin_rule(r))?;
        if s.is_system() || (s.kind == "ServiceAccount" && s.namespace.is_empty()) {
            return None;
        }
        let (place, _) = m.rule_place(*origin);
        let what = if role.name == "cluster-admin" && !user_role(role) {
            "cluster-admin".to_owned()
        } else {
            format!("{} (its {place} is {})", role.display(), rule.describe())
        };
        let power = if cluster_wide(b.kind) {
            "every permission on every resource of the cluster".to_owned()
        } else {
            format!(
                "every permission in namespace {}, Secrets and RBAC included",
                b.namespace
            )
        };
        Some(format!(
            "{} grants {what} {} to {}: {power}",
            b.display(),
            b.scope(),
            s.display()
        ))
    });
}
