//! The Node authorizer of kube-apiserver (`--authorization-mode=Node,RBAC`,
//! `plugin/pkg/auth/authorizer/node`): what a kubelet — user `system:node:<name>` in group
//! `system:nodes` — may do, given the objects bound to its node. It runs before RBAC: when it
//! allows a request, RBAC is not consulted; when it has no opinion, RBAC decides.
//!
//! * Secrets, ConfigMaps, ServiceAccounts (get, and `create serviceaccounts/token`),
//!   PersistentVolumeClaims (get, `update`/`patch` of `status`), PersistentVolumes,
//!   ResourceClaims, VolumeAttachments, ResourceSlices and Pods are allowed only by name, and
//!   only along a path of the authorizer's graph to the node: a pod bound to the node
//!   (`spec.nodeName`) and what it references (volumes, env, envFrom, imagePullSecrets, its
//!   ServiceAccount, its claims — ephemeral volumes included —, the PersistentVolume bound to
//!   a claim and the Secrets that volume names).
//! * Its own Node object (get/list/watch), its own Lease in `kube-node-lease`, its own CSINode.
//! * Everything else by the static node rules, which are the rules of the default ClusterRole
//!   `system:node` (`bootstrappolicy.NodeRules()`; events, services, endpoints, token and
//!   access reviews, CSRs, creating mirror pods, pod status and eviction, node create and
//!   update…).
//!
//! Each answer and reason is the one a v1.36.2 API server gives to a SubjectAccessReview
//! (checked by `crates/palisade_cli/tests/node_authorizer.rs` against a real server). The
//! `NodeRestriction` admission plugin, which limits *what* a node may write, is not an
//! authorizer and not modelled. Requests with a field selector (a kubelet lists its pods with
//! `spec.nodeName=<node>`) cannot be expressed here and get the answer without one.

use crate::answer::{CanIAnswer, WhoCanAnswer, WhoCanRow};
use crate::eval::{rule_allows, Request, User};
use crate::model::Subject;
use crate::model::{known, PolicyRule, RoleKind, DEFAULT_NAMESPACE};
use palisade_core::{pod_templates, Location, Node, Object};
use std::collections::BTreeSet;

/// The group every node identity is in.
pub const NODES_GROUP: &str = "system:nodes";
/// The user-name prefix of node identities.
pub const NODE_USER_PREFIX: &str = "system:node:";
/// The namespace of node Leases.
const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";

/// `NodeIdentity`: the node name of a user named `system:node:<name>` in group
/// `system:nodes` (possibly empty), `None` for any other user.
pub fn node_identity(user: &User) -> Option<&str> {
    let name = user.name.strip_prefix(NODE_USER_PREFIX)?;
    user.groups.iter().any(|g| g == NODES_GROUP).then_some(name)
}

/// What the Node authorizer answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeDecision {
    /// The user is not a node: the Node authorizer has no opinion and says nothing.
    NotANode,
    /// Allowed; why (the relationship to the node, or the static rule).
    Allow(String),
    /// No opinion (RBAC decides), with the authorizer's reason.
    NoOpinion(String),
}

/// The kinds the Node authorizer's graph reads besides pods.
pub const NODE_GRAPH_KINDS: &[palisade_core::GroupKind] = &[
    palisade_core::GroupKind::new("", "PersistentVolume"),
    palisade_core::GroupKind::new("storage.k8s.io", "VolumeAttachment"),
    palisade_core::GroupKind::new("resource.k8s.io", "ResourceSlice"),
];

/// What an analysis with the Node authorizer reads: the RBAC objects, pod templates (pods
/// with `spec.nodeName`) and the graph's other kinds.
pub const READS_WITH_NODES: palisade_core::Reads = palisade_core::Reads::pod_templates_and(&[
    known::ROLE,
    known::CLUSTER_ROLE,
    known::ROLE_BINDING,
    known::CLUSTER_ROLE_BINDING,
    known::SERVICE_ACCOUNT,
    palisade_core::GroupKind::new("", "PersistentVolume"),
    palisade_core::GroupKind::new("storage.k8s.io", "VolumeAttachment"),
    palisade_core::GroupKind::new("resource.k8s.io", "ResourceSlice"),
]);

