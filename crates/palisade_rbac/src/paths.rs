//! Escalation paths (spec §1.7, §1.8, §1.10): a graph whose vertices are subjects (users,
//! groups, ServiceAccounts), workloads and three targets (`cluster-admin`, `secrets`,
//! `nodes`), and whose edges are the known ways one identity becomes another — create a pod
//! as any ServiceAccount of a namespace, mint or steal its token, impersonate, bind or
//! escalate roles, exec into pods or through the kubelet, approve client certificates.
//! Every permission is decided by the RBAC evaluator (`Model::can` / `Model::authorize`, or
//! the same `bindings_for` + `rule_allows` resolution for bulk probes), never by matching
//! rule text, and every edge carries its evidence: the binding and rule (with file:line)
//! that grant it, or the workload object and its location. Shortest paths per start are
//! found by one reverse breadth-first search per target. No I/O.

use crate::eval::{parse_service_account, rule_allows, Decision, Grant, Request, User, SUPER_USER_GROUP};
use crate::model::{BindingKind, Model, RoleKind, DEFAULT_NAMESPACE};
use palisade_core::{pod_templates, Location, Node, Object};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;

/// A name no rule lists: a request carrying it is allowed only by rules without
/// `resourceNames`, i.e. for every object.
const ANY_NAME: &str = "\u{0}any";
/// The user name of the identity that stands for "a member of group G" (matches no binding).
const GROUP_MEMBER: &str = "\u{0}member";
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const CERTIFICATES_GROUP: &str = "certificates.k8s.io";
/// Signer names whose `approve` lets the holder issue API-server client certificates.
const CLIENT_SIGNERS: &[&str] = &["kubernetes.io/kube-apiserver-client", "kubernetes.io/*"];
/// ClusterRoles whose binding in a namespace makes the holder able to run pods there.
const NAMESPACE_ADMIN_ROLES: &[&str] = &["cluster-admin", "admin", "edit"];
/// Pod-creating controllers: (apiGroup, resource, kind).
const CONTROLLERS: &[(&str, &str, &str)] = &[
    ("apps", "deployments", "Deployment"),
    ("apps", "replicasets", "ReplicaSet"),
    ("apps", "statefulsets", "StatefulSet"),
    ("apps", "daemonsets", "DaemonSet"),
    ("batch", "jobs", "Job"),
    ("batch", "cronjobs", "CronJob"),
    ("", "replicationcontrollers", "ReplicationController"),
];
/// Ways into a running pod: (verbs, subresource, wording).
const EXEC: &[(&[&str], &str, &str)] = &[
    (&["create", "get"], "pods/exec", "execs into"),
    (&["create", "get"], "pods/attach", "attaches to"),
    (
        &["update", "patch"],
        "pods/ephemeralcontainers",
        "adds an ephemeral container to",
    ),
];

/// What an escalation path ends at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// `*` verbs on `*.*` cluster-wide, or membership of `system:masters`.
    ClusterAdmin,
    /// `list secrets` in every namespace.
    Secrets,
    /// The kubelet API of nodes (`nodes/proxy`).
    Nodes,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::ClusterAdmin, Target::Secrets, Target::Nodes];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::ClusterAdmin => "cluster-admin",
            Target::Secrets => "secrets",
            Target::Nodes => "nodes",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        match s {
            "cluster-admin" => Ok(Target::ClusterAdmin),
            "secrets" => Ok(Target::Secrets),
            "nodes" => Ok(Target::Nodes),
            _ => Err(format!(
                "unknown target {s:?}: expected cluster-admin, secrets or nodes"
            )),
        }
    }
}

/// Where a path may start: a subject or a workload.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type")]
pub enum Start {
    User {
        name: String,
    },
    Group {
        name: String,
    },
    ServiceAccount {
        namespace: String,
        name: String,
    },
    Workload {
        namespace: String,
        kind: String,
        name: String,
    },
}

impl Start {
    pub fn vertex(&self) -> Vertex {
        match self.clone() {
            Start::User { name } => Vertex::User { name },
            Start::Group { name } => Vertex::Group { name },
            Start::ServiceAccount { namespace, name } => Vertex::ServiceAccount { namespace, name },
            Start::Workload {
                namespace,
                kind,
                name,
            } => Vertex::Workload {
                namespace,
                kind,
                name,
            },
        }
    }
    /// `User alice`, `Group devs`, `ServiceAccount shop/builder`, `Deployment shop/web`.
    pub fn label(&self) -> String {
        self.vertex().label()
    }
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A vertex of the escalation graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type")]
pub enum Vertex {
    User {
        name: String,
    },
    Group {
        name: String,
    },
    ServiceAccount {
        namespace: String,
        name: String,
    },
    Workload {
        namespace: String,
        kind: String,
        name: String,
    },
    Target {
        target: Target,
    },
}

impl Vertex {
    pub fn service_account(namespace: &str, name: &str) -> Vertex {
        Vertex::ServiceAccount {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }
    pub fn label(&self) -> String {
        match self {
            Vertex::User { name } => format!("User {name}"),
            Vertex::Group { name } => format!("Group {name}"),
            Vertex::ServiceAccount { namespace, name } => format!("ServiceAccount {namespace}/{name}"),
            Vertex::Workload {
                namespace,
                kind,
                name,
            } => format!("{kind} {namespace}/{name}"),
            Vertex::Target { target } => target.as_str().to_owned(),
        }
    }
    /// The start this vertex is (`None` for a target).
    pub fn start(&self) -> Option<Start> {
        Some(match self.clone() {
            Vertex::User { name } => Start::User { name },
            Vertex::Group { name } => Start::Group { name },
            Vertex::ServiceAccount { namespace, name } => Start::ServiceAccount { namespace, name },
            Vertex::Workload {
                namespace,
                kind,
                name,
            } => Start::Workload {
                namespace,
                kind,
                name,
            },
            Vertex::Target { .. } => return None,
        })
    }
    /// A Kubernetes component or built-in group (`system:` prefix, or a ServiceAccount in
    /// `kube-system`), as `Subject::is_system`.
    pub fn is_system(&self) -> bool {
        match self {
            Vertex::User { name } | Vertex::Group { name } => name.starts_with("system:"),
            Vertex::ServiceAccount { namespace, name } => {
                namespace == "kube-system" || name.starts_with("system:")
            }
            Vertex::Workload { .. } => false,
            Vertex::Target { .. } => true,
        }
    }
}

impl fmt::Display for Vertex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// The kind of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// The identity holds the target itself.
    Holds,
    /// Creates a pod (or a pod controller, or rewrites one) running as a ServiceAccount.
    CreatePod,
    /// `create serviceaccounts/token`.
    MintToken,
    /// `impersonate` users, groups or serviceaccounts.
    Impersonate,
    /// exec / attach / ephemeral containers into a running pod.
    Exec,
    /// Exec into a pod through the kubelet API (`nodes/proxy`).
    NodeProxy,
    /// Reads a legacy ServiceAccount token Secret.
    ReadTokenSecret,
    /// Binds a powerful role to itself (`bind` + create/update bindings).
    BindRole,
    /// Rewrites a role bound to it (`escalate` + update/patch roles).
    EscalateRole,
    /// Approves a CSR for an API-server client certificate.
    ApproveCsr,
    /// A workload's pods carry their ServiceAccount's token.
    PodToken,
}

impl EdgeKind {
    /// A short label for graph renderings.
    pub fn label(self) -> &'static str {
        match self {
            EdgeKind::Holds => "holds",
            EdgeKind::CreatePod => "creates pod as",
            EdgeKind::MintToken => "mints token",
            EdgeKind::Impersonate => "impersonates",
            EdgeKind::Exec => "execs into",
            EdgeKind::NodeProxy => "kubelet exec",
            EdgeKind::ReadTokenSecret => "reads token secret",
            EdgeKind::BindRole => "binds role",
            EdgeKind::EscalateRole => "escalates role",
            EdgeKind::ApproveCsr => "approves CSR",
            EdgeKind::PodToken => "pod token",
        }
    }
}

/// One edge: `from` can become (or reach) `to`.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    /// Index into `Graph::nodes`.
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// What the source does, e.g. "creates a pod in namespace shop running as ServiceAccount
    /// shop/builder".
    pub action: String,
    /// Why it can: bindings and rules with their locations, or the workload object.
    pub evidence: Vec<String>,
}

/// The escalation graph.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Graph {
    /// Sorted: users, groups, ServiceAccounts, workloads, targets.
    pub nodes: Vec<Vertex>,
    pub edges: Vec<Edge>,
    /// The default starts (indexes into `nodes`): every non-system subject named by a
    /// binding, and every workload.
    pub starts: Vec<usize>,
    #[serde(skip)]
    index: HashMap<Vertex, usize>,
    #[serde(skip)]
    outgoing: Vec<Vec<usize>>,
    #[serde(skip)]
    incoming: Vec<Vec<usize>>,
}

impl Graph {
    /// The index of a vertex.
    pub fn node(&self, v: &Vertex) -> Option<usize> {
        self.index.get(v).copied()
    }
    /// The vertex of a start (workload kinds compared case-insensitively).
    pub fn find(&self, s: &Start) -> Option<usize> {
        let v = s.vertex();
        if let Some(i) = self.node(&v) {
            return Some(i);
        }
        let Start::Workload {
            namespace,
            kind,
            name,
        } = s
        else {
            return None;
        };
        self.nodes.iter().position(|n| {
            matches!(n, Vertex::Workload { namespace: a, kind: b, name: c }
                if a == namespace && c == name && b.eq_ignore_ascii_case(kind))
        })
    }
    pub fn target(&self, t: Target) -> usize {
        self.index[&Vertex::Target { target: t }]
    }
    /// The edges leaving vertex `n`.
    pub fn edges_from(&self, n: usize) -> impl Iterator<Item = &Edge> + '_ {
        self.outgoing[n].iter().map(move |&e| &self.edges[e])
    }
    /// The edges entering vertex `n`.
    pub fn edges_to(&self, n: usize) -> impl Iterator<Item = &Edge> + '_ {
        self.incoming[n].iter().map(move |&e| &self.edges[e])
    }
    /// The default starts.
    pub fn default_starts(&self) -> Vec<Start> {
        self.starts
            .iter()
            .filter_map(|&i| self.nodes[i].start())
            .collect()
    }
    /// The whole graph in Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let edges: Vec<(usize, usize, &str)> = self
            .edges
            .iter()
            .map(|e| (e.from, e.to, e.kind.label()))
            .collect();
        render_dot(&self.nodes, &edges)
    }
    /// The whole graph as a Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        let edges: Vec<(usize, usize, &str)> = self
            .edges
            .iter()
            .map(|e| (e.from, e.to, e.kind.label()))
            .collect();
        render_mermaid(&self.nodes, &edges)
    }

    /// For every vertex, the first edge of a shortest path to target `t` (reverse BFS).
    fn toward(&self, t: Target) -> Vec<Option<usize>> {
        let tid = self.target(t);
        let mut next = vec![None; self.nodes.len()];
        let mut seen = vec![false; self.nodes.len()];
        seen[tid] = true;
        let mut queue = VecDeque::from([tid]);
        while let Some(u) = queue.pop_front() {
            for &e in &self.incoming[u] {
                let f = self.edges[e].from;
                if !seen[f] {
                    seen[f] = true;
                    next[f] = Some(e);
                    queue.push_back(f);
                }
            }
        }
        next
    }
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub from: Vertex,
    pub to: Vertex,
    pub kind: EdgeKind,
    pub action: String,
    pub evidence: Vec<String>,
}

