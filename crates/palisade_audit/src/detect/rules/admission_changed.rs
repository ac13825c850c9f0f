//! AUD013: admission webhooks, admission policies or audit configuration were changed.

use crate::detect::common::{actor, took_effect};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

/// (group, resource) of the objects that decide admission and auditing.
const WATCHED: &[(&str, &str, &str)] = &[
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicies",
        "MutatingAdmissionPolicy",
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
        "MutatingAdmissionPolicyBinding",
    ),
    ("auditregistration.k8s.io", "auditsinks", "AuditSink"),
];

declare_audit_rule! {
    /// ## What it does
    /// Flags `create`, `update`, `patch`, `delete` and `deletecollection` that took effect on
    /// validating and mutating webhook configurations, (validating and mutating) admission
    /// policies and their bindings, and dynamic audit sinks, except by the control plane
    /// (option `trustedUsers` adds identities, such as the operator of a policy engine).
    ///
    /// ## Why is this bad?
    /// Admission decides what may run: deleting a policy engine's webhook or adding a
    /// `failurePolicy: Ignore` disables Pod Security beyond PSA, image policies and every
    /// guardrail; a mutating webhook sees, and can change, every object written — Secrets
    /// included.
    ///
    /// ## Example
    /// ```text
    /// kubectl delete validatingwebhookconfiguration kyverno-resource-validating-webhook-cfg
    /// ```
    ///
    /// ## Fix
    /// Restrict write access to admissionregistration.k8s.io to the platform team and review
    /// each change.
    pub static ADMISSION_CHANGED = {
        code: "AUD013",
        name: "audit-admission-changed",
        severity: High,
        summary: "Admission webhooks, admission policies or audit sinks were changed",
        remediation: "Restrict writes to admissionregistration.k8s.io to the platform team; review the change.",
        references: [Reference::Mitre("T1562.001"), Reference::Mitre("T1554")],
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let ev = ctx.ev;
    let Some(o) = &ev.object_ref else { return };
    let Some((_, _, kind)) = WATCHED
        .iter()
        .find(|(g, r, _)| *g == o.api_group && *r == o.resource)
    else {
        return;
    };
    let done = match ev.verb.as_ref() {
        "create" => "created",
        "update" | "patch" => "changed",
        "delete" | "deletecollection" => "deleted",
        _ => return,
    };
    if !took_effect(ev) || ctx.trusted_actor() {
        return;
    }
    let name = crate::detect::common::object_name(ev, ctx.written_object());
    let name = if name.is_empty() { "(all)" } else { name };
    hits.push(Hit::new(format!("{} {done} {kind} {name}", actor(ev))));
}
