//! HRD069: security admission webhooks that fail open (`failurePolicy: Ignore`).

use super::common::{flag_security_webhooks, WEBHOOK_KINDS};
use palisade_core::{Check, Hit, Node, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `webhooks[*]` of `ValidatingWebhookConfiguration` and
    /// `MutatingWebhookConfiguration` objects (`admissionregistration.k8s.io`) that enforce
    /// security policy and whose `failurePolicy` is `Ignore`. In
    /// `admissionregistration.k8s.io/v1beta1` an unset `failurePolicy` defaults to `Ignore`
    /// and is flagged too (in `v1` it defaults to `Fail`).
    ///
    /// A webhook enforces security policy when its name, its configuration's name, or the
    /// name, namespace or URL of the service it calls names a known policy engine or
    /// admission controller (Gatekeeper/OPA, Kyverno, Kubewarden, Polaris, palisade, the
    /// Pod Security webhook, k-rail, Datree, jsPolicy, StackRox, NeuVector, Sigstore
    /// policy-controller (`sigstore`, `cosign`), Connaisseur, Portieris, Ratify, Kritis), or — for validating
    /// webhooks — when one of its rules intercepts `CREATE` of core `pods`. Mutating
    /// webhooks of other products (sidecar injectors, secret injectors) are not flagged:
    /// failing open only skips their mutation.
    ///
    /// ## Why is this bad?
    /// With `Ignore`, the API server admits the request whenever the webhook cannot answer:
    /// its pods are restarting, overloaded, evicted, or unreachable because of a
    /// NetworkPolicy or a certificate expiry — or because an attacker made it so (deleting
    /// or starving its pods, flooding it, sending requests that time out). Every policy it
    /// enforces then silently stops applying, and the attacker deploys the privileged pod
    /// the policy was meant to reject: MITRE ATT&CK T1562.001 "Impair Defenses: Disable or
    /// Modify Tools".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingWebhookConfiguration
    /// metadata: {name: gatekeeper-validating-webhook-configuration}
    /// webhooks:
    ///   - name: validation.gatekeeper.sh
    ///     failurePolicy: Ignore
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingWebhookConfiguration
    /// metadata: {name: gatekeeper-validating-webhook-configuration}
    /// webhooks:
    ///   - name: validation.gatekeeper.sh
    ///     failurePolicy: Fail
    /// ```
    /// Fail closed, run the webhook highly available (several replicas, a
    /// PodDisruptionBudget) and exempt only the namespaces it needs to recover itself.
    pub static WEBHOOK_FAIL_OPEN = {
        code: "HRD069",
        name: "webhook-fail-open",
        severity: Medium,
        group: "hardening",
        summary: "Security admission webhook fails open (failurePolicy: Ignore)",
        remediation: "Set failurePolicy: Fail on policy-enforcing webhooks and run them highly available.",
        references: [
            Reference::Cis("5.2.1"),
            Reference::Nsa("Pod security: enforce pod security at admission"),
            Reference::Mitre("T1562.001"),
        ],
        check: Check::Object { kinds: WEBHOOK_KINDS, check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    let v1beta1 = obj.api_version == "admissionregistration.k8s.io/v1beta1";
    flag_security_webhooks(obj, hits, "failurePolicy", |wh| {
        let how = match wh.get("failurePolicy").and_then(Node::as_str) {
            Some("Ignore") => "failurePolicy Ignore",
            None if v1beta1 => "failurePolicy unset (Ignore in v1beta1)",
            _ => return None,
        };
        Some(format!(
            "fails open with {how}: requests are admitted unchecked whenever it is unavailable"
        ))
    });
}
