//! AUD007: a RoleBinding or ClusterRoleBinding granting cluster-admin or another powerful role.

use crate::detect::common::{actor, object_name, took_effect};
use crate::detect::roles::Power;
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags `create`, `update` and `patch` of RoleBindings and ClusterRoleBindings whose role
    /// grants `cluster-admin` (`*` on everything) or anything of the RBAC risk catalogue (read
    /// Secrets, create workloads, exec into pods, escalate or bind, impersonate, mint tokens,
    /// approve CSRs, change admission, …). The role's rules are those of Kubernetes' default
    /// roles, or of the Role or ClusterRole as the stream last created or changed it. A binding
    /// to cluster-admin is critical; to another powerful role, high. A binding to a role the
    /// stream never showed (made before the log starts) is reported at low severity, since
    /// what it grants is unknown. The API server's and controllers' own requests are not
    /// reported (option `trustedUsers` adds identities).
    ///
    /// ## Why is this bad?
    /// A binding is how permissions are granted; a new binding to a powerful role is the
    /// persistence and privilege-escalation step of most cluster attacks.
    ///
    /// ## Example
    /// ```text
    /// kubectl create clusterrolebinding alice-admin --clusterrole=cluster-admin --user=alice
    /// ```
    ///
    /// ## Fix
    /// Delete the binding unless it was approved; grant narrower roles bound in namespaces.
    pub static POWERFUL_BINDING = {
        code: "AUD007",
        name: "audit-powerful-binding",
        severity: High,
        summary: "A binding to cluster-admin or another powerful role was created",
        remediation: "Delete the binding unless approved; bind narrower roles per namespace.",
        references: [Reference::Cis("5.1.1"), Reference::Mitre("T1098"), Reference::Mitre("T1078")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.api_group != "rbac.authorization.k8s.io" || !o.subresource.is_empty() {
        return;
    }
    let cluster_binding = match o.resource.as_ref() {
        "clusterrolebindings" => true,
        "rolebindings" => false,
        _ => return,
    };
    if !matches!(ev.verb.as_ref(), "create" | "update" | "patch") || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let Some(obj) = ctx.written_object() else { return };
    let Some(role_ref) = obj.get("roleRef") else {
        return;
    };
    let kind = role_ref
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    let role = role_ref
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    let cluster_role = match kind {
        "ClusterRole" => true,
        "Role" if !cluster_binding => false,
        _ => return,
    };
    let subjects: Vec<String> = obj
        .get("subjects")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| {
                    let k = s.get("kind").and_then(serde_json::Value::as_str).unwrap_or("?");
                    let n = s.get("name").and_then(serde_json::Value::as_str).unwrap_or("?");
                    match s.get("namespace").and_then(serde_json::Value::as_str) {
                        Some(ns) if k == "ServiceAccount" => format!("{k} {ns}/{n}"),
                        _ => format!("{k} {n}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let name = object_name(ev, Some(obj));
    let binding = if cluster_binding {
        format!("ClusterRoleBinding {name}")
    } else {
        format!("RoleBinding {}/{name}", o.namespace)
    };
    let head = format!(
        "{} {} {binding} granting {kind} {role} to {}",
        actor(ev),
        if ev.verb == "create" { "created" } else { "changed" },
        if subjects.is_empty() {
            "nobody".to_owned()
        } else {
            subjects.join(", ")
        }
    );
    match ctx.roles.get(cluster_role, &o.namespace, role) {
        Some(rules) => {
            let p = Power::of(rules);
            if p.cluster_admin {
                hits.push(Hit::new(format!("{head}: {}", p.describe())).severity(Severity::Critical));
            } else if p.is_powerful() {
                hits.push(Hit::new(format!("{head}: {}", p.describe())));
            }
        }
        None => hits.push(
            Hit::new(format!(
                "{head}: the role was not seen in the log, what it grants is unknown"
            ))
            .severity(Severity::Low),
        ),
    }
}
