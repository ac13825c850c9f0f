//! RBAC from use: the minimal Roles, ClusterRole and bindings that allow what one subject
//! was seen doing in an audit log (audit2rbac's question). Requests are those of the
//! subject as the *effective* user (impersonation resolved), one per `auditID` (the caller
//! deduplicates), that were allowed or refused by authorization (a refused request is one
//! the subject needs). Namespaced requests become a Role per namespace, cluster-scoped,
//! all-namespace and non-resource requests a ClusterRole. Generalisation: more than
//! `max_names` names of one verb on one resource become all names; get/list/watch are
//! granted together (optional); a rule seen in more than `max_namespaces` namespaces moves
//! to the ClusterRole (optional). Pure: events in, objects out; [`yaml`] writes them.

pub mod unused;
pub mod yaml;

use crate::event::{Event, Loc};
use std::collections::{BTreeMap, BTreeSet};

/// Who the roles are for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    User(String),
    ServiceAccount { namespace: String, name: String },
    Group(String),
}

impl Subject {
    /// Whether the effective user of a request is (or, for a group, belongs to) the subject.
    pub fn matches(&self, ev: &Event<'_>) -> bool {
        let u = ev.effective_user();
        match self {
            Subject::User(n) => u.username == n.as_str(),
            Subject::ServiceAccount { namespace, name } => {
                u.service_account() == Some((namespace.as_str(), name.as_str()))
            }
            Subject::Group(g) => u.in_group(g),
        }
    }
    /// A name usable in object names: `alice`, `sa-shop-frontend-sa`, `group-devs`.
    pub fn slug(&self) -> String {
        match self {
            Subject::User(n) => n.clone(),
            Subject::ServiceAccount { namespace, name } => format!("sa:{namespace}:{name}"),
            Subject::Group(g) => format!("group:{g}"),
        }
    }
}

/// How to generalise.
#[derive(Clone, Debug)]
pub struct Options {
    /// More names than this for one verb on one resource: all names. `0`: never name.
    pub max_names: usize,
    /// A rule in more namespaces than this moves to the ClusterRole; `None`: never.
    pub max_namespaces: Option<usize>,
    /// Grant get, list and watch together when one of them was seen.
    pub expand_read_verbs: bool,
    /// Keep the requests every authenticated user may make by the default roles
    /// (`system:discovery`, `system:public-info-viewer`: discovery, version, health;
    /// `system:basic-user`: self subject access/rules reviews) instead of leaving them to
    /// those roles.
    pub include_discovery: bool,
    /// Object names: `<name>` for every Role, ClusterRole and binding.
    pub name: String,
}

impl Options {
    pub fn for_subject(s: &Subject) -> Options {
        Options {
            max_names: 1,
            max_namespaces: None,
            expand_read_verbs: true,
            include_discovery: false,
            name: format!("palisade:from-audit:{}", s.slug()),
        }
    }
}

/// One observed request, as the authorizer saw it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seen {
    pub verb: String,
    pub namespace: String,
    pub api_group: String,
    /// `resource` or `resource/subresource`; empty for a non-resource request.
    pub resource: String,
    pub name: String,
    /// Non-resource path.
    pub path: String,
    pub denied: bool,
}

/// A policy rule of a generated role.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
    pub verbs: Vec<String>,
}

/// The generated objects.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    pub name: String,
    pub subject: Option<Subject>,
    /// Rules of the ClusterRole (bound by a ClusterRoleBinding); empty: none generated.
    pub cluster_rules: Vec<PolicyRule>,
    /// Rules of the Role of each namespace (bound by a RoleBinding there).
    pub namespaced: BTreeMap<String, Vec<PolicyRule>>,
    /// Requests used (allowed and refused), and the time range they cover.
    pub requests: u64,
    pub denied: u64,
    pub first: Option<jiff::Timestamp>,
    pub last: Option<jiff::Timestamp>,
    /// Where each distinct request was first seen (file:line, auditID), for the report.
    pub seen: BTreeMap<Seen, (Loc, String)>,
}

/// The paths every authenticated user may GET by the default ClusterRoles
/// `system:discovery` and `system:public-info-viewer` (bootstrap policy).
const DISCOVERY: [&str; 11] = [
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
];

/// The resources every authenticated user may create by the default ClusterRole
/// `system:basic-user` (`kubectl auth can-i`, `kubectl auth whoami`).
const BASIC_USER: [(&str, &str); 3] = [
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
];

fn is_discovery(path: &str) -> bool {
    DISCOVERY.iter().any(|s| crate::policy::path_matches(path, s))
}

/// Collects the requests of one subject.
pub struct Collector {
    pub subject: Subject,
    pub opts: Options,
    seen: BTreeMap<Seen, (Loc, String)>,
    requests: u64,
    denied: u64,
    first: Option<jiff::Timestamp>,
    last: Option<jiff::Timestamp>,
}

impl Collector {
    pub fn new(subject: Subject, opts: Options) -> Collector {
        Collector {
            subject,
            opts,
            seen: BTreeMap::new(),
            requests: 0,
            denied: 0,
            first: None,
            last: None,
        }
    }

