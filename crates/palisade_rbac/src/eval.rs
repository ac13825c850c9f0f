//! The RBAC authorizer, exactly as Kubernetes evaluates it: request attributes, the
//! identities (user + groups) requests carry, `RuleAllows`, subject matching, rule resolution
//! (ClusterRoleBindings always, RoleBindings only for requests in their namespace), the
//! `system:masters` super-user group, and "who can" (`AllowedSubjects`). No I/O.

use crate::model::{Binding, BindingKind, Model, PolicyRule, RuleOrigin, Subject};
use std::collections::BTreeSet;

/// The super-user group: allowed everything before RBAC is consulted.
pub const SUPER_USER_GROUP: &str = "system:masters";

/// Who makes a request: a user name and its groups (uid and extra are ignored by RBAC).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
}

impl User {
    /// The identity an authenticated request (or impersonation with `--as` / `--as-group`)
    /// carries: a ServiceAccount user without explicit groups gets `system:serviceaccounts`
    /// and `system:serviceaccounts:<ns>`; `system:anonymous` gets `system:unauthenticated`;
    /// every other user gets `system:authenticated` unless the groups already hold it or
    /// `system:unauthenticated`.
    pub fn new(name: &str, groups: &[String]) -> User {
        let mut g: Vec<String> = groups.to_vec();
        if g.is_empty() {
            if let Some((ns, _)) = parse_service_account(name) {
                g.push("system:serviceaccounts".into());
                g.push(format!("system:serviceaccounts:{ns}"));
            }
        }
        if name == "system:anonymous" {
            if !g.iter().any(|x| x == "system:unauthenticated") {
                g.push("system:unauthenticated".into());
            }
        } else if !g
            .iter()
            .any(|x| x == "system:authenticated" || x == "system:unauthenticated")
        {
            g.push("system:authenticated".into());
        }
        User {
            name: name.to_owned(),
            groups: g,
        }
    }
    /// The identity of a ServiceAccount token.
    pub fn service_account(ns: &str, name: &str) -> User {
        User::new(&format!("system:serviceaccount:{ns}:{name}"), &[])
    }
    pub fn is_super_user(&self) -> bool {
        self.groups.iter().any(|g| g == SUPER_USER_GROUP)
    }
}

/// `system:serviceaccount:<ns>:<name>` → `(ns, name)`.
pub fn parse_service_account(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// The attributes of a request, as the RBAC authorizer sees them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Request {
    #[serde(rename_all = "camelCase")]
    Resource {
        verb: String,
        api_group: String,
        resource: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        subresource: String,
        /// `""` for cluster-scoped requests and requests across all namespaces.
        #[serde(skip_serializing_if = "String::is_empty")]
        namespace: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        name: String,
    },
    NonResource {
        verb: String,
        path: String,
    },
}

impl Request {
    pub fn resource(verb: &str, api_group: &str, resource: &str, namespace: &str) -> Request {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        Request::Resource {
            verb: verb.into(),
            api_group: api_group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace: namespace.into(),
            name: String::new(),
        }
    }
    #[must_use]
    pub fn named(mut self, n: &str) -> Request {
        if let Request::Resource { name, .. } = &mut self {
            *name = n.into();
        }
        self
    }
    pub fn non_resource(verb: &str, path: &str) -> Request {
        Request::NonResource {
            verb: verb.into(),
            path: path.into(),
        }
    }
    /// The request namespace (`""` for non-resource requests).
    pub fn namespace(&self) -> &str {
        match self {
            Request::Resource { namespace, .. } => namespace,
            Request::NonResource { .. } => "",
        }
    }
    pub fn verb(&self) -> &str {
        match self {
            Request::Resource { verb, .. } | Request::NonResource { verb, .. } => verb,
        }
    }
    /// `get pods/exec "web" in namespace shop` / `get /healthz`.
    pub fn describe(&self) -> String {
        match self {
            Request::Resource {
                verb,
                api_group,
                resource,
                subresource,
                namespace,
                name,
            } => {
                let mut s = format!("{verb} {resource}");
                if !subresource.is_empty() {
                    s.push('/');
                    s.push_str(subresource);
                }
                if !api_group.is_empty() {
                    s.push('.');
                    s.push_str(api_group);
                }
                if !name.is_empty() {
                    s.push_str(&format!(" {name:?}"));
                }
                if namespace.is_empty() {
                    s.push_str(" (cluster-wide)");
                } else {
                    s.push_str(&format!(" in namespace {namespace}"));
                }
                s
            }
            Request::NonResource { verb, path } => format!("{verb} {path}"),
        }
    }
}

fn has(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x == "*" || x == v)
}

/// `RuleAllows`: whether one rule matches a request.
pub fn rule_allows(rule: &PolicyRule, req: &Request) -> bool {
    match req {
        Request::Resource {
            verb,
            api_group,
            resource,
            subresource,
            name,
            ..
        } => {
            has(&rule.verbs, verb)
                && has(&rule.api_groups, api_group)
                && resource_matches(&rule.resources, resource, subresource)
                // `ResourceNameMatches`: an empty list matches any name; otherwise the request
                // name must be listed (so a nameless request only matches a listed "").
                && (rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == name))
        }
        Request::NonResource { verb, path } => {
            has(&rule.verbs, verb) && rule.non_resource_urls.iter().any(|u| url_matches(u, path))
        }
    }
}

