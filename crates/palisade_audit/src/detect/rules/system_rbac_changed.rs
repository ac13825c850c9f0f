//! AUD014: a system ClusterRole or ClusterRoleBinding (or a default role) was changed or deleted.

use crate::detect::common::{actor, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

/// The default user-facing roles (not named `system:`).
const DEFAULT_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

declare_audit_rule! {
    /// ## What it does
    /// Flags `update`, `patch` and `delete` that took effect on ClusterRoles and
    /// ClusterRoleBindings named `system:*`, on the default roles `cluster-admin`, `admin`,
    /// `edit`, `view` and their bindings, and on Roles and RoleBindings named `system:*` in
    /// `kube-system` and `kube-public`. The API server (which reconciles them at start) and the
    /// controllers (the ClusterRole aggregation controller) are not reported.
    ///
    /// ## Why is this bad?
    /// The components of the cluster run with these roles: widening one (say
    /// `system:node-problem-detector`) silently grants power to every identity bound to it;
    /// deleting one breaks a component or hides a change in plain sight.
    ///
    /// ## Example
    /// ```text
    /// kubectl patch clusterrole system:node-problem-detector --type=json -p '[...]'
    /// ```
    ///
    /// ## Fix
    /// Never change the default roles; create new roles and bindings instead. Restart the API
    /// server to reconcile the defaults (`--authorization-mode` bootstrap) if one was changed.
    pub static SYSTEM_RBAC_CHANGED = {
        code: "AUD014",
        name: "audit-system-rbac-changed",
        severity: High,
        summary: "A system or default ClusterRole, Role or binding was changed or deleted",
        remediation: "Restore the default role or binding; make changes with new roles and bindings instead.",
        references: [Reference::Mitre("T1098"), Reference::Mitre("T1562.001")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.api_group != "rbac.authorization.k8s.io" || !o.subresource.is_empty() {
        return;
    }
    let done = match ev.verb.as_ref() {
        "update" | "patch" => "changed",
        "delete" => "deleted",
        _ => return,
    };
    let kind = match o.resource.as_ref() {
        "clusterroles" => "ClusterRole",
        "clusterrolebindings" => "ClusterRoleBinding",
        "roles" => "Role",
        "rolebindings" => "RoleBinding",
        _ => return,
    };
    let name = o.name.as_ref();
    let system = match kind {
        "ClusterRole" | "ClusterRoleBinding" => name.starts_with("system:") || DEFAULT_ROLES.contains(&name),
        _ => name.starts_with("system:") && matches!(o.namespace.as_ref(), "kube-system" | "kube-public"),
    };
    if !system || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let shown = if o.namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", o.namespace)
    };
    hits.push(Hit::new(format!("{} {done} {kind} {shown}", actor(ev))));
}
