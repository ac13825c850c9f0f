//! NET011: networkPolicy peers are two list items (OR) where one item (AND) was likely meant.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `from`/`to` lists where an item with only a `namespaceSelector` is next to an item
    /// with only a `podSelector`. As two items they are alternatives: all pods of the selected
    /// namespaces, OR the selected pods of the policy's own namespace. Written as one item they
    /// would mean the selected pods inside the selected namespaces. The message gives both readings.
    /// The finding is on the second item.
    ///
    /// ## Why is this bad?
    /// One `-` too many turns "pods labelled role=client in namespace team-a" into "every pod of
    /// team-a, plus role=client pods here": a much wider grant that reads almost the same.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    ///   - from:
    ///       - namespaceSelector: {matchLabels: {team: a}}
    ///       - podSelector: {matchLabels: {role: client}}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// ingress:
    ///   - from:
    ///       - namespaceSelector: {matchLabels: {team: a}}
    ///         podSelector: {matchLabels: {role: client}}
    /// ```
    pub static PEER_OR_TRAP = {
        code: "NET011",
        name: "netpol-peer-or-trap",
        severity: Low,
        group: "netpol",
        summary: "NetworkPolicy peers are two list items (OR) where one item (AND) was likely meant",
        remediation: "Put podSelector and namespaceSelector in the same list item (no `-` before podSelector) if both must match.",
        references: [
            Reference::Url("https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors"),
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
            let key = if d == Direction::Ingress { "from" } else { "to" };
            for r in p.rules(d) {
                let Some(peers) = &r.peers else { continue };
                for j in 1..peers.len() {
                    let (a, b) = (&peers[j - 1], &peers[j]);
                    let (ns, pods) = match (a, b) {
                        (
                            Peer::Pods {
                                pods: None,
                                namespaces: Some(n),
                            },
                            Peer::Pods {
                                pods: Some(s),
                                namespaces: None,
                            },
                        )
                        | (
                            Peer::Pods {
                                pods: Some(s),
                                namespaces: None,
                            },
                            Peer::Pods {
                                pods: None,
                                namespaces: Some(n),
                            },
                        ) => (n, s),
                        _ => continue,
                    };
                    if ns.is_empty() || pods.is_empty() {
                        continue;
                    }
                    out.push((
rule_path(d, r).key(key).idx(j),
                            format!(
                                "{} spec.{}[{}].{key}: these two items mean every pod of namespaces {} OR pods {} of namespace {}; as one item they would mean pods {} in namespaces {}",
                                p.display(),
                                d.as_str(),
                                r.index,
                                ns.describe(),
                                pods.describe(),
                                p.namespace,
                                pods.describe(),
                                ns.describe()
                            )));
                }
            }
        }
    });
}
