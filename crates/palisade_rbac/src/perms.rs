//! Effective permissions of an identity: the rules it holds per scope (cluster-wide, and each
//! namespace where a RoleBinding applies), as a minimal rule list and as a resource × verb
//! matrix over the known API resources (like rakkess). Every cell is a real authorization
//! through the same evaluator as can-i. No I/O.

use crate::eval::{Decision, Request, User};
use crate::model::{Model, PolicyRule, RuleOrigin};
use crate::resources::Resources;
use serde::Serialize;
use std::collections::BTreeSet;

/// The verbs of a matrix, in rakkess order.
pub const MATRIX_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// Verbs checked by the API server itself, shown when granted.
pub const SPECIAL_VERBS: &[&str] = &["bind", "escalate", "impersonate", "approve", "sign", "use"];

/// A rule with the binding that grants it and where it was written.
pub type SourcedRule = (PolicyRule, usize, RuleOrigin);

/// The permissions of an identity in one scope.
#[derive(Clone, Debug, Serialize)]
pub struct ScopePermissions {
    /// `""` for cluster-wide (ClusterRoleBindings; they also apply in every namespace).
    pub namespace: String,
    /// The rules, compacted: equal rules merged, rules covered by another dropped.
    pub rules: Vec<PolicyRule>,
    /// Resource rows where at least one verb is allowed.
    pub matrix: Vec<MatrixRow>,
    /// Every rule before compaction, with where it came from (`binding`, `role rules[i]`).
    #[serde(skip)]
    pub sources: Vec<SourcedRule>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow {
    #[serde(rename = "apiGroup")]
    pub api_group: String,
    /// `resource` or `resource/subresource`.
    pub resource: String,
    /// Allowed verbs among MATRIX_VERBS and SPECIAL_VERBS.
    pub verbs: Vec<String>,
}

impl Model {
    /// The effective permissions of `user`: cluster-wide first, then each namespace with a
    /// RoleBinding that applies (only what the namespace adds beyond cluster-wide rules).
    pub fn permissions(&self, user: &User, resources: &Resources) -> Vec<ScopePermissions> {
        let mut scopes: Vec<(String, Vec<SourcedRule>)> = vec![(String::new(), Vec::new())];
        for (b, _) in self.all_bindings_for(user) {
            let binding = &self.bindings[b];
            let ns = match binding.kind {
                crate::model::BindingKind::ClusterRoleBinding => String::new(),
                crate::model::BindingKind::RoleBinding => binding.namespace.clone(),
            };
            let idx = match scopes.iter().position(|(n, _)| *n == ns) {
                Some(i) => i,
                None => {
                    scopes.push((ns.clone(), Vec::new()));
                    scopes.len() - 1
                }
            };
            for (r, o) in self.binding_rules(b) {
                scopes[idx].1.push(((**r).clone(), b, *o));
            }
        }
        scopes[1..].sort_by(|a, b| a.0.cmp(&b.0));
        let universe = universe(resources, &scopes);
        scopes
            .into_iter()
            .filter(|(ns, rules)| ns.is_empty() || !rules.is_empty())
            .map(|(ns, sources)| {
                let rules = compact(sources.iter().map(|(r, _, _)| r.clone()).collect());
                let mut matrix = Vec::new();
                for (group, res, _) in &universe {
                    let mut verbs = Vec::new();
                    for v in MATRIX_VERBS.iter().chain(SPECIAL_VERBS) {
                        let req = Request::resource(v, group, res, &ns);
                        let allowed = if user.is_super_user() {
                            true
                        } else if ns.is_empty() {
                            self.can(user, &req)
                        } else {
                            // Only what this namespace's RoleBindings add.
                            sources.iter().any(|(r, _, _)| crate::eval::rule_allows(r, &req))
                                && !self.can(user, &Request::resource(v, group, res, ""))
                        };
                        if allowed {
                            verbs.push((*v).to_owned());
                        }
                    }
                    if !verbs.is_empty() {
                        matrix.push(MatrixRow {
                            api_group: group.clone(),
                            resource: res.clone(),
                            verbs,
                        });
                    }
                }
                ScopePermissions {
                    namespace: ns,
                    rules,
                    matrix,
                    sources,
                }
            })
            .collect()
    }

