//! The answers of `palisade rbac` (can-i, who-can, subject, workload, paths) as typed data:
//! what the analysis found, with everything a renderer needs. JSON is their `Serialize`
//! form (field order is the documented output order); fields marked `#[serde(skip)]` are
//! for the human format only. No formatting happens here: `palisade_report` renders them.

use crate::eval::{Decision, Grant, Request, User, SUPER_USER_GROUP};
use crate::model::{BindingKind, Model, PolicyRule, Subject};
use crate::paths::{Path, Target};
use crate::perms::ScopePermissions;
use crate::resources::Resources;
use crate::risk::{HeldRisk, RiskKind, RiskMatch};
use serde::Serialize;

/// What an answer could not take into account: input errors (a file that could not be read,
/// a cluster that could not be reached) and resource types the credentials could not list.
/// An answer with either is incomplete: it says so in every format, and the command exits 2.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Completeness {
    /// `false` when something the answer depends on could not be read.
    pub complete: bool,
    /// The input errors, as printed on standard error.
    pub errors: Vec<String>,
    /// Resource types that could not be read (`rolebindings.rbac.authorization.k8s.io`).
    pub unread: Vec<String>,
}

impl Completeness {
    pub fn new(errors: Vec<String>, unread: Vec<String>) -> Completeness {
        Completeness {
            complete: errors.is_empty() && unread.is_empty(),
            errors,
            unread,
        }
    }
    /// Nothing missing.
    pub fn full() -> Completeness {
        Completeness::new(Vec::new(), Vec::new())
    }
}

/// The answer when nothing it depends on could be read: no verdict, only why.
#[derive(Clone, Debug, Serialize)]
pub struct Unanswered {
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// The binding of a grant.
#[derive(Clone, Debug, Serialize)]
pub struct BindingView {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    /// `file:line:col`, `built-in default` or the cluster context.
    pub location: String,
    pub default: bool,
}

/// One reason a request is allowed: the binding, its subject, role and rule.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    pub binding: BindingView,
    pub subject: Option<Subject>,
    /// `ClusterRole edit`, `Role ns/name`; `None` when the roleRef names a missing role.
    pub role: Option<String>,
    pub rule: PolicyRule,
    /// `ClusterRole edit rules[3]`.
    pub rule_source: String,
    pub rule_location: Option<String>,
}

impl GrantView {
    pub fn new(m: &Model, g: &Grant) -> GrantView {
        let b = &m.bindings[g.binding];
        let (place, loc) = m.rule_place(g.origin);
        GrantView {
            binding: BindingView {
                kind: b.kind.as_str(),
                namespace: b.namespace.clone(),
                name: b.name.clone(),
                location: b.source.place(),
                default: b.source.default,
            },
            subject: b.subjects.get(g.subject).cloned(),
            role: b.role.map(|r| m.roles[r].display()),
            rule: PolicyRule::clone(&m.binding_rules(g.binding)[g.rule].0),
            rule_source: place,
            rule_location: loc.map(|l| l.to_string()),
        }
    }
}

/// The `reason` of a can-i answer for a member of `system:masters`.
pub const SUPER_USER_REASON: &str = "super-user group system:masters";

/// `palisade rbac can-i`: whether `user` may make `request`, and every grant that allows it.
#[derive(Clone, Debug, Serialize)]
pub struct CanIAnswer {
    /// `None` when the answer is not known: nothing among what was read allows it, and not
    /// everything it depends on could be read (RBAC only adds, so a "yes" is still certain).
    pub allowed: Option<bool>,
    pub reason: &'static str,
    pub user: User,
    pub request: Request,
    pub grants: Vec<GrantView>,
    pub warnings: Vec<String>,
    /// For a node identity (`system:node:NAME` in `system:nodes`): what the Node authorizer,
    /// asked before RBAC, answered (`crate::node`).
    #[serde(rename = "nodeAuthorizer", skip_serializing_if = "Option::is_none")]
    pub node_authorizer: Option<String>,
    #[serde(flatten)]
    pub completeness: Completeness,
    /// One line per grant (`ClusterRoleBinding x → ClusterRole y rules[0] (file:line)`), or
    /// the super-user explanation; empty when denied.
    #[serde(skip)]
    pub explanation: Vec<String>,
}