/// A shortest escalation path from a start to a target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Path {
    pub start: Start,
    pub target: Target,
    /// The steps, the last one entering the target. Empty when the start already holds the
    /// target (a super-user for `cluster-admin`): `evidence` then says why.
    pub steps: Vec<Step>,
    /// For a 0-step path: the grants by which the start holds the target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Path {
    /// The start already holds the target.
    pub fn is_already(&self) -> bool {
        self.steps.is_empty()
    }
    /// `User alice → cluster-admin in 2 steps` / `User root is already cluster-admin`.
    pub fn summary(&self) -> String {
        match self.steps.len() {
            0 => format!("{} is already {}", self.start, self.target),
            1 => format!("{} → {} in 1 step", self.start, self.target),
            n => format!("{} → {} in {n} steps", self.start, self.target),
        }
    }
}

/// A pod-running object of the input and the ServiceAccount its pods run as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Workload {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub service_account: String,
    /// Whether the pods get the ServiceAccount token mounted.
    pub automount: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Workload {
    pub fn vertex(&self) -> Vertex {
        Vertex::Workload {
            namespace: self.namespace.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
        }
    }
    fn label(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// A legacy ServiceAccount token Secret (`type: kubernetes.io/service-account-token`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenSecret {
    pub namespace: String,
    pub name: String,
    pub service_account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

fn non_empty_str<'a>(n: &'a Node, key: &str) -> Option<&'a str> {
    n.get(key).and_then(Node::as_str).filter(|s| !s.is_empty())
}

/// The workloads of `objects` (one per pod template; `PodTemplate` objects, which run
/// nothing, are skipped), with Kubernetes semantics: the ServiceAccount is
/// `serviceAccountName`, else the deprecated `serviceAccount`, else `default`; the token is
/// mounted per the pod's `automountServiceAccountToken`, else the ServiceAccount's, else yes.
pub fn workloads_from(objects: &[Object], model: &Model) -> Vec<Workload> {
    let mut out = Vec::new();
    for o in objects {
        if o.kind == "PodTemplate" && o.group().is_empty() {
            continue;
        }
        for t in pod_templates(o) {
            let namespace = o
                .namespace
                .clone()
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
            let (sa, field) = match non_empty_str(t.spec, "serviceAccountName") {
                Some(s) => (s, Some("serviceAccountName")),
                None => match non_empty_str(t.spec, "serviceAccount") {
                    Some(s) => (s, Some("serviceAccount")),
                    None => ("default", None),
                },
            };
            let automount = t
                .spec
                .get("automountServiceAccountToken")
                .and_then(Node::as_bool)
                .or_else(|| model.service_account(&namespace, sa).and_then(|s| s.automount))
                .unwrap_or(true);
            let location = field
                .and_then(|f| o.locate(&t.spec_path.clone().key(f)).0)
                .or_else(|| o.locate(&t.spec_path).0)
                .or_else(|| o.location_of(o.root.pos));
            out.push(Workload {
                namespace,
                kind: o.kind.clone(),
                name: o.name.clone(),
                service_account: sa.to_owned(),
                automount,
                location,
            });
        }
    }
    out
}

/// The legacy ServiceAccount token Secrets of `objects` (with the
/// `kubernetes.io/service-account.name` annotation).
pub fn token_secrets_from(objects: &[Object]) -> Vec<TokenSecret> {
    objects
        .iter()
        .filter(|o| o.kind == "Secret" && o.group().is_empty())
        .filter(|o| o.root.get("type").and_then(Node::as_str) == Some("kubernetes.io/service-account-token"))
        .filter_map(|o| {
            let sa = o
                .root
                .at(&["metadata", "annotations", "kubernetes.io/service-account.name"])
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())?;
            Some(TokenSecret {
                namespace: o
                    .namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
                name: o.name.clone(),
                service_account: sa.to_owned(),
                location: o.location_of(o.root.pos),
            })
        })
        .collect()
}

fn normalize_kind(k: &str) -> String {
    const KINDS: &[(&[&str], &str)] = &[
        (&["pod", "pods", "po"], "Pod"),
        (&["deployment", "deployments", "deploy"], "Deployment"),
        (&["replicaset", "replicasets", "rs"], "ReplicaSet"),
        (&["statefulset", "statefulsets", "sts"], "StatefulSet"),
        (&["daemonset", "daemonsets", "ds"], "DaemonSet"),
        (&["job", "jobs"], "Job"),
        (&["cronjob", "cronjobs", "cj"], "CronJob"),
        (
            &["replicationcontroller", "replicationcontrollers", "rc"],
            "ReplicationController",
        ),
    ];
    let l = k.to_ascii_lowercase();
    KINDS
        .iter()
        .find(|(names, _)| names.contains(&l.as_str()))
        .map_or_else(|| k.to_owned(), |(_, kind)| (*kind).to_owned())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// Parses a `--from` subject: `system:serviceaccount:NS:NAME`, `serviceaccount:NS/NAME` or
/// `sa:NS/NAME`, `user:NAME`, `group:NAME`, `workload:NS/KIND/NAME`, or a bare user NAME.
pub fn parse_subject(s: &str) -> Result<Start, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty subject".into());
    }
    if let Some((namespace, name)) = parse_service_account(s) {
        return Ok(Start::ServiceAccount {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        });
    }
    if s.starts_with("system:serviceaccount:") {
        return Err(format!("{s:?}: expected system:serviceaccount:NAMESPACE:NAME"));
    }
    if let Some(rest) = strip_prefix_ci(s, "serviceaccount:").or_else(|| strip_prefix_ci(s, "sa:")) {
        return match rest.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(Start::ServiceAccount {
                    namespace: ns.to_owned(),
                    name: name.to_owned(),
                })
            }
            _ => Err(format!("{s:?}: expected sa:NAMESPACE/NAME")),
        };
    }
    if let Some(name) = strip_prefix_ci(s, "user:") {
        return match name {
            "" => Err(format!("{s:?}: expected user:NAME")),
            n => Ok(Start::User { name: n.to_owned() }),
        };
    }
    if let Some(name) = strip_prefix_ci(s, "group:") {
        return match name {
            "" => Err(format!("{s:?}: expected group:NAME")),
            n => Ok(Start::Group { name: n.to_owned() }),
        };
    }
    if let Some(rest) = strip_prefix_ci(s, "workload:") {
        let parts: Vec<&str> = rest.split('/').collect();
        return match parts.as_slice() {
            [ns, kind, name] if !ns.is_empty() && !kind.is_empty() && !name.is_empty() => {
                Ok(Start::Workload {
                    namespace: (*ns).to_owned(),
                    kind: normalize_kind(kind),
                    name: (*name).to_owned(),
                })
            }
            _ => Err(format!("{s:?}: expected workload:NAMESPACE/KIND/NAME")),
        };
    }
    Ok(Start::User { name: s.to_owned() })
}

/// The rules that apply to an identity in one scope (ClusterRoleBindings, plus the
/// RoleBindings of the namespace), resolved once for many probes. `allows` is exactly
/// `Model::can` for a non-super-user in that namespace: the same `bindings_for` and
/// `rule_allows`.
struct Scope<'m> {
    model: &'m Model,
    bindings: Vec<(usize, usize)>,
    /// Every resourceName the applicable rules list.
    names: BTreeSet<&'m str>,
}

impl<'m> Scope<'m> {
    fn new(model: &'m Model, user: &User, namespace: &str) -> Scope<'m> {
        let bindings = model.bindings_for(user, namespace);
        let names = bindings
            .iter()
            .flat_map(|&(b, _)| model.binding_rules(b))
            .flat_map(|(r, _)| r.resource_names.iter().map(String::as_str))
            .collect();
        Scope {
            model,
            bindings,
            names,
        }
    }
    fn allows(&self, req: &Request) -> bool {
        self.bindings.iter().any(|&(b, _)| {
            self.model
                .binding_rules(b)
                .iter()
                .any(|(r, _)| rule_allows(r, req))
        })
    }
    /// The first verb of `verbs` allowed on `group`/`resource` named `name` in `ns`.
    fn first(&self, verbs: &[&str], group: &str, resource: &str, ns: &str, name: &str) -> Option<Request> {
        verbs
            .iter()
            .map(|v| Request::resource(v, group, resource, ns).named(name))
            .find(|r| self.allows(r))
    }
    /// The first allowed request naming any object, else one naming one of the rules'
    /// resourceNames.
    fn first_any_name(&self, verbs: &[&str], group: &str, resource: &str, ns: &str) -> Option<Request> {
        self.first(verbs, group, resource, ns, ANY_NAME).or_else(|| {
            self.names
                .iter()
                .find_map(|n| self.first(verbs, group, resource, ns, n))
        })
    }
    /// Which of `candidates` some verb is allowed on (their indexes), each with its request.
    fn allowed_among(
        &self,
        verbs: &[&str],
        group: &str,
        resource: &str,
        ns: &str,
        candidates: &[&str],
    ) -> Vec<(usize, Request)> {
        if let Some(any) = self.first(verbs, group, resource, ns, ANY_NAME) {
            return candidates
                .iter()
                .enumerate()
                .map(|(i, c)| (i, any.clone().named(c)))
                .collect();
        }
        if self.names.is_empty() {
            return Vec::new();
        }
        candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| self.names.contains(*c))
            .filter_map(|(i, c)| self.first(verbs, group, resource, ns, c).map(|r| (i, r)))
            .collect()
    }
    fn grants(&self, req: &Request) -> Vec<Grant> {
        let mut out = Vec::new();
        for &(b, subject) in &self.bindings {
            for (i, (rule, origin)) in self.model.binding_rules(b).iter().enumerate() {
                if rule_allows(rule, req) {
                    out.push(Grant {
                        binding: b,
                        rule: i,
                        origin: *origin,
                        subject,
                    });
                }
            }
        }
        out
    }
    /// The grants allowing `req`, as `Binding (file:line) → Role rules[i]: rule at file:line`.
    fn evidence(&self, req: &Request) -> Vec<String> {
        self.model.explain(&Decision::Allowed(self.grants(req)))
    }
    /// The evidence of several requests that together make an edge, each line prefixed by
    /// its request.
    fn evidence_of(&self, reqs: &[&Request]) -> Vec<String> {
        reqs.iter()
            .flat_map(|r| {
                let what = request_text(r);
                self.evidence(r).into_iter().map(move |l| format!("{what}: {l}"))
            })
            .collect()
    }
}

/// `Request::describe` without the placeholder name.
fn request_text(r: &Request) -> String {
    match r {
        Request::Resource { name, .. } if name == ANY_NAME => r.clone().named("").describe(),
        _ => r.describe(),
    }
}

/// A ServiceAccount of a namespace: its name, why it is known, its vertex.
struct NsAccount {
    name: String,
    note: String,
    id: usize,
}

#[derive(Default)]
struct NsInfo {
    /// ServiceAccounts that exist: the model's, `default`, those workloads and token Secrets
    /// name, and those of the built-in bindings.
    accounts: Vec<NsAccount>,
    /// ServiceAccounts only named by bindings of the input: reachable by whoever can also
    /// create ServiceAccounts there.
    bound_only: Vec<NsAccount>,
    /// Every workload of the namespace (indexes into the workloads).
    workloads: Vec<usize>,
    /// Workloads whose token is mounted: (workload, vertex), one per vertex.
    mounted: Vec<(usize, usize)>,
    /// Token Secrets (indexes).
    secrets: Vec<usize>,
}

