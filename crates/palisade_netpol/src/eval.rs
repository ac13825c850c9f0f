//! Reachability, exactly as NetworkPolicy defines it: a policy selects pods of its own
//! namespace; a pod is isolated in a direction iff some selecting policy has that type; an
//! isolated direction allows the union of the selecting policies' rules; a connection needs
//! the source's egress and the destination's ingress to allow it. Peers, named ports, endPort
//! ranges and ipBlocks (against a partition of the IP space) are matched per the API. The
//! per-rule peer sets are precomputed as bitsets so whole matrices are cheap. No I/O.

use crate::ip::{partition, Cidr, IpRange};
use crate::model::{Direction, HostNetworkMode, Model, Peer, PodIpMode, PortRef, Rule, Workload};
use crate::ports::PortSet;
use palisade_core::Location;
use serde::Serialize;

/// One end of a connection: a workload, or an external IP range of the partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    Workload(usize),
    External(usize),
}

/// A fixed-size bit set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bits(Vec<u64>);

impl Bits {
    pub fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    pub fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

/// A rule of a valid policy, with its peers resolved against the model.
#[derive(Debug)]
pub struct FlatRule {
    pub policy: usize,
    pub direction: Direction,
    /// Index in the policy's ingress/egress list.
    pub index: usize,
    /// Workloads its peers match (`None`: any peer).
    pub workloads: Option<Bits>,
    /// External ranges its peers match (`None`: any peer).
    pub external: Option<Bits>,
    /// Ports without names (all of them when the rule has no ports).
    pub fixed_ports: PortSet,
    pub has_named: bool,
}

/// The model with everything precomputed for reachability queries.
pub struct Analysis<'m> {
    pub model: &'m Model,
    /// External ranges: the IPv4 and IPv6 spaces split at every ipBlock boundary.
    pub ranges: Vec<IpRange>,
    pub rules: Vec<FlatRule>,
    /// Per workload: the policies selecting it with each type.
    pub ingress_policies: Vec<Vec<usize>>,
    pub egress_policies: Vec<Vec<usize>>,
    /// Per workload: the flattened rules of those policies.
    pub ingress_rules: Vec<Vec<u32>>,
    pub egress_rules: Vec<Vec<u32>>,
}

/// Why a connection is allowed or not, one direction.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub direction: Direction,
    /// Whether the pod is isolated in this direction (external ends never are).
    pub isolated: bool,
    /// The policies that isolate it.
    pub policies: Vec<String>,
    /// The rules that allow the connection, with the ports each allows.
    pub rules: Vec<RuleRef>,
    /// What this side allows.
    pub allowed: PortSet,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleRef {
    pub policy: String,
    /// `spec.ingress[0]`.
    pub rule: String,
    pub location: Option<String>,
    pub ports: PortSet,
}

/// The answer for one connection.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub egress: Side,
    pub ingress: Side,
    /// Allowed ports: what both sides allow.
    pub allowed: PortSet,
}

fn workload_in_ipblock(mode: &PodIpMode, w: &Workload, cidr: &Cidr, except: &[Cidr]) -> bool {
    let PodIpMode::Match { pod_cidrs } = mode else {
        return false;
    };
    if !w.ips.is_empty() {
        return w
            .ips
            .iter()
            .any(|ip| cidr.contains(*ip) && !except.iter().any(|e| e.contains(*ip)));
    }
    // Without a known IP, the pod is somewhere in the pod CIDRs (the whole space by default):
    // matched only when the block contains all of them.
    let whole: Vec<Cidr> = if pod_cidrs.is_empty() {
        ["0.0.0.0/0", "::/0"]
            .iter()
            .filter_map(|s| Cidr::parse(s).ok())
            .collect()
    } else {
        pod_cidrs.clone()
    };
    whole.iter().any(|pc| {
        cidr.contains_cidr(pc)
            && !except.iter().any(|e| {
                let (a, b) = (e.range(), pc.range());
                a.family == b.family && a.start <= b.end && b.start <= a.end
            })
    })
}

