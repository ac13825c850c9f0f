//! Escalation paths (spec §1.7, §1.8, §1.10): a graph whose vertices are subjects (users,
//! groups, ServiceAccounts), workloads and three targets (`cluster-admin`, `secrets`,
//! `nodes`), and whose edges are the known ways one identity becomes another — create a pod
//! as any ServiceAccount of a namespace, mint or steal its token, impersonate, bind or
//! escalate roles, exec into pods or through the kubelet, approve client certificates.
//! Every permission is decided by the RBAC evaluator (`Model::can` / `Model::authorize`, or
//! the same `bindings_for` + `rule_allows` resolution for bulk probes), never by matching
//! rule text, and every edge carries its evidence: the binding and rule (with file:line)
//! that grant it, or the workload object and its location. Shortest paths per start are
//! found by one reverse breadth-first search per target. No I/O and no rendering (DOT and
//! Mermaid drawings of paths are palisade_report's).
//!
//! This module holds the vocabulary (targets, starts, vertices, edges, paths) and the inputs
//! taken from objects (workloads, token Secrets, `--from` subjects); `graph` builds the
//! graph, `edges` decides each edge, `search` finds the shortest paths.

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

palisade_core::display_as_str!(Target);

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

/// Where a path may start: a subject or a workload — a [`Vertex`] that is not a `Target`
/// (`parse_subject`, `Vertex::start` and the graph's default starts never make one).
pub type Start = Vertex;

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
        (!matches!(self, Vertex::Target { .. })).then(|| self.clone())
    }
    /// Stands for everyone of a kind: `Group system:authenticated` (every user and token),
    /// `Group system:unauthenticated` and `User system:anonymous` (anyone who reaches the API
    /// server), `Group system:serviceaccounts` and `Group system:serviceaccounts:<ns>` (every
    /// pod's token). The worst sources there are: always default starts, although their
    /// names start with `system:`.
    pub fn is_everyone(&self) -> bool {
        match self {
            Vertex::Group { name } => {
                matches!(
                    name.as_str(),
                    "system:authenticated" | "system:unauthenticated" | "system:serviceaccounts"
                ) || name
                    .strip_prefix("system:serviceaccounts:")
                    .is_some_and(|ns| !ns.is_empty())
            }
            Vertex::User { name } => name == "system:anonymous",
            _ => false,
        }
    }
    /// Whether the vertex is a default start: a subject that is not a Kubernetes component,
    /// one that stands for everyone ([`Vertex::is_everyone`]), a node; every workload.
    pub fn is_default_start(&self) -> bool {
        !self.is_system() || self.is_everyone() || self.node().is_some()
    }
    /// The node a `User system:node:<name>` vertex stands for (a kubelet: in group
    /// `system:nodes`, answered by the Node authorizer first).
    pub fn node(&self) -> Option<&str> {
        match self {
            Vertex::User { name } => name
                .strip_prefix(crate::node::NODE_USER_PREFIX)
                .filter(|n| !n.is_empty()),
            _ => None,
        }
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
    /// A node (its kubelet's credentials) mints the token of a ServiceAccount of a pod bound
    /// to it, as the Node authorizer allows.
    NodeToken,
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
            EdgeKind::NodeToken => "node mints token",
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
    /// binding, the groups that stand for everyone ([`Vertex::is_everyone`]) a binding
    /// names, and every workload.
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
        let v = s.clone();
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
    /// `User alice → cluster-admin in 2 steps` / `User root is already cluster-admin` /
    /// `User lu can already list every Secret`.
    pub fn summary(&self) -> String {
        match self.steps.len() {
            0 => match self.target {
                Target::ClusterAdmin => format!("{} is already cluster-admin", self.start),
                Target::Secrets => format!("{} can already list every Secret", self.start),
                Target::Nodes => format!("{} can already reach the kubelet API (nodes/proxy)", self.start),
            },
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
                .or_else(|| o.locate(t.spec_path).0)
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
/// `sa:NS/NAME`, `user:NAME`, `group:NAME`, `node:NAME` (user `system:node:NAME`),
/// `workload:NS/KIND/NAME`, or a bare user NAME.
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
    if let Some(name) = strip_prefix_ci(s, "node:") {
        return match name {
            "" => Err(format!("{s:?}: expected node:NAME")),
            n => Ok(Start::User {
                name: format!("{}{n}", crate::node::NODE_USER_PREFIX),
            }),
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

mod edges;
mod graph;
mod search;
#[cfg(test)]
mod tests;

pub use graph::{graph, graph_with, graph_with_nodes};
pub use search::paths;
