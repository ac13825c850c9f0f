//! RBAC003: role rule uses `*` in verbs, resources, apiGroups or nonResourceURLs.

use super::common::*;
use palisade_core::{Check, FieldPath, InvCtx, InvHit, Reference};
use palisade_rbac::{is_cluster_admin_rule, wildcards};

declare_rule! {
    /// ## What it does
    /// Flags each rule of a Role or ClusterRole written in the input that has `*` in `verbs`,
    /// `resources`, `apiGroups` or `nonResourceURLs`. A rule with `*` in all three of verbs,
    /// resources and apiGroups is reported as cluster-admin equivalent. The finding is on the rule.
    ///
    /// ## Why is this bad?
    /// `*` matches more than anyone reviewed: every verb includes `escalate`, `bind` and
    /// `impersonate`; every resource includes every subresource (`pods/exec`, `nodes/proxy`) and
    /// Secrets; every API group includes CRDs installed later. A wildcard rule silently grows with
    /// the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["get", "list", "watch", "update", "patch"]
    /// ```
    pub static WILDCARD_RULE = {
        code: "RBAC003",
        name: "rbac-wildcard-rule",
        severity: High,
        group: "rbac",
        summary: "Role rule uses `*` in verbs, resources, apiGroups or nonResourceURLs",
        remediation: "List the verbs, resources and API groups the subject needs instead of `*`.",
        references: [
            Reference::Cis("5.1.3"),
            Reference::Nsa("Authentication and authorization: least privilege"),
            Reference::Checkov("CKV_K8S_49"),
            Reference::Trivy("KSV-0044"),
            Reference::Trivy("KSV-0045"),
            Reference::Trivy("KSV-0046"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    for (ri, role) in m.roles.iter().enumerate() {
        let Some(obj) = role.source.input else { continue };
        if !user_role(role) {
            continue;
        }
        for (i, rule) in role.written.iter().enumerate() {
            let w = wildcards(rule);
            if w.is_empty() {
                continue;
            }
            let what = if is_cluster_admin_rule(rule) {
                "`*` verbs on `*` resources in `*` API groups: cluster-admin equivalent".to_owned()
            } else {
                format!("`*` in {}", w.join(", "))
            };
            hits.push(InvHit::new(obj, FieldPath::root().key("rules").idx(i),
                    format!(
                        "{} rules[{i}] ({}) uses {what}, which also matches every subresource, special verb and future resource — {}",
                        role.display(),
                        rule.describe(),
                        granted_to(&m, ri)
                    )));
        }
    }
}
