//! NET010: networkPolicy rule is shadowed by a broader rule of the same policy.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags ingress or egress rules that another rule of the same policy and direction already
    /// allows entirely: the other rule has no peers (or lists each of this rule's peers) and no
    /// ports (or covers each of this rule's ports). The finding is on the shadowed rule.
    ///
    /// ## Why is this bad?
    /// Rules are a union: the narrow rule has no effect. Usually the broad rule is the mistake —
    /// a rule meant to allow one port from one peer ended up allowing everything, and the careful
    /// rule below it hides that in review.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    ///   - {}                                              # allows everything
    ///   - from: [{podSelector: {matchLabels: {app: web}}}]
    ///     ports: [{port: 8080}]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// ingress:
    ///   - from: [{podSelector: {matchLabels: {app: web}}}]
    ///     ports: [{port: 8080}]
    /// ```
    pub static SHADOWED_RULE = {
        code: "NET010",
        name: "netpol-shadowed-rule",
        severity: Low,
        group: "netpol",
        summary: "NetworkPolicy rule is shadowed by a broader rule of the same policy",
        remediation: "Remove the redundant rule, or narrow the broader one if it was not meant to allow this much.",
        references: [
            Reference::Url("https://kubernetes.io/docs/concepts/services-networking/network-policies/"),
        ],
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    flag_policies(ctx, hits, |_, p, out| {
        for d in [Direction::Ingress, Direction::Egress] {
            let rules = p.rules(d);
            for (j, r) in rules.iter().enumerate() {
                // The first rule that covers this one (an identical earlier rule shadows a later one).
                let by = rules
                    .iter()
                    .enumerate()
                    .find(|&(i, o)| i != j && covers(o, r) && (!covers(r, o) || i < j));
                if let Some((i, _)) = by {
                    out.push((
rule_path(d, r),
                            format!(
                                "{} spec.{}[{j}] adds nothing: spec.{}[{i}] already allows every peer and port it allows",
                                p.display(),
                                d.as_str(),
                                d.as_str()
                            )));
                }
            }
        }
    });
}