    /// Take one request (one event per `auditID`).
    pub fn push(&mut self, loc: &Loc, ev: &Event<'_>) {
        if !self.subject.matches(ev) {
            return;
        }
        let denied = ev.denied();
        if !(denied || ev.succeeded() || ev.decision() == Some("allow")) {
            return;
        }
        let s = match &ev.object_ref {
            Some(o)
                if !self.opts.include_discovery
                    && ev.verb == "create"
                    && BASIC_USER.contains(&(o.api_group.as_ref(), o.resource.as_ref())) =>
            {
                return;
            }
            Some(o) => Seen {
                verb: ev.verb.to_string(),
                namespace: o.namespace.to_string(),
                api_group: o.api_group.to_string(),
                resource: if o.subresource.is_empty() {
                    o.resource.to_string()
                } else {
                    format!("{}/{}", o.resource, o.subresource)
                },
                // A top-level create is authorized without a name.
                name: if ev.verb == "create" && o.subresource.is_empty() {
                    String::new()
                } else {
                    o.name.to_string()
                },
                path: String::new(),
                denied,
            },
            None => {
                let path = ev.path();
                if !self.opts.include_discovery && ev.verb == "get" && is_discovery(path) {
                    return;
                }
                Seen {
                    verb: ev.verb.to_string(),
                    namespace: String::new(),
                    api_group: String::new(),
                    resource: String::new(),
                    name: String::new(),
                    path: path.to_owned(),
                    denied,
                }
            }
        };
        self.requests += 1;
        if denied {
            self.denied += 1;
        }
        if let Some(t) = ev.time() {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.seen
            .entry(s)
            .or_insert_with(|| (loc.clone(), ev.audit_id.to_string()));
    }

    /// The roles.
    pub fn finish(self) -> Generated {
        let o = &self.opts;
        // namespace → (group, resource) → verb → names (None: all names)
        let mut by_ns: BTreeMap<String, ByResource> = BTreeMap::new();
        let mut urls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in self.seen.keys() {
            if s.resource.is_empty() {
                urls.entry(s.verb.clone()).or_default().insert(s.path.clone());
                continue;
            }
            let e = by_ns
                .entry(s.namespace.clone())
                .or_default()
                .entry((s.api_group.clone(), s.resource.clone()))
                .or_default()
                .entry(s.verb.clone())
                .or_insert_with(|| Some(BTreeSet::new()));
            match (e.as_mut(), s.name.is_empty()) {
                (_, true) => *e = None,
                (Some(n), false) => {
                    n.insert(s.name.clone());
                }
                (None, false) => {}
            }
        }
        let mut namespaced: BTreeMap<String, Vec<PolicyRule>> = BTreeMap::new();
        let mut cluster: Vec<PolicyRule> = Vec::new();
        for (ns, res) in by_ns {
            let rules = rules_of(res, o);
            if ns.is_empty() {
                cluster.extend(rules);
            } else {
                namespaced.insert(ns, rules);
            }
        }
        if let Some(max) = o.max_namespaces {
            let mut count: BTreeMap<PolicyRule, usize> = BTreeMap::new();
            for rules in namespaced.values() {
                for r in rules {
                    *count.entry(r.clone()).or_default() += 1;
                }
            }
            for (r, n) in count {
                if n > max {
                    for rules in namespaced.values_mut() {
                        rules.retain(|x| *x != r);
                    }
                    cluster.push(r);
                }
            }
            namespaced.retain(|_, r| !r.is_empty());
        }
        for (verb, paths) in urls {
            cluster.push(PolicyRule {
                non_resource_urls: paths.into_iter().collect(),
                verbs: vec![verb],
                ..PolicyRule::default()
            });
        }
        cluster.sort();
        cluster.dedup();
        Generated {
            name: o.name.clone(),
            subject: Some(self.subject),
            cluster_rules: cluster,
            namespaced,
            requests: self.requests,
            denied: self.denied,
            first: self.first,
            last: self.last,
            seen: self.seen,
        }
    }
}

/// (group, resource) → verb → the names seen (None: a request without a name, so all names).
type ByResource = BTreeMap<(String, String), BTreeMap<String, Option<BTreeSet<String>>>>;

const READ: [&str; 3] = ["get", "list", "watch"];

/// The rules of one namespace (or the cluster): per resource, verbs with the same names
/// joined; then resources of one group with the same verbs and names joined.
fn rules_of(res: ByResource, o: &Options) -> Vec<PolicyRule> {
    // (group, verbs, names) → resources
    let mut joined: BTreeMap<(String, Vec<String>, Vec<String>), BTreeSet<String>> = BTreeMap::new();
    for ((group, resource), verbs) in res {
        let mut by_names: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
        for (verb, names) in verbs {
            let names: Vec<String> = match names {
                Some(n) if n.len() <= o.max_names => n.into_iter().collect(),
                _ => Vec::new(),
            };
            by_names.entry(names).or_default().insert(verb);
        }
        // A verb allowed on every name makes the same verb on some names redundant.
        let all: BTreeSet<String> = by_names.get(&Vec::new()).cloned().unwrap_or_default();
        for (names, mut verbs) in by_names {
            if !names.is_empty() {
                verbs.retain(|v| !all.contains(v));
                if verbs.is_empty() {
                    continue;
                }
            }
            // Subresources keep their verbs (`get pods/log` does not mean list).
            if o.expand_read_verbs
                && !resource.contains('/')
                && verbs.iter().any(|v| READ.contains(&v.as_str()))
            {
                verbs.extend(READ.iter().map(|s| (*s).to_owned()));
            }
            joined
                .entry((group.clone(), verbs.into_iter().collect(), names))
                .or_default()
                .insert(resource.clone());
        }
    }
    let mut rules: Vec<PolicyRule> = joined
        .into_iter()
        .map(|((group, verbs, names), resources)| PolicyRule {
            api_groups: vec![group],
            resources: resources.into_iter().collect(),
            resource_names: names,
            non_resource_urls: Vec::new(),
            verbs,
        })
        .collect();
    rules.sort();
    rules
}

#[cfg(test)]
mod tests;
