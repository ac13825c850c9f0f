//! The engine's memory of RBAC roles: Kubernetes' default ClusterRoles and Roles
//! (`palisade_rbac::model::default_objects`), then every Role and ClusterRole the stream
//! creates, updates, patches or deletes, so that a binding is judged by the rules of the role
//! it grants as they were when it was made. Also what a set of rules grants, in the words of
//! the RBAC risk model (`palisade_rbac::risk`).

use crate::event::Event;
use palisade_rbac::risk::{is_cluster_admin_rule, rule_risks, wildcards, RiskKind};
use palisade_rbac::PolicyRule;
use std::cell::OnceCell;
use std::collections::HashMap;

/// `(ClusterRole|Role, namespace, name)`.
type Key = (bool, String, String);

#[derive(Clone, Debug, Default)]
pub struct RoleStore {
    /// true = ClusterRole.
    roles: HashMap<Key, Vec<PolicyRule>>,
}

impl RoleStore {
    /// The default roles of a Kubernetes v1.36 cluster.
    pub fn with_defaults() -> RoleStore {
        static DEFAULTS: std::sync::OnceLock<HashMap<Key, Vec<PolicyRule>>> = std::sync::OnceLock::new();
        let roles = DEFAULTS
            .get_or_init(|| {
                let mut m = HashMap::new();
                for o in palisade_rbac::model::default_objects() {
                    let cluster = match o.kind.as_str() {
                        "ClusterRole" => true,
                        "Role" => false,
                        _ => continue,
                    };
                    let rules = o
                        .root
                        .get("rules")
                        .and_then(palisade_core::Node::as_seq)
                        .map(|s| s.iter().map(rule_from_node).collect())
                        .unwrap_or_default();
                    let ns = if cluster {
                        String::new()
                    } else {
                        o.namespace.clone().unwrap_or_default()
                    };
                    m.insert((cluster, ns, o.name.clone()), rules);
                }
                m
            })
            .clone();
        RoleStore { roles }
    }

    /// The rules of a role, if known.
    pub fn get(&self, cluster: bool, namespace: &str, name: &str) -> Option<&[PolicyRule]> {
        let ns = if cluster { "" } else { namespace };
        self.roles
            .get(&(cluster, ns.to_owned(), name.to_owned()))
            .map(Vec::as_slice)
    }

    /// Records the role an event wrote (or deleted), when it took effect.
    pub(crate) fn observe(
        &mut self,
        ev: &Event<'_>,
        request: &OnceCell<Option<serde_json::Value>>,
        response: &OnceCell<Option<serde_json::Value>>,
    ) {
        let Some(o) = &ev.object_ref else { return };
        if o.api_group != "rbac.authorization.k8s.io" || !o.subresource.is_empty() {
            return;
        }
        let cluster = match o.resource.as_ref() {
            "clusterroles" => true,
            "roles" => false,
            _ => return,
        };
        if !super::common::took_effect(ev) {
            return;
        }
        let ns = if cluster {
            String::new()
        } else {
            o.namespace.to_string()
        };
        match ev.verb.as_ref() {
            "delete" => {
                self.roles.remove(&(cluster, ns, o.name.to_string()));
            }
            "create" | "update" | "patch" => {
                let response = response.get_or_init(|| ev.response_value()).as_ref();
                let obj = if ev.verb == "patch" {
                    response
                } else {
                    request.get_or_init(|| ev.request_value()).as_ref().or(response)
                };
                let Some(obj) = obj.filter(|v| v.is_object()) else {
                    return;
                };
                let name = obj
                    .pointer("/metadata/name")
                    .and_then(serde_json::Value::as_str)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&o.name)
                    .to_owned();
                self.roles.insert((cluster, ns, name), rules_of(obj));
            }
            _ => {}
        }
    }
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The `rules` of a Role or ClusterRole object (JSON); malformed entries are read as far as
/// they go (a list of the wrong type is empty).
pub fn rules_of(obj: &serde_json::Value) -> Vec<PolicyRule> {
    obj.get("rules")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .map(|r| PolicyRule {
                    verbs: strings(r.get("verbs")),
                    api_groups: strings(r.get("apiGroups")),
                    resources: strings(r.get("resources")),
                    resource_names: strings(r.get("resourceNames")),
                    non_resource_urls: strings(r.get("nonResourceURLs")),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rule_from_node(n: &palisade_core::Node) -> PolicyRule {
    let s = |k: &str| -> Vec<String> {
        n.get(k)
            .and_then(palisade_core::Node::as_seq)
            .map(|s| s.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    PolicyRule {
        verbs: s("verbs"),
        api_groups: s("apiGroups"),
        resources: s("resources"),
        resource_names: s("resourceNames"),
        non_resource_urls: s("nonResourceURLs"),
    }
}

/// What a set of rules grants that matters, in the risk model's words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Power {
    /// A rule is `*` verbs on `*` resources in `*` groups.
    pub cluster_admin: bool,
    /// `rule: verbs=*, resources=*` descriptions of the rules with wildcards.
    pub wildcards: Vec<String>,
    /// The catalogued risks (`read secrets: get,list secrets`), in catalogue order.
    pub risks: Vec<(RiskKind, String)>,
    /// Write verbs granted (create, update, patch, delete, deletecollection, or `*`; post,
    /// put, patch, delete on non-resource URLs).
    pub writes: Vec<String>,
}

impl Power {
    pub fn of(rules: &[PolicyRule]) -> Power {
        let mut p = Power::default();
        for r in rules {
            p.cluster_admin |= is_cluster_admin_rule(r);
            let w = wildcards(r);
            if !w.is_empty() {
                p.wildcards
                    .push(format!("{} ({} is *)", r.describe(), w.join(", ")));
            }
            for m in rule_risks(r) {
                let title = palisade_rbac::risk::risk(m.kind).map_or("", |k| k.title);
                if !p.risks.iter().any(|(k, _)| *k == m.kind) {
                    p.risks.push((m.kind, format!("{title}: {}", m.grants)));
                }
            }
            if !r.non_resource_urls.is_empty() {
                for v in &r.verbs {
                    if matches!(v.as_str(), "*" | "post" | "put" | "patch" | "delete")
                        && !p.writes.contains(v)
                    {
                        p.writes.push(v.clone());
                    }
                }
            }
            if !r.resources.is_empty() {
                for v in &r.verbs {
                    if matches!(
                        v.as_str(),
                        "*" | "create" | "update" | "patch" | "delete" | "deletecollection"
                    ) && !p.writes.contains(v)
                    {
                        p.writes.push(v.clone());
                    }
                }
            }
        }
        p.risks.sort_by_key(|(k, _)| *k);
        p
    }
    /// Whether it grants anything of the risk catalogue or is cluster-admin.
    pub fn is_powerful(&self) -> bool {
        self.cluster_admin || !self.risks.is_empty()
    }
    /// `cluster-admin (* on everything)` or the risks joined.
    pub fn describe(&self) -> String {
        if self.cluster_admin {
            return "full control of the cluster (* verbs on * resources)".into();
        }
        self.risks
            .iter()
            .map(|(_, d)| d.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}
