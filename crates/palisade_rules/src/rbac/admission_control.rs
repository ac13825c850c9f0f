//! RBAC012: role grants changes to admission webhooks or admission policies.

use super::common::risk_hits;
use palisade_core::{Check, InvCtx, InvHit, Reference};
use palisade_rbac::RiskKind;

declare_rule! {
    /// ## What it does
    /// Flags role rules written in the input (and bindings of built-in roles) that allow `create`,
    /// `update`, `patch` or `delete` on `validatingwebhookconfigurations`,
    /// `mutatingwebhookconfigurations`, `validatingadmissionpolicies` or
    /// `validatingadmissionpolicybindings`.
    ///
    /// ## Why is this bad?
    /// Admission control is where Pod Security and policy engines stop dangerous objects. Whoever
    /// can delete or rewrite a webhook turns that protection off, or registers a mutating webhook
    /// that sees — and changes — every object written, Secrets included.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["admissionregistration.k8s.io"]
    ///     resources: ["validatingwebhookconfigurations"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["admissionregistration.k8s.io"]
    ///     resources: ["validatingwebhookconfigurations"]
    ///     resourceNames: ["my-policy-engine"]
    ///     verbs: ["get", "update"]
    /// ```
    pub static ADMISSION_CONTROL = {
        code: "RBAC012",
        name: "rbac-admission-control",
        severity: High,
        group: "rbac",
        summary: "Role grants changes to admission webhooks or admission policies",
        remediation: "Only cluster administrators and the policy engine's own installer should write admission configuration.",
        references: [
            Reference::Cis("5.1.12"),
            Reference::Mitre("T1562.001"),
            Reference::Nsa("Authentication and authorization: least privilege"),
        ],
        check: Check::Inventory {
            reads: palisade_rbac::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    risk_hits(ctx, RiskKind::AdmissionControl, hits);
}