/// `ResourceMatches`: `*` matches everything (subresources included), an entry equal to
/// `resource[/subresource]` matches, `*/sub` matches any resource's subresource `sub`.
pub fn resource_matches(entries: &[String], resource: &str, subresource: &str) -> bool {
    entries.iter().any(|e| {
        if e == "*" {
            return true;
        }
        if subresource.is_empty() {
            return e == resource;
        }
        if let Some(sub) = e.strip_prefix("*/") {
            return sub == subresource;
        }
        e.len() == resource.len() + 1 + subresource.len()
            && e.starts_with(resource)
            && e.as_bytes()[resource.len()] == b'/'
            && e.ends_with(subresource)
    })
}

/// `NonResourceURLMatches`: `*`, equality, or a prefix ending in `*` (all trailing `*`s
/// removed).
pub fn url_matches(entry: &str, path: &str) -> bool {
    if entry == "*" || entry == path {
        return true;
    }
    entry.ends_with('*') && path.starts_with(entry.trim_end_matches('*'))
}

/// `appliesToUser`: whether a binding subject names this user (binding namespace for
/// ServiceAccount subjects is already applied by the model).
pub fn applies_to_user(s: &Subject, user: &User) -> bool {
    match s.kind.as_str() {
        "User" => s.name == user.name,
        "Group" => user.groups.contains(&s.name),
        // Spec §1.4: the user name equals `system:serviceaccount:<ns>:<name>` (upstream
        // `MatchesUsername`, a string comparison: names the parser would reject still match).
        "ServiceAccount" => {
            !s.namespace.is_empty()
                && user
                    .name
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|r| r.strip_prefix(s.namespace.as_str()))
                    .and_then(|r| r.strip_prefix(':'))
                    == Some(s.name.as_str())
        }
        _ => false,
    }
}

/// One reason a request is allowed: a binding, and which of its role's rules matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub binding: usize,
    /// Index into the role's rules in force.
    pub rule: usize,
    pub origin: RuleOrigin,
    /// Index of the binding's subject that matched (for can-i) or that is listed (who-can).
    pub subject: usize,
}

/// The answer to "can this user do this?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The user is in `system:masters`: allowed before RBAC is consulted.
    SuperUser,
    /// Allowed by RBAC; every grant that allows it.
    Allowed(Vec<Grant>),
    /// RBAC has no rule for it (NoOpinion, which ends as "forbidden").
    Denied,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        !matches!(self, Decision::Denied)
    }
}

impl Model {
    /// Bindings that apply to a request of `user` in `namespace` (ClusterRoleBindings always,
    /// RoleBindings of that namespace when it is non-empty), each with the subject that
    /// matched.
    pub fn bindings_for(&self, user: &User, namespace: &str) -> Vec<(usize, usize)> {
        let mut cands: BTreeSet<usize> = BTreeSet::new();
        if let Some(v) = self.by_user.get(&user.name) {
            cands.extend(v);
        }
        for g in &user.groups {
            if let Some(v) = self.by_group.get(g) {
                cands.extend(v);
            }
        }
        let mut out = Vec::new();
        for b in cands {
            let binding = &self.bindings[b];
            let in_scope = match binding.kind {
                BindingKind::ClusterRoleBinding => true,
                BindingKind::RoleBinding => !namespace.is_empty() && binding.namespace == namespace,
            };
            if !in_scope {
                continue;
            }
            if let Some(s) = binding.subjects.iter().position(|s| applies_to_user(s, user)) {
                out.push((b, s));
            }
        }
        out
    }

    /// Authorizes a request like the API server's RBAC authorizer (after the `system:masters`
    /// check), collecting every grant that allows it.
    pub fn authorize(&self, user: &User, req: &Request) -> Decision {
        if user.is_super_user() {
            return Decision::SuperUser;
        }
        let mut grants = Vec::new();
        for (b, subject) in self.bindings_for(user, req.namespace()) {
            for (i, (rule, origin)) in self.binding_rules(b).iter().enumerate() {
                if rule_allows(rule, req) {
                    grants.push(Grant {
                        binding: b,
                        rule: i,
                        origin: *origin,
                        subject,
                    });
                }
            }
        }
        if grants.is_empty() {
            Decision::Denied
        } else {
            Decision::Allowed(grants)
        }
    }

    pub fn can(&self, user: &User, req: &Request) -> bool {
        if user.is_super_user() {
            return true;
        }
        self.bindings_for(user, req.namespace())
            .into_iter()
            .any(|(b, _)| self.binding_rules(b).iter().any(|(r, _)| rule_allows(r, req)))
    }

    /// `AllowedSubjects`: every subject of every binding whose role allows the request
    /// (ClusterRoleBindings, plus the RoleBindings of the request namespace), as written.
    /// The super-user group is not included here; callers list it first.
    pub fn who_can(&self, req: &Request) -> Vec<(Subject, Grant)> {
        let mut out = Vec::new();
        let ns = req.namespace();
        let rbs = if ns.is_empty() {
            &[][..]
        } else {
            self.namespace_bindings.get(ns).map_or(&[][..], Vec::as_slice)
        };
        for &b in self.cluster_bindings.iter().chain(rbs) {
            let rules = self.binding_rules(b);
            let Some(i) = rules.iter().position(|(r, _)| rule_allows(r, req)) else {
                continue;
            };
            for (si, s) in self.bindings[b].subjects.iter().enumerate() {
                out.push((
                    s.clone(),
                    Grant {
                        binding: b,
                        rule: i,
                        origin: rules[i].1,
                        subject: si,
                    },
                ));
            }
        }
        out
    }

    pub fn binding(&self, i: usize) -> &Binding {
        &self.bindings[i]
    }
}
