//! The Audit Policy (`audit.k8s.io/v1` `Policy`) and its evaluation, exactly as the API
//! server's audit filter does it (`staging/src/k8s.io/apiserver/pkg/audit/policy/checker.go`,
//! spec `../shared/spec/rbac-netpol-audit.md` §3.4): the first matching rule sets the level,
//! `None` when no rule matches; omitted stages are the policy's ∪ the rule's;
//! `omitManagedFields` of the rule, if set, overrides the policy's.
//!
//! This is the one evaluator of the project (the CIS bench uses it too). Loading with
//! locations and validation is [`load`]; the witness requests of [`probe`] answer "which
//! levels can requests on this resource get"; [`lint`] and [`replay`] build on both. No I/O.

pub mod lint;
pub mod load;
pub mod probe;
pub mod replay;

use crate::event::{Event, Level, Stage};
use palisade_core::Pos;

pub use load::{load, Diagnostic, DiagnosticLevel};

/// One `resources` entry of a rule (`GroupResources`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupResources {
    /// The exact API group; `""` is the core group.
    pub group: String,
    /// `pods`, `pods/log`, `*`, `*/log`, `pods/*`; empty means every resource of the group.
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
}

/// One rule of a policy (`PolicyRule`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub level: Level,
    pub users: Vec<String>,
    pub user_groups: Vec<String>,
    pub verbs: Vec<String>,
    pub resources: Vec<GroupResources>,
    pub namespaces: Vec<String>,
    pub non_resource_urls: Vec<String>,
    /// The rule's own `omitStages` (the policy's are added at evaluation).
    pub omit_stages: Vec<Stage>,
    pub omit_managed_fields: Option<bool>,
    /// Where the rule starts (its first key) in the policy file.
    pub pos: Pos,
    /// Where its `level` key is (the rule's position when it has none).
    pub level_pos: Pos,
}

/// An audit policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The file it was read from (for locations).
    pub file: String,
    pub api_version: String,
    pub rules: Vec<Rule>,
    pub omit_stages: Vec<Stage>,
    pub omit_managed_fields: bool,
    /// Where the document starts, and where its `rules` and `omitStages` keys are.
    pub pos: Pos,
    pub rules_pos: Pos,
    pub omit_stages_pos: Pos,
}

/// What a request is about: a resource, or a non-resource URL path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    Resource {
        /// `""` for cluster-scoped requests and for requests across all namespaces.
        namespace: &'a str,
        api_group: &'a str,
        resource: &'a str,
        subresource: &'a str,
        /// `""` for a top-level create, a plain list/watch, a deletecollection.
        name: &'a str,
    },
    NonResource {
        path: &'a str,
    },
}

/// The attributes the policy checker sees (`authorizer.Attributes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The authenticated user (the real one: the audit filter runs before impersonation);
    /// `None` for a request without a user, which never matches `users` or `userGroups`.
    pub user: Option<&'a str>,
    pub groups: Vec<&'a str>,
    pub verb: &'a str,
    pub target: Target<'a>,
}

impl<'a> Request<'a> {
    /// The request an audit event records, as the policy saw it when the request arrived:
    /// the real `user` (not `impersonatedUser`), the `objectRef` (or the path of
    /// `requestURI`), and no name for a top-level `create` (the API server fills
    /// `objectRef.name` in from the body after the policy has been evaluated).
    pub fn from_event(ev: &'a Event<'_>) -> Request<'a> {
        let target = match &ev.object_ref {
            Some(o) => Target::Resource {
                namespace: &o.namespace,
                api_group: &o.api_group,
                resource: &o.resource,
                subresource: &o.subresource,
                name: if ev.verb == "create" && o.subresource.is_empty() {
                    ""
                } else {
                    &o.name
                },
            },
            None => Target::NonResource { path: ev.path() },
        };
        Request {
            user: (!ev.user.username.is_empty()).then_some(ev.user.username.as_ref()),
            groups: ev.user.groups.iter().map(|g| g.as_ref()).collect(),
            verb: &ev.verb,
            target,
        }
    }
}

/// What the policy decides for one request (`RequestAuditConfig`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub level: Level,
    /// The policy's omitted stages ∪ the matched rule's, in stage order.
    pub omit_stages: Vec<Stage>,
    pub omit_managed_fields: bool,
    /// The index (0-based) of the rule that matched.
    pub rule: Option<usize>,
}

impl Decision {
    /// Whether an event of `stage` is written for this request.
    pub fn records(&self, stage: Stage) -> bool {
        self.level != Level::None && !self.omit_stages.contains(&stage)
    }
}

fn union(a: &[Stage], b: &[Stage]) -> Vec<Stage> {
    let mut v: Vec<Stage> = a.iter().chain(b).copied().collect();
    v.sort();
    v.dedup();
    v
}