/// One pod (or pod template) bound to a node, and what it references.
#[derive(Clone, Debug)]
struct BoundPod {
    namespace: String,
    /// `None` for a pod template of a controller with `spec.nodeName` set.
    name: Option<String>,
    label: String,
    node: String,
    service_account: String,
    secrets: BTreeSet<String>,
    config_maps: BTreeSet<String>,
    claims: BTreeSet<String>,
    resource_claims: BTreeSet<String>,
    location: Option<Location>,
}

/// A PersistentVolume: the claim it is bound to and the Secrets it names.
#[derive(Clone, Debug)]
struct Volume {
    name: String,
    claim: Option<(String, String)>,
    secrets: BTreeSet<(String, String)>,
}

/// The Node authorizer's graph: pods bound to nodes and what they reference,
/// PersistentVolumes, VolumeAttachments and ResourceSlices with their node.
#[derive(Clone, Debug, Default)]
pub struct NodeGraph {
    pods: Vec<BoundPod>,
    volumes: Vec<Volume>,
    /// `(kind, name, node)` of VolumeAttachments and ResourceSlices.
    attached: Vec<(&'static str, String, String)>,
    /// The static node rules (ClusterRole `system:node` of the defaults).
    rules: Vec<PolicyRule>,
}

fn s<'a>(n: &'a Node, path: &[&str]) -> Option<&'a str> {
    n.at(path).and_then(Node::as_str).filter(|s| !s.is_empty())
}

fn seq(n: Option<&Node>) -> &[Node] {
    n.and_then(Node::as_seq).unwrap_or(&[])
}

/// `VisitPodSecretNames` / `VisitPodConfigmapNames` and the claims of a PodSpec.
fn references(spec: &Node, pod_name: Option<&str>, p: &mut BoundPod) {
    for r in seq(spec.get("imagePullSecrets")) {
        if let Some(n) = s(r, &["name"]) {
            p.secrets.insert(n.into());
        }
    }
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for c in seq(spec.get(list)) {
            for e in seq(c.get("envFrom")) {
                if let Some(n) = s(e, &["secretRef", "name"]) {
                    p.secrets.insert(n.into());
                }
                if let Some(n) = s(e, &["configMapRef", "name"]) {
                    p.config_maps.insert(n.into());
                }
            }
            for e in seq(c.get("env")) {
                if let Some(n) = s(e, &["valueFrom", "secretKeyRef", "name"]) {
                    p.secrets.insert(n.into());
                }
                if let Some(n) = s(e, &["valueFrom", "configMapKeyRef", "name"]) {
                    p.config_maps.insert(n.into());
                }
            }
        }
    }
    for v in seq(spec.get("volumes")) {
        for path in [
            &["secret", "secretName"][..],
            &["azureFile", "secretName"],
            &["cephfs", "secretRef", "name"],
            &["cinder", "secretRef", "name"],
            &["flexVolume", "secretRef", "name"],
            &["rbd", "secretRef", "name"],
            &["scaleIO", "secretRef", "name"],
            &["iscsi", "secretRef", "name"],
            &["storageos", "secretRef", "name"],
            &["csi", "nodePublishSecretRef", "name"],
        ] {
            if let Some(n) = s(v, path) {
                p.secrets.insert(n.into());
            }
        }
        if let Some(n) = s(v, &["configMap", "name"]) {
            p.config_maps.insert(n.into());
        }
        for src in seq(v.at(&["projected", "sources"])) {
            if let Some(n) = s(src, &["secret", "name"]) {
                p.secrets.insert(n.into());
            }
            if let Some(n) = s(src, &["configMap", "name"]) {
                p.config_maps.insert(n.into());
            }
        }
        if let Some(n) = s(v, &["persistentVolumeClaim", "claimName"]) {
            p.claims.insert(n.into());
        }
        // An ephemeral volume's claim is named `<pod>-<volume>`.
        if let (Some(pod), Some(vol), Some(_)) = (pod_name, s(v, &["name"]), v.get("ephemeral")) {
            p.claims.insert(format!("{pod}-{vol}"));
        }
    }
    for c in seq(spec.get("resourceClaims")) {
        if let Some(n) = s(c, &["resourceClaimName"]) {
            p.resource_claims.insert(n.into());
        }
    }
}

