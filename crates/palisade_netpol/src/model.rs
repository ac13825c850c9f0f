//! The NetworkPolicy model: namespaces (with the `kubernetes.io/metadata.name` label the API
//! server sets), workloads as graph nodes (pod-template labels, named container ports,
//! hostNetwork, pod IPs when known), and `networking.k8s.io/v1` NetworkPolicies with their
//! defaults applied and validated like the API server (invalid policies are rejected and
//! reported, so they take no part in the analysis). No I/O.

use crate::ip::Cidr;
use crate::ports::Proto;
use palisade_core::kinds::known;
use palisade_core::Reads;
use palisade_core::{
    pod_templates, FieldPath, LabelSelector, Labels, Location, Node, Object, ObjectRef, PodTemplate,
};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// The namespace of a namespaced object written without one: where `kubectl apply` puts it.
pub const DEFAULT_NAMESPACE: &str = "default";
/// The label the API server sets on every namespace to its name.
pub const NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Clone, Debug)]
pub struct Namespace {
    pub name: String,
    /// Its labels, with `kubernetes.io/metadata.name` synthesised.
    pub labels: BTreeMap<String, String>,
    /// The Namespace object, when the input has it.
    pub input: Option<usize>,
}

/// A named container port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamedPort {
    pub name: String,
    pub port: u16,
    pub proto: Proto,
}

/// A node of the reachability graph: a workload (its pod template) or a bare Pod.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Pod labels (the template's `metadata.labels`).
    pub labels: Labels,
    /// Every container port (named or not).
    pub ports: Vec<NamedPort>,
    pub host_network: bool,
    /// Pod IPs, when the object carries its status (read from a cluster).
    pub ips: Vec<IpAddr>,
    /// Index of the object among the model's inputs.
    pub input: usize,
    pub location: Option<Location>,
    /// Shared with the object's findings; its namespace, kind and name are the workload's.
    pub reference: std::sync::Arc<ObjectRef>,
    /// Which of the object's pod templates this is (`Object::pod_templates` order).
    pub template: u32,
}

impl Workload {
    /// The namespace (`default` for an object written without one: where `kubectl apply`
    /// puts it).
    pub fn namespace(&self) -> &str {
        namespace_or_default(self.reference.namespace.as_deref())
    }
    pub fn kind(&self) -> &str {
        &self.reference.kind
    }
    pub fn name(&self) -> &str {
        &self.reference.name
    }
    /// `shop/Deployment/web`.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.namespace(), self.kind(), self.name())
    }
    /// `Deployment shop/web`.
    pub fn display(&self) -> String {
        workload_display(&self.reference)
    }
    /// The port a named port resolves to on this workload (same name and protocol).
    pub fn resolve(&self, name: &str, proto: Proto) -> Option<u16> {
        self.ports
            .iter()
            .find(|p| p.name == name && p.proto == proto)
            .map(|p| p.port)
    }
}

/// Which port(s) a rule entry names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortRef {
    /// `port` omitted: every port of the protocol.
    Any,
    Num(u16),
    Name(String),
}

/// One `ports` entry (`protocol` defaulted to TCP).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub proto: Proto,
    pub port: PortRef,
    pub end_port: Option<u16>,
    pub location: Option<Location>,
    pub index: usize,
}

/// One `from`/`to` entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector`. Only `pods`: pods of the policy's
    /// namespace; only `namespaces`: every pod of the matching namespaces; both: AND.
    Pods {
        pods: Option<LabelSelector>,
        namespaces: Option<LabelSelector>,
    },
    IpBlock {
        cidr: Cidr,
        except: Vec<Cidr>,
    },
}

/// An ingress or egress rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub index: usize,
    /// `None`: `from`/`to` missing or empty — every peer, pods and IPs.
    pub peers: Option<Vec<Peer>>,
    pub peer_locations: Vec<Option<Location>>,
    /// `None`: `ports` missing or empty — every port of every protocol.
    pub ports: Option<Vec<PortSpec>>,
    pub location: Option<Location>,
}

