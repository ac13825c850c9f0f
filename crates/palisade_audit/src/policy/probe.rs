//! Which levels can requests on one resource get? The policy is evaluated for witness
//! requests built from every value the rules that can match the resource name (users,
//! groups, verbs, namespaces, resource names) plus one value none of them names, so every
//! class of requests the rules tell apart is tried. Used by the lint and the CIS bench.

use super::{Decision, Policy, Request, Rule, Target};
use crate::event::Level;

/// The verbs tried when the caller names none.
pub const RESOURCE_VERBS: [&str; 8] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

const ANY_USER: &str = "palisade:any-user";
const ANY_NAMESPACE: &str = "palisade-any-namespace";
const ANY_NAME: &str = "palisade-any-name";

/// A question: requests on `resource[/subresource]` of `api_group`, with one of `verbs`
/// (all of [`RESOURCE_VERBS`] plus the verbs the rules name, when empty).
#[derive(Clone, Debug)]
pub struct Probe<'a> {
    pub api_group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub verbs: &'a [&'a str],
}

/// One level such requests get, the first request found that gets it and the decision.
#[derive(Clone, Debug)]
pub struct Witness {
    pub level: Level,
    /// `create by any user in any namespace`, `get by alice in group devs named db`.
    pub request: String,
    pub decision: Decision,
}

impl Rule {
    /// Whether some request on `resource[/subresource]` of `api_group` can match the rule,
    /// whoever makes it and whatever its verb, namespace and name.
    pub fn could_match(&self, api_group: &str, resource: &str, subresource: &str) -> bool {
        if !self.is_resource_rule() {
            return self.non_resource_urls.is_empty();
        }
        self.resources.is_empty()
            || self.resources.iter().any(|gr| {
                gr.group == api_group
                    && (gr.resources.is_empty()
                        || gr
                            .resources
                            .iter()
                            .any(|res| super::resource_matches(res, resource, subresource)))
            })
    }
}

/// Every level requests of `q` get, most detailed first, one witness each.
pub fn levels(p: &Policy, q: &Probe<'_>) -> Vec<Witness> {
    levels_by(p, q, &|d| d.level)
}

/// [`levels`], with the level of a decision given by `level` (the CIS bench counts a
/// decision that omits both the first and the last stage as `None`: nothing is written).
pub fn levels_by(p: &Policy, q: &Probe<'_>, level: &dyn Fn(&Decision) -> Level) -> Vec<Witness> {
    let mut verbs: Vec<String> = if q.verbs.is_empty() {
        RESOURCE_VERBS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        q.verbs.iter().map(|s| (*s).to_owned()).collect()
    };
    let mut users = vec![ANY_USER.to_owned()];
    let mut groups: Vec<Option<String>> = vec![None];
    let mut namespaces = vec![ANY_NAMESPACE.to_owned(), String::new()];
    let mut names = vec![String::new(), ANY_NAME.to_owned()];
    for r in p
        .rules
        .iter()
        .filter(|r| r.could_match(q.api_group, q.resource, q.subresource))
    {
        if q.verbs.is_empty() {
            verbs.extend(r.verbs.iter().cloned());
        }
        users.extend(r.users.iter().cloned());
        groups.extend(r.user_groups.iter().cloned().map(Some));
        namespaces.extend(r.namespaces.iter().cloned());
        for g in &r.resources {
            names.extend(g.resource_names.iter().cloned());
        }
    }
    for v in [&mut verbs, &mut users, &mut namespaces, &mut names] {
        v.sort();
        v.dedup();
    }
    groups.sort();
    groups.dedup();
    let mut out: Vec<Witness> = Vec::new();
    for verb in &verbs {
        for user in &users {
            for g in &groups {
                for ns in &namespaces {
                    for name in &names {
                        let req = Request {
                            user: Some(user),
                            groups: g.iter().map(String::as_str).collect(),
                            verb,
                            target: Target::Resource {
                                namespace: ns,
                                api_group: q.api_group,
                                resource: q.resource,
                                subresource: q.subresource,
                                name,
                            },
                        };
                        let decision = p.evaluate(&req);
                        let l = level(&decision);
                        if out.iter().any(|w| w.level == l) {
                            continue;
                        }
                        out.push(Witness {
                            level: l,
                            request: describe(verb, user, g.as_deref(), ns, name),
                            decision,
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|w| std::cmp::Reverse(w.level));
    out
}

fn describe(verb: &str, user: &str, group: Option<&str>, ns: &str, name: &str) -> String {
    let mut who = format!("{verb} by ");
    who.push_str(if user == ANY_USER { "any user" } else { user });
    if let Some(g) = group {
        who.push_str(&format!(" in group {g}"));
    }
    match ns {
        "" => who.push_str(" across all namespaces"),
        ANY_NAMESPACE => who.push_str(" in any namespace"),
        n => who.push_str(&format!(" in namespace {n}")),
    }
    if !name.is_empty() && name != ANY_NAME {
        who.push_str(&format!(" named {name}"));
    }
    who
}
