//! The RBAC model: Roles, ClusterRoles, their bindings and ServiceAccounts, read from loaded
//! objects (and the compiled-in default objects of a real cluster), with the roleRefs
//! resolved, ClusterRole aggregation computed, subject indexes for fast queries, and the
//! problems an API server would reject or that make a binding useless. No I/O.

pub use palisade_core::kinds::known;
use palisade_core::LabelSelector;
use palisade_core::{FieldPath, Location, Node, Object, ObjectRef, Origin};
use palisade_core::{GroupKind, Reads};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One `PolicyRule`, as written (missing lists are empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct PolicyRule {
    pub verbs: Vec<String>,
    #[serde(rename = "apiGroups", skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(rename = "resourceNames", skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// A compact one-line rendering: `get,list secrets` / `* */*` / `get /healthz`.
    pub fn describe(&self) -> String {
        let verbs = self.verbs.join(",");
        let mut parts = Vec::new();
        if !self.resources.is_empty() || !self.api_groups.is_empty() {
            let groups: Vec<&str> = self
                .api_groups
                .iter()
                .map(|g| if g.is_empty() { "core" } else { g.as_str() })
                .collect();
            let mut s = format!("{} [{}]", self.resources.join(","), groups.join(","));
            if !self.resource_names.is_empty() {
                s.push_str(&format!(" names={}", self.resource_names.join(",")));
            }
            parts.push(s);
        }
        if !self.non_resource_urls.is_empty() {
            parts.push(self.non_resource_urls.join(","));
        }
        format!("{verbs} {}", parts.join(" + "))
    }
}

/// Where a role, binding or ServiceAccount came from.
#[derive(Clone, Debug)]
pub struct Source {
    /// The object's identity.
    pub reference: ObjectRef,
    /// Index into the objects the model was built from (`None` for the compiled-in defaults).
    pub input: Option<usize>,
    /// A default object of every cluster: compiled in, or an input object whose kind, name
    /// *and* content (rules, aggregation rule, aggregation labels; roleRef and subjects) equal
    /// those of the default object of that name in Kubernetes v1.36. Never decided by a label
    /// or annotation, which the author of a manifest controls.
    pub default: bool,
    /// Where the object starts (`None` for cluster objects and the compiled-in defaults).
    pub location: Option<Location>,
    pub origin: Origin,
}

impl Source {
    /// `file:line:col`, `built-in default` or the cluster context.
    pub fn place(&self) -> String {
        match (&self.location, &self.origin) {
            (Some(l), _) => l.to_string(),
            (None, Origin::Cluster { context }) => context.to_string(),
            (None, Origin::File { path, .. }) => path.to_string(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

/// Where an effective rule of a role was written: `(role, index in its rules)`. For an
/// aggregated ClusterRole this is the rule of the role it was aggregated from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleOrigin {
    pub role: usize,
    pub index: usize,
}

#[derive(Clone, Debug)]
pub struct Role {
    pub kind: RoleKind,
    /// `""` for a ClusterRole.
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// `aggregationRule.clusterRoleSelectors` of a ClusterRole.
    pub aggregation: Option<Vec<LabelSelector>>,
    /// The rules as written (shared: equal rules of different roles are stored once).
    pub written: Vec<Arc<PolicyRule>>,
    /// Location of each written rule (`rules[i]`).
    pub rule_locations: Vec<Option<Location>>,
    /// The rules in force: the written ones, or for an aggregated ClusterRole the aggregation
    /// result (computed, or as stored on a live cluster).
    pub rules: Vec<(Arc<PolicyRule>, RuleOrigin)>,
    pub source: Source,
}

impl Role {
    pub fn display(&self) -> String {
        match self.kind {
            RoleKind::Role => format!("Role {}/{}", self.namespace, self.name),
            RoleKind::ClusterRole => format!("ClusterRole {}", self.name),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum BindingKind {
    RoleBinding,
    ClusterRoleBinding,
}

impl BindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BindingKind::RoleBinding => "RoleBinding",
            BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
        }
    }
}

/// A subject of a binding, with the ServiceAccount namespace defaulting applied.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    /// For a ServiceAccount: its namespace (the RoleBinding's when omitted; empty in a
    /// ClusterRoleBinding without one, which then matches nothing).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, rename = "apiGroup", skip_serializing_if = "String::is_empty")]
    pub api_group: String,
}

impl Subject {
    pub fn user(name: &str) -> Subject {
        Subject {
            kind: "User".into(),
            name: name.into(),
            namespace: String::new(),
            api_group: "rbac.authorization.k8s.io".into(),
        }
    }
    pub fn group(name: &str) -> Subject {
        Subject {
            kind: "Group".into(),
            name: name.into(),
            namespace: String::new(),
            api_group: "rbac.authorization.k8s.io".into(),
        }
    }
    pub fn service_account(ns: &str, name: &str) -> Subject {
        Subject {
            kind: "ServiceAccount".into(),
            name: name.into(),
            namespace: ns.into(),
            api_group: String::new(),
        }
    }
    /// `User alice`, `Group system:masters`, `ServiceAccount ns/name`.
    pub fn display(&self) -> String {
        if self.kind == "ServiceAccount" {
            format!("ServiceAccount {}/{}", self.namespace, self.name)
        } else {
            format!("{} {}", self.kind, self.name)
        }
    }
    /// Whether this names a Kubernetes component or built-in group (`system:` prefix, or a
    /// ServiceAccount in `kube-system`).
    pub fn is_system(&self) -> bool {
        self.name.starts_with("system:") || (self.kind == "ServiceAccount" && self.namespace == "kube-system")
    }
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub kind: BindingKind,
    /// `""` for a ClusterRoleBinding.
    pub namespace: String,
    pub name: String,
    pub role_kind: String,
    pub role_name: String,
    pub role_api_group: String,
    /// The role the roleRef resolves to, if it exists.
    pub role: Option<usize>,
    pub subjects: Vec<Subject>,
    pub subject_locations: Vec<Option<Location>>,
    pub role_ref_location: Option<Location>,
    pub source: Source,
}

impl Binding {
    pub fn display(&self) -> String {
        match self.kind {
            BindingKind::RoleBinding => format!("RoleBinding {}/{}", self.namespace, self.name),
            BindingKind::ClusterRoleBinding => format!("ClusterRoleBinding {}", self.name),
        }
    }
    /// "cluster-wide" or "in namespace N".
    pub fn scope(&self) -> String {
        match self.kind {
            BindingKind::ClusterRoleBinding => "cluster-wide".into(),
            BindingKind::RoleBinding => format!("in namespace {}", self.namespace),
        }
    }
}

/// A ServiceAccount object of the input.
#[derive(Clone, Debug)]
pub struct ServiceAccount {
    pub namespace: String,
    pub name: String,
    pub automount: Option<bool>,
    pub source: Source,
}

/// A problem with an RBAC object: something the API server would reject, or a reference that
/// makes a binding grant nothing.
#[derive(Clone, Debug)]
pub struct Problem {
    /// Index of the object among the model's inputs.
    pub input: Option<usize>,
    pub reference: ObjectRef,
    pub path: FieldPath,
    pub location: Option<Location>,
    pub message: String,
    /// The problem makes (part of) the object grant nothing.
    pub dangling: bool,
}

/// How the rules of aggregated ClusterRoles are obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    /// Computed from the selected roles, as the aggregation controller does (manifests).
    Compute,
    /// Taken as stored (objects read from a live cluster, where the controller already ran).
    Stored,
}

/// Options of model building.
#[derive(Clone, Copy, Debug)]
pub struct ModelOptions {
    /// Include the default RBAC objects of a Kubernetes v1.36 cluster.
    pub defaults: bool,
    pub aggregation: Aggregation,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            defaults: true,
            aggregation: Aggregation::Compute,
        }
    }
}