impl Policy {
    /// `EvaluatePolicyRule`: the first rule that matches decides; no match is `None` with the
    /// policy's stages and managed-fields setting.
    pub fn evaluate(&self, r: &Request<'_>) -> Decision {
        match self.rules.iter().position(|rule| rule.matches(r)) {
            Some(i) => {
                let rule = &self.rules[i];
                Decision {
                    level: rule.level,
                    omit_stages: union(&self.omit_stages, &rule.omit_stages),
                    omit_managed_fields: rule.omit_managed_fields.unwrap_or(self.omit_managed_fields),
                    rule: Some(i),
                }
            }
            None => Decision {
                level: Level::None,
                omit_stages: union(&self.omit_stages, &[]),
                omit_managed_fields: self.omit_managed_fields,
                rule: None,
            },
        }
    }

    /// `file:line:column` of rule `i`.
    pub fn rule_loc(&self, i: usize) -> String {
        let p = self.rules.get(i).map_or(self.pos, |r| r.pos);
        format!("{}:{}:{}", self.file, p.line, p.col)
    }
}

impl Rule {
    /// Whether the rule sets none of users, userGroups, verbs, namespaces, resources and
    /// nonResourceURLs: it matches every request.
    pub fn is_catch_all(&self) -> bool {
        self.users.is_empty()
            && self.user_groups.is_empty()
            && self.verbs.is_empty()
            && self.namespaces.is_empty()
            && self.resources.is_empty()
            && self.non_resource_urls.is_empty()
    }

    /// Whether the rule only applies to resource requests (it sets namespaces or resources;
    /// a nonResourceURLs set beside them is then ignored, as upstream does).
    pub fn is_resource_rule(&self) -> bool {
        !self.namespaces.is_empty() || !self.resources.is_empty()
    }

    /// Whether the rule only applies to non-resource requests.
    pub fn is_non_resource_rule(&self) -> bool {
        !self.is_resource_rule() && !self.non_resource_urls.is_empty()
    }

    /// `ruleMatches`.
    pub fn matches(&self, r: &Request<'_>) -> bool {
        if !self.users.is_empty() {
            match r.user {
                Some(u) if has(&self.users, u) => {}
                _ => return false,
            }
        }
        if !self.user_groups.is_empty()
            && (r.user.is_none() || !r.groups.iter().any(|g| has(&self.user_groups, g)))
        {
            return false;
        }
        if !self.verbs.is_empty() && !has(&self.verbs, r.verb) {
            return false;
        }
        if self.is_resource_rule() {
            return self.matches_resource(&r.target);
        }
        if !self.non_resource_urls.is_empty() {
            return match r.target {
                Target::NonResource { path } => self.non_resource_urls.iter().any(|s| path_matches(path, s)),
                Target::Resource { .. } => false,
            };
        }
        true
    }

    /// `ruleMatchesResource`.
    fn matches_resource(&self, t: &Target<'_>) -> bool {
        let Target::Resource {
            namespace,
            api_group,
            resource,
            subresource,
            name,
        } = *t
        else {
            return false;
        };
        if !self.namespaces.is_empty() && !has(&self.namespaces, namespace) {
            return false;
        }
        if self.resources.is_empty() {
            return true;
        }
        self.resources.iter().any(|gr| {
            gr.group == api_group
                && (gr.resources.is_empty()
                    || gr.resources.iter().any(|res| {
                        (gr.resource_names.is_empty() || has(&gr.resource_names, name))
                            && resource_matches(res, resource, subresource)
                    }))
        })
    }
}

/// One `resources` entry against a request's resource and subresource: `*` (everything,
/// subresources included), `res` or `res/sub` exactly, `*/sub` (that subresource of any
/// resource), `res/*` (the subresources of `res` **and `res` itself**: upstream compares
/// `resource == TrimSuffix(entry, "/*")` without requiring a subresource).
pub fn resource_matches(entry: &str, resource: &str, subresource: &str) -> bool {
    if entry == "*" {
        return true;
    }
    let exact = if subresource.is_empty() {
        entry == resource
    } else {
        entry.len() == resource.len() + 1 + subresource.len()
            && entry.starts_with(resource)
            && entry[resource.len()..].starts_with('/')
            && entry.ends_with(subresource)
    };
    if exact {
        return true;
    }
    if !subresource.is_empty() && entry.strip_prefix("*/") == Some(subresource) {
        return true;
    }
    entry.strip_suffix("/*") == Some(resource)
}

/// `pathMatches`: `*`, the exact path, or an entry ending in `*` whose prefix (trailing `*`s
/// trimmed) starts the path.
pub fn path_matches(path: &str, spec: &str) -> bool {
    spec == "*" || spec == path || (spec.ends_with('*') && path.starts_with(spec.trim_end_matches('*')))
}

fn has(list: &[String], s: &str) -> bool {
    list.iter().any(|x| x == s)
}

#[cfg(test)]
mod tests;