/// `VisitPVSecretNames`: the Secrets a PersistentVolume names.
fn volume_secrets(pv: &Node, claim_ns: Option<&str>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let spec = pv.get("spec");
    let Some(spec) = spec else { return out };
    if let Some(name) = s(spec, &["azureFile", "secretName"]) {
        let ns = s(spec, &["azureFile", "secretNamespace"])
            .or(claim_ns)
            .unwrap_or(DEFAULT_NAMESPACE);
        out.insert((ns.to_owned(), name.to_owned()));
    }
    let mut refs: Vec<&Node> = Vec::new();
    for source in [
        "cephfs",
        "cinder",
        "flexVolume",
        "rbd",
        "scaleIO",
        "iscsi",
        "storageos",
    ] {
        if let Some(r) = spec.at(&[source, "secretRef"]) {
            refs.push(r);
        }
    }
    for r in [
        "controllerPublishSecretRef",
        "nodeStageSecretRef",
        "nodePublishSecretRef",
        "controllerExpandSecretRef",
        "nodeExpandSecretRef",
    ] {
        if let Some(r) = spec.at(&["csi", r]) {
            refs.push(r);
        }
    }
    for r in refs {
        if let (Some(name), Some(ns)) = (s(r, &["name"]), s(r, &["namespace"])) {
            out.insert((ns.to_owned(), name.to_owned()));
        }
    }
    out
}

impl NodeGraph {
    /// The graph of `objects`: Pods with `spec.nodeName` (and pod templates with one),
    /// PersistentVolumes, VolumeAttachments and ResourceSlices.
    pub fn build(objects: &[Object]) -> NodeGraph {
        let mut g = NodeGraph {
            rules: static_rules(),
            ..NodeGraph::default()
        };
        for o in objects {
            match (o.group(), o.kind.as_str()) {
                ("", "PersistentVolume") => {
                    let claim = o
                        .root
                        .at(&["spec", "claimRef"])
                        .and_then(|c| Some((s(c, &["namespace"])?.to_owned(), s(c, &["name"])?.to_owned())));
                    let secrets = volume_secrets(&o.root, claim.as_ref().map(|(ns, _)| ns.as_str()));
                    g.volumes.push(Volume {
                        name: o.name.clone(),
                        claim,
                        secrets,
                    });
                    continue;
                }
                ("storage.k8s.io", "VolumeAttachment") | ("resource.k8s.io", "ResourceSlice") => {
                    if let Some(node) = s(&o.root, &["spec", "nodeName"]) {
                        let kind = if o.kind == "VolumeAttachment" {
                            "VolumeAttachment"
                        } else {
                            "ResourceSlice"
                        };
                        g.attached.push((kind, o.name.clone(), node.to_owned()));
                    }
                    continue;
                }
                _ => {}
            }
            for t in pod_templates(o) {
                let Some(node) = s(t.spec, &["nodeName"]) else {
                    continue;
                };
                let is_pod = o.kind == "Pod" && o.group().is_empty();
                let namespace = o
                    .namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
                let name = is_pod.then(|| o.name.clone());
                let service_account = s(t.spec, &["serviceAccountName"])
                    .or_else(|| s(t.spec, &["serviceAccount"]))
                    .unwrap_or("default")
                    .to_owned();
                let mut p = BoundPod {
                    label: if is_pod {
                        format!("Pod {namespace}/{}", o.name)
                    } else {
                        format!("the pods of {} {namespace}/{}", o.kind, o.name)
                    },
                    namespace,
                    name,
                    node: node.to_owned(),
                    service_account,
                    secrets: BTreeSet::new(),
                    config_maps: BTreeSet::new(),
                    claims: BTreeSet::new(),
                    resource_claims: BTreeSet::new(),
                    location: o.locate(&t.spec_path.clone().key("nodeName")).0,
                };
                let pod_name = p.name.clone();
                references(t.spec, pod_name.as_deref(), &mut p);
                if is_pod {
                    for c in seq(o.root.at(&["status", "resourceClaimStatuses"])) {
                        if let Some(n) = s(c, &["resourceClaimName"]) {
                            p.resource_claims.insert(n.into());
                        }
                    }
                }
                g.pods.push(p);
            }
        }
        g
    }