/// The RBAC objects and their indexes.
#[derive(Debug, Default)]
pub struct Model {
    pub roles: Vec<Role>,
    pub bindings: Vec<Binding>,
    pub service_accounts: Vec<ServiceAccount>,
    pub problems: Vec<Problem>,
    /// `(kind, namespace, name)` → role.
    role_index: HashMap<(RoleKind, String, String), usize>,
    /// ClusterRoleBindings.
    pub(crate) cluster_bindings: Vec<usize>,
    /// RoleBindings by namespace.
    pub(crate) namespace_bindings: HashMap<String, Vec<usize>>,
    /// Bindings naming a user (User subjects, and ServiceAccount subjects by their user name).
    pub(crate) by_user: HashMap<String, Vec<usize>>,
    /// Bindings naming a group.
    pub(crate) by_group: HashMap<String, Vec<usize>>,
    /// Bindings by the role they resolve to.
    pub(crate) by_role: HashMap<usize, Vec<usize>>,
    /// ServiceAccounts by namespace, then name (looked up without copying either).
    sa_index: HashMap<String, HashMap<String, usize>>,
    /// Equal rules are stored once (many roles repeat the same rules).
    interned: HashMap<Arc<PolicyRule>, ()>,
    /// Whether the compiled-in defaults are included.
    pub defaults: bool,
    /// The objects were read from a live cluster (aggregation stored).
    pub(crate) from_cluster: bool,
}