impl<'m> Analysis<'m> {
    pub fn new(model: &'m Model) -> Analysis<'m> {
        let n = model.workloads.len();
        let node_mode = model.options.host_network == HostNetworkMode::Node;
        let cidrs: Vec<Cidr> = model
            .policies
            .iter()
            .flat_map(|p| p.ingress.iter().chain(&p.egress))
            .flat_map(|r| r.peers.iter().flatten())
            .flat_map(|p| match p {
                Peer::IpBlock { cidr, except } => {
                    std::iter::once(*cidr).chain(except.iter().copied()).collect()
                }
                Peer::Pods { .. } => Vec::new(),
            })
            .collect();
        let ranges = partition(&cidrs);
        // Workloads by namespace.
        let mut by_ns: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
        for (i, w) in model.workloads.iter().enumerate() {
            by_ns.entry(w.namespace()).or_default().push(i);
        }
        // hostNetwork pods in node mode: matched by ipBlocks on their node IP (§2.6 (b)).
        let host_pods: Vec<usize> = (0..n)
            .filter(|&w| node_mode && model.workloads[w].host_network)
            .collect();
        let mut a = Analysis {
            model,
            ranges,
            rules: Vec::new(),
            ingress_policies: vec![Vec::new(); n],
            egress_policies: vec![Vec::new(); n],
            ingress_rules: vec![Vec::new(); n],
            egress_rules: vec![Vec::new(); n],
        };
        for (pi, p) in model.policies.iter().enumerate() {
            let selected: Vec<usize> = by_ns
                .get(p.namespace.as_str())
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&w| {
                            let wl = &model.workloads[w];
                            !(node_mode && wl.host_network) && p.pod_selector.matches(&wl.labels)
                        })
                        .collect()
                })
                .unwrap_or_default();
            for d in [Direction::Ingress, Direction::Egress] {
                if !p.has_type(d) {
                    continue;
                }
                let first = a.rules.len() as u32;
                for r in p.rules(d) {
                    let flat = a.flatten(pi, d, r, &by_ns, &host_pods);
                    a.rules.push(flat);
                }
                let ids: Vec<u32> = (first..a.rules.len() as u32).collect();
                for &w in &selected {
                    let (pols, rules) = match d {
                        Direction::Ingress => (&mut a.ingress_policies, &mut a.ingress_rules),
                        Direction::Egress => (&mut a.egress_policies, &mut a.egress_rules),
                    };
                    pols[w].push(pi);
                    rules[w].extend_from_slice(&ids);
                }
            }
        }
        a
    }

    fn flatten(
        &self,
        pi: usize,
        d: Direction,
        r: &Rule,
        by_ns: &std::collections::HashMap<&str, Vec<usize>>,
        host_pods: &[usize],
    ) -> FlatRule {
        let m = self.model;
        let p = &m.policies[pi];
        let node_mode = m.options.host_network == HostNetworkMode::Node;
        let (workloads, external) = match &r.peers {
            None => (None, None),
            Some(peers) => {
                let mut wb = Bits::new(m.workloads.len());
                let mut eb = Bits::new(self.ranges.len());
                for peer in peers {
                    match peer {
                        Peer::Pods { pods, namespaces } => {
                            let nss: Vec<&str> = match namespaces {
                                None => vec![p.namespace.as_str()],
                                Some(sel) => m
                                    .namespaces
                                    .iter()
                                    .filter(|n| sel.matches(&n.labels))
                                    .map(|n| n.name.as_str())
                                    .collect(),
                            };
                            for ns in nss {
                                for &w in by_ns.get(ns).map_or(&[][..], Vec::as_slice) {
                                    let wl = &m.workloads[w];
                                    if node_mode && wl.host_network {
                                        continue;
                                    }
                                    if pods.as_ref().is_none_or(|s| s.matches(&wl.labels)) {
                                        wb.set(w);
                                    }
                                }
                            }
                        }
                        Peer::IpBlock { cidr, except } => {
                            for (i, rg) in self.ranges.iter().enumerate() {
                                if rg.within(cidr) && !except.iter().any(|e| rg.within(e)) {
                                    eb.set(i);
                                }
                            }
                            // Spec §2.6 (b): in node mode a hostNetwork pod's traffic is
                            // node-IP traffic, which an ipBlock on the node IP matches whatever
                            // the pod-IP mode (an unknown node IP may be anywhere).
                            let node_ips = PodIpMode::Match {
                                pod_cidrs: Vec::new(),
                            };
                            for &w in host_pods {
                                if workload_in_ipblock(&node_ips, &m.workloads[w], cidr, except) {
                                    wb.set(w);
                                }
                            }
                            if m.options.pod_ips != PodIpMode::Ignore {
                                for (w, wl) in m.workloads.iter().enumerate() {
                                    if !(node_mode && wl.host_network)
                                        && workload_in_ipblock(&m.options.pod_ips, wl, cidr, except)
                                    {
                                        wb.set(w);
                                    }
                                }
                            }
                        }
                    }
                }
                (Some(wb), Some(eb))
            }
        };
        let mut fixed = PortSet::none();
        let mut has_named = false;
        match &r.ports {
            None => fixed = PortSet::all(),
            Some(specs) => {
                for s in specs {
                    match &s.port {
                        PortRef::Any => fixed.union_with(&PortSet::all_of(s.proto)),
                        PortRef::Num(n) => {
                            fixed.union_with(&PortSet::range(s.proto, *n, s.end_port.unwrap_or(*n)))
                        }
                        PortRef::Name(_) => has_named = true,
                    }
                }
            }
        }
        FlatRule {
            policy: pi,
            direction: d,
            index: r.index,
            workloads,
            external,
            fixed_ports: fixed,
            has_named,
        }
    }

    /// The rule as written in its policy.
    pub fn rule(&self, id: u32) -> &Rule {
        let f = &self.rules[id as usize];
        &self.model.policies[f.policy].rules(f.direction)[f.index]
    }

    /// Whether a rule's peers match an endpoint.
    pub fn rule_matches(&self, id: u32, e: Endpoint) -> bool {
        let f = &self.rules[id as usize];
        match e {
            Endpoint::Workload(w) => f.workloads.as_ref().is_none_or(|b| b.get(w)),
            Endpoint::External(x) => f.external.as_ref().is_none_or(|b| b.get(x)),
        }
    }

    /// The ports a rule allows towards destination `dst` (named ports resolved on it; an
    /// external destination has no named ports).
    pub fn rule_ports(&self, id: u32, dst: Endpoint) -> PortSet {
        let f = &self.rules[id as usize];
        if !f.has_named {
            return f.fixed_ports.clone();
        }
        let mut out = f.fixed_ports.clone();
        if let Endpoint::Workload(d) = dst {
            let wl = &self.model.workloads[d];
            for s in self.rule(id).ports.iter().flatten() {
                if let PortRef::Name(n) = &s.port {
                    if let Some(p) = wl.resolve(n, s.proto) {
                        out.union_with(&PortSet::range(s.proto, p, p));
                    }
                }
            }
        }
        out
    }

    pub fn isolated(&self, w: usize, d: Direction) -> bool {
        match d {
            Direction::Ingress => !self.ingress_policies[w].is_empty(),
            Direction::Egress => !self.egress_policies[w].is_empty(),
        }
    }

    /// What the source's egress allows towards `dst`.
    pub fn egress(&self, src: Endpoint, dst: Endpoint) -> PortSet {
        self.allows(src, Direction::Egress, dst, dst)
    }

    /// What the destination's ingress allows from `src`.
    pub fn ingress(&self, src: Endpoint, dst: Endpoint) -> PortSet {
        self.allows(dst, Direction::Ingress, src, dst)
    }

    /// What the rules of `end` in direction `d` allow with `peer` (named ports resolved on
    /// `dst`): everything unless `end` is a workload isolated in that direction.
    fn allows(&self, end: Endpoint, d: Direction, peer: Endpoint, dst: Endpoint) -> PortSet {
        match end {
            Endpoint::Workload(w) if self.isolated(w, d) => {
                let rules = match d {
                    Direction::Ingress => &self.ingress_rules[w],
                    Direction::Egress => &self.egress_rules[w],
                };
                let mut out = PortSet::none();
                for &r in rules {
                    if self.rule_matches(r, peer) {
                        out.union_with(&self.rule_ports(r, dst));
                    }
                }
                out
            }
            _ => PortSet::all(),
        }
    }

    /// The ports on which `src` may open connections to `dst`.
    pub fn allowed(&self, src: Endpoint, dst: Endpoint) -> PortSet {
        let e = self.egress(src, dst);
        if e.is_empty() {
            return e;
        }
        e.intersect(&self.ingress(src, dst))
    }

    fn side(&self, d: Direction, pod: Option<usize>, src: Endpoint, dst: Endpoint) -> Side {
        let Some(w) = pod.filter(|&w| self.isolated(w, d)) else {
            return Side {
                direction: d,
                isolated: false,
                policies: Vec::new(),
                rules: Vec::new(),
                allowed: PortSet::all(),
            };
        };
        let (pols, rules, peer) = match d {
            Direction::Ingress => (&self.ingress_policies[w], &self.ingress_rules[w], src),
            Direction::Egress => (&self.egress_policies[w], &self.egress_rules[w], dst),
        };
        let mut out = Vec::new();
        let mut allowed = PortSet::none();
        for &r in rules {
            if !self.rule_matches(r, peer) {
                continue;
            }
            let ports = self.rule_ports(r, dst);
            allowed.union_with(&ports);
            let f = &self.rules[r as usize];
            let p = &self.model.policies[f.policy];
            out.push(RuleRef {
                policy: p.display(),
                rule: format!("spec.{}[{}]", d.as_str(), f.index),
                location: self.rule(r).location.as_ref().map(Location::to_string),
                ports,
            });
        }
        Side {
            direction: d,
            isolated: true,
            policies: pols
                .iter()
                .map(|&p| {
                    let pol = &self.model.policies[p];
                    match &pol.location {
                        Some(l) => format!("{} ({l})", pol.display()),
                        None => pol.display(),
                    }
                })
                .collect(),
            rules: out,
            allowed,
        }
    }

    /// Why `src` may or may not reach `dst`.
    pub fn explain(&self, src: Endpoint, dst: Endpoint) -> Explanation {
        let sp = match src {
            Endpoint::Workload(w) => Some(w),
            Endpoint::External(_) => None,
        };
        let dp = match dst {
            Endpoint::Workload(w) => Some(w),
            Endpoint::External(_) => None,
        };
        let egress = self.side(Direction::Egress, sp, src, dst);
        let ingress = self.side(Direction::Ingress, dp, src, dst);
        let allowed = egress.allowed.intersect(&ingress.allowed);
        Explanation {
            egress,
            ingress,
            allowed,
        }
    }

    /// `Deployment shop/web` or `0.0.0.0/0 (outside the cluster)`.
    pub fn endpoint_name(&self, e: Endpoint) -> String {
        match e {
            Endpoint::Workload(w) => self.model.workloads[w].display(),
            Endpoint::External(x) => self.ranges[x].to_string(),
        }
    }

    /// The external range containing an IP address.
    pub fn external_for(&self, ip: std::net::IpAddr) -> Option<usize> {
        self.ranges.iter().position(|r| r.contains_ip(ip))
    }
}
