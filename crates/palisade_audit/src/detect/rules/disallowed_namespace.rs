//! AUD023: a namespace created outside the allowed names (Falco's "Create Disallowed
//! Namespace").

use crate::detect::common::{actor, glob, object_name, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// With `allowedNamespaces` set (globs: `team-*`, `kube-*`, `default`), flags the creation
    /// of a Namespace whose name the list does not match. Without `allowedNamespaces` the rule
    /// checks nothing.
    ///
    /// ## Why is this bad?
    /// Namespaces carry the Pod Security labels, quotas, network policies and RBAC of a team;
    /// one created outside the process has none of them, and is a place to hide workloads.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   audit-disallowed-namespace:
    ///     allowedNamespaces: ["team-*", "kube-*", default, palisade]
    /// ```
    ///
    /// ## Fix
    /// Create namespaces through the process that labels them, and delete this one or add it.
    pub static DISALLOWED_NAMESPACE = {
        code: "AUD023",
        name: "audit-disallowed-namespace",
        severity: Low,
        summary: "A namespace was created outside the allowed namespace names",
        remediation: "Create namespaces through the process that labels them; delete or allow this one.",
        references: [Reference::Mitre("T1578")],
        requires_option: "allowedNamespaces",
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let Some(allowed) = ctx.opts.strings("allowedNamespaces") else {
        return;
    };
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.resource != "namespaces" || !o.api_group.is_empty() || !o.subresource.is_empty() {
        return;
    }
    if ev.verb != "create" || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let name = object_name(ev, ctx.written_object());
    if name.is_empty() || allowed.iter().any(|p| glob(p, name)) {
        return;
    }
    hits.push(Hit::new(format!(
        "{} created namespace {name}, which allowedNamespaces does not name",
        actor(ev)
    )));
}