struct Ctx<'a> {
    model: &'a Model,
    workloads: &'a [Workload],
    secrets: &'a [TokenSecret],
    nodes: &'a [Vertex],
    index: &'a HashMap<Vertex, usize>,
    namespaces: BTreeMap<String, NsInfo>,
    /// User and Group vertices by name.
    users: Vec<(&'a str, usize)>,
    groups: Vec<(&'a str, usize)>,
    /// Every workload whose token is mounted, one per vertex.
    mounted: Vec<(usize, usize)>,
}

impl Ctx<'_> {
    fn target(&self, t: Target) -> usize {
        self.index[&Vertex::Target { target: t }]
    }
}

#[derive(Default)]
struct Edges {
    list: Vec<Edge>,
    seen: HashSet<(usize, usize)>,
}

impl Edges {
    /// Adds an edge unless one between the same vertices exists (the first one wins).
    fn add(
        &mut self,
        from: usize,
        to: usize,
        kind: EdgeKind,
        action: impl FnOnce() -> String,
        evidence: impl FnOnce() -> Vec<String>,
    ) {
        if from == to || !self.seen.insert((from, to)) {
            return;
        }
        self.list.push(Edge {
            from,
            to,
            kind,
            action: action(),
            evidence: evidence(),
        });
    }
}

/// The graph of `model` and `workloads` (no token Secrets, no extra subjects).
pub fn graph(model: &Model, workloads: &[Workload]) -> Graph {
    graph_with(model, workloads, &[], &[])
}

/// The graph of `model`, `workloads` and legacy token Secrets, with `extra` starts added as
/// vertices (a `--from` subject that no binding names still holds what its implicit groups
/// grant).
pub fn graph_with(model: &Model, workloads: &[Workload], secrets: &[TokenSecret], extra: &[Start]) -> Graph {
    // Namespaces and the ServiceAccounts known in each: name → note.
    let mut known: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut bound: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for ns in model.namespaces() {
        known.entry(ns).or_default();
    }
    for sa in &model.service_accounts {
        known
            .entry(sa.namespace.clone())
            .or_default()
            .entry(sa.name.clone())
            .or_insert_with(|| {
                format!(
                    "ServiceAccount {}/{} at {}",
                    sa.namespace,
                    sa.name,
                    sa.source.place()
                )
            });
    }
    for w in workloads {
        known
            .entry(w.namespace.clone())
            .or_default()
            .entry(w.service_account.clone())
            .or_insert_with(|| {
                format!(
                    "ServiceAccount {}/{} is used by {}",
                    w.namespace,
                    w.service_account,
                    w.label()
                )
            });
    }
    for s in secrets {
        known
            .entry(s.namespace.clone())
            .or_default()
            .entry(s.service_account.clone())
            .or_insert_with(|| {
                format!(
                    "ServiceAccount {}/{} has token Secret {}/{}",
                    s.namespace, s.service_account, s.namespace, s.name
                )
            });
    }
    for e in extra {
        if let Start::ServiceAccount { namespace, name } = e {
            known
                .entry(namespace.clone())
                .or_default()
                .entry(name.clone())
                .or_insert_with(|| format!("ServiceAccount {namespace}/{name} (given)"));
        }
    }
    let mut vertices: BTreeSet<Vertex> = BTreeSet::new();
    let mut starts: BTreeSet<Vertex> = BTreeSet::new();
    for b in &model.bindings {
        for s in &b.subjects {
            let v = match s.kind.as_str() {
                "User" if !s.name.is_empty() => match parse_service_account(&s.name) {
                    Some((ns, n)) => Vertex::service_account(ns, n),
                    None => Vertex::User { name: s.name.clone() },
                },
                "Group" if !s.name.is_empty() => Vertex::Group { name: s.name.clone() },
                "ServiceAccount" if !s.namespace.is_empty() && !s.name.is_empty() => {
                    Vertex::service_account(&s.namespace, &s.name)
                }
                _ => continue,
            };
            if let Vertex::ServiceAccount { namespace, name } = &v {
                let note = || {
                    format!(
                        "ServiceAccount {namespace}/{name} is named by {} ({})",
                        b.display(),
                        b.source.place()
                    )
                };
                if b.source.default {
                    // The built-in bindings name the controllers' accounts, which every
                    // cluster has.
                    known
                        .entry(namespace.clone())
                        .or_default()
                        .entry(name.clone())
                        .or_insert_with(note);
                } else {
                    bound
                        .entry(namespace.clone())
                        .or_default()
                        .entry(name.clone())
                        .or_insert_with(note);
                }
            }
            if !v.is_system() {
                starts.insert(v.clone());
            }
            vertices.insert(v);
        }
    }
    for ns in bound.keys() {
        known.entry(ns.clone()).or_default();
    }
    for (ns, sas) in &mut known {
        sas.entry("default".into())
            .or_insert_with(|| format!("every namespace has ServiceAccount {ns}/default"));
        for name in sas.keys() {
            vertices.insert(Vertex::service_account(ns, name));
        }
    }
    for (ns, sas) in &mut bound {
        let k = &known[ns];
        sas.retain(|name, _| !k.contains_key(name));
        for name in sas.keys() {
            vertices.insert(Vertex::service_account(ns, name));
        }
    }
    vertices.insert(Vertex::Group {
        name: SUPER_USER_GROUP.into(),
    });
    for w in workloads {
        vertices.insert(w.vertex());
        starts.insert(w.vertex());
    }
    for t in Target::ALL {
        vertices.insert(Vertex::Target { target: t });
    }
    for e in extra {
        vertices.insert(e.vertex());
    }
    let nodes: Vec<Vertex> = vertices.into_iter().collect();
    let index: HashMap<Vertex, usize> = nodes.iter().cloned().enumerate().map(|(i, v)| (v, i)).collect();

    let mut namespaces: BTreeMap<String, NsInfo> = BTreeMap::new();
    let account = |ns: &str, name: &str, note: &str| NsAccount {
        name: name.to_owned(),
        note: note.to_owned(),
        id: index[&Vertex::service_account(ns, name)],
    };
    for (ns, sas) in &known {
        let info = namespaces.entry(ns.clone()).or_default();
        info.accounts = sas.iter().map(|(n, note)| account(ns, n, note)).collect();
        if let Some(b) = bound.get(ns) {
            info.bound_only = b.iter().map(|(n, note)| account(ns, n, note)).collect();
        }
    }
    let mut mounted = Vec::new();
    let mut mounted_seen = HashSet::new();
    for (i, w) in workloads.iter().enumerate() {
        let info = namespaces.entry(w.namespace.clone()).or_default();
        info.workloads.push(i);
        let id = index[&w.vertex()];
        if w.automount && mounted_seen.insert(id) {
            info.mounted.push((i, id));
            mounted.push((i, id));
        }
    }
    for (i, s) in secrets.iter().enumerate() {
        namespaces.entry(s.namespace.clone()).or_default().secrets.push(i);
    }
    let users = nodes
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Vertex::User { name } => Some((name.as_str(), i)),
            _ => None,
        })
        .collect();
    let groups = nodes
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Vertex::Group { name } => Some((name.as_str(), i)),
            _ => None,
        })
        .collect();
    let cx = Ctx {
        model,
        workloads,
        secrets,
        nodes: &nodes,
        index: &index,
        namespaces,
        users,
        groups,
        mounted,
    };
    let mut edges = Edges::default();
    // A compromised pod is its ServiceAccount.
    for w in workloads.iter().filter(|w| w.automount) {
        let from = index[&w.vertex()];
        let to = index[&Vertex::service_account(&w.namespace, &w.service_account)];
        edges.add(
            from,
            to,
            EdgeKind::PodToken,
            || {
                format!(
                    "compromise the pod → its token: runs as ServiceAccount {}/{} with the token automounted",
                    w.namespace, w.service_account
                )
            },
            || {
                vec![format!(
                    "{} ({}) runs as ServiceAccount {}/{} with its token automounted",
                    w.label(),
                    w.location
                        .as_ref()
                        .map_or_else(|| "no location".to_owned(), ToString::to_string),
                    w.namespace,
                    w.service_account
                )]
            },
        );
    }
    for v in 0..nodes.len() {
        identity_edges(&cx, &mut edges, v);
    }
    let mut outgoing = vec![Vec::new(); nodes.len()];
    let mut incoming = vec![Vec::new(); nodes.len()];
    for (i, e) in edges.list.iter().enumerate() {
        outgoing[e.from].push(i);
        incoming[e.to].push(i);
    }
    let starts = starts.iter().map(|v| index[v]).collect();
    Graph {
        nodes,
        edges: edges.list,
        starts,
        index,
        outgoing,
        incoming,
    }
}

/// The identity a subject vertex stands for.
fn identity_of(v: &Vertex) -> Option<User> {
    Some(match v {
        Vertex::User { name } => User::new(name, &[]),
        Vertex::Group { name } => User::new(GROUP_MEMBER, std::slice::from_ref(name)),
        Vertex::ServiceAccount { namespace, name } => User::service_account(namespace, name),
        _ => return None,
    })
}