impl Rule {
    pub fn has_named_ports(&self) -> bool {
        self.ports
            .as_ref()
            .is_some_and(|p| p.iter().any(|s| matches!(s.port, PortRef::Name(_))))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub namespace: String,
    pub name: String,
    pub pod_selector: LabelSelector,
    /// `policyTypes` after defaulting.
    pub ingress_type: bool,
    pub egress_type: bool,
    /// Whether `policyTypes` was written.
    pub explicit_types: bool,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
    pub input: usize,
    pub location: Option<Location>,
    pub reference: ObjectRef,
}

impl Policy {
    pub fn display(&self) -> String {
        format!("NetworkPolicy {}/{}", self.namespace, self.name)
    }
    pub fn rules(&self, d: Direction) -> &[Rule] {
        match d {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
    pub fn has_type(&self, d: Direction) -> bool {
        match d {
            Direction::Ingress => self.ingress_type,
            Direction::Egress => self.egress_type,
        }
    }
}

/// Something the API server would reject (the policy is left out of the analysis).
#[derive(Clone, Debug)]
pub struct Problem {
    pub input: usize,
    pub reference: ObjectRef,
    pub path: FieldPath,
    pub location: Option<Location>,
    pub message: String,
    /// A second definition of the same policy (it replaces the first; not rejected).
    pub duplicate: bool,
}

/// How `ipBlock` peers treat pod traffic (Kubernetes leaves it open).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PodIpMode {
    /// An ipBlock never matches a pod (as established analyzers assume). Default.
    #[default]
    Ignore,
    /// An ipBlock matches a pod whose IP it contains (what the upstream e2e conformance tests
    /// expect). Pods without a known IP are taken to be somewhere in `pod_cidrs` (the whole
    /// address space when empty): they match an ipBlock that contains all of it.
    Match { pod_cidrs: Vec<Cidr> },
}

/// How hostNetwork pods are treated (Kubernetes leaves it to the network plugin).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostNetworkMode {
    /// Ignored by pod and namespace selectors and never isolated; their traffic is node
    /// traffic (the common behaviour). Default.
    #[default]
    Node,
    /// Treated like any other pod.
    Pod,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub pod_ips: PodIpMode,
    pub host_network: HostNetworkMode,
}

/// Namespaces, workloads and (valid) policies of the input.
#[derive(Debug, Default)]
pub struct Model {
    pub namespaces: Vec<Namespace>,
    pub workloads: Vec<Workload>,
    pub policies: Vec<Policy>,
    pub problems: Vec<Problem>,
    /// Services and Ingresses that expose workloads: `(input, kind, namespace, name, type, selector)`.
    pub exposures: Vec<Exposure>,
    ns_index: HashMap<String, usize>,
    /// Every Service: `(namespace, name, selector)`, for Ingress backends.
    services: Vec<(String, String, BTreeMap<String, String>)>,
    pub options: Options,
}

/// A Service of type LoadBalancer/NodePort, or an Ingress, and the workloads behind it.
#[derive(Clone, Debug)]
pub struct Exposure {
    pub input: usize,
    pub reference: ObjectRef,
    pub location: Option<Location>,
    /// `LoadBalancer`, `NodePort` or `Ingress`.
    pub how: String,
    pub namespace: String,
    /// Services: their selector. Ingresses: the selectors of the Services they route to.
    pub selectors: Vec<BTreeMap<String, String>>,
    pub path: FieldPath,
}

fn is_iana_svc_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && s.bytes().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

fn string_map(n: Option<&Node>) -> BTreeMap<String, String> {
    n.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|e| e.value.as_str().map(|v| (e.key.to_string(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn ns_of(o: &Object) -> String {
    namespace_or_default(o.namespace.as_deref()).to_owned()
}

/// An object's namespace, `default` for one written without a namespace (where `kubectl
/// apply` puts it).
fn namespace_or_default(ns: Option<&str>) -> &str {
    ns.unwrap_or(DEFAULT_NAMESPACE)
}

/// How a workload is named in messages: `Deployment shop/web` (`default` for an object
/// written without a namespace).
pub fn workload_display(r: &ObjectRef) -> String {
    [
        &*r.kind,
        " ",
        namespace_or_default(r.namespace.as_deref()),
        "/",
        &r.name,
    ]
    .concat()
}

/// Below this many objects the model is built on the calling thread.
const PARALLEL_MIN: usize = 1024;

/// The kinds of object the model reads that are not workloads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    Namespace,
    NetworkPolicy,
    Service,
    Ingress,
}

impl Special {
    fn of(o: &Object) -> Option<Special> {
        let g = o.group();
        match (g, o.kind.as_str()) {
            ("", "Namespace") => Some(Special::Namespace),
            ("networking.k8s.io", "NetworkPolicy") => Some(Special::NetworkPolicy),
            ("", "Service") => Some(Special::Service),
            ("networking.k8s.io", "Ingress") => Some(Special::Ingress),
            _ => None,
        }
    }
}

/// The workloads of one object (input index `input`): one per pod template.
fn workloads_of(input: usize, o: &Object) -> impl Iterator<Item = Workload> + '_ {
    pod_templates(o)
        .into_iter()
        .enumerate()
        .map(move |(template, tpl)| {
            let labels = Labels::of(tpl.metadata);
            let ports = template_ports(&tpl);
            // A Pod's IPs; a controller read from a cluster carries those of its pods here
            // too (the cluster source folds them in).
            let mut ips = Vec::new();
            {
                if let Some(st) = o.root.get("status") {
                    for ip in st.get("podIPs").and_then(Node::as_seq).unwrap_or(&[]) {
                        if let Some(a) = ip.get("ip").and_then(Node::as_str).and_then(|s| s.parse().ok()) {
                            ips.push(a);
                        }
                    }
                    if ips.is_empty() {
                        if let Some(a) = st
                            .get("podIP")
                            .and_then(Node::as_str)
                            .and_then(|s| s.parse().ok())
                        {
                            ips.push(a);
                        }
                    }
                }
            }
            Workload {
                labels,
                ports,
                host_network: tpl.spec.get("hostNetwork").and_then(Node::as_bool) == Some(true),
                ips,
                input,
                location: o.location_of(o.root.pos),
                reference: o.shared_reference(),
                template: u32::try_from(template).unwrap_or(u32::MAX),
            }
        })
}

/// The ports a pod template's pods serve: every container port, named or not, of the
/// containers and of the sidecars (init containers with `restartPolicy: Always`).
pub fn template_ports(tpl: &PodTemplate<'_>) -> Vec<NamedPort> {
    let mut ports = Vec::new();
    for list in ["containers", "initContainers"] {
        for c in tpl.spec.get(list).and_then(Node::as_seq).unwrap_or(&[]) {
            // Spec §2.5: named ports are `containers[*].ports[*]`; of the init
            // containers only sidecars (`restartPolicy: Always`) still run in the steady
            // state (§2.6) and serve their ports.
            if list == "initContainers" && c.get("restartPolicy").and_then(Node::as_str) != Some("Always") {
                continue;
            }
            for p in c.get("ports").and_then(Node::as_seq).unwrap_or(&[]) {
                let Some(port) = p
                    .get("containerPort")
                    .and_then(Node::as_i64)
                    .and_then(|v| u16::try_from(v).ok())
                else {
                    continue;
                };
                let proto = p
                    .get("protocol")
                    .and_then(Node::as_str)
                    .and_then(Proto::parse)
                    .unwrap_or(Proto::Tcp);
                let name = p.get("name").and_then(Node::as_str).unwrap_or("").to_owned();
                ports.push(NamedPort { name, port, proto });
            }
        }
    }
    ports
}

/// Where a pod template's labels are (what a policy selects), or its metadata when it has
/// none: where findings about what selects the workload go.
pub fn labels_path(tpl: &PodTemplate<'_>) -> FieldPath {
    let meta_path = tpl.metadata_path.clone();
    let mut path = if tpl.metadata.and_then(|m| m.get("labels")).is_some() {
        meta_path.key("labels")
    } else {
        meta_path
    };
    path.shrink_to_fit();
    path
}

/// What the NetworkPolicy model reads: the workloads (pod templates), their Namespaces,
/// NetworkPolicies, and the Services and Ingresses that expose workloads.
pub const READS: Reads = Reads::pod_templates_and(&[
    known::NAMESPACE,
    known::SERVICE,
    known::NETWORK_POLICY,
    known::INGRESS,
]);

impl Model {
    pub fn build<'a>(objects: impl IntoIterator<Item = &'a Object>, options: Options) -> Model {
        let mut m = Model {
            options,
            ..Model::default()
        };
        let mut ingresses = Vec::new();
        let mut seen: HashMap<(String, String), Option<Location>> = HashMap::new();
        let objects: Vec<&Object> = objects.into_iter().collect();
        // The workloads (every object of no other kind the model reads), in input order:
        // each object's are worked out on its own, in parallel on a large input.
        let of = |(i, o): (usize, &&'a Object)| {
            let o: &Object = o;
            (Special::of(o).is_none())
                .then(|| workloads_of(i, o))
                .into_iter()
                .flatten()
        };
        m.workloads = if objects.len() < PARALLEL_MIN {
            objects.iter().enumerate().flat_map(of).collect()
        } else {
            use rayon::prelude::*;
            objects.par_iter().enumerate().flat_map_iter(of).collect()
        };
        for (i, o) in objects.into_iter().enumerate() {
            let Some(special) = Special::of(o) else {
                continue;
            };
            if special == Special::Namespace {
                m.add_namespace(&o.name, Some((i, o)));
            } else if special == Special::NetworkPolicy {
                let key = (ns_of(o), o.name.clone());
                let path = FieldPath::root().key("metadata").key("name");
                if let Some(prev) = seen.get(&key) {
                    let at = prev.as_ref().map(|l| format!(" at {l}")).unwrap_or_default();
                    m.problems.push(Problem {
                        input: i,
                        reference: o.reference(),
                        location: o.locate(&path).0,
                        path: path.clone(),
                        message: format!(
                            "NetworkPolicy {}/{} is also defined{at}; the API server keeps one object per name, so this definition replaces that one",
                            key.0, key.1
                        ),
                        duplicate: true,
                    });
                    m.policies.retain(|p| !(p.namespace == key.0 && p.name == key.1));
                }
                seen.insert(key, o.locate(&path).0);
                m.add_policy(i, o);
            } else if special == Special::Service {
                m.add_service(i, o);
            } else {
                ingresses.push((i, o));
            }
        }
        // The same workload defined more than once: the last definition is what `kubectl
        // apply` of all of them leaves.
        let keep: Vec<bool> = {
            let mut last: HashMap<(&str, &str, &str), usize> = HashMap::with_capacity(m.workloads.len());
            for (i, w) in m.workloads.iter().enumerate() {
                last.insert((w.namespace(), w.kind(), w.name()), i);
            }
            if last.len() == m.workloads.len() {
                Vec::new()
            } else {
                m.workloads
                    .iter()
                    .enumerate()
                    .map(|(i, w)| last[&(w.namespace(), w.kind(), w.name())] == i)
                    .collect()
            }
        };
        if !keep.is_empty() {
            let mut keep = keep.into_iter();
            m.workloads.retain(|_| keep.next().unwrap_or(true));
        }
        if m.workloads.capacity() > 2 * m.workloads.len() {
            m.workloads.shrink_to_fit();
        }
        for (i, o) in ingresses {
            m.add_ingress(i, o);
        }
        // Namespaces named by objects but not defined (each name once, in order).
        let mut known: std::collections::HashSet<&str> = Default::default();
        let named: Vec<String> = m
            .workloads
            .iter()
            .map(Workload::namespace)
            .chain(m.policies.iter().map(|p| p.namespace.as_str()))
            .filter(|n| !m.ns_index.contains_key(*n) && known.insert(n))
            .map(str::to_owned)
            .collect();
        for n in named {
            m.add_namespace(&n, None);
        }
        m
    }

    fn add_namespace(&mut self, name: &str, obj: Option<(usize, &Object)>) {
        if let Some(&i) = self.ns_index.get(name) {
            if let Some((input, o)) = obj {
                let ns = &mut self.namespaces[i];
                ns.input = Some(input);
                ns.labels = string_map(o.labels());
                ns.labels.insert(NAME_LABEL.into(), name.into());
            }
            return;
        }
        let mut labels = obj.map(|(_, o)| string_map(o.labels())).unwrap_or_default();
        labels.insert(NAME_LABEL.into(), name.into());
        self.ns_index.insert(name.into(), self.namespaces.len());
        self.namespaces.push(Namespace {
            name: name.into(),
            labels,
            input: obj.map(|(i, _)| i),
        });
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.ns_index.get(name).map(|&i| &self.namespaces[i])
    }

    fn add_service(&mut self, input: usize, o: &Object) {
        let spec = o.root.get("spec");
        let t = spec
            .and_then(|s| s.get("type"))
            .and_then(Node::as_str)
            .unwrap_or("ClusterIP");
        let sel = string_map(spec.and_then(|s| s.get("selector")));
        if sel.is_empty() {
            return;
        }
        self.services.push((ns_of(o), o.name.clone(), sel.clone()));
        if !matches!(t, "LoadBalancer" | "NodePort") {
            return;
        }
        let path = FieldPath::root().key("spec").key("type");
        self.exposures.push(Exposure {
            input,
            reference: o.reference(),
            location: o.locate(&path).0,
            how: t.to_owned(),
            namespace: ns_of(o),
            selectors: vec![sel],
            path,
        });
    }

    fn add_ingress(&mut self, input: usize, o: &Object) {
        // The Services an Ingress routes to, by name, in its namespace.
        let ns = ns_of(o);
        let mut names = Vec::new();
        fn collect(n: &Node, out: &mut Vec<String>) {
            if let Some(s) = n.at(&["service", "name"]).and_then(Node::as_str) {
                out.push(s.to_owned());
            }
            if let Some(s) = n.get("serviceName").and_then(Node::as_str) {
                out.push(s.to_owned());
            }
            match (n.as_map(), n.as_seq()) {
                (Some(m), _) => m.iter().for_each(|e| collect(&e.value, out)),
                (_, Some(s)) => s.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        if let Some(spec) = o.root.get("spec") {
            collect(spec, &mut names);
        }
        names.sort();
        names.dedup();
        let path = FieldPath::root().key("spec");
        let mut selectors = Vec::new();
        for n in &names {
            if let Some(sel) = self.service_selector(&ns, n) {
                selectors.push(sel);
            }
        }
        if selectors.is_empty() {
            return;
        }
        self.exposures.push(Exposure {
            input,
            reference: o.reference(),
            location: o.locate(&path).0,
            how: "Ingress".into(),
            namespace: ns,
            selectors,
            path,
        });
    }

    /// Selectors of every Service seen (ClusterIP included), for Ingress backends.
    fn service_selector(&self, ns: &str, name: &str) -> Option<BTreeMap<String, String>> {
        self.services
            .iter()
            .find(|(n, s, _)| n == ns && s == name)
            .map(|(_, _, sel)| sel.clone())
    }
}

/// Collects a policy's validation problems while it is parsed.
struct Check<'a> {
    obj: &'a Object,
    input: usize,
    problems: Vec<Problem>,
}

impl Check<'_> {
    fn bad(&mut self, path: FieldPath, message: impl Into<String>) {
        let location = self
            .obj
            .locate(&path)
            .0
            .or_else(|| self.obj.location_of(self.obj.root.pos));
        self.problems.push(Problem {
            input: self.input,
            reference: self.obj.reference(),
            path,
            location,
            message: message.into(),
            duplicate: false,
        });
    }
    fn selector(&mut self, n: &Node, path: FieldPath) -> LabelSelector {
        let (s, problems) = LabelSelector::parse(n, &path);
        for (p, m) in problems {
            self.bad(p, m);
        }
        s
    }
}

impl Model {
    fn add_policy(&mut self, input: usize, o: &Object) {
        let mut c = Check {
            obj: o,
            input,
            problems: Vec::new(),
        };
        let root = FieldPath::root().key("spec");
        let spec = o.root.get("spec");
        let empty = Node::null();
        let spec_node = spec.unwrap_or(&empty);
        let pod_selector = match spec_node.get("podSelector") {
            Some(n) => c.selector(n, root.clone().key("podSelector")),
            None => LabelSelector::everything(),
        };
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        for (dir, key, out) in [
            (Direction::Ingress, "ingress", &mut ingress),
            (Direction::Egress, "egress", &mut egress),
        ] {
            let Some(list) = spec_node.get(key) else { continue };
            if list.is_null() {
                continue;
            }
            let Some(items) = list.as_seq() else {
                c.bad(root.clone().key(key), format!("{key} must be a list"));
                continue;
            };
            for (i, r) in items.iter().enumerate() {
                let rp = root.clone().key(key).idx(i);
                out.push(parse_rule(&mut c, r, rp, i, dir));
            }
        }
        let mut explicit_types = false;
        let (mut ingress_type, mut egress_type) = (false, false);
        match spec_node.get("policyTypes").and_then(Node::as_seq) {
            Some(types) if !types.is_empty() => {
                explicit_types = true;
                if types.len() > 2 {
                    c.bad(
                        root.clone().key("policyTypes"),
                        "policyTypes may hold at most Ingress and Egress",
                    );
                }
                for (i, t) in types.iter().enumerate() {
                    match t.as_str() {
                        Some("Ingress") => ingress_type = true,
                        Some("Egress") => egress_type = true,
                        other => c.bad(
                            root.clone().key("policyTypes").idx(i),
                            format!("policy type {other:?} is not Ingress or Egress"),
                        ),
                    }
                }
            }
            _ => {
                // Defaulting: Ingress always, Egress when there are egress rules.
                ingress_type = true;
                egress_type = !egress.is_empty();
            }
        }
        let valid = c.problems.is_empty();
        self.problems.append(&mut c.problems);
        if !valid {
            return; // the API server rejects the whole object
        }
        self.policies.push(Policy {
            namespace: ns_of(o),
            name: o.name.clone(),
            pod_selector,
            ingress_type,
            egress_type,
            explicit_types,
            ingress,
            egress,
            input,
            location: o.location_of(o.root.pos),
            reference: o.reference(),
        });
    }
}

fn parse_rule(c: &mut Check<'_>, r: &Node, rp: FieldPath, index: usize, dir: Direction) -> Rule {
    let peers_key = match dir {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    };
    let mut peers = None;
    let mut peer_locations = Vec::new();
    if let Some(list) = r.get(peers_key).and_then(Node::as_seq).filter(|l| !l.is_empty()) {
        let mut v = Vec::new();
        for (j, p) in list.iter().enumerate() {
            let pp = rp.clone().key(peers_key).idx(j);
            peer_locations.push(c.obj.locate(&pp).0);
            let pods = p.get("podSelector").filter(|n| !n.is_null());
            let nss = p.get("namespaceSelector").filter(|n| !n.is_null());
            let ipb = p.get("ipBlock").filter(|n| !n.is_null());
            let n = usize::from(pods.is_some()) + usize::from(nss.is_some()) + usize::from(ipb.is_some());
            if n == 0 {
                c.bad(
                    pp,
                    "a peer must specify podSelector, namespaceSelector or ipBlock",
                );
                continue;
            }
            if let Some(ib) = ipb {
                if n > 1 {
                    c.bad(
                        pp.clone(),
                        "ipBlock cannot be combined with podSelector or namespaceSelector in one peer",
                    );
                }
                let cp = pp.clone().key("ipBlock").key("cidr");
                let cidr_text = ib.get("cidr").and_then(Node::as_str).unwrap_or("");
                let cidr = match ib.get("cidr").and_then(Node::as_str).map(Cidr::parse) {
                    Some(Ok(cidr)) => Some(cidr),
                    Some(Err(e)) => {
                        c.bad(cp, format!("invalid cidr: {e}"));
                        None
                    }
                    None => {
                        c.bad(cp, "ipBlock.cidr is required");
                        None
                    }
                };
                let mut except = Vec::new();
                for (k, e) in ib
                    .get("except")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let ep = pp.clone().key("ipBlock").key("except").idx(k);
                    match e.as_str().map(|t| (t, Cidr::parse(t))) {
                        Some((text, Ok(x))) => {
                            if let Some(cidr) = cidr {
                                if !(cidr.contains_cidr(&x) && x.prefix > cidr.prefix) {
                                    // As written (the server's message shows the value given,
                                    // not its network address).
                                    c.bad(
                                        ep,
                                        format!("except {text} must be a strict subset of cidr {cidr_text}"),
                                    );
                                }
                            }
                            except.push(x);
                        }
                        Some((_, Err(err))) => c.bad(ep, format!("invalid except: {err}")),
                        None => c.bad(ep, "except entries are CIDR strings"),
                    }
                }
                if let Some(cidr) = cidr {
                    v.push(Peer::IpBlock { cidr, except });
                }
            } else {
                let pods = pods.map(|n| c.selector(n, pp.clone().key("podSelector")));
                let namespaces = nss.map(|n| c.selector(n, pp.clone().key("namespaceSelector")));
                v.push(Peer::Pods { pods, namespaces });
            }
        }
        peers = Some(v);
    }
    let mut ports = None;
    if let Some(list) = r.get("ports").and_then(Node::as_seq).filter(|l| !l.is_empty()) {
        let mut v = Vec::new();
        for (j, p) in list.iter().enumerate() {
            let pp = rp.clone().key("ports").idx(j);
            let proto = match p.get("protocol").filter(|n| !n.is_null()) {
                None => Some(Proto::Tcp),
                Some(n) => match n.as_str().and_then(Proto::parse) {
                    Some(x) => Some(x),
                    None => {
                        c.bad(pp.clone().key("protocol"), "protocol must be TCP, UDP or SCTP");
                        None
                    }
                },
            };
            let port = match p.get("port").filter(|n| !n.is_null()) {
                None => PortRef::Any,
                Some(n) => match (n.as_i64(), n.as_str()) {
                    (Some(x), _) if (1..=65535).contains(&x) => PortRef::Num(x as u16),
                    (Some(x), _) => {
                        c.bad(
                            pp.clone().key("port"),
                            format!("port {x} is not between 1 and 65535"),
                        );
                        PortRef::Any
                    }
                    (_, Some(s)) if is_iana_svc_name(s) => PortRef::Name(s.to_owned()),
                    (_, Some(s)) => {
                        c.bad(
                            pp.clone().key("port"),
                            format!("{s:?} is not a valid port name (at most 15 lower-case letters, digits and '-', with a letter)"),
                        );
                        PortRef::Any
                    }
                    _ => {
                        c.bad(pp.clone().key("port"), "port must be a number or a name");
                        PortRef::Any
                    }
                },
            };
            let end_port = match p.get("endPort").filter(|n| !n.is_null()) {
                None => None,
                Some(n) => match n.as_i64() {
                    Some(e) => {
                        match &port {
                            PortRef::Num(start) if e >= i64::from(*start) && e <= 65535 => {}
                            PortRef::Num(start) => c.bad(
                                pp.clone().key("endPort"),
                                format!("endPort {e} must be between port {start} and 65535"),
                            ),
                            _ => c.bad(pp.clone().key("endPort"), "endPort requires a numeric port"),
                        }
                        u16::try_from(e).ok()
                    }
                    None => {
                        c.bad(pp.clone().key("endPort"), "endPort must be a number");
                        None
                    }
                },
            };
            if let Some(proto) = proto {
                v.push(PortSpec {
                    proto,
                    port,
                    end_port,
                    location: c.obj.locate(&pp).0,
                    index: j,
                });
            }
        }
        ports = Some(v);
    }
    Rule {
        index,
        peers,
        peer_locations,
        ports,
        location: c.obj.locate(&rp).0,
    }
}