    /// Why a request is allowed, for display: `(binding, rule place)` pairs.
    pub fn explain(&self, d: &Decision) -> Vec<String> {
        match d {
            Decision::SuperUser => {
                vec!["member of group system:masters (allowed everything, before RBAC)".into()]
            }
            Decision::Denied => Vec::new(),
            Decision::Allowed(grants) => grants
                .iter()
                .map(|g| {
                    let b = &self.bindings[g.binding];
                    let (place, loc) = self.rule_place(g.origin);
                    let rule = &self.binding_rules(g.binding)[g.rule].0;
                    format!(
                        "{} ({}) → {place}: {}{}",
                        b.display(),
                        b.source.place(),
                        rule.describe(),
                        loc.map(|l| format!(" at {l}")).unwrap_or_default()
                    )
                })
                .collect(),
        }
    }
}

impl Model {
    /// `RulesFor` of the RBAC rule resolver (what a SelfSubjectRulesReview returns): the rules
    /// of every ClusterRoleBinding that applies to `user`, then of every RoleBinding of
    /// `namespace` that does.
    pub fn rules_for(&self, user: &User, namespace: &str) -> Vec<PolicyRule> {
        let mut bindings = self.bindings_for(user, namespace);
        bindings.sort_by_key(|&(b, _)| {
            (
                self.bindings[b].kind != crate::model::BindingKind::ClusterRoleBinding,
                b,
            )
        });
        bindings
            .into_iter()
            .flat_map(|(b, _)| self.binding_rules(b).iter().map(|(r, _)| PolicyRule::clone(r)))
            .collect()
    }
}

/// What `kubectl auth can-i --list` prints for the rules of a SelfSubjectRulesReview: each
/// rule broken down to one API group × resource (× name) or one non-resource URL
/// (`BreakdownRule`; verbs as written), rules of the same group, resource and name merged by
/// appending the verbs they add (`CompactRules`), then sorted by the rule's Go string form
/// (`&PolicyRule{Verbs:[…],APIGroups:[…],…}`), which orders by verbs first.
pub fn access_list(rules: &[PolicyRule]) -> Vec<PolicyRule> {
    let one = |v: &str| vec![v.to_owned()];
    let mut broken: Vec<PolicyRule> = Vec::new();
    for r in rules.iter().filter(|r| !r.verbs.is_empty()) {
        let verbs = r.verbs.clone();
        for g in &r.api_groups {
            for res in &r.resources {
                let rule = |names: Vec<String>| PolicyRule {
                    verbs: verbs.clone(),
                    api_groups: one(g),
                    resources: one(res),
                    resource_names: names,
                    non_resource_urls: Vec::new(),
                };
                if r.resource_names.is_empty() {
                    broken.push(rule(Vec::new()));
                } else {
                    broken.extend(r.resource_names.iter().map(|n| rule(one(n))));
                }
            }
        }
        for u in &r.non_resource_urls {
            broken.push(PolicyRule {
                verbs: verbs.clone(),
                non_resource_urls: one(u),
                ..PolicyRule::default()
            });
        }
    }
    let mut out: Vec<PolicyRule> = Vec::new();
    let mut simple: std::collections::HashMap<(String, String, Vec<String>), usize> = Default::default();
    for r in broken {
        if !r.non_resource_urls.is_empty() {
            out.push(r);
            continue;
        }
        let key = (
            r.api_groups[0].clone(),
            r.resources[0].clone(),
            r.resource_names.clone(),
        );
        match simple.get(&key) {
            Some(&i) => {
                for v in r.verbs {
                    if !out[i].verbs.contains(&v) {
                        out[i].verbs.push(v);
                    }
                }
            }
            None => {
                simple.insert(key, out.len());
                out.push(r);
            }
        }
    }
    let go = |r: &PolicyRule| {
        let l = |v: &[String]| format!("[{}]", v.join(" "));
        format!(
            "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
            l(&r.verbs),
            l(&r.api_groups),
            l(&r.resources),
            l(&r.resource_names),
            l(&r.non_resource_urls)
        )
    };
    out.sort_by_cached_key(go);
    out
}

/// The resources of a matrix: the known API resources, plus any resource named in the rules.
fn universe(resources: &Resources, scopes: &[(String, Vec<SourcedRule>)]) -> Vec<(String, String, bool)> {
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out = Vec::new();
    for (g, r, _, ns) in resources.universe() {
        if seen.insert((g.clone(), r.clone())) {
            out.push((g, r, ns));
        }
    }
    for (_, rules) in scopes {
        for (rule, _, _) in rules {
            for g in &rule.api_groups {
                for r in &rule.resources {
                    if g != "*" && !r.contains('*') && seen.insert((g.clone(), r.clone())) {
                        out.push((g.clone(), r.clone(), true));
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

fn set(v: &[String]) -> Vec<String> {
    let mut s = v.to_vec();
    s.sort();
    s.dedup();
    s
}

/// Compacts rules: normalises list order, merges rules that differ only in verbs or only in
/// resources, and drops rules another single rule covers (RBAC's `Covers`).
pub fn compact(rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    let mut rs: Vec<PolicyRule> = rules
        .into_iter()
        .map(|r| PolicyRule {
            verbs: set(&r.verbs),
            api_groups: set(&r.api_groups),
            resources: set(&r.resources),
            resource_names: set(&r.resource_names),
            non_resource_urls: set(&r.non_resource_urls),
        })
        .filter(|r| !r.verbs.is_empty())
        .collect();
    // Merge verbs of rules equal in everything else, then resources of rules equal in
    // everything else.
    for _ in 0..2 {
        let mut merged: Vec<PolicyRule> = Vec::new();
        for r in rs {
            if let Some(m) = merged.iter_mut().find(|m| {
                m.api_groups == r.api_groups
                    && m.resources == r.resources
                    && m.resource_names == r.resource_names
                    && m.non_resource_urls == r.non_resource_urls
            }) {
                m.verbs = set(&[m.verbs.clone(), r.verbs].concat());
                continue;
            }
            if let Some(m) = merged.iter_mut().find(|m| {
                m.api_groups == r.api_groups
                    && m.verbs == r.verbs
                    && m.resource_names == r.resource_names
                    && m.non_resource_urls.is_empty()
                    && r.non_resource_urls.is_empty()
            }) {
                m.resources = set(&[m.resources.clone(), r.resources].concat());
                continue;
            }
            merged.push(r);
        }
        rs = merged;
    }
    let mut out: Vec<PolicyRule> = Vec::new();
    for (i, r) in rs.iter().enumerate() {
        // Dropped only when another rule covers it strictly: of several equivalent rules
        // (each covering the others) none is preferred, so all are kept.
        let covered = rs
            .iter()
            .enumerate()
            .any(|(j, o)| j != i && covers(o, r) && !covers(r, o));
        if !covered {
            out.push(r.clone());
        }
    }
    out
}

/// `Covers` (policy_comparator.go): whether `owner` alone covers every atom of `req`. An
/// enumerated list does not cover a `*` atom.
pub fn covers(owner: &PolicyRule, req: &PolicyRule) -> bool {
    let has = |l: &[String], v: &str| l.iter().any(|x| x == "*" || x == v);
    // Spec §1.7: `req` is broken into atoms (apiGroup × resource × verb [× name], and
    // nonResourceURL × verb). A form with no atoms (no verbs, or a resource part missing
    // apiGroups or resources) needs no covering.
    let res_atoms = !req.verbs.is_empty() && !req.api_groups.is_empty() && !req.resources.is_empty();
    let url_atoms = !req.verbs.is_empty() && !req.non_resource_urls.is_empty();
    if !res_atoms && !url_atoms {
        return true;
    }
    let verbs = req.verbs.iter().all(|v| has(&owner.verbs, v));
    if !verbs {
        return false;
    }
    let res_ok = !res_atoms
        || (req.api_groups.iter().all(|g| has(&owner.api_groups, g))
            && req.resources.iter().all(|r| {
                owner.resources.iter().any(|o| {
                    o == "*"
                        || o == r
                        || r.split_once('/')
                            .is_some_and(|(_, sub)| o.strip_prefix("*/") == Some(sub))
                })
            })
            && (owner.resource_names.is_empty()
                || (!req.resource_names.is_empty()
                    && req
                        .resource_names
                        .iter()
                        .all(|n| owner.resource_names.contains(n)))));
    // Spec §1.7: a nonResourceURL atom is nameless, so an owner with names cannot cover it.
    let url_ok = !url_atoms
        || (owner.resource_names.is_empty()
            && req.non_resource_urls.iter().all(|u| {
                owner
                    .non_resource_urls
                    .iter()
                    .any(|o| o == u || (o.ends_with('*') && u.starts_with(o.trim_end_matches('*'))))
            }));
    res_ok && url_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], res: &[&str]) -> PolicyRule {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        PolicyRule {
            verbs: s(verbs),
            api_groups: s(groups),
            resources: s(res),
            ..PolicyRule::default()
        }
    }

    #[test]
    fn covers_like_upstream() {
        assert!(covers(
            &rule(&["*"], &["*"], &["*"]),
            &rule(&["get"], &[""], &["pods/exec"])
        ));
        assert!(covers(
            &rule(&["get"], &[""], &["*/exec"]),
            &rule(&["get"], &[""], &["pods/exec"])
        ));
        assert!(!covers(
            &rule(&["get"], &[""], &["pods"]),
            &rule(&["get"], &[""], &["pods/exec"])
        ));
        // An enumerated list does not cover a `*` atom.
        assert!(!covers(
            &rule(
                &["get", "list", "watch", "create", "update", "patch", "delete"],
                &[""],
                &["pods"]
            ),
            &rule(&["*"], &[""], &["pods"])
        ));
        let mut named = rule(&["get"], &[""], &["secrets"]);
        named.resource_names = vec!["a".into()];
        assert!(!covers(&named, &rule(&["get"], &[""], &["secrets"])));
        assert!(covers(&rule(&["get"], &[""], &["secrets"]), &named));
    }

    #[test]
    fn compaction_keeps_every_equivalent_rule() {
        // Each covers the other: neither is preferred, both are listed.
        let a = rule(&["get"], &["", "*"], &["pods"]);
        let b = rule(&["get"], &["*"], &["pods"]);
        assert_eq!(compact(vec![a.clone(), b.clone()]), vec![a.clone(), b.clone()]);
        assert_eq!(compact(vec![b.clone(), a.clone()]), vec![b, a]);
    }

    #[test]
    fn access_list_like_kubectl() {
        let mut named = rule(&["get"], &[""], &["secrets"]);
        named.resource_names = vec!["b".into(), "a".into()];
        let urls = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: vec!["/api".into(), "/api/*".into()],
            ..PolicyRule::default()
        };
        let out = access_list(&[
            rule(&["list", "get"], &["", "apps"], &["pods"]),
            rule(&["watch", "create"], &[""], &["pods"]),
            named,
            urls,
            rule(&["*"], &["*"], &["*"]),
        ]);
        let show: Vec<String> = out
            .iter()
            .map(|r| {
                format!(
                    "{}|{}|{}|{}|{}",
                    r.verbs.join(","),
                    r.api_groups.join(","),
                    r.resources.join(","),
                    r.resource_names.join(","),
                    r.non_resource_urls.join(",")
                )
            })
            .collect();
        assert_eq!(
            show,
            vec![
                // Verbs as written, merged in order; `[*]` < `[get]` < `[list get watch
                // create]` < `[list get]`; `Resources:[]` < `Resources:[secrets]`;
                // `[/api/*]` < `[/api]`.
                "*|*|*||",
                "get||||/api/*",
                "get||||/api",
                "get||secrets|a|",
                "get||secrets|b|",
                "list,get,watch,create||pods||",
                "list,get|apps|pods||",
            ]
        );
    }

    #[test]
    fn compaction_merges_and_drops_covered_rules() {
        let out = compact(vec![
            rule(&["get"], &[""], &["pods"]),
            rule(&["list"], &[""], &["pods"]),
            rule(&["get", "list"], &[""], &["services"]),
            rule(&["get"], &["apps"], &["deployments"]),
            rule(&["*"], &["apps"], &["*"]),
        ]);
        assert_eq!(
            out,
            vec![
                rule(&["get", "list"], &[""], &["pods", "services"]),
                rule(&["*"], &["apps"], &["*"])
            ]
        );
    }
}