/// The edges leaving subject vertex `v`.
fn identity_edges(cx: &Ctx<'_>, out: &mut Edges, v: usize) {
    let Some(user) = identity_of(&cx.nodes[v]) else {
        return;
    };
    let m = cx.model;
    let explain = |req: &Request| m.explain(&m.authorize(&user, req));

    // What the identity holds itself.
    let admin = Request::resource("*", "*", "*", "");
    let is_admin = m.can(&user, &admin);
    if is_admin {
        out.add(
            v,
            cx.target(Target::ClusterAdmin),
            EdgeKind::Holds,
            || {
                if user.is_super_user() {
                    format!("is in group {SUPER_USER_GROUP}, which is allowed everything before RBAC is consulted")
                } else {
                    "holds * on *.* cluster-wide (cluster-admin)".into()
                }
            },
            || explain(&admin),
        );
    }
    let secrets = Request::resource("list", "", "secrets", "");
    if m.can(&user, &secrets) {
        out.add(
            v,
            cx.target(Target::Secrets),
            EdgeKind::Holds,
            || "lists (reads) Secrets in every namespace".into(),
            || explain(&secrets),
        );
    }
    let cw = Scope::new(m, &user, "");
    let node_proxy = std::iter::once(ANY_NAME)
        .chain(cw.names.iter().copied())
        .find_map(|n| {
            ["get", "create"]
                .iter()
                .map(|verb| Request::resource(verb, "", "nodes/proxy", "").named(n))
                .find(|r| m.can(&user, r))
        });
    if let Some(r) = &node_proxy {
        out.add(
            v,
            cx.target(Target::Nodes),
            EdgeKind::Holds,
            || match r {
                Request::Resource { name, .. } if name != ANY_NAME => {
                    format!("reaches the kubelet API of node {name} (nodes/proxy)")
                }
                _ => "reaches the kubelet API of every node (nodes/proxy)".into(),
            },
            || explain(r),
        );
    }
    if is_admin {
        // A super-user needs no escalation; its other edges would only add noise.
        return;
    }

    // Cluster-wide escalations (ClusterRoleBindings only).
    let ca = cx.target(Target::ClusterAdmin);
    if let Some(bind) = cw.first(&["bind"], RBAC_GROUP, "clusterroles", "", "cluster-admin") {
        let write = cw
            .first(&["create"], RBAC_GROUP, "clusterrolebindings", "", "")
            .or_else(|| {
                m.cluster_bindings
                    .iter()
                    .map(|&b| &m.bindings[b])
                    .filter(|b| b.role_kind == "ClusterRole" && b.role_name == "cluster-admin")
                    .find_map(|b| {
                        cw.first(
                            &["update", "patch"],
                            RBAC_GROUP,
                            "clusterrolebindings",
                            "",
                            &b.name,
                        )
                    })
            });
        if let Some(write) = write {
            out.add(
                v,
                ca,
                EdgeKind::BindRole,
                || "binds ClusterRole cluster-admin to itself with a ClusterRoleBinding (bind + write clusterrolebindings)".into(),
                || cw.evidence_of(&[&bind, &write]),
            );
        }
    }
    if let Some(approve) = cw.first_any_name(
        &["update", "patch"],
        CERTIFICATES_GROUP,
        "certificatesigningrequests/approval",
        "",
    ) {
        if let Some(sign) = CLIENT_SIGNERS
            .iter()
            .find_map(|s| cw.first(&["approve"], CERTIFICATES_GROUP, "signers", "", s))
        {
            out.add(
                v,
                ca,
                EdgeKind::ApproveCsr,
                || format!("approves a CertificateSigningRequest for a client certificate in group {SUPER_USER_GROUP} (signer kubernetes.io/kube-apiserver-client)"),
                || cw.evidence_of(&[&approve, &sign]),
            );
        }
    }
    let user_names: Vec<&str> = cx.users.iter().map(|(n, _)| *n).collect();
    for (i, r) in cw.allowed_among(&["impersonate"], "", "users", "", &user_names) {
        let (name, to) = cx.users[i];
        out.add(
            v,
            to,
            EdgeKind::Impersonate,
            || format!("impersonates User {name} (Impersonate-User)"),
            || cw.evidence(&r),
        );
    }
    // Impersonating a group needs a user to impersonate too; any name will do.
    if let Some(u) = cw.first_any_name(&["impersonate"], "", "users", "") {
        let as_user = match &u {
            Request::Resource { name, .. } if name != ANY_NAME => format!("user {name}"),
            _ => "any user".into(),
        };
        let group_names: Vec<&str> = cx.groups.iter().map(|(n, _)| *n).collect();
        for (i, g) in cw.allowed_among(&["impersonate"], "", "groups", "", &group_names) {
            let (name, to) = cx.groups[i];
            out.add(
                v,
                to,
                EdgeKind::Impersonate,
                || format!("impersonates Group {name} as {as_user} (Impersonate-User + Impersonate-Group)"),
                || cw.evidence_of(&[&u, &g]),
            );
        }
    }

    // Namespaced escalations: in the namespaces of its RoleBindings, and everywhere when the
    // ClusterRoleBindings grant any of them.
    let held = m.all_bindings_for(&user);
    let mut scopes: BTreeMap<&str, Scope<'_>> = BTreeMap::new();
    for &(b, _) in &held {
        let b = &m.bindings[b];
        if b.kind == BindingKind::RoleBinding && !scopes.contains_key(b.namespace.as_str()) {
            scopes.insert(&b.namespace, Scope::new(m, &user, &b.namespace));
        }
    }
    if namespaced_risk(&cw) {
        for ns in cx.namespaces.keys() {
            let scope = scopes.get(ns.as_str()).unwrap_or(&cw);
            namespace_edges(cx, out, v, scope, ns);
        }
    } else {
        for (ns, scope) in &scopes {
            namespace_edges(cx, out, v, scope, ns);
        }
    }
    if let Some(Request::Resource { name, .. }) = &node_proxy {
        if name == ANY_NAME {
            let r = node_proxy.as_ref().expect("checked");
            let ev = explain(r);
            for &(wi, wv) in &cx.mounted {
                let w = &cx.workloads[wi];
                out.add(
                    v,
                    wv,
                    EdgeKind::NodeProxy,
                    || {
                        format!(
                            "runs commands in a pod of {} through the kubelet API (nodes/proxy) and reads its ServiceAccount token",
                            w.label()
                        )
                    },
                    || ev.clone(),
                );
            }
        }
    }

    // `escalate`: rewrite a role that is already bound to it.
    for &(b, _) in &held {
        let binding = &m.bindings[b];
        let Some(ri) = binding.role else { continue };
        let role = &m.roles[ri];
        if role.aggregation.is_some() {
            continue; // the aggregation controller would overwrite the rules
        }
        let (scope, resource) = match role.kind {
            RoleKind::ClusterRole => (&cw, "clusterroles"),
            RoleKind::Role => match scopes.get(role.namespace.as_str()) {
                Some(s) => (s, "roles"),
                None => continue,
            },
        };
        let Some(esc) = scope.first(&["escalate"], RBAC_GROUP, resource, &role.namespace, &role.name) else {
            continue;
        };
        let Some(upd) = scope.first(
            &["update", "patch"],
            RBAC_GROUP,
            resource,
            &role.namespace,
            &role.name,
        ) else {
            continue;
        };
        let evidence = || {
            let mut e = scope.evidence_of(&[&esc, &upd]);
            e.push(format!(
                "{} ({}) grants it {}",
                binding.display(),
                binding.source.place(),
                role.display()
            ));
            e
        };
        match binding.kind {
            BindingKind::ClusterRoleBinding => out.add(
                v,
                ca,
                EdgeKind::EscalateRole,
                || {
                    format!(
                        "rewrites {} (granted to it cluster-wide by {}) to allow * on *.* (escalate + update)",
                        role.display(),
                        binding.display()
                    )
                },
                evidence,
            ),
            BindingKind::RoleBinding => {
                let ns = &binding.namespace;
                let Some(info) = cx.namespaces.get(ns) else { continue };
                let ev = evidence();
                for a in &info.accounts {
                    out.add(
                        v,
                        a.id,
                        EdgeKind::EscalateRole,
                        || {
                            format!(
                                "rewrites {} (granted to it by {}) to allow everything in namespace {ns} (escalate + update), then runs a pod as ServiceAccount {ns}/{}",
                                role.display(),
                                binding.display(),
                                a.name
                            )
                        },
                        || ev.clone(),
                    );
                }
            }
        }
    }
}

/// Whether a scope grants any namespaced escalation at all (for any object name): when the
/// ClusterRoleBindings grant none, the namespaces without RoleBindings need no probing.
fn namespaced_risk(scope: &Scope<'_>) -> bool {
    if scope.bindings.is_empty() {
        return false;
    }
    let mut probes: Vec<(&[&str], &str, &str)> = vec![
        (&["create"], "", "pods"),
        (&["create"], "", "serviceaccounts/token"),
        (&["impersonate"], "", "serviceaccounts"),
        (&["get", "list", "watch"], "", "secrets"),
        (&["bind"], RBAC_GROUP, "clusterroles"),
    ];
    for (g, r, _) in CONTROLLERS {
        probes.push((&["create", "update", "patch"], g, r));
    }
    for (verbs, r, _) in EXEC {
        probes.push((verbs, "", r));
    }
    let names: Vec<&str> = ["", ANY_NAME]
        .into_iter()
        .chain(scope.names.iter().copied())
        .collect();
    probes
        .iter()
        .any(|(verbs, g, r)| names.iter().any(|n| scope.first(verbs, g, r, "", n).is_some()))
}

/// The edges of the escalations `scope` grants in namespace `ns`.
fn namespace_edges(cx: &Ctx<'_>, out: &mut Edges, v: usize, scope: &Scope<'_>, ns: &str) {
    let Some(info) = cx.namespaces.get(ns) else {
        return;
    };
    // Run a pod as any ServiceAccount: create pods, or create / rewrite a controller.
    let mut how: Option<(String, Request)> = scope
        .first(&["create"], "", "pods", ns, "")
        .map(|r| (format!("creates a pod in namespace {ns} running as"), r));
    'controllers: for &(group, resource, kind) in CONTROLLERS {
        if how.is_some() {
            break;
        }
        if let Some(r) = scope.first(&["create"], group, resource, ns, "") {
            how = Some((format!("creates a {kind} in namespace {ns} whose pods run as"), r));
            break;
        }
        if let Some(r) = scope.first(&["update", "patch"], group, resource, ns, ANY_NAME) {
            how = Some((
                format!("rewrites the pod template of a {kind} in namespace {ns} to run as"),
                r,
            ));
            break;
        }
        if scope.names.is_empty() {
            continue;
        }
        for &wi in &info.workloads {
            let w = &cx.workloads[wi];
            if w.kind == kind && scope.names.contains(w.name.as_str()) {
                if let Some(r) = scope.first(&["update", "patch"], group, resource, ns, &w.name) {
                    how = Some((format!("rewrites the pod template of {} to run as", w.label()), r));
                    break 'controllers;
                }
            }
        }
    }
    if let Some((what, req)) = &how {
        let ev = scope.evidence(req);
        for a in &info.accounts {
            out.add(
                v,
                a.id,
                EdgeKind::CreatePod,
                || format!("{what} ServiceAccount {ns}/{}", a.name),
                || {
                    let mut e = ev.clone();
                    e.push(a.note.clone());
                    e
                },
            );
        }
        if !info.bound_only.is_empty() {
            if let Some(create) = scope.first(&["create"], "", "serviceaccounts", ns, "") {
                let ev = scope.evidence_of(&[req, &create]);
                for a in &info.bound_only {
                    out.add(
                        v,
                        a.id,
                        EdgeKind::CreatePod,
                        || {
                            format!(
                                "creates ServiceAccount {ns}/{} (not in the input), then {what} it",
                                a.name
                            )
                        },
                        || {
                            let mut e = ev.clone();
                            e.push(a.note.clone());
                            e
                        },
                    );
                }
            }
        }
    }
    // Mint a token.
    let names: Vec<&str> = info.accounts.iter().map(|a| a.name.as_str()).collect();
    for (i, r) in scope.allowed_among(&["create"], "", "serviceaccounts/token", ns, &names) {
        let (name, id) = (&info.accounts[i].name, info.accounts[i].id);
        out.add(
            v,
            id,
            EdgeKind::MintToken,
            || format!("mints a token for ServiceAccount {ns}/{name} (create serviceaccounts/token)"),
            || scope.evidence(&r),
        );
    }
    // Impersonate a ServiceAccount.
    for (i, r) in scope.allowed_among(&["impersonate"], "", "serviceaccounts", ns, &names) {
        let (name, id) = (&info.accounts[i].name, info.accounts[i].id);
        out.add(
            v,
            id,
            EdgeKind::Impersonate,
            || format!("impersonates ServiceAccount {ns}/{name} (Impersonate-User system:serviceaccount:{ns}:{name})"),
            || scope.evidence(&r),
        );
    }
    // Exec into running pods whose token is mounted.
    for &(verbs, resource, what) in EXEC {
        let any = scope.first(verbs, "", resource, ns, ANY_NAME);
        let any_ev = any.as_ref().map(|r| scope.evidence(r));
        for &(wi, wv) in &info.mounted {
            let w = &cx.workloads[wi];
            let ev = match &any_ev {
                Some(ev) => ev.clone(),
                None if w.kind == "Pod" && scope.names.contains(w.name.as_str()) => {
                    match scope.first(verbs, "", resource, ns, &w.name) {
                        Some(r) => scope.evidence(&r),
                        None => continue,
                    }
                }
                None => continue,
            };
            out.add(
                v,
                wv,
                EdgeKind::Exec,
                || {
                    let target = if w.kind == "Pod" {
                        w.label()
                    } else {
                        format!("a pod of {}", w.label())
                    };
                    format!("{what} {target} ({resource}) and reads its ServiceAccount token")
                },
                || ev,
            );
        }
    }
    // Read legacy token Secrets.
    for &si in &info.secrets {
        let s = &cx.secrets[si];
        if let Some(r) = scope.first(&["get", "list", "watch"], "", "secrets", ns, &s.name) {
            let id = cx.index[&Vertex::service_account(ns, &s.service_account)];
            out.add(
                v,
                id,
                EdgeKind::ReadTokenSecret,
                || {
                    format!(
                        "reads Secret {ns}/{}, the legacy token of ServiceAccount {ns}/{}",
                        s.name, s.service_account
                    )
                },
                || {
                    let mut e = scope.evidence(&r);
                    e.push(format!(
                        "Secret {ns}/{} of type kubernetes.io/service-account-token ({})",
                        s.name,
                        s.location
                            .as_ref()
                            .map_or_else(|| "no location".to_owned(), ToString::to_string)
                    ));
                    e
                },
            );
        }
    }
    // Bind a powerful ClusterRole to itself in the namespace: namespace admin.
    for &role in NAMESPACE_ADMIN_ROLES {
        let Some(bind) = scope.first(&["bind"], RBAC_GROUP, "clusterroles", ns, role) else {
            continue;
        };
        let write = scope
            .first(&["create"], RBAC_GROUP, "rolebindings", ns, "")
            .or_else(|| {
                cx.model
                    .namespace_bindings
                    .get(ns)
                    .into_iter()
                    .flatten()
                    .map(|&b| &cx.model.bindings[b])
                    .filter(|b| b.role_kind == "ClusterRole" && b.role_name == role)
                    .find_map(|b| scope.first(&["update", "patch"], RBAC_GROUP, "rolebindings", ns, &b.name))
            });
        let Some(write) = write else { continue };
        let ev = scope.evidence_of(&[&bind, &write]);
        for a in &info.accounts {
            out.add(
                v,
                a.id,
                EdgeKind::BindRole,
                || {
                    format!(
                        "binds ClusterRole {role} to itself in namespace {ns} (bind + write rolebindings), then runs a pod as ServiceAccount {ns}/{}",
                        a.name
                    )
                },
                || ev.clone(),
            );
        }
        break;
    }
}

