//! NET005: networkPolicy ingress rule allows every pod of every namespace, or every address.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags ingress rules that allow everything: no `from` (or `from: []`), a peer
    /// `namespaceSelector: {}` without a restricting podSelector, or `ipBlock` `0.0.0.0/0` / `::/0`
    /// without excepts. Rules of policies whose selected workloads are all exposed on purpose (by a
    /// LoadBalancer or NodePort Service, or an Ingress) are not flagged when they restrict ports:
    /// that is a public entry point. The finding is on the rule.
    ///
    /// ## Why is this bad?
    /// Such a rule isolates the pod in name only: any compromised pod in any namespace still
    /// reaches it. Often it is a leftover `- {}` added while debugging.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    ///   - from: [{namespaceSelector: {}}]
    ///     ports: [{port: 5432}]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// ingress:
    ///   - from:
    ///       - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: billing}}
    ///         podSelector: {matchLabels: {app: billing-api}}
    ///     ports: [{port: 5432}]
    /// ```
    pub static INGRESS_FROM_EVERYWHERE = {
        code: "NET005",
        name: "netpol-ingress-from-everywhere",
        severity: Medium,
        group: "netpol",
        summary: "NetworkPolicy ingress rule allows every pod of every namespace, or every address",
        remediation: "List the namespaces and pods (or CIDRs) that need access in `from`.",
        references: [
            Reference::Nsa("Network separation and hardening: restrict ingress"),
            Reference::Mitre("T1210"),
        ],
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    flag_policies(ctx, hits, |m, p, out| {
        if !p.ingress_type {
            return;
        }
        let selected: Vec<&Workload> = m.workloads.iter().filter(|w| selects(m, p, w)).collect();
        let all_exposed = !selected.is_empty()
            && selected.iter().all(|w| {
                m.exposures.iter().any(|e| {
                    e.namespace == w.namespace()
                        && e.selectors
                            .iter()
                            .any(|s| s.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
                })
            });
        for r in &p.ingress {
            let Some(what) = everywhere(r) else { continue };
            if all_exposed && r.ports.is_some() {
                continue; // a public entry point, restricted to its ports
            }
            out.push((
                rule_path(Direction::Ingress, r),
                format!(
                    "{} spec.ingress[{}] allows {what} {}, to pods {}",
                    p.display(),
                    r.index,
                    ports_text(r),
                    p.pod_selector.describe()
                ),
            ));
        }
    });
}
