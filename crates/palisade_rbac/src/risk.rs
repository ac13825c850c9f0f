//! The risky-permission catalogue (spec §1.10): which permissions let their holder read
//! secrets, run code as other identities, take over nodes or disable admission, and the
//! test of one rule against it — always through `rule_allows`, so `*`, `*/sub` and
//! `resourceNames` are honoured exactly. No I/O.

use crate::eval::{rule_allows, Request, User};
use crate::model::{Model, PolicyRule, RuleOrigin};
use serde::Serialize;
use std::sync::Arc;

/// A kind of dangerous permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskKind {
    /// `*` verbs on `*` resources in `*` groups: cluster-admin.
    ClusterAdmin,
    /// `*` in verbs, resources, apiGroups or nonResourceURLs.
    Wildcard,
    SecretsRead,
    WorkloadCreate,
    PodExec,
    NodeProxy,
    RbacEscalate,
    Impersonate,
    TokenCreate,
    CsrApprove,
    AdmissionControl,
    PersistentVolumeCreate,
    NodeModify,
}

/// A set of requests, any of which demonstrates a risk.
pub struct Probe {
    pub verbs: &'static [&'static str],
    pub group: &'static str,
    pub resources: &'static [&'static str],
}

pub struct Risk {
    pub kind: RiskKind,
    /// Short title, e.g. "read secrets".
    pub title: &'static str,
    /// What the holder can do with it.
    pub impact: &'static str,
    pub probes: &'static [Probe],
}

/// The catalogue, in severity order.
pub static RISKS: &[Risk] = &[
    Risk {
        kind: RiskKind::SecretsRead,
        title: "read secrets",
        impact: "read every Secret in scope (list and watch return full contents), including service-account tokens and credentials",
        probes: &[Probe { verbs: &["get", "list", "watch"], group: "", resources: &["secrets"] }],
    },
    Risk {
        kind: RiskKind::WorkloadCreate,
        title: "create or change workloads",
        impact: "run a pod as any ServiceAccount of the namespace and mount any of its Secrets, inheriting their permissions",
        probes: &[
            Probe { verbs: &["create", "update", "patch"], group: "", resources: &["pods", "replicationcontrollers"] },
            Probe { verbs: &["create", "update", "patch"], group: "apps", resources: &["deployments", "replicasets", "statefulsets", "daemonsets"] },
            Probe { verbs: &["create", "update", "patch"], group: "batch", resources: &["jobs", "cronjobs"] },
        ],
    },
    Risk {
        kind: RiskKind::PodExec,
        title: "exec, attach or port-forward into pods",
        impact: "run commands in running containers and read their ServiceAccount tokens and mounted secrets",
        probes: &[
            Probe { verbs: &["create", "get"], group: "", resources: &["pods/exec", "pods/attach", "pods/portforward"] },
            Probe { verbs: &["update", "patch"], group: "", resources: &["pods/ephemeralcontainers"] },
        ],
    },
    Risk {
        kind: RiskKind::NodeProxy,
        title: "reach the kubelet API (nodes/proxy)",
        impact: "call the kubelet API of any node: run commands in every pod on it, bypassing pod-level RBAC and audit",
        probes: &[Probe { verbs: &["get", "create"], group: "", resources: &["nodes/proxy"] }],
    },
    Risk {
        kind: RiskKind::RbacEscalate,
        title: "escalate or bind roles",
        impact: "grant themselves (or anyone) any role, bypassing RBAC's privilege-escalation prevention",
        probes: &[Probe { verbs: &["escalate", "bind"], group: "rbac.authorization.k8s.io", resources: &["roles", "clusterroles"] }],
    },
    Risk {
        kind: RiskKind::Impersonate,
        title: "impersonate users, groups or service accounts",
        impact: "act as another identity (a user, the system:masters group, a ServiceAccount) with all of its permissions",
        probes: &[
            Probe { verbs: &["impersonate"], group: "", resources: &["users", "groups", "serviceaccounts"] },
            Probe { verbs: &["impersonate"], group: "authentication.k8s.io", resources: &["userextras/scopes", "uids"] },
        ],
    },
    Risk {
        kind: RiskKind::TokenCreate,
        title: "mint service-account tokens",
        impact: "request a token for a ServiceAccount and act as it",
        probes: &[Probe { verbs: &["create"], group: "", resources: &["serviceaccounts/token"] }],
    },
    Risk {
        kind: RiskKind::CsrApprove,
        title: "approve certificate signing requests",
        impact: "approve CSRs for signers such as kubernetes.io/kube-apiserver-client: client certificates for any user or group, system:masters included",
        probes: &[
            Probe { verbs: &["approve"], group: "certificates.k8s.io", resources: &["signers"] },
            Probe { verbs: &["update", "patch"], group: "certificates.k8s.io", resources: &["certificatesigningrequests/approval"] },
        ],
    },
    Risk {
        kind: RiskKind::AdmissionControl,
        title: "change admission webhooks and policies",
        impact: "disable or rewrite admission control (Pod Security, policy engines), or intercept every object written",
        probes: &[Probe {
            verbs: &["create", "update", "patch", "delete"],
            group: "admissionregistration.k8s.io",
            resources: &[
                "validatingwebhookconfigurations",
                "mutatingwebhookconfigurations",
                "validatingadmissionpolicies",
                "validatingadmissionpolicybindings",
            ],
        }],
    },
    Risk {
        kind: RiskKind::PersistentVolumeCreate,
        title: "create PersistentVolumes",
        impact: "create a hostPath PersistentVolume and mount any directory of a node",
        probes: &[Probe { verbs: &["create"], group: "", resources: &["persistentvolumes"] }],
    },
    Risk {
        kind: RiskKind::NodeModify,
        title: "modify nodes",
        impact: "relabel or taint nodes to attract sensitive workloads to a node they control, or hide nodes",
        probes: &[Probe { verbs: &["patch", "update"], group: "", resources: &["nodes", "nodes/status"] }],
    },
];