/// Shortest paths: for each start (`from`, or every default start) to each target (`to`, or
/// all three). A start that already holds a target gets a 0-step path (reported for
/// non-system subjects, or when asked for with `from`); a super-user's other targets are
/// implied and not listed unless asked for with `to`.
pub fn paths(g: &Graph, from: Option<&Start>, to: Option<Target>) -> Vec<Path> {
    let targets: Vec<Target> = to.map_or_else(|| Target::ALL.to_vec(), |t| vec![t]);
    let starts: Vec<usize> = match from {
        Some(s) => g.find(s).into_iter().collect(),
        None => g.starts.clone(),
    };
    let toward: Vec<(Target, usize, Vec<Option<usize>>)> =
        targets.iter().map(|&t| (t, g.target(t), g.toward(t))).collect();
    let mut out = Vec::new();
    for s in starts {
        let Some(start) = g.nodes[s].start() else {
            continue;
        };
        let holds = |tid: usize| {
            g.outgoing[s]
                .iter()
                .map(|&e| &g.edges[e])
                .find(|e| e.kind == EdgeKind::Holds && e.to == tid)
        };
        let super_user = holds(g.target(Target::ClusterAdmin)).is_some();
        for (t, tid, next) in &toward {
            if let Some(e) = holds(*tid) {
                if super_user && *t != Target::ClusterAdmin && to.is_none() {
                    continue;
                }
                if from.is_none() && g.nodes[s].is_system() {
                    continue;
                }
                out.push(Path {
                    start: start.clone(),
                    target: *t,
                    steps: Vec::new(),
                    evidence: e.evidence.clone(),
                });
                continue;
            }
            if super_user {
                continue;
            }
            let mut steps = Vec::new();
            let mut cur = s;
            while cur != *tid {
                let Some(e) = next[cur] else {
                    break;
                };
                let e = &g.edges[e];
                steps.push(Step {
                    from: g.nodes[e.from].clone(),
                    to: g.nodes[e.to].clone(),
                    kind: e.kind,
                    action: e.action.clone(),
                    evidence: e.evidence.clone(),
                });
                cur = e.to;
            }
            if cur == *tid && !steps.is_empty() {
                out.push(Path {
                    start: start.clone(),
                    target: *t,
                    steps,
                    evidence: Vec::new(),
                });
            }
        }
    }
    out
}

/// The vertices and labelled edges of some paths (a 0-step path draws a `holds` edge).
fn path_graph(paths: &[Path]) -> (Vec<Vertex>, Vec<(usize, usize, &'static str)>) {
    let mut nodes: Vec<Vertex> = Vec::new();
    let mut index: HashMap<Vertex, usize> = HashMap::new();
    let mut id = |v: &Vertex| -> usize {
        if let Some(&i) = index.get(v) {
            return i;
        }
        nodes.push(v.clone());
        index.insert(v.clone(), nodes.len() - 1);
        nodes.len() - 1
    };
    let mut edges = Vec::new();
    let mut seen = HashSet::new();
    for p in paths {
        let hops: Vec<(Vertex, Vertex, &'static str)> = if p.steps.is_empty() {
            vec![(
                p.start.vertex(),
                Vertex::Target { target: p.target },
                EdgeKind::Holds.label(),
            )]
        } else {
            p.steps
                .iter()
                .map(|s| (s.from.clone(), s.to.clone(), s.kind.label()))
                .collect()
        };
        for (a, b, l) in hops {
            let (a, b) = (id(&a), id(&b));
            if seen.insert((a, b)) {
                edges.push((a, b, l));
            }
        }
    }
    (nodes, edges)
}

/// Paths in Graphviz DOT.
pub fn to_dot(paths: &[Path]) -> String {
    let (nodes, edges) = path_graph(paths);
    render_dot(&nodes, &edges)
}

/// Paths as a Mermaid flowchart (`flowchart LR`).
pub fn to_mermaid(paths: &[Path]) -> String {
    let (nodes, edges) = path_graph(paths);
    render_mermaid(&nodes, &edges)
}

fn dot_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => {}
            c => o.push(c),
        }
    }
    o
}

fn render_dot(nodes: &[Vertex], edges: &[(usize, usize, &str)]) -> String {
    let mut s = String::from("digraph escalation {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (i, v) in nodes.iter().enumerate() {
        let shape = match v {
            Vertex::User { .. } | Vertex::ServiceAccount { .. } => "shape=ellipse",
            Vertex::Group { .. } => "shape=ellipse, style=dashed",
            Vertex::Workload { .. } => "shape=box",
            Vertex::Target { .. } => "shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\"",
        };
        s.push_str(&format!(
            "  n{i} [label=\"{}\", {shape}];\n",
            dot_escape(&v.label())
        ));
    }
    for (a, b, l) in edges {
        s.push_str(&format!("  n{a} -> n{b} [label=\"{}\"];\n", dot_escape(l)));
    }
    s.push_str("}\n");
    s
}

