//! Helpers shared by the NetworkPolicy rules: the network model of the scan (built once),
//! which policies select a workload, where a namespace-level finding is located, and what
//! "everywhere" and "the internet" mean for a rule's peers.

use palisade_core::{FieldPath, InvCtx, InvHit};
pub use palisade_netpol::{
    ip, Analysis, Cidr, Direction, Endpoint, HostNetworkMode, Model, Options, Peer, Policy, PortRef, Rule,
    Workload,
};
use std::sync::Arc;

/// The network model of the scan.
pub fn model(ctx: &InvCtx<'_>) -> Arc<Model> {
    ctx.cache
        .get_or_init(|| Model::build(&ctx.inv.objects, Options::default()))
}

/// Whether `p` selects workload `w` (same namespace, podSelector matches; hostNetwork pods are
/// not selected, the default mode).
pub fn selects(m: &Model, p: &Policy, w: &Workload) -> bool {
    p.namespace == w.namespace()
        && !(w.host_network && m.options.host_network == HostNetworkMode::Node)
        && p.pod_selector.matches(&w.labels)
}

/// Whether some policy isolates `w` in direction `d`.
pub fn isolated(m: &Model, w: &Workload, d: Direction) -> bool {
    m.policies.iter().any(|p| p.has_type(d) && selects(m, p, w))
}

/// Where a finding about a namespace goes: its Namespace object (`metadata.name`), or else
/// the first workload of the namespace (`first`, an input index).
pub fn namespace_anchor(m: &Model, ns: &str, first: usize) -> (usize, FieldPath) {
    match m.namespace(ns).and_then(|n| n.input) {
        Some(i) => (i, FieldPath::root().key("metadata").key("name")),
        None => (first, FieldPath::root().key("metadata").key("namespace")),
    }
}

/// Path of a policy rule: `spec.ingress[0]`.
pub fn rule_path(d: Direction, r: &Rule) -> FieldPath {
    FieldPath::root().key("spec").key(d.as_str()).idx(r.index)
}

/// Whether a peer list lets in every pod of every namespace, or every address: `None`
/// (no `from`/`to`), a `namespaceSelector: {}` without a restricting podSelector, or an
/// ipBlock covering a whole address family. Returns a description.
pub fn everywhere(r: &Rule) -> Option<String> {
    let Some(peers) = &r.peers else {
        return Some("no peers listed: every pod of every namespace and every IP address".into());
    };
    for p in peers {
        match p {
            Peer::Pods {
                pods,
                namespaces: Some(ns),
            } if ns.is_empty() && pods.as_ref().is_none_or(|s| s.is_empty()) => {
                return Some("namespaceSelector: {} — every pod of every namespace".into());
            }
            Peer::IpBlock { cidr, except } if cidr.prefix == 0 && except.is_empty() => {
                return Some(format!("ipBlock {cidr} — every address"));
            }
            _ => {}
        }
    }
    None
}

/// The public (internet) part a peer list reaches, if any: no peers at all, or an ipBlock
/// whose range minus its excepts includes public addresses.
pub fn internet(r: &Rule) -> Option<String> {
    let Some(peers) = &r.peers else {
        return Some("no `to` peers: every destination, the internet included".into());
    };
    let private = ip::non_public();
    for p in peers {
        if let Peer::IpBlock { cidr, except } = p {
            if reaches_public(cidr, except, &private) {
                return Some(if except.is_empty() {
                    format!("ipBlock {cidr}")
                } else {
                    let ex: Vec<String> = except.iter().map(ToString::to_string).collect();
                    format!("ipBlock {cidr} except {}", ex.join(", "))
                });
            }
        }
    }
    None
}

/// Whether an ipBlock (minus its excepts and the non-public ranges) still holds at least a
/// /8 worth of public IPv4 addresses (a /32 for IPv6): "the internet", not one partner's range.
fn reaches_public(cidr: &Cidr, except: &[Cidr], private: &[Cidr]) -> bool {
    let mut cuts: Vec<Cidr> = vec![*cidr];
    cuts.extend(except.iter().copied());
    cuts.extend(private.iter().copied());
    let public: u128 = ip::partition(&cuts)
        .iter()
        .filter(|r| {
            r.within(cidr) && !except.iter().any(|e| r.within(e)) && !private.iter().any(|p| r.within(p))
        })
        .map(|r| r.end - r.start + 1)
        .sum();
    let threshold = match cidr.family {
        palisade_netpol::Family::V4 => 1u128 << 24,
        palisade_netpol::Family::V6 => 1u128 << 96,
    };
    public >= threshold
}

