//! AUD015: a namespace or a CustomResourceDefinition was deleted.

use crate::detect::common::{actor, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// Flags `delete` (and `deletecollection`) that took effect on Namespaces and
    /// CustomResourceDefinitions, except by the control plane (option `trustedUsers`).
    ///
    /// ## Why is this bad?
    /// Deleting a namespace deletes everything in it — workloads, Secrets, policies, the
    /// evidence; deleting a CRD deletes every custom resource of its kind (a policy engine's
    /// policies, a backup tool's schedules). Both are destructive and rarely routine.
    ///
    /// ## Example
    /// ```text
    /// kubectl delete namespace payments
    /// ```
    ///
    /// ## Fix
    /// Confirm the deletion was intended; restrict delete on namespaces and CRDs to the
    /// platform team.
    pub static NAMESPACE_DELETED = {
        code: "AUD015",
        name: "audit-namespace-deleted",
        severity: Medium,
        summary: "A namespace or a CustomResourceDefinition was deleted",
        remediation: "Restrict delete on namespaces and customresourcedefinitions; confirm the deletion was intended.",
        references: [Reference::Mitre("T1485"), Reference::Mitre("T1070")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    let kind = match (o.api_group.as_ref(), o.resource.as_ref()) {
        ("", "namespaces") => "namespace",
        ("apiextensions.k8s.io", "customresourcedefinitions") => "CustomResourceDefinition",
        _ => return,
    };
    if !o.subresource.is_empty() || !matches!(ev.verb.as_ref(), "delete" | "deletecollection") {
        return;
    }
    if !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let name = if o.name.is_empty() {
        "(all)"
    } else {
        o.name.as_ref()
    };
    hits.push(Hit::new(format!("{} deleted {kind} {name}", actor(ev))));
}