fn mermaid_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => o.push_str("#35;"),
            '"' => o.push_str("#quot;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '|' => o.push_str("#124;"),
            '\n' | '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn render_mermaid(nodes: &[Vertex], edges: &[(usize, usize, &str)]) -> String {
    let mut s = String::from("flowchart LR\n");
    for (i, v) in nodes.iter().enumerate() {
        let label = mermaid_escape(&v.label());
        let shape = match v {
            Vertex::User { .. } | Vertex::Group { .. } | Vertex::ServiceAccount { .. } => {
                format!("([\"{label}\"])")
            }
            Vertex::Workload { .. } => format!("[\"{label}\"]"),
            Vertex::Target { .. } => format!("{{{{\"{label}\"}}}}"),
        };
        s.push_str(&format!("  n{i}{shape}\n"));
    }
    for (a, b, l) in edges {
        s.push_str(&format!("  n{a} -->|\"{}\"| n{b}\n", mermaid_escape(l)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelOptions;
    use std::sync::Arc;

    fn load(yaml: &str) -> Vec<Object> {
        let l = palisade_source::load_bytes(Arc::from("t.yaml"), yaml.as_bytes());
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        l.objects
    }

    struct Fixture {
        model: Model,
        workloads: Vec<Workload>,
        g: Graph,
    }

    fn fixture(yaml: &str) -> Fixture {
        let objects = load(yaml);
        let model = Model::build(&objects, ModelOptions::default());
        let workloads = workloads_from(&objects, &model);
        let secrets = token_secrets_from(&objects);
        let g = graph_with(&model, &workloads, &secrets, &[]);
        Fixture { model, workloads, g }
    }

    fn role(kind: &str, ns: &str, name: &str, rules: &str) -> String {
        let ns = if ns.is_empty() {
            String::new()
        } else {
            format!("\n  namespace: {ns}")
        };
        format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}{ns}\nrules:\n{rules}\n")
    }

    fn binding(kind: &str, ns: &str, name: &str, role_kind: &str, role: &str, subjects: &str) -> String {
        let ns = if ns.is_empty() {
            String::new()
        } else {
            format!("\n  namespace: {ns}")
        };
        format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}{ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: {role_kind}\n  name: {role}\nsubjects:\n{subjects}\n")
    }

    fn user_subject(name: &str) -> String {
        format!("- kind: User\n  apiGroup: rbac.authorization.k8s.io\n  name: {name}")
    }

    fn sa_subject(ns: &str, name: &str) -> String {
        format!("- kind: ServiceAccount\n  name: {name}\n  namespace: {ns}")
    }

    fn sa(ns: &str, name: &str, extra: &str) -> String {
        format!("---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n{extra}\n")
    }

    fn deployment(ns: &str, name: &str, spec: &str) -> String {
        format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  template:\n    spec:\n{spec}      containers:\n      - name: c\n        image: nginx\n")
    }

    /// A ServiceAccount `admins/root-sa` holding cluster-admin.
    fn admin_sa() -> String {
        sa("admins", "root-sa", "")
            + &binding(
                "ClusterRoleBinding",
                "",
                "root-sa-admin",
                "ClusterRole",
                "cluster-admin",
                &sa_subject("admins", "root-sa"),
            )
    }

    fn user(n: &str) -> Start {
        Start::User { name: n.into() }
    }

    fn one(f: &Fixture, from: &Start, t: Target) -> Option<Path> {
        let p = paths(&f.g, Some(from), Some(t));
        assert!(p.len() <= 1);
        p.into_iter().next()
    }

    fn kinds(p: &Path) -> Vec<EdgeKind> {
        p.steps.iter().map(|s| s.kind).collect()
    }

    fn edge<'g>(g: &'g Graph, from: &Vertex, to: &Vertex) -> Option<&'g Edge> {
        let (a, b) = (g.node(from)?, g.node(to)?);
        g.edges_from(a).find(|e| e.to == b)
    }

    #[test]
    fn chain_user_creates_pod_as_admin_service_account() {
        let yaml = role(
            "Role",
            "shop",
            "dev",
            "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
        ) + &binding(
            "RoleBinding",
            "shop",
            "dev",
            "Role",
            "dev",
            &user_subject("alice"),
        ) + &sa("shop", "builder", "")
            + &binding(
                "ClusterRoleBinding",
                "",
                "builder-admin",
                "ClusterRole",
                "cluster-admin",
                &sa_subject("shop", "builder"),
            );
        let f = fixture(&yaml);
        let p = one(&f, &user("alice"), Target::ClusterAdmin).expect("a path");
        assert_eq!(kinds(&p), vec![EdgeKind::CreatePod, EdgeKind::Holds]);
        assert_eq!(p.steps[0].to, Vertex::service_account("shop", "builder"));
        assert_eq!(
            p.steps[0].action,
            "creates a pod in namespace shop running as ServiceAccount shop/builder"
        );
        let ev = &p.steps[0].evidence;
        assert!(
            ev[0].starts_with("RoleBinding shop/dev (t.yaml:")
                && ev[0].contains("→ Role shop/dev rules[0]: create pods [core] at t.yaml:"),
            "{ev:?}"
        );
        assert!(
            ev.iter()
                .any(|l| l.starts_with("ServiceAccount shop/builder at t.yaml:")),
            "{ev:?}"
        );
        assert!(
            p.steps[1].evidence[0].starts_with("ClusterRoleBinding builder-admin (t.yaml:")
                && p.steps[1].evidence[0].contains("ClusterRole cluster-admin rules[0]"),
            "{:?}",
            p.steps[1].evidence
        );
        assert_eq!(p.summary(), "User alice → cluster-admin in 2 steps");
        // alice may also reach the other targets through the same ServiceAccount.
        let all = paths(&f.g, Some(&user("alice")), None);
        assert_eq!(
            all.iter().map(|p| p.target).collect::<Vec<_>>(),
            vec![Target::ClusterAdmin, Target::Secrets, Target::Nodes]
        );
        // Default starts: alice, and builder (already cluster-admin: a 0-step path).
        let d = paths(&f.g, None, Some(Target::ClusterAdmin));
        let builder = d
            .iter()
            .find(|p| {
                p.start
                    == Start::ServiceAccount {
                        namespace: "shop".into(),
                        name: "builder".into(),
                    }
            })
            .expect("builder");
        assert!(builder.is_already());
        assert!(builder.evidence[0].starts_with("ClusterRoleBinding builder-admin"));
        assert!(d.iter().any(|p| p.start == user("alice") && p.steps.len() == 2));
        // No system subject is a default start.
        assert!(d.iter().all(|p| !p.start.vertex().is_system()));
        // Without the right, no path.
        assert!(one(&f, &user("nobody"), Target::ClusterAdmin).is_none());
    }

    /// Every authenticated user may create pods in `open`, where ServiceAccount `ci` is
    /// cluster-admin.
    fn open_namespace() -> String {
        role(
            "ClusterRole",
            "",
            "pod-maker",
            "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
        ) + &binding(
            "RoleBinding",
            "open",
            "everyone",
            "ClusterRole",
            "pod-maker",
            "- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: system:authenticated",
        ) + &sa("open", "ci", "")
            + &binding(
                "ClusterRoleBinding",
                "",
                "ci",
                "ClusterRole",
                "cluster-admin",
                &sa_subject("open", "ci"),
            )
    }

    #[test]
    fn implicit_groups_are_applied() {
        // Every authenticated user may create pods in `open`.
        let yaml = open_namespace()
            + &binding(
                "RoleBinding",
                "x",
                "x",
                "ClusterRole",
                "view",
                &user_subject("zed"),
            );
        let f = fixture(&yaml);
        let p = one(&f, &user("zed"), Target::ClusterAdmin).expect("zed is authenticated");
        assert_eq!(p.steps[0].to, Vertex::service_account("open", "ci"));
        assert!(p.steps[0].evidence[0].starts_with("RoleBinding open/everyone"));
    }

    #[test]
    fn controllers_and_resource_names() {
        let yaml = role(
            "Role",
            "shop",
            "patch-web",
            "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [patch]\n  resourceNames: [web]",
        ) + &binding("RoleBinding", "shop", "bob", "Role", "patch-web", &user_subject("bob"))
            + &role(
                "Role",
                "shop",
                "patch-ghost",
                "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [patch]\n  resourceNames: [ghost]\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]\n  resourceNames: [x]",
            )
            + &binding("RoleBinding", "shop", "carl", "Role", "patch-ghost", &user_subject("carl"))
            + &role(
                "Role",
                "shop",
                "jobs",
                "- apiGroups: [batch]\n  resources: [cronjobs]\n  verbs: [create]",
            )
            + &binding("RoleBinding", "shop", "dina", "Role", "jobs", &user_subject("dina"))
            + &deployment("shop", "web", "")
            + &sa("shop", "deployer", "")
            + &binding(
                "ClusterRoleBinding",
                "",
                "deployer",
                "ClusterRole",
                "cluster-admin",
                &sa_subject("shop", "deployer"),
            );
        let f = fixture(&yaml);
        let p = one(&f, &user("bob"), Target::ClusterAdmin).expect("bob rewrites web");
        assert_eq!(p.steps[0].kind, EdgeKind::CreatePod);
        assert_eq!(
            p.steps[0].action,
            "rewrites the pod template of Deployment shop/web to run as ServiceAccount shop/deployer"
        );
        // A name that is no workload of the input, and `create` limited by resourceNames
        // (which never authorizes a create): nothing.
        assert!(one(&f, &user("carl"), Target::ClusterAdmin).is_none());
        let p = one(&f, &user("dina"), Target::ClusterAdmin).expect("dina creates cronjobs");
        assert!(p.steps[0]
            .action
            .starts_with("creates a CronJob in namespace shop whose pods run as"));
    }

    #[test]
    fn bound_only_service_accounts_need_create_serviceaccounts() {
        let yaml = role(
            "Role",
            "ci",
            "pods",
            "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
        ) + &binding("RoleBinding", "ci", "p", "Role", "pods", &user_subject("pat"))
            + &role(
                "Role",
                "ci",
                "pods-and-sas",
                "- apiGroups: [\"\"]\n  resources: [pods, serviceaccounts]\n  verbs: [create]",
            )
            + &binding("RoleBinding", "ci", "q", "Role", "pods-and-sas", &user_subject("quinn"))
            // `ci/ghost` is only named by a binding: it is not in the input.
            + &binding("ClusterRoleBinding", "", "ghost", "ClusterRole", "cluster-admin", &sa_subject("ci", "ghost"));
        let f = fixture(&yaml);
        assert!(one(&f, &user("pat"), Target::ClusterAdmin).is_none());
        let p = one(&f, &user("quinn"), Target::ClusterAdmin).expect("quinn creates the SA");
        assert!(p.steps[0]
            .action
            .starts_with("creates ServiceAccount ci/ghost (not in the input)"));
    }

    #[test]
    fn bind_and_escalate() {
        let yaml = role(
            "ClusterRole",
            "",
            "binder",
            "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]\n  resourceNames: [cluster-admin]\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterrolebindings]\n  verbs: [create]",
        ) + &binding("ClusterRoleBinding", "", "binder", "ClusterRole", "binder", &user_subject("ben"))
            + &role(
                "ClusterRole",
                "",
                "bind-only",
                "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]",
            )
            + &binding("ClusterRoleBinding", "", "bind-only", "ClusterRole", "bind-only", &user_subject("bo"))
            + &role(
                "ClusterRole",
                "",
                "self-edit",
                "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [escalate, update]\n  resourceNames: [self-edit]",
            )
            + &binding("ClusterRoleBinding", "", "self-edit", "ClusterRole", "self-edit", &user_subject("esc"))
            // Namespaced: bind admin + create rolebindings in `team` → namespace admin there.
            + &role(
                "Role",
                "team",
                "rb-writer",
                "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [rolebindings]\n  verbs: [create]\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]\n  resourceNames: [admin]",
            )
            + &binding("RoleBinding", "team", "lead", "Role", "rb-writer", &user_subject("lead"))
            // Namespaced escalate: rewrite its own Role in `team`.
            + &role(
                "Role",
                "team",
                "self",
                "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [roles]\n  verbs: [escalate, patch]\n  resourceNames: [self]",
            )
            + &binding("RoleBinding", "team", "self", "Role", "self", &user_subject("nse"))
            + &sa("team", "ops", "")
            + &binding("ClusterRoleBinding", "", "ops", "ClusterRole", "cluster-admin", &sa_subject("team", "ops"));
        let f = fixture(&yaml);
        let p = one(&f, &user("ben"), Target::ClusterAdmin).expect("ben binds cluster-admin");
        assert_eq!(kinds(&p), vec![EdgeKind::BindRole]);
        assert_eq!(p.steps[0].evidence.len(), 2);
        assert!(p.steps[0].evidence[0].starts_with("bind clusterroles.rbac.authorization.k8s.io \"cluster-admin\" (cluster-wide): ClusterRoleBinding binder"), "{:?}", p.steps[0].evidence);
        assert!(
            one(&f, &user("bo"), Target::ClusterAdmin).is_none(),
            "bind without writing bindings"
        );
        let p = one(&f, &user("esc"), Target::ClusterAdmin).expect("esc rewrites its role");
        assert_eq!(kinds(&p), vec![EdgeKind::EscalateRole]);
        assert!(p.steps[0].action.starts_with(
            "rewrites ClusterRole self-edit (granted to it cluster-wide by ClusterRoleBinding self-edit)"
        ));
        let p = one(&f, &user("lead"), Target::ClusterAdmin).expect("lead becomes namespace admin");
        assert_eq!(kinds(&p), vec![EdgeKind::BindRole, EdgeKind::Holds]);
        assert_eq!(p.steps[0].to, Vertex::service_account("team", "ops"));
        assert!(p.steps[0]
            .action
            .starts_with("binds ClusterRole admin to itself in namespace team"));
        let p = one(&f, &user("nse"), Target::ClusterAdmin).expect("nse rewrites its Role");
        assert_eq!(kinds(&p), vec![EdgeKind::EscalateRole, EdgeKind::Holds]);
        assert_eq!(p.steps[0].to, Vertex::service_account("team", "ops"));
        assert!(p.steps[0]
            .evidence
            .last()
            .unwrap()
            .starts_with("RoleBinding team/self (t.yaml:"));
    }

    #[test]
    fn impersonation() {
        let yaml = role(
            "ClusterRole",
            "",
            "imp-all",
            "- apiGroups: [\"\"]\n  resources: [users, groups]\n  verbs: [impersonate]",
        ) + &binding("ClusterRoleBinding", "", "dave", "ClusterRole", "imp-all", &user_subject("dave"))
            + &role(
                "ClusterRole",
                "",
                "imp-bob",
                "- apiGroups: [\"\"]\n  resources: [users]\n  verbs: [impersonate]\n  resourceNames: [bob]",
            )
            + &binding("ClusterRoleBinding", "", "eve", "ClusterRole", "imp-bob", &user_subject("eve"))
            + &role(
                "ClusterRole",
                "",
                "read-secrets",
                "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list]",
            )
            + &binding("ClusterRoleBinding", "", "bob", "ClusterRole", "read-secrets", &user_subject("bob"))
            + &binding("RoleBinding", "x", "alice", "ClusterRole", "view", &user_subject("alice"))
            + &role(
                "Role",
                "apps",
                "imp-sa",
                "- apiGroups: [\"\"]\n  resources: [serviceaccounts]\n  verbs: [impersonate]\n  resourceNames: [a]",
            )
            + &binding("RoleBinding", "apps", "fay", "Role", "imp-sa", &user_subject("fay"))
            + &sa("apps", "a", "")
            + &sa("apps", "b", "")
            + &binding("RoleBinding", "apps", "a", "ClusterRole", "edit", &sa_subject("apps", "a"))
            + &binding("ClusterRoleBinding", "", "b", "ClusterRole", "cluster-admin", &sa_subject("apps", "b"));
        let f = fixture(&yaml);
        // Any user and any group: system:masters.
        let p = one(&f, &user("dave"), Target::ClusterAdmin).expect("dave impersonates system:masters");
        assert_eq!(kinds(&p), vec![EdgeKind::Impersonate, EdgeKind::Holds]);
        assert_eq!(
            p.steps[0].to,
            Vertex::Group {
                name: "system:masters".into()
            }
        );
        assert!(p.steps[0].action.contains("as any user"), "{}", p.steps[0].action);
        assert!(p.steps[1].action.contains("system:masters"));
        // Only bob, no groups: bob's secrets, not cluster-admin.
        assert!(one(&f, &user("eve"), Target::ClusterAdmin).is_none());
        let p = one(&f, &user("eve"), Target::Secrets).expect("eve → bob → secrets");
        assert_eq!(kinds(&p), vec![EdgeKind::Impersonate, EdgeKind::Holds]);
        assert_eq!(p.steps[0].to, Vertex::User { name: "bob".into() });
        let eve = Vertex::User { name: "eve".into() };
        assert!(edge(&f.g, &eve, &Vertex::User { name: "alice".into() }).is_none());
        assert!(edge(
            &f.g,
            &Vertex::User { name: "dave".into() },
            &Vertex::User { name: "alice".into() }
        )
        .is_some());
        // ServiceAccounts: only `a` (resourceNames), whose edit role then reaches `b`.
        let fay = Vertex::User { name: "fay".into() };
        let e = edge(&f.g, &fay, &Vertex::service_account("apps", "a")).expect("fay → a");
        assert_eq!(e.kind, EdgeKind::Impersonate);
        assert!(edge(&f.g, &fay, &Vertex::service_account("apps", "b")).is_none());
        let p = one(&f, &user("fay"), Target::ClusterAdmin).expect("fay → a → b");
        assert_eq!(
            kinds(&p),
            vec![EdgeKind::Impersonate, EdgeKind::CreatePod, EdgeKind::Holds]
        );
    }

    #[test]
    fn token_requests_respect_resource_names() {
        let yaml = role(
            "Role",
            "apps",
            "token-a",
            "- apiGroups: [\"\"]\n  resources: [serviceaccounts/token]\n  verbs: [create]\n  resourceNames: [a]",
        ) + &binding("RoleBinding", "apps", "gus", "Role", "token-a", &user_subject("gus"))
            + &sa("apps", "a", "")
            + &sa("apps", "b", "");
        let f = fixture(&yaml);
        let gus = Vertex::User { name: "gus".into() };
        let e = edge(&f.g, &gus, &Vertex::service_account("apps", "a")).expect("gus → a");
        assert_eq!(e.kind, EdgeKind::MintToken);
        assert!(e.evidence[0].contains("Role apps/token-a rules[0]"));
        assert!(edge(&f.g, &gus, &Vertex::service_account("apps", "b")).is_none());
        assert!(edge(&f.g, &gus, &Vertex::service_account("apps", "default")).is_none());
    }

    #[test]
    fn exec_reaches_only_mounted_tokens() {
        let yaml = role(
            "Role",
            "shop",
            "exec",
            "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [get]",
        ) + &binding("RoleBinding", "shop", "hal", "Role", "exec", &user_subject("hal"))
            + &sa("shop", "web-sa", "")
            + &sa("shop", "quiet-sa", "")
            + &sa("shop", "noauto", "automountServiceAccountToken: false")
            + &deployment("shop", "web", "      serviceAccountName: web-sa\n")
            + &deployment(
                "shop",
                "quiet",
                "      serviceAccountName: quiet-sa\n      automountServiceAccountToken: false\n",
            )
            + &deployment("shop", "silent", "      serviceAccountName: noauto\n");
        let f = fixture(&yaml);
        let hal = Vertex::User { name: "hal".into() };
        let web = Vertex::Workload {
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: "web".into(),
        };
        let e = edge(&f.g, &hal, &web).expect("hal execs into web");
        assert_eq!(e.kind, EdgeKind::Exec);
        assert_eq!(
            e.action,
            "execs into a pod of Deployment shop/web (pods/exec) and reads its ServiceAccount token"
        );
        let e = edge(&f.g, &web, &Vertex::service_account("shop", "web-sa")).expect("web's token");
        assert_eq!(e.kind, EdgeKind::PodToken);
        assert!(
            e.evidence[0].starts_with("Deployment shop/web (t.yaml:"),
            "{:?}",
            e.evidence
        );
        for name in ["quiet", "silent"] {
            let w = Vertex::Workload {
                namespace: "shop".into(),
                kind: "Deployment".into(),
                name: name.into(),
            };
            assert!(edge(&f.g, &hal, &w).is_none(), "{name}");
            assert_eq!(f.g.edges_from(f.g.node(&w).unwrap()).count(), 0, "{name}");
        }
    }

    #[test]
    fn node_proxy_reaches_every_mounted_workload() {
        let yaml = role(
            "ClusterRole",
            "",
            "kubelet",
            "- apiGroups: [\"\"]\n  resources: [nodes/proxy]\n  verbs: [get]",
        ) + &binding(
            "ClusterRoleBinding",
            "",
            "ivy",
            "ClusterRole",
            "kubelet",
            &user_subject("ivy"),
        ) + &admin_sa()
            + &deployment("admins", "tool", "      serviceAccountName: root-sa\n");
        let f = fixture(&yaml);
        let p = one(&f, &user("ivy"), Target::Nodes).expect("ivy holds nodes");
        assert!(p.is_already());
        assert!(p.evidence[0].contains("ClusterRole kubelet rules[0]: get nodes/proxy [core]"));
        let p = one(&f, &user("ivy"), Target::ClusterAdmin).expect("through the kubelet");
        assert_eq!(
            kinds(&p),
            vec![EdgeKind::NodeProxy, EdgeKind::PodToken, EdgeKind::Holds]
        );
        assert_eq!(
            p.steps[0].to,
            Vertex::Workload {
                namespace: "admins".into(),
                kind: "Deployment".into(),
                name: "tool".into()
            }
        );
    }

    #[test]
    fn csr_approval_needs_both_rights() {
        let yaml = role(
            "ClusterRole",
            "",
            "approver",
            "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  verbs: [approve]\n  resourceNames: [kubernetes.io/kube-apiserver-client]",
        ) + &binding("ClusterRoleBinding", "", "jo", "ClusterRole", "approver", &user_subject("jo"))
            + &role(
                "ClusterRole",
                "",
                "half",
                "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  verbs: [approve]\n  resourceNames: [kubernetes.io/kubelet-serving]",
            )
            + &binding("ClusterRoleBinding", "", "kim", "ClusterRole", "half", &user_subject("kim"));
        let f = fixture(&yaml);
        let p = one(&f, &user("jo"), Target::ClusterAdmin).expect("jo approves");
        assert_eq!(kinds(&p), vec![EdgeKind::ApproveCsr]);
        assert_eq!(p.steps[0].evidence.len(), 2);
        assert!(one(&f, &user("kim"), Target::ClusterAdmin).is_none());
    }

    #[test]
    fn secrets_cluster_wide_and_legacy_tokens() {
        let yaml = role(
            "ClusterRole",
            "",
            "secret-reader",
            "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [list]",
        ) + &binding("ClusterRoleBinding", "", "lu", "ClusterRole", "secret-reader", &user_subject("lu"))
            + &role(
                "Role",
                "legacy",
                "one-secret",
                "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n  resourceNames: [old-token]",
            )
            + &binding("RoleBinding", "legacy", "max", "Role", "one-secret", &user_subject("max"))
            + &binding("RoleBinding", "legacy", "ned", "ClusterRole", "secret-reader", &user_subject("ned"))
            + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: old-token\n  namespace: legacy\n  annotations:\n    kubernetes.io/service-account.name: old\ntype: kubernetes.io/service-account-token\n"
            + &binding("ClusterRoleBinding", "", "old", "ClusterRole", "cluster-admin", &sa_subject("legacy", "old"));
        let f = fixture(&yaml);
        let p = one(&f, &user("lu"), Target::Secrets).expect("lu lists every secret");
        assert!(p.is_already());
        assert_eq!(p.summary(), "User lu is already secrets");
        // Through the token Secret (get by name, and list in the namespace).
        for who in ["max", "ned"] {
            let p = one(&f, &user(who), Target::ClusterAdmin).expect(who);
            assert_eq!(
                kinds(&p),
                vec![EdgeKind::ReadTokenSecret, EdgeKind::Holds],
                "{who}"
            );
            assert!(p.steps[0].evidence.iter().any(|l| l.starts_with(
                "Secret legacy/old-token of type kubernetes.io/service-account-token (t.yaml:"
            )));
        }
        // `lu` lists every secret, so it also reads the old token.
        let p = one(&f, &user("lu"), Target::ClusterAdmin).expect("lu");
        assert_eq!(kinds(&p), vec![EdgeKind::ReadTokenSecret, EdgeKind::Holds]);
    }

    #[test]
    fn workloads_are_starts() {
        let yaml = admin_sa() + &deployment("admins", "tool", "      serviceAccount: root-sa\n");
        let f = fixture(&yaml);
        let s = parse_subject("workload:admins/deploy/tool").unwrap();
        let p = one(&f, &s, Target::ClusterAdmin).expect("the pod's token is cluster-admin");
        assert_eq!(kinds(&p), vec![EdgeKind::PodToken, EdgeKind::Holds]);
        assert!(paths(&f.g, None, None)
            .iter()
            .any(|p| p.start == s && p.target == Target::ClusterAdmin));
    }

    #[test]
    fn super_users_are_zero_step_paths() {
        let yaml = binding(
            "ClusterRoleBinding",
            "",
            "root",
            "ClusterRole",
            "cluster-admin",
            &user_subject("root"),
        );
        let f = fixture(&yaml);
        let all = paths(&f.g, None, None);
        let root: Vec<&Path> = all.iter().filter(|p| p.start == user("root")).collect();
        assert_eq!(root.len(), 1, "the other targets are implied");
        assert!(root[0].is_already());
        assert_eq!(root[0].summary(), "User root is already cluster-admin");
        assert!(root[0].evidence[0].starts_with("ClusterRoleBinding root (t.yaml:"));
        // system:masters is a system subject: not a default start, but can be asked for.
        assert!(all.iter().all(|p| p.start
            != Start::Group {
                name: "system:masters".into()
            }));
        let m = paths(
            &f.g,
            Some(&Start::Group {
                name: "system:masters".into(),
            }),
            None,
        );
        assert_eq!(m.len(), 1);
        assert!(m[0].is_already() && m[0].evidence[0].contains("system:masters"));
        // Asked for another target: reported as held.
        let s = paths(&f.g, Some(&user("root")), Some(Target::Secrets));
        assert!(s.len() == 1 && s[0].is_already());
        // No escalation edges leave a super-user.
        let r = f.g.node(&Vertex::User { name: "root".into() }).unwrap();
        assert!(f.g.edges_from(r).all(|e| e.kind == EdgeKind::Holds));
    }

    #[test]
    fn extra_subjects_hold_their_implicit_groups() {
        let yaml = open_namespace();
        let objects = load(&yaml);
        let model = Model::build(&objects, ModelOptions::default());
        let newcomer = parse_subject("newcomer").unwrap();
        let g = graph(&model, &[]);
        assert!(paths(&g, Some(&newcomer), None).is_empty(), "not a vertex");
        let g = graph_with(&model, &[], &[], std::slice::from_ref(&newcomer));
        let p = paths(&g, Some(&newcomer), Some(Target::ClusterAdmin));
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn parse_subjects() {
        let sa = |ns: &str, n: &str| Start::ServiceAccount {
            namespace: ns.into(),
            name: n.into(),
        };
        assert_eq!(
            parse_subject("system:serviceaccount:shop:ci"),
            Ok(sa("shop", "ci"))
        );
        assert_eq!(parse_subject("serviceaccount:shop/ci"), Ok(sa("shop", "ci")));
        assert_eq!(parse_subject("sa:shop/ci"), Ok(sa("shop", "ci")));
        assert_eq!(
            parse_subject("user:system:kube-scheduler"),
            Ok(user("system:kube-scheduler"))
        );
        assert_eq!(
            parse_subject("group:devs"),
            Ok(Start::Group { name: "devs".into() })
        );
        assert_eq!(parse_subject("alice"), Ok(user("alice")));
        assert_eq!(parse_subject("oidc:alice"), Ok(user("oidc:alice")));
        assert_eq!(
            parse_subject("workload:shop/Deployment/web"),
            Ok(Start::Workload {
                namespace: "shop".into(),
                kind: "Deployment".into(),
                name: "web".into()
            })
        );
        assert_eq!(
            parse_subject("workload:shop/sts/db"),
            Ok(Start::Workload {
                namespace: "shop".into(),
                kind: "StatefulSet".into(),
                name: "db".into()
            })
        );
        for bad in [
            "",
            "sa:shop",
            "sa:/x",
            "user:",
            "group:",
            "workload:a/b",
            "system:serviceaccount:x",
        ] {
            assert!(parse_subject(bad).is_err(), "{bad:?}");
        }
        assert_eq!("nodes".parse::<Target>(), Ok(Target::Nodes));
        assert!("root".parse::<Target>().is_err());
    }

    #[test]
    fn workload_semantics() {
        let yaml = sa("shop", "quiet", "automountServiceAccountToken: false")
            + &deployment("shop", "a", "      serviceAccountName: quiet\n")
            + &deployment("shop", "b", "      serviceAccountName: quiet\n      automountServiceAccountToken: true\n")
            + &deployment("shop", "c", "      serviceAccount: legacy\n")
            + &deployment("shop", "d", "      serviceAccountName: new\n      serviceAccount: legacy\n")
            + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n"
            + "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cj\n  namespace: shop\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: cron\n          automountServiceAccountToken: false\n          containers:\n          - name: c\n            image: x\n"
            + "---\napiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: t\n  namespace: shop\ntemplate:\n  spec:\n    containers:\n    - name: c\n      image: x\n";
        let f = fixture(&yaml);
        let got: Vec<(&str, &str, &str, bool)> = f
            .workloads
            .iter()
            .map(|w| {
                (
                    w.namespace.as_str(),
                    w.name.as_str(),
                    w.service_account.as_str(),
                    w.automount,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("shop", "a", "quiet", false),
                ("shop", "b", "quiet", true),
                ("shop", "c", "legacy", true),
                ("shop", "d", "new", true),
                ("default", "p", "default", true),
                ("shop", "cj", "cron", false),
            ]
        );
        let a = &f.workloads[0];
        let loc = a.location.as_ref().unwrap();
        assert_eq!(&*loc.file, "t.yaml");
        // Workload ServiceAccounts are vertices; pods carry the mounted tokens only.
        assert!(f.g.node(&Vertex::service_account("shop", "legacy")).is_some());
        assert!(f.g.node(&Vertex::service_account("default", "default")).is_some());
        let cj = Vertex::Workload {
            namespace: "shop".into(),
            kind: "CronJob".into(),
            name: "cj".into(),
        };
        assert_eq!(f.g.edges_from(f.g.node(&cj).unwrap()).count(), 0);
    }

    #[test]
    fn renderings() {
        let yaml = role(
            "Role",
            "shop",
            "dev",
            "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
        ) + &binding(
            "RoleBinding",
            "shop",
            "dev",
            "Role",
            "dev",
            &user_subject("al\"ice"),
        ) + &admin_sa()
            + &binding(
                "RoleBinding",
                "admins",
                "dev",
                "Role",
                "dev",
                &user_subject("al\"ice"),
            )
            + &role(
                "Role",
                "admins",
                "dev",
                "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
            )
            + &binding(
                "ClusterRoleBinding",
                "",
                "root",
                "ClusterRole",
                "cluster-admin",
                &user_subject("root"),
            );
        let f = fixture(&yaml);
        let p = paths(&f.g, None, Some(Target::ClusterAdmin));
        assert_eq!(p.len(), 3, "{p:#?}"); // al"ice, root (0 steps), root-sa (0 steps)
        let dot = to_dot(&p);
        assert!(dot.starts_with("digraph escalation {\n  rankdir=LR;\n"));
        assert!(dot.ends_with("}\n"));
        assert!(
            dot.contains("[label=\"User al\\\"ice\", shape=ellipse];"),
            "{dot}"
        );
        assert!(dot.contains("[label=\"cluster-admin\", shape=doubleoctagon"));
        assert!(dot.contains(" -> "));
        // al"ice → root-sa, root-sa → cluster-admin, root → cluster-admin (root-sa's holds edge once).
        assert_eq!(dot.matches(" -> ").count(), 3, "{dot}");
        let mm = to_mermaid(&p);
        assert!(mm.starts_with("flowchart LR\n"));
        assert!(mm.contains("([\"User al#quot;ice\"])"), "{mm}");
        assert!(mm.contains("{{\"cluster-admin\"}}"));
        assert!(mm.contains(" -->|\"creates pod as\"| "));
        assert!(!mm.contains("al\"ice"));
        // The whole graph renders too, and serializes.
        assert!(f.g.to_dot().contains("digraph"));
        assert!(f.g.to_mermaid().starts_with("flowchart LR\n"));
        let j = serde_json::to_value(&p).unwrap();
        assert_eq!(j[0]["start"]["type"], "User");
        assert_eq!(j[0]["target"], "cluster-admin");
        assert_eq!(j[0]["steps"][0]["kind"], "create-pod");
        assert_eq!(j[0]["steps"][0]["to"]["type"], "ServiceAccount");
        assert!(j[0].get("evidence").is_none());
        let gj = serde_json::to_value(&f.g).unwrap();
        assert!(gj["nodes"].as_array().unwrap().len() > 3);
        assert!(gj["edges"][0]["from"].is_u64());
    }

    /// The bulk probes answer exactly like `Model::can`.
    #[test]
    fn scope_agrees_with_the_authorizer() {
        let yaml = role(
            "ClusterRole",
            "",
            "mixed",
            "- apiGroups: [\"\", apps]\n  resources: [pods, deployments, secrets, \"*/exec\"]\n  verbs: [get, create, patch]\n  resourceNames: [web]\n- apiGroups: [\"*\"]\n  resources: [serviceaccounts/token]\n  verbs: [\"*\"]",
        ) + &binding("RoleBinding", "shop", "m", "ClusterRole", "mixed", &user_subject("mo"))
            + &binding("ClusterRoleBinding", "", "m", "ClusterRole", "view", &user_subject("mo"));
        let f = fixture(&yaml);
        let u = User::new("mo", &[]);
        for ns in ["", "shop", "other"] {
            let s = Scope::new(&f.model, &u, ns);
            for verb in ["get", "list", "create", "patch", "impersonate"] {
                for res in [
                    "pods",
                    "pods/exec",
                    "deployments",
                    "secrets",
                    "serviceaccounts/token",
                    "configmaps",
                ] {
                    for group in ["", "apps"] {
                        for name in ["", "web", "x", ANY_NAME] {
                            let r = Request::resource(verb, group, res, ns).named(name);
                            assert_eq!(s.allows(&r), f.model.can(&u, &r), "{r:?}");
                        }
                    }
                }
            }
        }
    }

    /// 10,000 roles, 10,000 bindings, 2,000 ServiceAccounts and 2,000 Deployments in 200
    /// namespaces, with 140 cluster-wide grants that fan out everywhere. Run with
    /// `cargo test --release -p palisade_rbac --lib paths::tests::large -- --ignored`.
    #[test]
    #[ignore]
    fn large_model_builds_fast() {
        let mut yaml = String::new();
        for i in 0..10_000 {
            let ns = format!("ns{}", i % 200);
            let rules = match i % 5 {
                0 => "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
                1 => "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n  resourceNames: [s1]",
                2 => "- apiGroups: [\"\"]\n  resources: [serviceaccounts/token]\n  verbs: [create]\n  resourceNames: [sa1]",
                3 => "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [get]",
                _ => "- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list]",
            };
            yaml += &role("Role", &ns, &format!("r{i}"), rules);
            let subject = if i % 3 == 0 {
                sa_subject(&ns, &format!("sa{}", i % 10))
            } else {
                user_subject(&format!("user{}", i % 3000))
            };
            yaml += &binding(
                "RoleBinding",
                &ns,
                &format!("b{i}"),
                "Role",
                &format!("r{i}"),
                &subject,
            );
        }
        for i in 0..2000 {
            yaml += &sa(&format!("ns{}", i % 200), &format!("sa{}", i / 200), "");
        }
        for i in 0..20 {
            yaml += &binding(
                "ClusterRoleBinding",
                "",
                &format!("admin{i}"),
                "ClusterRole",
                "cluster-admin",
                &sa_subject(&format!("ns{i}"), "sa1"),
            );
        }
        // Cluster-wide grants fan out to every namespace: 100 pod creators, 20 impersonators,
        // 20 kubelet users.
        yaml += &role(
            "ClusterRole",
            "",
            "cw-pods",
            "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
        );
        yaml += &role(
            "ClusterRole",
            "",
            "cw-imp",
            "- apiGroups: [\"\"]\n  resources: [users, groups, serviceaccounts]\n  verbs: [impersonate]",
        );
        yaml += &role(
            "ClusterRole",
            "",
            "cw-kubelet",
            "- apiGroups: [\"\"]\n  resources: [nodes/proxy]\n  verbs: [get]",
        );
        for i in 0..140 {
            let r = if i < 100 {
                "cw-pods"
            } else if i < 120 {
                "cw-imp"
            } else {
                "cw-kubelet"
            };
            yaml += &binding(
                "ClusterRoleBinding",
                "",
                &format!("cw{i}"),
                "ClusterRole",
                r,
                &user_subject(&format!("cw-user{i}")),
            );
        }
        for i in 0..2000 {
            yaml += &deployment(
                &format!("ns{}", i % 200),
                &format!("d{i}"),
                &format!("      serviceAccountName: sa{}\n", i / 200),
            );
        }
        let objects = load(&yaml);
        let model = Model::build(&objects, ModelOptions::default());
        let t = std::time::Instant::now();
        let workloads = workloads_from(&objects, &model);
        let g = graph(&model, &workloads);
        let built = t.elapsed();
        let t = std::time::Instant::now();
        let p = paths(&g, None, None);
        let found = t.elapsed();
        eprintln!(
            "{} nodes, {} edges in {built:?}; {} paths in {found:?}",
            g.nodes.len(),
            g.edges.len(),
            p.len()
        );
        assert!(built.as_secs_f64() < 2.0);
    }
}
