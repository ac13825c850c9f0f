//! AUD008: a Role or ClusterRole with wildcards, pod exec, or other powerful grants.

use crate::detect::common::{actor, object_name, took_effect};
use crate::detect::roles::{rules_of, Power};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::{Reference, Severity};

declare_audit_rule! {
    /// ## What it does
    /// Flags `create`, `update` and `patch` of Roles and ClusterRoles whose rules (as written,
    /// or as the patch left them) are judged by the RBAC risk model: `*` on everything is
    /// critical; a `*` in verbs, resources, apiGroups or nonResourceURLs, or a grant of the
    /// risk catalogue (exec into pods, read Secrets, create workloads, escalate, bind,
    /// impersonate, …) is high; a role that only writes (create, update, patch, delete) is
    /// reported at low severity. The API server's and controllers' own requests (bootstrap
    /// roles, aggregation) are not reported.
    ///
    /// ## Why is this bad?
    /// Wildcards grant every present and future resource and verb; exec and Secret access
    /// hand over the workloads' identities. Such a role is one binding away from an escalation.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    ///   - apiGroups: ["*"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// ## Fix
    /// List the resources and verbs needed; leave `pods/exec` and `secrets` out unless
    /// required.
    pub static POWERFUL_ROLE = {
        code: "AUD008",
        name: "audit-powerful-role",
        severity: High,
        summary: "A Role or ClusterRole with wildcards, pod exec or other powerful permissions was created",
        remediation: "Replace wildcards with the resources and verbs needed; drop pods/exec and secrets access.",
        references: [Reference::Cis("5.1.3"), Reference::Mitre("T1098")],
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
        "roles" => "Role",
        _ => return,
    };
    if !matches!(ev.verb.as_ref(), "create" | "update" | "patch") || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let Some(obj) = ctx.written_object() else { return };
    let p = Power::of(&rules_of(obj));
    let name = object_name(ev, Some(obj));
    let shown = if kind == "Role" {
        format!("{}/{name}", o.namespace)
    } else {
        name.to_owned()
    };
    let verb = if ev.verb == "create" { "created" } else { "changed" };
    let head = format!("{} {verb} {kind} {shown}", actor(ev));
    if p.cluster_admin {
        hits.push(Hit::new(format!("{head}: {}", p.describe())).severity(Severity::Critical));
        return;
    }
    let mut parts = Vec::new();
    if !p.wildcards.is_empty() {
        parts.push(format!("wildcards: {}", p.wildcards.join("; ")));
    }
    if !p.risks.is_empty() {
        parts.push(p.describe());
    }
    if !parts.is_empty() {
        hits.push(Hit::new(format!("{head}: {}", parts.join("; "))));
    } else if !p.writes.is_empty() {
        hits.push(
            Hit::new(format!("{head}: write privileges ({})", p.writes.join(","))).severity(Severity::Low),
        );
    }
}