pub fn risk(kind: RiskKind) -> Option<&'static Risk> {
    RISKS.iter().find(|r| r.kind == kind)
}

/// What a rule grants of a risk: the matching verbs and resources, and whether it is
/// limited to some resource names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskMatch {
    pub kind: RiskKind,
    /// e.g. `get, list secrets`.
    pub grants: String,
    /// The rule's resourceNames, when it has some (the grant applies only to those objects).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

/// Whether a rule is `*` verbs on `*` resources in `*` groups (cluster-admin equivalent).
pub fn is_cluster_admin_rule(r: &PolicyRule) -> bool {
    r.verbs.iter().any(|v| v == "*")
        && r.api_groups.iter().any(|g| g == "*")
        && r.resources.iter().any(|x| x == "*")
        && r.resource_names.is_empty()
}

/// Which lists of a rule hold a `*`.
pub fn wildcards(r: &PolicyRule) -> Vec<&'static str> {
    let mut v = Vec::new();
    if r.verbs.iter().any(|x| x == "*") {
        v.push("verbs");
    }
    if r.api_groups.iter().any(|x| x == "*") {
        v.push("apiGroups");
    }
    if r.resources.iter().any(|x| x == "*") {
        v.push("resources");
    }
    if r.non_resource_urls.iter().any(|x| x == "*") {
        v.push("nonResourceURLs");
    }
    v
}

/// The catalogued risks one rule grants (not `ClusterAdmin`/`Wildcard`, which are about the
/// rule's form; see `is_cluster_admin_rule` and `wildcards`).
pub fn rule_risks(rule: &PolicyRule) -> Vec<RiskMatch> {
    let name = rule.resource_names.first().map_or("", String::as_str);
    let mut out = Vec::new();
    for risk in RISKS {
        let mut grants: Vec<(String, Vec<&str>)> = Vec::new();
        for p in risk.probes {
            for res in p.resources {
                let verbs: Vec<&str> = p
                    .verbs
                    .iter()
                    .copied()
                    .filter(|v| {
                        // A top-level create carries no name, so resourceNames never allow it.
                        let n = if *v == "create" && !res.contains('/') {
                            ""
                        } else {
                            name
                        };
                        rule_allows(rule, &Request::resource(v, p.group, res, "ns").named(n))
                    })
                    .collect();
                if !verbs.is_empty() {
                    grants.push((res.to_string(), verbs));
                }
            }
        }
        if grants.is_empty() {
            continue;
        }
        let text = grants
            .iter()
            .map(|(r, v)| format!("{} {r}", v.join(",")))
            .collect::<Vec<_>>()
            .join("; ");
        out.push(RiskMatch {
            kind: risk.kind,
            grants: text,
            names: rule.resource_names.clone(),
        });
    }
    out
}

/// A risky permission held by an identity, with where it comes from.
#[derive(Clone, Debug)]
pub struct HeldRisk {
    pub risk: RiskMatch,
    /// `""` for cluster-wide.
    pub namespace: String,
    pub binding: usize,
    pub origin: RuleOrigin,
}

/// The catalogued risks of every rule of every role, computed once: `effective[role][rule]`
/// for the rules in force, `written[role][rule]` for the rules as written.
#[derive(Debug, Default)]
pub struct RiskIndex {
    pub effective: Vec<Vec<Vec<RiskMatch>>>,
    pub written: Vec<Vec<Vec<RiskMatch>>>,
}

fn with_admin(rule: &PolicyRule) -> Vec<RiskMatch> {
    let mut matches = rule_risks(rule);
    if is_cluster_admin_rule(rule) {
        matches.insert(
            0,
            RiskMatch {
                kind: RiskKind::ClusterAdmin,
                grants: "* on *.*".into(),
                names: Vec::new(),
            },
        );
    }
    matches
}

impl RiskIndex {
    pub fn new(m: &Model) -> RiskIndex {
        let mut cache: std::collections::HashMap<Arc<PolicyRule>, Vec<RiskMatch>> =
            std::collections::HashMap::new();
        let mut get = |r: &Arc<PolicyRule>| cache.entry(r.clone()).or_insert_with(|| with_admin(r)).clone();
        let effective = m
            .roles
            .iter()
            .map(|role| role.rules.iter().map(|(r, _)| get(r)).collect())
            .collect();
        let written = m
            .roles
            .iter()
            .map(|role| role.written.iter().map(&mut get).collect())
            .collect();
        RiskIndex { effective, written }
    }
}