    /// Whether the graph holds anything bound to a node.
    pub fn is_empty(&self) -> bool {
        self.pods.is_empty() && self.attached.is_empty()
    }

    /// Every node name the graph knows (pods' `spec.nodeName`, attachments, slices), sorted.
    pub fn nodes(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .pods
            .iter()
            .map(|p| p.node.clone())
            .chain(self.attached.iter().map(|(_, _, n)| n.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn pod_place(p: &BoundPod) -> String {
        let at = p
            .location
            .as_ref()
            .map_or_else(String::new, |l| format!(" ({l})"));
        format!("{} is bound to node {} by spec.nodeName{at}", p.label, p.node)
    }

    /// `hasPathFrom`: why an object of `kind` named `namespace/name` is related to `node`.
    fn path(&self, node: &str, kind: &str, namespace: &str, name: &str) -> Option<String> {
        let on_node = || self.pods.iter().filter(move |p| p.node == node);
        let in_ns = |p: &&BoundPod| p.namespace == namespace;
        let by_pod = |what: &str, field: &str, f: &dyn Fn(&BoundPod) -> bool| {
            on_node().filter(in_ns).find(|p| f(p)).map(|p| {
                format!(
                    "{what} {namespace}/{name} is {field} {}; {}",
                    p.label,
                    Self::pod_place(p)
                )
            })
        };
        match kind {
            "Pod" => on_node()
                .filter(in_ns)
                .find(|p| p.name.as_deref() == Some(name))
                .map(Self::pod_place),
            "Secret" => by_pod("Secret", "referenced by", &|p| p.secrets.contains(name)).or_else(|| {
                self.volumes
                    .iter()
                    .filter(|v| v.secrets.contains(&(namespace.to_owned(), name.to_owned())))
                    .find_map(|v| {
                        let why = self.path(node, "PersistentVolume", "", &v.name)?;
                        Some(format!(
                            "Secret {namespace}/{name} is named by PersistentVolume {}; {why}",
                            v.name
                        ))
                    })
            }),
            "ConfigMap" => by_pod("ConfigMap", "referenced by", &|p| p.config_maps.contains(name)),
            "ServiceAccount" => by_pod("ServiceAccount", "the ServiceAccount of", &|p| {
                p.service_account == name
            }),
            "PersistentVolumeClaim" => {
                by_pod("PersistentVolumeClaim", "used by", &|p| p.claims.contains(name))
            }
            "ResourceClaim" => by_pod("ResourceClaim", "claimed by", &|p| {
                p.resource_claims.contains(name)
            }),
            "PersistentVolume" => self.volumes.iter().filter(|v| v.name == name).find_map(|v| {
                let (ns, claim) = v.claim.as_ref()?;
                let why = self.path(node, "PersistentVolumeClaim", ns, claim)?;
                Some(format!(
                    "PersistentVolume {name} is bound to claim {ns}/{claim}; {why}"
                ))
            }),
            "VolumeAttachment" | "ResourceSlice" => self
                .attached
                .iter()
                .find(|(k, n, on)| *k == kind && n == name && on == node)
                .map(|_| format!("{kind} {name} has spec.nodeName {node}")),
            _ => None,
        }
    }

    /// `authorize`: a named object related to the node.
    fn related(&self, node: &str, kind: &str, namespace: &str, name: &str) -> NodeDecision {
        if name.is_empty() {
            return no("No Object name found");
        }
        match self.path(node, kind, namespace, name) {
            Some(why) => NodeDecision::Allow(why),
            None => no(&format!(
                "no relationship found between node '{node}' and this object"
            )),
        }
    }

    /// The static node rules (ClusterRole `system:node`).
    fn by_rules(&self, req: &Request) -> NodeDecision {
        match self.rules.iter().find(|r| rule_allows(r, req)) {
            Some(r) => NodeDecision::Allow(format!(
                "its static node rules (ClusterRole system:node): {}",
                r.describe()
            )),
            None => NodeDecision::NoOpinion(String::new()),
        }
    }

    /// The Node authorizer's answer for `user` making `req`.
    pub fn authorize(&self, user: &User, req: &Request) -> NodeDecision {
        let Some(node) = node_identity(user) else {
            return NodeDecision::NotANode;
        };
        if node.is_empty() {
            return no(&format!("unknown node for user {:?}", user.name));
        }
        let Request::Resource {
            verb,
            api_group,
            resource,
            subresource,
            namespace,
            name,
        } = req
        else {
            return self.by_rules(req);
        };
        let (verb, sub, ns, name) = (
            verb.as_str(),
            subresource.as_str(),
            namespace.as_str(),
            name.as_str(),
        );
        let read = |kind: &str| {
            if !matches!(verb, "get" | "list" | "watch") {
                return no("can only read resources of this type");
            }
            if !sub.is_empty() {
                return no("cannot read subresource");
            }
            if ns.is_empty() {
                return no("can only read namespaced object of this type");
            }
            self.related(node, kind, ns, name)
        };
        let get = |kind: &str| {
            if verb != "get" {
                return no("can only get individual resources of this type");
            }
            if !sub.is_empty() {
                return no("cannot get subresource");
            }
            self.related(node, kind, ns, name)
        };
        let create_token = || {
            if verb != "create" || name.is_empty() {
                return no("can only create tokens for individual service accounts");
            }
            if sub != "token" {
                return no("can only create token subresource of serviceaccount");
            }
            self.related(node, "ServiceAccount", ns, name)
        };
        let own_verbs = matches!(verb, "get" | "create" | "update" | "patch" | "delete");
        match (api_group.as_str(), resource.as_str()) {
            ("", "secrets") => read("Secret"),
            ("", "configmaps") => read("ConfigMap"),
            ("", "persistentvolumeclaims") if sub == "status" => {
                if !matches!(verb, "update" | "patch") {
                    return no("can only get/update/patch this type");
                }
                self.related(node, "PersistentVolumeClaim", ns, name)
            }
            ("", "persistentvolumeclaims") => get("PersistentVolumeClaim"),
            ("", "persistentvolumes") => get("PersistentVolume"),
            ("resource.k8s.io", "resourceclaims") => get("ResourceClaim"),
            ("storage.k8s.io", "volumeattachments") => get("VolumeAttachment"),
            ("", "serviceaccounts") if verb == "get" && sub.is_empty() => read("ServiceAccount"),
            ("", "serviceaccounts") => create_token(),
            ("coordination.k8s.io", "leases") => {
                if !own_verbs {
                    return no("can only get, create, update, patch, or delete a node lease");
                }
                if ns != NODE_LEASE_NAMESPACE {
                    return no(&format!(
                        "can only access leases in the \"{NODE_LEASE_NAMESPACE}\" system namespace"
                    ));
                }
                if verb != "create" && name != node {
                    return no("can only access node lease with the same name as the requesting node");
                }
                NodeDecision::Allow(format!(
                    "a node may {verb} its own Lease {NODE_LEASE_NAMESPACE}/{node}"
                ))
            }
            ("storage.k8s.io", "csinodes") => {
                if !own_verbs {
                    return no("can only get, create, update, patch, or delete a CSINode");
                }
                if !sub.is_empty() {
                    return no("cannot authorize CSINode subresources");
                }
                if verb != "create" && name != node {
                    return no("can only access CSINode with the same name as the requesting node");
                }
                NodeDecision::Allow(format!("a node may {verb} its own CSINode {node}"))
            }
            ("resource.k8s.io", "resourceslices") => {
                if !sub.is_empty() {
                    return no("cannot authorize ResourceSlice subresources");
                }
                match verb {
                    "create" => NodeDecision::Allow(
                        "a node may create ResourceSlices (NodeRestriction admission checks spec.nodeName)".into(),
                    ),
                    "get" | "update" | "patch" | "delete" => self.related(node, "ResourceSlice", ns, name),
                    "watch" | "list" | "deletecollection" => {
                        no("can only list/watch/deletecollection resourceslices with nodeName field selector")
                    }
                    _ => no("only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection"),
                }
            }
            ("", "nodes") if sub.is_empty() && matches!(verb, "get" | "list" | "watch") => {
                if name == node {
                    NodeDecision::Allow(format!("a node may read its own Node object {node}"))
                } else if name.is_empty() {
                    no(&format!(
                        "node '{node}' cannot read all nodes, only its own Node object"
                    ))
                } else {
                    no(&format!(
                        "node '{node}' cannot read '{name}', only its own Node object"
                    ))
                }
            }
            ("", "pods") if sub.is_empty() && verb == "get" => self.related(node, "Pod", ns, name),
            ("", "pods") if sub.is_empty() && matches!(verb, "list" | "watch") => {
                // A named list or watch reads one pod; otherwise only the field selector
                // `spec.nodeName=<node>` (which a request here cannot carry) is allowed.
                if name.is_empty() {
                    no("can only list/watch pods with spec.nodeName field selector")
                } else {
                    self.related(node, "Pod", ns, name)
                }
            }
            _ => self.by_rules(req),
        }
    }

    /// The objects a compromised node can read or mint a token for: `(namespace, service
    /// account, why)` for the ServiceAccounts of the pods bound to `node` (a kubelet creates
    /// their tokens), and `(namespace, secret, why)` for the Secrets it can read.
    pub fn service_accounts_of(&self, node: &str) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = Vec::new();
        for p in self.pods.iter().filter(|p| p.node == node) {
            if !out
                .iter()
                .any(|(ns, sa, _)| *ns == p.namespace && *sa == p.service_account)
            {
                out.push((p.namespace.clone(), p.service_account.clone(), Self::pod_place(p)));
            }
        }
        out
    }

    /// The Secrets a node can read: `(namespace, name, why)`.
    pub fn secrets_of(&self, node: &str) -> Vec<(String, String, String)> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for p in self.pods.iter().filter(|p| p.node == node) {
            for s in &p.secrets {
                if seen.insert((p.namespace.clone(), s.clone())) {
                    if let Some(why) = self.path(node, "Secret", &p.namespace, s) {
                        out.push((p.namespace.clone(), s.clone(), why));
                    }
                }
            }
        }
        for v in &self.volumes {
            if self.path(node, "PersistentVolume", "", &v.name).is_some() {
                for (ns, s) in &v.secrets {
                    if seen.insert((ns.clone(), s.clone())) {
                        if let Some(why) = self.path(node, "Secret", ns, s) {
                            out.push((ns.clone(), s.clone(), why));
                        }
                    }
                }
            }
        }
        out
    }
}

fn no(reason: &str) -> NodeDecision {
    NodeDecision::NoOpinion(reason.to_owned())
}

/// `bootstrappolicy.NodeRules()`: the rules of the default ClusterRole `system:node`.
fn static_rules() -> Vec<PolicyRule> {
    crate::model::default_model()
        .role(RoleKind::ClusterRole, "", "system:node")
        .map(|r| r.written.iter().map(|x| PolicyRule::clone(x)).collect())
        .unwrap_or_default()
}

impl CanIAnswer {
    /// The answer of a `Node,RBAC` API server: for a node identity, the Node authorizer is
    /// asked first and, when it allows, RBAC is not consulted (`system:masters` still comes
    /// before both). Other identities are unchanged.
    #[must_use]
    pub fn with_node_authorizer(mut self, g: &NodeGraph) -> CanIAnswer {
        let Some(node) = node_identity(&self.user).map(str::to_owned) else {
            return self;
        };
        if self.reason == crate::answer::SUPER_USER_REASON {
            return self;
        }
        match g.authorize(&self.user, &self.request) {
            NodeDecision::NotANode => {}
            NodeDecision::Allow(why) => {
                self.allowed = Some(true);
                self.reason = NODE_REASON;
                self.grants = Vec::new();
                self.explanation = vec![format!("the Node authorizer: {why}")];
                self.node_authorizer = Some(why);
            }
            NodeDecision::NoOpinion(why) => {
                if !node.is_empty() && why.starts_with("no relationship") && !g.nodes().contains(&node) {
                    self.warnings.push(format!(
                        "no pod of the input is bound to node {node} (spec.nodeName): the Node authorizer relates nothing to it"
                    ));
                }
                self.node_authorizer = Some(if why.is_empty() {
                    "no opinion (no static node rule matches)".to_owned()
                } else {
                    format!("no opinion: {why}")
                });
            }
        }
        self
    }
}

/// The `reason` of a can-i answer allowed by the Node authorizer.
pub const NODE_REASON: &str = "allowed by the Node authorizer";

/// A node name no Node object can have (node names are DNS subdomains): a request the Node
/// authorizer allows it is allowed to every node.
const ANY_NODE: &str = "<node>";

impl NodeGraph {
    /// The namespaces of the pods bound to nodes.
    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self.pods.iter().map(|p| p.namespace.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}

impl WhoCanAnswer {
    /// Adds the nodes the Node authorizer allows one of `requests` (one per namespace asked):
    /// `Group system:nodes` when every node may (static node rules, its own Lease…), else
    /// each node of the graph that may (the Secrets of its pods…).
    #[must_use]
    pub fn with_node_authorizer(mut self, g: &NodeGraph, requests: &[Request]) -> WhoCanAnswer {
        let scope = |r: &Request| match r.namespace() {
            "" => "cluster-wide".to_owned(),
            ns => format!("namespace {ns}"),
        };
        let as_node = |n: &str| User::new(&format!("{NODE_USER_PREFIX}{n}"), &[NODES_GROUP.to_owned()]);
        if let Some((r, why)) = requests
            .iter()
            .find_map(|r| match g.authorize(&as_node(ANY_NODE), r) {
                NodeDecision::Allow(why) => Some((r, why)),
                _ => None,
            })
        {
            self.subjects.push(WhoCanRow::Node {
                subject: Subject::group(NODES_GROUP),
                scope: scope(r),
                reason: format!("every node: {why}"),
            });
            return self;
        }
        for n in g.nodes() {
            let user = as_node(&n);
            for r in requests {
                if let NodeDecision::Allow(why) = g.authorize(&user, r) {
                    self.subjects.push(WhoCanRow::Node {
                        subject: Subject::user(&format!("{NODE_USER_PREFIX}{n}")),
                        scope: scope(r),
                        reason: why,
                    });
                }
            }
        }
        self
    }
}
