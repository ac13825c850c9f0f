//! NET004: networkPolicy selects no workload of its namespace (often a label typo).

use super::common::*;
use palisade_core::{Check, FieldPath, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags NetworkPolicies whose `spec.podSelector` is not empty and matches none of the
    /// workloads the input defines in the policy's namespace (policies in namespaces without
    /// workloads in the input are not judged).
    ///
    /// ## Why is this bad?
    /// A policy that selects nothing protects nothing, and it looks like protection in review: the
    /// workload it was written for stays open to every pod. The usual cause is a label typo or a
    /// label changed on the Deployment but not in the policy.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: fronted}     # the pods are labelled app: frontend
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: frontend}
    /// ```
    pub static POLICY_SELECTS_NOTHING = {
        code: "NET004",
        name: "netpol-policy-selects-nothing",
        severity: Low,
        group: "netpol",
        summary: "NetworkPolicy selects no workload of its namespace (often a label typo)",
        remediation: "Fix spec.podSelector to match the labels of the pods it is meant to protect.",
        references: [
            Reference::Url("https://kubernetes.io/docs/concepts/services-networking/network-policies/"),
        ],
        scope: Cluster,
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    flag_policies(ctx, hits, |m, p, out| {
        if p.pod_selector.is_empty() {
            return;
        }
        let in_ns: Vec<&Workload> = m
            .workloads
            .iter()
            .filter(|w| w.namespace() == p.namespace)
            .collect();
        if in_ns.is_empty() || in_ns.iter().any(|w| selects(m, p, w)) {
            return;
        }
        let mut labels: Vec<String> = in_ns
            .iter()
            .flat_map(|w| w.labels.iter().map(|(k, v)| format!("{k}={v}")))
            .collect();
        labels.sort();
        labels.dedup();
        labels.truncate(6);
        out.push((
            FieldPath::root().key("spec").key("podSelector"),
            format!(
                "{} selects {}, which matches none of the {} workload(s) of namespace {} (their pod labels include {})",
                p.display(),
                p.pod_selector.describe(),
                in_ns.len(),
                p.namespace,
                labels.join(", ")
            ),
        ));
    });
}