/// The service ports of the rule, for messages: `on TCP 80` or `on every port`.
pub fn ports_text(r: &Rule) -> String {
    match &r.ports {
        None => "on every port".into(),
        Some(p) => {
            let items: Vec<String> = p
                .iter()
                .map(|s| {
                    let port = match &s.port {
                        palisade_netpol::PortRef::Any => "all".to_owned(),
                        palisade_netpol::PortRef::Num(n) => match s.end_port {
                            Some(e) => format!("{n}-{e}"),
                            None => n.to_string(),
                        },
                        palisade_netpol::PortRef::Name(n) => n.clone(),
                    };
                    format!("{} {port}", s.proto.as_str())
                })
                .collect();
            format!("on {}", items.join(", "))
        }
    }
}

/// Whether rule `o` allows everything rule `r` allows (same policy, same direction): `o` has
/// no peers or lists each of `r`'s peers, and no ports or covers each of `r`'s ports.
pub fn covers(o: &Rule, r: &Rule) -> bool {
    let peers = match (&o.peers, &r.peers) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(op), Some(rp)) => rp.iter().all(|x| op.contains(x)),
    };
    let ports = match (&o.ports, &r.ports) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(op), Some(rp)) => rp.iter().all(|x| {
            op.iter().any(|y| {
                y.proto == x.proto
                    && match (&y.port, &x.port) {
                        (palisade_netpol::PortRef::Any, _) => true,
                        (palisade_netpol::PortRef::Name(a), palisade_netpol::PortRef::Name(b)) => a == b,
                        (palisade_netpol::PortRef::Num(a), palisade_netpol::PortRef::Num(b)) => {
                            let (ya, yb) = (*a, y.end_port.unwrap_or(*a));
                            let (xa, xb) = (*b, x.end_port.unwrap_or(*b));
                            ya <= xa && xb <= yb
                        }
                        _ => false,
                    }
            })
        }),
    };
    peers && ports
}

/// The loop shared by the per-policy rules: `f` gets each valid policy and adds the
/// `(path, message)` of each of its findings to `out`; they are located on the policy.
pub fn flag_policies(
    ctx: &InvCtx<'_>,
    hits: &mut Vec<InvHit>,
    mut f: impl FnMut(&Model, &Policy, &mut Vec<(FieldPath, String)>),
) {
    let m = model(ctx);
    let mut out = Vec::new();
    for p in &m.policies {
        f(&m, p, &mut out);
        hits.extend(
            out.drain(..)
                .map(|(path, message)| InvHit::new(p.input, path, message)),
        );
    }
}

/// NET001/NET002: one finding per namespace that has (non-hostNetwork) workloads but no
/// policy with `podSelector: {}` isolating direction `d` (`type_name` is the policyTypes
/// entry, `Ingress` or `Egress`; `open_means` says what the un-isolated workloads can do).
pub fn no_default_deny(
    ctx: &InvCtx<'_>,
    hits: &mut Vec<InvHit>,
    d: Direction,
    type_name: &str,
    open_means: &str,
) {
    let m = model(ctx);
    // The namespaces a policy of type `d` with `podSelector: {}` isolates.
    let denied: std::collections::HashSet<&str> = m
        .policies
        .iter()
        .filter(|p| p.has_type(d) && p.pod_selector.is_empty())
        .map(|p| p.namespace.as_str())
        .collect();
    // Each namespace (in name order): its first workload, its workloads off the host network
    // and how many of them direction `d` leaves open, in one pass over the workloads.
    #[derive(Clone, Copy)]
    struct Ns {
        first: usize,
        workloads: usize,
        open: usize,
    }
    let mut by_ns: std::collections::BTreeMap<&str, Ns> = std::collections::BTreeMap::new();
    for w in &m.workloads {
        let ns = w.namespace();
        let e = by_ns.entry(ns).or_insert(Ns {
            first: w.input,
            workloads: 0,
            open: 0,
        });
        if w.host_network || denied.contains(ns) {
            continue;
        }
        e.workloads += 1;
        if !isolated(&m, w, d) {
            e.open += 1;
        }
    }
    for (ns, e) in by_ns {
        if e.workloads == 0 {
            continue;
        }
        let (obj, path) = namespace_anchor(&m, ns, e.first);
        hits.push(InvHit::new(
            obj,
            path,
            format!(
                "namespace {ns} has {} workload(s) and no NetworkPolicy with podSelector: {{}} and policyTypes {type_name}; {} of them {open_means}",
                e.workloads, e.open
            ),
        ));
    }
}
