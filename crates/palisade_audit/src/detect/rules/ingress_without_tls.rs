//! AUD026: an Ingress written without TLS (Falco's "Ingress Object without TLS Certificate
//! Created").

use crate::detect::common::{actor, object_name, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// Flags an `networking.k8s.io` (or `extensions`) Ingress created or changed without a
    /// `spec.tls` section: its hosts are served over plain HTTP.
    ///
    /// ## Why is this bad?
    /// Credentials, session cookies and data cross the network in clear text, and can be read
    /// or changed on the way.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   rules: [{host: shop.example.com, http: {paths: [...]}}]   # no tls:
    /// ```
    ///
    /// ## Fix
    /// Add `spec.tls` with a certificate Secret for the hosts (cert-manager issues them).
    pub static INGRESS_WITHOUT_TLS = {
        code: "AUD026",
        name: "audit-ingress-without-tls",
        severity: Low,
        summary: "An Ingress was written without TLS",
        remediation: "Add spec.tls with a certificate for the Ingress hosts.",
        references: [Reference::Mitre("T1557")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    if o.resource != "ingresses"
        || !matches!(o.api_group.as_ref(), "networking.k8s.io" | "extensions")
        || !o.subresource.is_empty()
    {
        return;
    }
    if !matches!(ev.verb.as_ref(), "create" | "update" | "patch") || !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let Some(obj) = ctx.written_object() else { return };
    let has_tls = obj
        .pointer("/spec/tls")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if has_tls {
        return;
    }
    hits.push(Hit::new(format!(
        "{} {} Ingress {}/{} without spec.tls",
        actor(ev),
        if ev.verb == "create" { "created" } else { "changed" },
        o.namespace,
        object_name(ev, Some(obj))
    )));
}