impl Model {
    /// Every binding that applies to `user` in some scope: ClusterRoleBindings, and
    /// RoleBindings of any namespace; with the matching subject.
    pub fn all_bindings_for(&self, user: &User) -> Vec<(usize, usize)> {
        let mut cands: Vec<usize> = Vec::new();
        if let Some(v) = self.by_user.get(&user.name) {
            cands.extend(v);
        }
        for g in &user.groups {
            if let Some(v) = self.by_group.get(g) {
                cands.extend(v);
            }
        }
        cands.sort_unstable();
        cands.dedup();
        cands
            .into_iter()
            .filter_map(|b| {
                self.bindings[b]
                    .subjects
                    .iter()
                    .position(|s| crate::eval::applies_to_user(s, user))
                    .map(|s| (b, s))
            })
            .collect()
    }

    /// The dangerous permissions `user` holds, cluster-wide and per namespace.
    pub fn risks_of(&self, user: &User) -> Vec<HeldRisk> {
        self.risks_of_indexed(user, None)
    }

    /// `risks_of` with the rules' risks precomputed.
    pub fn risks_of_indexed(&self, user: &User, index: Option<&RiskIndex>) -> Vec<HeldRisk> {
        let mut out = Vec::new();
        if user.is_super_user() {
            return out;
        }
        for (b, _) in self.all_bindings_for(user) {
            let ns = match self.bindings[b].kind {
                crate::model::BindingKind::ClusterRoleBinding => String::new(),
                crate::model::BindingKind::RoleBinding => self.bindings[b].namespace.clone(),
            };
            for (ri, (rule, origin)) in self.binding_rules(b).iter().enumerate() {
                let matches = match (index, self.bindings[b].role) {
                    (Some(ix), Some(role)) => ix.effective[role][ri].clone(),
                    _ => with_admin(rule),
                };
                for m in matches {
                    out.push(HeldRisk {
                        risk: m,
                        namespace: ns.clone(),
                        binding: b,
                        origin: *origin,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], res: &[&str], names: &[&str]) -> PolicyRule {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        PolicyRule {
            verbs: s(verbs),
            api_groups: s(groups),
            resources: s(res),
            resource_names: s(names),
            non_resource_urls: vec![],
        }
    }

    fn kinds(r: &PolicyRule) -> Vec<RiskKind> {
        rule_risks(r).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn catalogue_honours_rbac_matching() {
        assert_eq!(
            kinds(&rule(&["get"], &[""], &["secrets"], &[])),
            vec![RiskKind::SecretsRead]
        );
        assert_eq!(kinds(&rule(&["get"], &["apps"], &["secrets"], &[])), vec![]);
        // `pods` does not cover `pods/exec`; `*/exec` does; `*` covers everything.
        assert_eq!(
            kinds(&rule(&["create"], &[""], &["pods"], &[])),
            vec![RiskKind::WorkloadCreate]
        );
        assert_eq!(
            kinds(&rule(&["create"], &[""], &["*/exec"], &[])),
            vec![RiskKind::PodExec]
        );
        assert_eq!(
            kinds(&rule(&["get"], &[""], &["pods/exec"], &[])),
            vec![RiskKind::PodExec]
        );
        let all = kinds(&rule(&["*"], &["*"], &["*"], &[]));
        assert_eq!(all.len(), RISKS.len());
        // resourceNames limit but do not remove the risk.
        let m = rule_risks(&rule(&["get"], &[""], &["secrets"], &["tls"]));
        assert_eq!(m[0].names, vec!["tls".to_string()]);
        // `create` with resourceNames can never authorize a create of a new pod; `update` can.
        assert_eq!(kinds(&rule(&["create"], &[""], &["pods"], &["x"])), vec![]);
        assert_eq!(
            kinds(&rule(&["update"], &[""], &["pods"], &["x"])),
            vec![RiskKind::WorkloadCreate]
        );
        assert_eq!(
            kinds(&rule(
                &["bind"],
                &["rbac.authorization.k8s.io"],
                &["clusterroles"],
                &[]
            )),
            vec![RiskKind::RbacEscalate]
        );
        assert_eq!(
            kinds(&rule(&["impersonate"], &[""], &["serviceaccounts"], &[])),
            vec![RiskKind::Impersonate]
        );
        assert_eq!(
            kinds(&rule(
                &["impersonate"],
                &["authentication.k8s.io"],
                &["userextras/scopes"],
                &[]
            )),
            vec![RiskKind::Impersonate]
        );
        assert!(is_cluster_admin_rule(&rule(&["*"], &["*"], &["*"], &[])));
        assert!(!is_cluster_admin_rule(&rule(&["get"], &["*"], &["*"], &[])));
        assert_eq!(
            wildcards(&rule(&["get"], &["*"], &["pods"], &[])),
            vec!["apiGroups"]
        );
    }
}