/// Namespace of a namespaced object written without one: where `kubectl apply` puts it.
pub const DEFAULT_NAMESPACE: &str = "default";

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The default RBAC objects of a Kubernetes v1.36 API server, parsed once.
pub fn default_objects() -> &'static [Object] {
    static DEFAULTS: std::sync::OnceLock<Vec<Object>> = std::sync::OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let text = include_str!("../data/kubernetes-v1.36-default-rbac.json");
        let v: serde_json::Value =
            serde_json::from_str(text).expect("compiled-in default RBAC is valid JSON");
        let origin = Origin::Cluster {
            context: Arc::from("built-in default (Kubernetes v1.36)"),
        };
        v.get("items")
            .and_then(serde_json::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| Object::from_node(Node::from_json(i), origin.clone()).ok())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The model of the default objects alone, built once (to recognise them in the input).
pub(crate) fn default_model() -> &'static Model {
    static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| Model::build_inner(std::iter::empty(), ModelOptions::default(), false))
}

/// The label that marks the bootstrap objects; anyone can set it, so it is no evidence.
const BOOTSTRAPPING_LABEL: &str = "kubernetes.io/bootstrapping";

/// Whether role `r` has the content of default role `d`: the same aggregation rule, and for
/// a role that is not aggregated the same rules (in any order); the same labels (they decide
/// aggregation), apart from the bootstrapping marker.
fn same_role(d: &Role, r: &Role) -> bool {
    let labels = |x: &Role| {
        let mut l = x.labels.clone();
        l.remove(BOOTSTRAPPING_LABEL);
        l
    };
    let same_rules = || {
        d.written.len() == r.written.len()
            && d.written.iter().all(|x| r.written.contains(x))
            && r.written.iter().all(|x| d.written.contains(x))
    };
    d.kind == r.kind
        && d.aggregation == r.aggregation
        // An aggregated role's rules are the controller's (stored, or computed here).
        && (d.aggregation.is_some() || same_rules())
        && labels(d) == labels(r)
}

/// Whether binding `b` has the content of default binding `d`: the same roleRef and subjects
/// (in any order).
fn same_binding(d: &Binding, b: &Binding) -> bool {
    let mut ds = d.subjects.clone();
    let mut bs = b.subjects.clone();
    ds.sort();
    bs.sort();
    d.role_kind == b.role_kind
        && d.role_name == b.role_name
        && d.role_api_group == b.role_api_group
        && ds == bs
}

