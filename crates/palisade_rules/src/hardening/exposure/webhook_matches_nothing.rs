//! HRD071: admission webhooks that can never be called.

use super::common::{security_webhook, selector_matches_nothing, webhook_name, webhooks, WEBHOOK_KINDS};
use palisade_core::{Check, FieldPath, Hit, Node, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `webhooks[*]` of `ValidatingWebhookConfiguration` and
    /// `MutatingWebhookConfiguration` objects (`admissionregistration.k8s.io`) that match no
    /// request at all:
    /// * `rules` is an explicitly empty list, or every rule has an empty `operations`,
    ///   `apiGroups`, `apiVersions` or `resources` list;
    /// * `namespaceSelector` excludes every namespace, or `objectSelector` every object: a
    ///   label required both to exist and not to exist, `In`/`matchLabels` values that the
    ///   other conditions on the same label all exclude, or (namespaces)
    ///   `kubernetes.io/metadata.name` with `DoesNotExist`, a label every Namespace carries
    ///   since Kubernetes 1.22.
    ///
    /// A webhook without any `rules` key is not flagged: Knative, Tekton and other
    /// operators ship such placeholders and fill the rules in at run time.
    ///
    /// ## Why is this bad?
    /// The webhook exists, so reviewers and audits believe its policy is enforced, but the
    /// API server never calls it: every pod it should validate is admitted without the
    /// check. For a policy engine this silently disables the cluster's admission defences
    /// — MITRE ATT&CK T1562.001 "Impair Defenses: Disable or Modify Tools" — and for any
    /// other webhook it is broken configuration.
    ///
    /// ## Example
    /// ```yaml
    /// webhooks:
    ///   - name: validate.kyverno.svc
    ///     namespaceSelector:
    ///       matchExpressions:
    ///         - {key: kubernetes.io/metadata.name, operator: DoesNotExist}
    ///     rules:
    ///       - {apiGroups: [""], apiVersions: [v1], operations: [], resources: [pods]}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// webhooks:
    ///   - name: validate.kyverno.svc
    ///     namespaceSelector:
    ///       matchExpressions:
    ///         - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kyverno]}
    ///     rules:
    ///       - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
    /// ```
    /// List the operations and resources to intercept, and exclude only the namespaces the
    /// webhook must not see.
    pub static WEBHOOK_MATCHES_NOTHING = {
        code: "HRD071",
        name: "webhook-matches-nothing",
        severity: Low,
        group: "hardening",
        summary: "Admission webhook matches no request (empty rules or impossible selector)",
        remediation: "Give the webhook rules with operations and resources, and selectors that match the objects it \
                      must check.",
        references: [
            Reference::Nsa("Pod security: enforce pod security at admission"),
            Reference::Mitre("T1562.001"),
        ],
        check: Check::Object { kinds: WEBHOOK_KINDS, check },
    }
}

const RULE_LISTS: &[&str] = &["operations", "apiGroups", "apiVersions", "resources"];

/// Why the webhook's rules match nothing, or `None`.
fn dead_rules(wh: &Node) -> Option<String> {
    let rules = wh.get("rules")?.as_seq()?;
    if rules.is_empty() {
        return Some("its rules list is empty".to_owned());
    }
    let mut empties = Vec::new();
    for r in rules {
        let empty = RULE_LISTS
            .iter()
            .find(|k| r.get(k).and_then(Node::as_seq).is_some_and(<[Node]>::is_empty))?;
        empties.push(*empty);
    }
    empties.dedup();
    let what = empties.join("/");
    Some(if rules.len() == 1 {
        format!("its only rule has an empty {what} list")
    } else {
        format!("each of its rules has an empty {what} list")
    })
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    for (i, wh) in webhooks(obj) {
        let base = FieldPath::root().key("webhooks").idx(i);
        let mut found: Vec<(FieldPath, String)> = Vec::new();
        if let Some(why) = dead_rules(wh) {
            found.push((base.clone().key("rules"), why));
        }
        for (field, is_ns) in [("namespaceSelector", true), ("objectSelector", false)] {
            if let Some(why) = wh.get(field).and_then(|s| selector_matches_nothing(s, is_ns)) {
                found.push((
                    base.clone().key(field),
                    format!("its {field} matches nothing: {why}"),
                ));
            }
        }
        if found.is_empty() {
            continue;
        }
        let consequence = match security_webhook(obj, wh) {
            Some(what) => format!("the {what} never enforces its policy"),
            None => "the API server never calls it".to_owned(),
        };
        for (path, why) in found {
            hits.push(Hit::new(
                path,
                format!(
                    "{} {:?}: webhook {} matches no request ({why}): {consequence}",
                    obj.kind,
                    obj.name,
                    webhook_name(wh, i)
                ),
            ));
        }
    }
}
