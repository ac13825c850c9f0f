//! Building the escalation graph: its vertices (subjects named by bindings, workloads,
//! extra starts, the three targets) and, through `edges`, every edge between them.

use super::edges::identity_edges;
use super::*;
use crate::node::NodeGraph;

/// A ServiceAccount of a namespace: its name, why it is known, its vertex.
pub(super) struct NsAccount {
    pub(super) name: String,
    pub(super) note: String,
    pub(super) id: usize,
}

#[derive(Default)]
pub(super) struct NsInfo {
    /// ServiceAccounts that exist: the model's, `default`, those workloads and token Secrets
    /// name, and those of the built-in bindings.
    pub(super) accounts: Vec<NsAccount>,
    /// ServiceAccounts only named by bindings of the input: reachable by whoever can also
    /// create ServiceAccounts there.
    pub(super) bound_only: Vec<NsAccount>,
    /// Every workload of the namespace (indexes into the workloads).
    pub(super) workloads: Vec<usize>,
    /// Workloads whose token is mounted: (workload, vertex), one per vertex.
    pub(super) mounted: Vec<(usize, usize)>,
    /// Token Secrets (indexes).
    pub(super) secrets: Vec<usize>,
}

pub(super) struct Ctx<'a> {
    pub(super) model: &'a Model,
    pub(super) workloads: &'a [Workload],
    pub(super) secrets: &'a [TokenSecret],
    pub(super) nodes: &'a [Vertex],
    pub(super) index: &'a HashMap<Vertex, usize>,
    pub(super) namespaces: BTreeMap<String, NsInfo>,
    /// User and Group vertices by name.
    pub(super) users: Vec<(&'a str, usize)>,
    pub(super) groups: Vec<(&'a str, usize)>,
    /// Every workload whose token is mounted, one per vertex.
    pub(super) mounted: Vec<(usize, usize)>,
}

impl Ctx<'_> {
    pub(super) fn target(&self, t: Target) -> usize {
        self.index[&Vertex::Target { target: t }]
    }
}

#[derive(Default)]
pub(super) struct Edges {
    pub(super) list: Vec<Edge>,
    pub(super) seen: HashSet<(usize, usize)>,
}

impl Edges {
    /// Adds an edge unless one between the same vertices exists (the first one wins).
    pub(super) fn add(
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

/// Notes the ServiceAccount `namespace/name` in `map`, unless already noted.
fn note_once(
    map: &mut BTreeMap<String, BTreeMap<String, String>>,
    namespace: &str,
    name: &str,
    note: impl FnOnce() -> String,
) {
    map.entry(namespace.to_owned())
        .or_default()
        .entry(name.to_owned())
        .or_insert_with(note);
}

/// The graph of `model` and `workloads` (no token Secrets, no extra subjects).
pub fn graph(model: &Model, workloads: &[Workload]) -> Graph {
    graph_with(model, workloads, &[], &[])
}

/// The graph of `model`, `workloads` and legacy token Secrets, with `extra` starts added as
/// vertices (a `--from` subject that no binding names still holds what its implicit groups
/// grant).
pub fn graph_with(model: &Model, workloads: &[Workload], secrets: &[TokenSecret], extra: &[Start]) -> Graph {
    graph_with_nodes(model, workloads, secrets, extra, &NodeGraph::default())
}

/// [`graph_with`], with the nodes of the Node authorizer's graph as starts: a compromised
/// node (its kubelet's credentials) mints the token of every ServiceAccount of the pods bound
/// to it, and reads their Secrets (legacy token Secrets among them).
pub fn graph_with_nodes(
    model: &Model,
    workloads: &[Workload],
    secrets: &[TokenSecret],
    extra: &[Start],
    node_graph: &NodeGraph,
) -> Graph {
    // Namespaces and the ServiceAccounts known in each: name → note.
    let mut known: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut bound: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for ns in model.namespaces() {
        known.entry(ns).or_default();
    }
    for sa in &model.service_accounts {
        note_once(&mut known, &sa.namespace, &sa.name, || {
            format!(
                "ServiceAccount {}/{} at {}",
                sa.namespace,
                sa.name,
                sa.source.place()
            )
        });
    }
    for w in workloads {
        note_once(&mut known, &w.namespace, &w.service_account, || {
            format!(
                "ServiceAccount {}/{} is used by {}",
                w.namespace,
                w.service_account,
                w.label()
            )
        });
    }
    for s in secrets {
        note_once(&mut known, &s.namespace, &s.service_account, || {
            format!(
                "ServiceAccount {}/{} has token Secret {}/{}",
                s.namespace, s.service_account, s.namespace, s.name
            )
        });
    }
    for e in extra {
        if let Start::ServiceAccount { namespace, name } = e {
            note_once(&mut known, namespace, name, || {
                format!("ServiceAccount {namespace}/{name} (given)")
            });
        }
    }
    let mut vertices: BTreeSet<Vertex> = BTreeSet::new();
    let mut starts: BTreeSet<Vertex> = BTreeSet::new();
    let node_names = node_graph.nodes();
    for n in &node_names {
        for (ns, sa, why) in node_graph.service_accounts_of(n) {
            note_once(&mut known, &ns, &sa, || {
                format!("ServiceAccount {ns}/{sa}: {why}")
            });
        }
        let v = Vertex::User {
            name: format!("{}{n}", crate::node::NODE_USER_PREFIX),
        };
        starts.insert(v.clone());
        vertices.insert(v);
    }
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
                    note_once(&mut known, namespace, name, note);
                } else {
                    note_once(&mut bound, namespace, name, note);
                }
            }
            if v.is_default_start() {
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
        vertices.insert(e.clone());
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
    // The users, then the groups, by name with their vertex.
    let named = |group: bool| {
        nodes
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                Vertex::User { name } if !group => Some((name.as_str(), i)),
                Vertex::Group { name } if group => Some((name.as_str(), i)),
                _ => None,
            })
            .collect()
    };
    let (users, groups) = (named(false), named(true));
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
    for n in &node_names {
        let from = index[&Vertex::User {
            name: format!("{}{n}", crate::node::NODE_USER_PREFIX),
        }];
        for (ns, sa, why) in node_graph.service_accounts_of(n) {
            edges.add(
                from,
                index[&Vertex::service_account(&ns, &sa)],
                EdgeKind::NodeToken,
                || {
                    format!(
                        "mints a token for ServiceAccount {ns}/{sa}, which a pod bound to node {n} runs as (Node authorizer: create serviceaccounts/token)"
                    )
                },
                || vec![why.clone()],
            );
        }
        let readable = node_graph.secrets_of(n);
        for s in secrets {
            if let Some((_, _, why)) = readable
                .iter()
                .find(|(ns, name, _)| *ns == s.namespace && *name == s.name)
            {
                edges.add(
                    from,
                    index[&Vertex::service_account(&s.namespace, &s.service_account)],
                    EdgeKind::ReadTokenSecret,
                    || {
                        format!(
                            "reads Secret {}/{}, the legacy token of ServiceAccount {}/{} (Node authorizer: get secrets)",
                            s.namespace, s.name, s.namespace, s.service_account
                        )
                    },
                    || vec![why.clone()],
                );
            }
        }
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