impl CanIAnswer {
    pub fn new(
        m: &Model,
        user: User,
        request: Request,
        warnings: Vec<String>,
        completeness: Completeness,
    ) -> CanIAnswer {
        let d = m.authorize(&user, &request);
        let known = d.allowed() || completeness.complete;
        let grants = match &d {
            Decision::Allowed(g) => g.iter().map(|g| GrantView::new(m, g)).collect(),
            _ => Vec::new(),
        };
        let explanation = match &d {
            Decision::Denied => Vec::new(),
            _ => m.explain(&d),
        };
        CanIAnswer {
            allowed: known.then(|| d.allowed()),
            reason: match &d {
                Decision::SuperUser => SUPER_USER_REASON,
                Decision::Allowed(_) => "allowed by RBAC",
                Decision::Denied if known => "no RBAC rule allows it",
                Decision::Denied => "no RBAC rule among what could be read allows it",
            },
            user,
            request,
            grants,
            warnings,
            node_authorizer: None,
            completeness,
            explanation,
        }
    }
}

/// `palisade rbac can-i --list`: what `kubectl auth can-i --list` prints, from the rules the
/// RBAC rule resolver returns for the user in the namespace ([`crate::access_list`]).
#[derive(Clone, Debug, Serialize)]
pub struct CanIListAnswer {
    pub user: User,
    pub namespace: String,
    pub rules: Vec<PolicyRule>,
    #[serde(flatten)]
    pub completeness: Completeness,
    /// Print no header line (`--no-headers`).
    #[serde(skip)]
    pub no_headers: bool,
}

impl CanIListAnswer {
    pub fn new(m: &Model, user: User, namespace: String, completeness: Completeness) -> CanIListAnswer {
        let rules = crate::perms::access_list(&m.rules_for(&user, &namespace));
        CanIListAnswer {
            user,
            namespace,
            rules,
            completeness,
            no_headers: false,
        }
    }
}

/// A subject of a who-can answer: the super-user group, or a subject and the grant.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum WhoCanRow {
    SuperUser {
        subject: Subject,
        scope: &'static str,
        note: &'static str,
    },
    Grant {
        binding: BindingView,
        subject: Subject,
        role: Option<String>,
        rule: Box<PolicyRule>,
        #[serde(rename = "ruleSource")]
        rule_source: String,
        #[serde(rename = "ruleLocation")]
        rule_location: Option<String>,
        /// `cluster-wide` or `namespace N`.
        scope: String,
        /// What the subject stands for (`every ServiceAccount`), or `""`.
        note: &'static str,
    },
    /// A node (or every node: `Group system:nodes`) allowed by the Node authorizer.
    Node {
        subject: Subject,
        scope: String,
        /// Why the Node authorizer allows it.
        #[serde(rename = "nodeAuthorizer")]
        reason: String,
    },
}

/// `palisade rbac who-can`: every subject that can make the request.
#[derive(Clone, Debug, Serialize)]
pub struct WhoCanAnswer {
    /// The request as asked (namespace `""`).
    pub request: Request,
    pub namespace: Option<String>,
    pub subjects: Vec<WhoCanRow>,
    #[serde(flatten)]
    pub completeness: Completeness,
    /// Whether the resource is namespaced (for the wording of the scope).
    #[serde(skip)]
    pub namespaced: bool,
}

impl WhoCanAnswer {
    /// `requests` holds the request once per namespace asked (`""` first); a ClusterRoleBinding
    /// answers for every namespace and is listed once.
    pub fn new(
        m: &Model,
        probe: Request,
        namespace: Option<String>,
        namespaced: bool,
        requests: &[Request],
        completeness: Completeness,
    ) -> WhoCanAnswer {
        let mut subjects = vec![WhoCanRow::SuperUser {
            subject: Subject::group(SUPER_USER_GROUP),
            scope: "cluster-wide",
            note: "super-user group: allowed everything before RBAC",
        }];
        // One row per identity and binding: the super-user group is listed once (first), and a
        // User named `system:serviceaccount:NS:NAME` is that ServiceAccount.
        let mut seen = std::collections::HashSet::new();
        for req in requests {
            for (s, g) in m.who_can(req) {
                let s = identity(s);
                if s.kind == "Group" && s.name == SUPER_USER_GROUP {
                    continue;
                }
                if !seen.insert((g.binding, s.kind.clone(), s.namespace.clone(), s.name.clone())) {
                    continue;
                }
                let b = &m.bindings[g.binding];
                let scope = match b.kind {
                    BindingKind::ClusterRoleBinding => "cluster-wide".to_owned(),
                    BindingKind::RoleBinding => format!("namespace {}", b.namespace),
                };
                let v = GrantView::new(m, &g);
                let note = subject_note(&s);
                subjects.push(WhoCanRow::Grant {
                    binding: v.binding,
                    subject: s,
                    role: v.role,
                    rule: Box::new(v.rule),
                    rule_source: v.rule_source,
                    rule_location: v.rule_location,
                    scope,
                    note,
                });
            }
        }
        WhoCanAnswer {
            request: probe,
            namespace,
            subjects,
            completeness,
            namespaced,
        }
    }
}

