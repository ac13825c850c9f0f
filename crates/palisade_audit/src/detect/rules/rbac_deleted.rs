//! AUD020: a Role, ClusterRole or binding was deleted.

use crate::detect::common::{actor, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// Flags `delete` and `deletecollection` that took effect on Roles, ClusterRoles,
    /// RoleBindings and ClusterRoleBindings, except by the control plane (the namespace
    /// controller deleting a namespace's contents included). Informational: deletions of
    /// system and default roles are also reported, at high severity, by
    /// `audit-system-rbac-changed`.
    ///
    /// ## Why is this bad?
    /// Removing a binding can cut off a team or a component (a denial of service), and
    /// deleting the role or binding used in an attack is how its trace in the cluster's state
    /// is removed.
    ///
    /// ## Example
    /// ```text
    /// kubectl delete clusterrolebinding backdoor
    /// ```
    ///
    /// ## Fix
    /// Confirm the deletion was intended; keep RBAC objects in Git and apply them from there.
    pub static RBAC_DELETED = {
        code: "AUD020",
        name: "audit-rbac-deleted",
        severity: Low,
        summary: "A Role, ClusterRole or binding was deleted",
        remediation: "Confirm the deletion was intended; manage RBAC objects from Git.",
        references: [Reference::Mitre("T1531"), Reference::Mitre("T1070")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.api_group != "rbac.authorization.k8s.io" || !o.subresource.is_empty() {
        return;
    }
    let kind = match o.resource.as_ref() {
        "clusterroles" => "ClusterRole",
        "clusterrolebindings" => "ClusterRoleBinding",
        "roles" => "Role",
        "rolebindings" => "RoleBinding",
        _ => return,
    };
    if !matches!(ev.verb.as_ref(), "delete" | "deletecollection") || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let name = if o.name.is_empty() {
        "(all)"
    } else {
        o.name.as_ref()
    };
    let shown = if o.namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", o.namespace)
    };
    hits.push(Hit::new(format!("{} deleted {kind} {shown}", actor(ev))));
}