pub(crate) fn strings(n: Option<&Node>) -> Vec<String> {
    n.and_then(Node::as_seq)
        .map(|s| s.iter().filter_map(Node::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The kinds the RBAC model reads.
pub const KINDS: &[GroupKind] = &[
    known::ROLE,
    known::CLUSTER_ROLE,
    known::ROLE_BINDING,
    known::CLUSTER_ROLE_BINDING,
    known::SERVICE_ACCOUNT,
];

/// What an analysis over the RBAC model reads.
pub const READS: Reads = Reads::kinds(KINDS);

/// What an analysis of the RBAC model and the workloads whose tokens it grants reads.
pub const READS_WITH_WORKLOADS: Reads = Reads::pod_templates_and(KINDS);

/// Whether an object is one the model reads.
pub fn is_rbac_object(o: &Object) -> bool {
    KINDS.iter().any(|k| k.matches(o))
}

impl Model {
    /// Builds the model from `objects` (any kinds; others are ignored). Objects are
    /// identified in the result by their index in `objects`.
    pub fn build<'a>(objects: impl IntoIterator<Item = &'a Object>, opts: ModelOptions) -> Model {
        Model::build_inner(objects, opts, true)
    }

    fn build_inner<'a>(
        objects: impl IntoIterator<Item = &'a Object>,
        opts: ModelOptions,
        mark: bool,
    ) -> Model {
        let mut m = Model {
            defaults: opts.defaults,
            ..Model::default()
        };
        let add = |m: &mut Model, o: &Object, input: Option<usize>| {
            if !is_rbac_object(o) {
                return;
            }
            let ns = if matches!(o.kind.as_str(), "ClusterRole" | "ClusterRoleBinding") {
                String::new()
            } else {
                o.namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned())
            };
            let source = Source {
                reference: o.reference(),
                input,
                // Input objects are compared with the defaults after parsing (`mark_defaults`).
                default: input.is_none(),
                location: o.location_of(o.root.pos),
                origin: o.origin.clone(),
            };
            match o.kind.as_str() {
                "Role" | "ClusterRole" => m.add_role(o, ns, source),
                "RoleBinding" | "ClusterRoleBinding" => m.add_binding(o, ns, source),
                _ => m.service_accounts.push(ServiceAccount {
                    namespace: ns,
                    name: o.name.clone(),
                    automount: o.root.get("automountServiceAccountToken").and_then(Node::as_bool),
                    source,
                }),
            }
        };
        if opts.defaults {
            for o in default_objects() {
                add(&mut m, o, None);
            }
        }
        for (i, o) in objects.into_iter().enumerate() {
            add(&mut m, o, Some(i));
        }
        m.dedupe();
        if mark {
            m.mark_defaults();
        }
        m.from_cluster = opts.aggregation == Aggregation::Stored;
        m.aggregate(opts.aggregation);
        m.index();
        m.interned = HashMap::new();
        m
    }

    /// Later definitions of the same object replace earlier ones (input over defaults, and
    /// the last of the input, as `kubectl apply` of all of them would leave it).
    fn dedupe(&mut self) {
        let mut last: HashMap<(RoleKind, String, String), usize> = HashMap::new();
        for (i, r) in self.roles.iter().enumerate() {
            last.insert((r.kind, r.namespace.clone(), r.name.clone()), i);
        }
        let mut keep = 0usize;
        let roles = std::mem::take(&mut self.roles);
        for (i, r) in roles.into_iter().enumerate() {
            if last[&(r.kind, r.namespace.clone(), r.name.clone())] == i {
                let mut r = r;
                // Rule origins point at the role itself: re-point after compaction.
                for (_, o) in &mut r.rules {
                    o.role = keep;
                }
                self.roles.push(r);
                keep += 1;
            }
        }
        let mut lastb: HashMap<(BindingKind, String, String), usize> = HashMap::new();
        for (i, b) in self.bindings.iter().enumerate() {
            lastb.insert((b.kind, b.namespace.clone(), b.name.clone()), i);
        }
        let bindings = std::mem::take(&mut self.bindings);
        self.bindings = bindings
            .into_iter()
            .enumerate()
            .filter(|(i, b)| lastb[&(b.kind, b.namespace.clone(), b.name.clone())] == *i)
            .map(|(_, b)| b)
            .collect();
        let mut lasts: HashMap<(String, String), usize> = HashMap::new();
        for (i, s) in self.service_accounts.iter().enumerate() {
            lasts.insert((s.namespace.clone(), s.name.clone()), i);
        }
        let sas = std::mem::take(&mut self.service_accounts);
        self.service_accounts = sas
            .into_iter()
            .enumerate()
            .filter(|(i, s)| lasts[&(s.namespace.clone(), s.name.clone())] == *i)
            .map(|(_, s)| s)
            .collect();
    }

    /// Marks the input roles and bindings that are exactly a default object of Kubernetes
    /// v1.36 (same kind, namespace and name, same content) as defaults — as they are when
    /// read from a cluster or an export of one. Whether the defaults are included in the
    /// model does not matter: the comparison is with the compiled-in objects.
    fn mark_defaults(&mut self) {
        let defaults = default_model();
        for r in &mut self.roles {
            if r.source.input.is_some() {
                r.source.default = defaults
                    .role(r.kind, &r.namespace, &r.name)
                    .is_some_and(|d| same_role(d, r));
            }
        }
        for b in &mut self.bindings {
            if b.source.input.is_some() {
                b.source.default = defaults
                    .bindings
                    .iter()
                    .find(|d| d.kind == b.kind && d.namespace == b.namespace && d.name == b.name)
                    .is_some_and(|d| same_binding(d, b));
            }
        }
    }

    fn intern(&mut self, rule: PolicyRule) -> Arc<PolicyRule> {
        if let Some((k, _)) = self.interned.get_key_value(&rule) {
            return k.clone();
        }
        let a = Arc::new(rule);
        self.interned.insert(a.clone(), ());
        a
    }

    fn problem(
        &mut self,
        o: &Object,
        input: Option<usize>,
        path: FieldPath,
        message: String,
        dangling: bool,
    ) {
        if input.is_none() {
            return; // the compiled-in defaults are what a real API server holds
        }
        let location = o.locate(&path).0.or_else(|| o.location_of(o.root.pos));
        self.problems.push(Problem {
            input,
            reference: o.reference(),
            path,
            location,
            message,
            dangling,
        });
    }

    fn add_role(&mut self, o: &Object, namespace: String, source: Source) {
        let kind = if o.kind == "Role" {
            RoleKind::Role
        } else {
            RoleKind::ClusterRole
        };
        let input = source.input;
        let mut written = Vec::new();
        let mut rule_locations = Vec::new();
        let rules_node = o.root.get("rules");
        if let Some(n) = rules_node.filter(|n| !n.is_null() && n.as_seq().is_none()) {
            self.problem(
                o,
                input,
                FieldPath::root().key("rules"),
                format!(
                    "rules must be a list, not {}; the role grants nothing",
                    n.type_name()
                ),
                true,
            );
        }
        for (i, r) in rules_node
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let path = FieldPath::root().key("rules").idx(i);
            let rule = PolicyRule {
                verbs: strings(r.get("verbs")),
                api_groups: strings(r.get("apiGroups")),
                resources: strings(r.get("resources")),
                resource_names: strings(r.get("resourceNames")),
                non_resource_urls: strings(r.get("nonResourceURLs")),
            };
            if rule.verbs.is_empty() {
                self.problem(
                    o,
                    input,
                    path.clone().key("verbs"),
                    "rule has no verbs: it grants nothing, and the API server rejects it".into(),
                    true,
                );
            }
            let has_res = !rule.resources.is_empty() || !rule.api_groups.is_empty();
            if !rule.non_resource_urls.is_empty() {
                if kind == RoleKind::Role {
                    self.problem(o, input, path.clone().key("nonResourceURLs"), "a namespaced Role cannot grant nonResourceURLs (the API server rejects it; the URLs are never granted)".into(), true);
                } else if has_res {
                    self.problem(o, input, path.clone(), "rule mixes resources and nonResourceURLs; the API server rejects this, split it into two rules".into(), false);
                }
            } else if rule.resources.is_empty() || rule.api_groups.is_empty() {
                let missing = if rule.resources.is_empty() {
                    "resources"
                } else {
                    "apiGroups"
                };
                self.problem(
                    o,
                    input,
                    path.clone(),
                    format!(
                        "resource rule without {missing}: it matches nothing, and the API server rejects it"
                    ),
                    true,
                );
            }
            rule_locations.push(o.locate(&path).0);
            written.push(self.intern(rule));
        }
        let aggregation = if kind == RoleKind::ClusterRole {
            o.root.get("aggregationRule").map(|a| {
                a.get("clusterRoleSelectors")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let path = FieldPath::root()
                            .key("aggregationRule")
                            .key("clusterRoleSelectors")
                            .idx(i);
                        LabelSelector::parse(n, &path).0
                    })
                    .collect()
            })
        } else {
            None
        };
        let idx = self.roles.len();
        let rules = written
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), RuleOrigin { role: idx, index: i }))
            .collect();
        self.roles.push(Role {
            kind,
            namespace,
            name: o.name.clone(),
            labels: palisade_core::labels_of(o.root.get("metadata")),
            aggregation,
            written,
            rule_locations,
            rules,
            source,
        });
    }

    fn add_binding(&mut self, o: &Object, namespace: String, source: Source) {
        let kind = if o.kind == "RoleBinding" {
            BindingKind::RoleBinding
        } else {
            BindingKind::ClusterRoleBinding
        };
        let input = source.input;
        let rr = o.root.get("roleRef");
        let role_kind = rr
            .and_then(|r| r.get("kind"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        let role_name = rr
            .and_then(|r| r.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        let role_api_group = rr
            .and_then(|r| r.get("apiGroup"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        let rr_path = FieldPath::root().key("roleRef");
        if kind == BindingKind::ClusterRoleBinding && role_kind == "Role" {
            self.problem(
                o,
                input,
                rr_path.clone().key("kind"),
                "a ClusterRoleBinding can only reference a ClusterRole; this binding grants nothing".into(),
                true,
            );
        } else if !matches!(role_kind.as_str(), "Role" | "ClusterRole") {
            self.problem(o, input, rr_path.clone().key("kind"), format!("roleRef.kind must be Role or ClusterRole, not {role_kind:?}; this binding grants nothing"), true);
        }
        if role_api_group != RBAC_GROUP {
            self.problem(
                o,
                input,
                rr_path.clone().key("apiGroup"),
                format!("roleRef.apiGroup must be {RBAC_GROUP}, not {role_api_group:?}"),
                false,
            );
        }
        let mut subjects = Vec::new();
        let mut subject_locations = Vec::new();
        for (i, s) in o
            .root
            .get("subjects")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let path = FieldPath::root().key("subjects").idx(i);
            let skind = s.get("kind").and_then(Node::as_str).unwrap_or("").to_owned();
            let name = s.get("name").and_then(Node::as_str).unwrap_or("").to_owned();
            let api_group = s.get("apiGroup").and_then(Node::as_str).unwrap_or("").to_owned();
            let mut sns = s.get("namespace").and_then(Node::as_str).unwrap_or("").to_owned();
            match skind.as_str() {
                "ServiceAccount" => {
                    if !api_group.is_empty() {
                        self.problem(o, input, path.clone().key("apiGroup"), format!("a ServiceAccount subject has an empty apiGroup, not {api_group:?} (the API server rejects it)"), false);
                    }
                    if sns.is_empty() {
                        if kind == BindingKind::RoleBinding {
                            sns = namespace.clone();
                        } else {
                            self.problem(o, input, path.clone(), format!("ServiceAccount subject {name:?} has no namespace: in a ClusterRoleBinding it matches no one"), true);
                        }
                    }
                }
                "User" | "Group" => {
                    if api_group != RBAC_GROUP {
                        self.problem(o, input, path.clone().key("apiGroup"), format!("a {skind} subject needs apiGroup {RBAC_GROUP} (the API server rejects {api_group:?})"), false);
                    }
                }
                other => self.problem(
                    o,
                    input,
                    path.clone().key("kind"),
                    format!("subject kind {other:?} is not User, Group or ServiceAccount: it matches no one"),
                    true,
                ),
            }
            subject_locations.push(o.locate(&path).0);
            subjects.push(Subject {
                kind: skind,
                name,
                namespace: sns,
                api_group,
            });
        }
        self.bindings.push(Binding {
            kind,
            namespace,
            name: o.name.clone(),
            role_kind,
            role_name,
            role_api_group,
            role: None,
            subjects,
            subject_locations,
            role_ref_location: o.locate(&rr_path.key("name")).0,
            source,
        });
    }

    /// Computes aggregated ClusterRoles to a fixed point, like the aggregation controller:
    /// for each selector in order, the matching ClusterRoles sorted by name (not the role
    /// itself), their rules appended unless an equal rule is already present.
    fn aggregate(&mut self, mode: Aggregation) {
        if mode == Aggregation::Stored {
            return;
        }
        let mut aggregated: Vec<usize> = (0..self.roles.len())
            .filter(|&i| self.roles[i].aggregation.is_some())
            .collect();
        aggregated.sort_by(|&a, &b| self.roles[a].name.cmp(&self.roles[b].name));
        let mut cluster_roles: Vec<usize> = (0..self.roles.len())
            .filter(|&i| self.roles[i].kind == RoleKind::ClusterRole)
            .collect();
        cluster_roles.sort_by(|&a, &b| self.roles[a].name.cmp(&self.roles[b].name));
        // Each pass recomputes every aggregated role from the current rules; chains converge in
        // at most one pass per aggregated role, cycles stop when nothing changes.
        for _ in 0..=aggregated.len() {
            let mut changed = false;
            for &a in &aggregated {
                let selectors = self.roles[a].aggregation.clone().unwrap_or_default();
                let mut rules: Vec<(Arc<PolicyRule>, RuleOrigin)> = Vec::new();
                for sel in &selectors {
                    for &c in &cluster_roles {
                        if c == a || !sel.matches(&self.roles[c].labels) {
                            continue;
                        }
                        for (r, o) in &self.roles[c].rules {
                            if !rules.iter().any(|(x, _)| x == r) {
                                rules.push((r.clone(), *o));
                            }
                        }
                    }
                }
                if rules != self.roles[a].rules {
                    self.roles[a].rules = rules;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn index(&mut self) {
        for (i, r) in self.roles.iter().enumerate() {
            self.role_index
                .insert((r.kind, r.namespace.clone(), r.name.clone()), i);
        }
        for i in 0..self.bindings.len() {
            let b = &self.bindings[i];
            let role = match (b.kind, b.role_kind.as_str()) {
                (BindingKind::RoleBinding, "Role") => {
                    self.role_index
                        .get(&(RoleKind::Role, b.namespace.clone(), b.role_name.clone()))
                }
                (_, "ClusterRole") => {
                    self.role_index
                        .get(&(RoleKind::ClusterRole, String::new(), b.role_name.clone()))
                }
                _ => None,
            }
            .copied();
            self.bindings[i].role = role;
            let b = &self.bindings[i];
            if role.is_none()
                && b.source.input.is_some()
                && matches!(b.role_kind.as_str(), "Role" | "ClusterRole")
            {
                let what = if b.role_kind == "Role" {
                    format!("Role {}/{}", b.namespace, b.role_name)
                } else {
                    format!("ClusterRole {}", b.role_name)
                };
                let input = if self.from_cluster {
                    "the cluster"
                } else {
                    "the scanned input"
                };
                let defaults = if self.defaults {
                    " or among the default roles"
                } else {
                    ""
                };
                self.problems.push(Problem {
                    input: b.source.input,
                    reference: b.source.reference.clone(),
                    path: FieldPath::root().key("roleRef").key("name"),
                    location: b.role_ref_location.clone().or_else(|| b.source.location.clone()),
                    message: format!(
                        "{} references {what}, which is not in {input}{defaults}: it grants nothing until that role exists",
                        b.display()
                    ),
                    dangling: true,
                });
            }
            if let Some(r) = role {
                self.by_role.entry(r).or_default().push(i);
            }
            match b.kind {
                BindingKind::ClusterRoleBinding => self.cluster_bindings.push(i),
                BindingKind::RoleBinding => self
                    .namespace_bindings
                    .entry(b.namespace.clone())
                    .or_default()
                    .push(i),
            }
            let mut users = Vec::new();
            let mut groups = Vec::new();
            for s in &b.subjects {
                match s.kind.as_str() {
                    "User" => users.push(s.name.clone()),
                    "Group" => groups.push(s.name.clone()),
                    "ServiceAccount" if !s.namespace.is_empty() => {
                        users.push(format!("system:serviceaccount:{}:{}", s.namespace, s.name))
                    }
                    _ => {}
                }
            }
            for u in users {
                let v = self.by_user.entry(u).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
            for g in groups {
                let v = self.by_group.entry(g).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        for (i, s) in self.service_accounts.iter().enumerate() {
            self.sa_index
                .entry(s.namespace.clone())
                .or_default()
                .insert(s.name.clone(), i);
        }
    }

    pub fn role(&self, kind: RoleKind, namespace: &str, name: &str) -> Option<&Role> {
        self.role_index
            .get(&(kind, namespace.to_owned(), name.to_owned()))
            .map(|&i| &self.roles[i])
    }
    pub fn role_id(&self, kind: RoleKind, namespace: &str, name: &str) -> Option<usize> {
        self.role_index
            .get(&(kind, namespace.to_owned(), name.to_owned()))
            .copied()
    }
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<&ServiceAccount> {
        self.sa_index
            .get(namespace)
            .and_then(|by_name| by_name.get(name))
            .map(|&i| &self.service_accounts[i])
    }
    /// The bindings that resolve to role `role`.
    pub fn bindings_of_role(&self, role: usize) -> &[usize] {
        self.by_role.get(&role).map_or(&[], Vec::as_slice)
    }
    /// The rules a binding grants (its role's rules in force).
    pub fn binding_rules(&self, binding: usize) -> &[(Arc<PolicyRule>, RuleOrigin)] {
        self.bindings[binding]
            .role
            .map_or(&[], |r| self.roles[r].rules.as_slice())
    }
    /// Where a rule was written: `ClusterRole edit rules[3]` and its location.
    pub fn rule_place(&self, o: RuleOrigin) -> (String, Option<Location>) {
        let r = &self.roles[o.role];
        (
            format!("{} rules[{}]", r.display(), o.index),
            r.rule_locations.get(o.index).cloned().flatten(),
        )
    }
    /// Every namespace the model's RoleBindings, Roles and ServiceAccounts name, sorted.
    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .namespace_bindings
            .keys()
            .cloned()
            .chain(
                self.roles
                    .iter()
                    .filter(|r| r.kind == RoleKind::Role)
                    .map(|r| r.namespace.clone()),
            )
            .chain(self.service_accounts.iter().map(|s| s.namespace.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    }
    /// Counts for summaries.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.roles.len(), self.bindings.len(), self.service_accounts.len())
    }
}