/// The identity a subject stands for: a User named `system:serviceaccount:NS:NAME` is the
/// ServiceAccount NS/NAME (the API server authenticates its token with that user name).
pub fn identity(s: Subject) -> Subject {
    if s.kind == "User" {
        if let Some((ns, name)) = crate::eval::parse_service_account(&s.name) {
            return Subject::service_account(ns, name);
        }
    }
    s
}

/// What a subject stands for, when it is a built-in group or user.
pub fn subject_note(s: &Subject) -> &'static str {
    match (s.kind.as_str(), s.name.as_str()) {
        ("Group", "system:authenticated") => "every authenticated user and ServiceAccount",
        ("Group", "system:unauthenticated") => "every anonymous request",
        ("User", "system:anonymous") => "anonymous requests",
        ("Group", "system:serviceaccounts") => "every ServiceAccount",
        ("Group", n) if n.starts_with("system:serviceaccounts:") => "every ServiceAccount of the namespace",
        ("Group", SUPER_USER_GROUP) => "super-user group",
        _ => "",
    }
}

/// A dangerous permission an identity holds, and where it comes from.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskView {
    pub risk: RiskKind,
    /// e.g. `get, list secrets`.
    pub grants: String,
    pub resource_names: Vec<String>,
    /// `cluster-wide` or the namespace.
    pub scope: String,
    pub binding: String,
    pub binding_location: String,
    /// `ClusterRole edit rules[3]`.
    pub rule: String,
    pub rule_location: Option<String>,
    /// Short title of the risk (`read secrets`, `cluster-admin`).
    #[serde(skip)]
    pub title: &'static str,
    /// `""` for cluster-wide.
    #[serde(skip)]
    pub namespace: String,
}

impl RiskView {
    pub fn new(m: &Model, h: &HeldRisk) -> RiskView {
        let b = &m.bindings[h.binding];
        let (place, loc) = m.rule_place(h.origin);
        let RiskMatch { kind, grants, names } = h.risk.clone();
        RiskView {
            risk: kind,
            grants,
            resource_names: names,
            scope: if h.namespace.is_empty() {
                "cluster-wide".to_owned()
            } else {
                h.namespace.clone()
            },
            binding: b.display(),
            binding_location: b.source.place(),
            rule: place,
            rule_location: loc.map(|l| l.to_string()),
            title: match kind {
                RiskKind::ClusterAdmin => "cluster-admin",
                k => crate::risk::risk(k).map_or("wildcards", |r| r.title),
            },
            namespace: h.namespace.clone(),
        }
    }
}

/// `palisade rbac subject`: the effective permissions of an identity, and which are dangerous.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionsAnswer {
    /// `ServiceAccount ns/name`, `User alice`, `Group g`.
    pub subject: String,
    pub user: User,
    pub super_user: bool,
    pub scopes: Vec<ScopePermissions>,
    pub risks: Vec<RiskView>,
    #[serde(flatten)]
    pub completeness: Completeness,
}

impl PermissionsAnswer {
    pub fn new(
        m: &Model,
        resources: &Resources,
        user: User,
        label: String,
        completeness: Completeness,
    ) -> PermissionsAnswer {
        let scopes = m.permissions(&user, resources);
        let risks = m.risks_of(&user).iter().map(|h| RiskView::new(m, h)).collect();
        PermissionsAnswer {
            subject: label,
            super_user: user.is_super_user(),
            user,
            scopes,
            risks,
            completeness,
        }
    }
}

/// The workload of a `palisade rbac workload` answer.
#[derive(Clone, Debug, Serialize)]
pub struct WorkloadRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub location: Option<String>,
}

/// `palisade rbac workload`: what a workload's ServiceAccount token can do.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadAnswer {
    #[serde(flatten)]
    pub permissions: PermissionsAnswer,
    pub workload: WorkloadRef,
    pub token_mounted: bool,
    /// Which field decides whether the token is mounted.
    pub token_mounted_because: String,
    /// Whether the pod spec names no ServiceAccount (it runs as `default`).
    #[serde(skip)]
    pub implicit_service_account: bool,
    /// The ServiceAccount's name.
    #[serde(skip)]
    pub service_account: String,
}

/// `palisade rbac paths`: escalation paths.
#[derive(Clone, Debug, Serialize)]
pub struct PathsAnswer {
    pub paths: Vec<Path>,
    #[serde(flatten)]
    pub completeness: Completeness,
    /// The target asked for (`None`: every target).
    #[serde(skip)]
    pub to: Option<Target>,
}
