//! HRD070: security admission webhooks scoped by an objectSelector the object's author
//! controls.

use super::common::{flag_security_webhooks, quoted, WEBHOOK_KINDS};
use palisade_core::{Check, Hit, Node, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `webhooks[*].objectSelector` of `ValidatingWebhookConfiguration` and
    /// `MutatingWebhookConfiguration` objects (`admissionregistration.k8s.io`) when the
    /// webhook enforces security policy and the selector is not empty (it has `matchLabels`
    /// or `matchExpressions` entries). Security webhooks are recognised as in
    /// `webhook-fail-open`: a known policy engine or admission controller by name, or a
    /// validating webhook intercepting pod creation. `namespaceSelector` is not flagged:
    /// changing a Namespace's labels needs rights over the Namespace.
    ///
    /// ## Why is this bad?
    /// An `objectSelector` is evaluated against the labels of the object being admitted —
    /// labels that whoever creates the object writes. An opt-out selector
    /// (`policy.example.com/skip DoesNotExist`) lets anyone skip the policy by adding the
    /// label; an opt-in selector (`matchLabels: {policy: enforced}`) lets anyone skip it by
    /// leaving the label out. Either way the user the policy is meant to restrain decides
    /// whether it applies, and deploys the privileged pod anyway: MITRE ATT&CK T1562.001
    /// "Impair Defenses: Disable or Modify Tools".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingWebhookConfiguration
    /// metadata: {name: kyverno-resource-validating-webhook-cfg}
    /// webhooks:
    ///   - name: validate.kyverno.svc
    ///     objectSelector:
    ///       matchExpressions:
    ///         - {key: policy.example.com/skip, operator: DoesNotExist}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingWebhookConfiguration
    /// metadata: {name: kyverno-resource-validating-webhook-cfg}
    /// webhooks:
    ///   - name: validate.kyverno.svc
    ///     namespaceSelector:
    ///       matchExpressions:
    ///         - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kyverno]}
    /// ```
    /// Scope security webhooks with a `namespaceSelector` (controlled by namespace
    /// administrators) and handle exceptions inside the policy engine.
    pub static WEBHOOK_OBJECT_SELECTOR_BYPASS = {
        code: "HRD070",
        name: "webhook-object-selector-bypass",
        severity: Medium,
        group: "hardening",
        summary: "Security admission webhook can be skipped through the object's own labels (objectSelector)",
        remediation: "Remove the objectSelector of policy-enforcing webhooks; scope them with a namespaceSelector and \
                      policy-level exceptions instead.",
        references: [
            Reference::Cis("5.2.1"),
            Reference::Nsa("Pod security: enforce pod security at admission"),
            Reference::Mitre("T1562.001"),
        ],
        check: Check::Object { kinds: WEBHOOK_KINDS, check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    flag_security_webhooks(ctx.obj, hits, "objectSelector", |wh| {
        let sel = wh.get("objectSelector")?;
        let mut keys: Vec<&str> = sel
            .get("matchLabels")
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|e| &*e.key).collect())
            .unwrap_or_default();
        keys.extend(
            sel.get("matchExpressions")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|e| e.get("key").and_then(Node::as_str)),
        );
        if keys.is_empty() {
            return None;
        }
        keys.dedup();
        Some(format!(
            "selects objects by their own label{} {}: whoever creates an object can set or omit {} to skip \
             the policy",
            if keys.len() == 1 { "" } else { "s" },
            quoted(&keys),
            if keys.len() == 1 { "it" } else { "them" },
        ))
    });
}
