//! NET008: networkPolicy names a port that no container of the affected pods declares.

use super::common::*;
use palisade_core::{Check, InvCtx, InvHit, Reference};

declare_rule! {
    /// ## What it does
    /// Flags named ports in NetworkPolicy rules that no container of the relevant pods declares
    /// with the same name and protocol: for ingress rules the pods the policy selects, for egress
    /// rules the destination pods its peers select. The finding is on the port.
    ///
    /// ## Why is this bad?
    /// A named port resolves per destination pod; a pod without that name is simply not matched.
    /// The rule silently allows nothing — the flow it was written for breaks, or someone widens the
    /// rule to every port to "fix" it.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    ///   - ports: [{port: http}]     # the container port is named web
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// ingress:
    ///   - ports: [{port: web}]
    /// ```
    pub static NAMED_PORT_UNDECLARED = {
        code: "NET008",
        name: "netpol-named-port-undeclared",
        severity: Medium,
        group: "netpol",
        summary: "NetworkPolicy names a port that no container of the affected pods declares",
        remediation: "Use the name of a declared containerPort (same protocol), or the port number.",
        references: [
            Reference::Url("https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports"),
        ],
        scope: Cluster,
        check: Check::Inventory {
            reads: palisade_netpol::READS,
            check,
        },
    }
}

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let m = model(ctx);
    let a = Analysis::new(&m);
    for (pi, p) in m.policies.iter().enumerate() {
        for d in [Direction::Ingress, Direction::Egress] {
            if !p.has_type(d) {
                continue;
            }
            for r in p.rules(d) {
                let Some(specs) = &r.ports else { continue };
                // The pods the named port is resolved on.
                let targets: Vec<&Workload> = match d {
                    Direction::Ingress => m.workloads.iter().filter(|w| selects(&m, p, w)).collect(),
                    Direction::Egress => {
                        let id = a
                            .rules
                            .iter()
                            .position(|f| f.policy == pi && f.direction == d && f.index == r.index);
                        m.workloads
                            .iter()
                            .enumerate()
                            .filter(|(wi, _)| {
                                id.is_some_and(|id| a.rule_matches(id as u32, Endpoint::Workload(*wi)))
                            })
                            .map(|(_, w)| w)
                            .collect()
                    }
                };
                if targets.is_empty() {
                    continue;
                }
                for s in specs {
                    let PortRef::Name(name) = &s.port else { continue };
                    if targets.iter().any(|w| w.resolve(name, s.proto).is_some()) {
                        continue;
                    }
                    let names: Vec<String> = targets.iter().take(3).map(|w| w.display()).collect();
                    hits.push(InvHit::new(p.input, rule_path(d, r).key("ports").idx(s.index).key("port"),
                            format!(
                                "{} spec.{}[{}] names port {name:?} ({}), but no container of {}{} declares a port with that name and protocol: the entry matches nothing",
                                p.display(),
                                d.as_str(),
                                r.index,
                                s.proto.as_str(),
                                names.join(", "),
                                if targets.len() > 3 { format!(" and {} more", targets.len() - 3) } else { String::new() }
                            )));
                }
            }
        }
    }
}
