//! Granted versus used: per subject seen in an audit log (users and ServiceAccounts as the
//! *effective* identity, impersonation resolved; or one user, ServiceAccount or group asked
//! for), every binding that applies to it, every rule of the bound role, and whether a
//! request of the log exercised it. A request exercises a rule when the exact RBAC
//! evaluation of the request ([`Model::authorize`], with the groups the request carried)
//! returns that rule as a grant; a request allowed by several rules exercises **each** of
//! them (RBAC has no order, so none of them alone is the reason). Inside a rule, each
//! verb × apiGroup × resource (or verb × nonResourceURL) cell is tracked too, so a rule that
//! was used for `list` but never for `get` says so. The smaller Role that would have
//! sufficed is [`super::Collector`]'s answer for the requests the reported grants allowed.
//! Pure: the model and events in, a [`Report`] out.

use super::{Collector, Generated, Options as GenOptions, Subject};
use crate::event::{Event, Loc};
use palisade_core::Location;
use palisade_rbac::eval::applies_to_user;
use palisade_rbac::{rule_allows, Decision, Model, PolicyRule, Request, RuleOrigin, User};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What to compare.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only this subject (`None`: every user and ServiceAccount seen in the log).
    pub only: Option<Subject>,
    /// Report default bindings (the compiled-in or cluster defaults) and bindings named
    /// `system:*`, and `system:*` users and kube-system ServiceAccounts as subjects.
    pub include_system: bool,
    /// How the suggested roles generalise (their name is set per subject); default
    /// [`GenOptions::for_subject`] without the get/list/watch expansion.
    pub generate: Option<GenOptions>,
}

/// Where a request was seen: `file:line` and its auditID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub loc: Loc,
    pub audit_id: String,
}

/// One verb × apiGroup × resource (or verb × nonResourceURL) of a rule, with the rule's
/// resourceNames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub rule: PolicyRule,
    pub uses: u64,
    pub first: Option<Seen>,
}

impl Cell {
    /// `get secrets`, `create pods/exec.apps`, `get /healthz`, with the names if any.
    pub fn describe(&self) -> String {
        let r = &self.rule;
        let verb = r.verbs.first().map_or("", String::as_str);
        if let Some(u) = r.non_resource_urls.first() {
            return format!("{verb} {u}");
        }
        let res = r.resources.first().map_or("", String::as_str);
        let group = r.api_groups.first().map_or("", String::as_str);
        let mut s = if group.is_empty() {
            format!("{verb} {res}")
        } else {
            format!("{verb} {res}.{group}")
        };
        if !r.resource_names.is_empty() {
            s.push_str(&format!(" names={}", r.resource_names.join(",")));
        }
        s
    }
}

/// One rule a binding grants (the bound role's rule in force).
#[derive(Clone, Debug)]
pub struct RuleUse {
    pub rule: Arc<PolicyRule>,
    pub origin: RuleOrigin,
    /// `Role shop/secret-reader rules[1]`.
    pub place: String,
    /// Where the rule is written (manifests); `None` for cluster objects and defaults.
    pub location: Option<Location>,
    /// Where the role came from when the rule has no location (cluster context, default).
    pub source: String,
    /// Requests this rule allowed.
    pub uses: u64,
    pub first: Option<Seen>,
    pub cells: Vec<Cell>,
}

impl RuleUse {
    pub fn unused(&self) -> bool {
        self.uses == 0
    }
    /// Cells never exercised (all of them when the rule was never used).
    pub fn unused_cells(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.uses == 0)
    }
    /// `file:line:column`, or the place and source for objects without a file.
    pub fn located(&self) -> String {
        match &self.location {
            Some(l) => l.to_string(),
            None => format!("{} ({})", self.place, self.source),
        }
    }
}

/// One binding that applies to the subject.
#[derive(Clone, Debug)]
pub struct BindingUse {
    pub binding: usize,
    /// `RoleBinding shop/frontend-secret-reader`.
    pub display: String,
    /// `Role shop/secret-reader` (or the roleRef when it does not resolve).
    pub role: String,
    pub role_found: bool,
    /// Where the binding is: `file:line:column` or its source.
    pub place: String,
    /// The binding subject that names the subject (`Group system:serviceaccounts:shop`).
    pub via: String,
    pub system: bool,
    pub rules: Vec<RuleUse>,
}

/// A request RBAC (as loaded) does not allow.
#[derive(Clone, Debug)]
pub struct NotGranted {
    pub request: String,
    pub count: u64,
    pub first: Seen,
    /// The log's authorization decision (`allow`, `forbid`) or empty.
    pub logged_decision: String,
}

/// The comparison for one subject.
#[derive(Debug)]
pub struct SubjectUse {
    pub subject: Subject,
    /// `User alice`, `ServiceAccount shop/frontend-sa`, `Group devs`.
    pub display: String,
    /// The groups the subject's requests carried.
    pub groups: BTreeSet<String>,
    pub requests: u64,
    /// Requests allowed before RBAC (`system:masters`).
    pub super_user: u64,
    /// Requests allowed only by bindings not reported (defaults, `system:*`).
    pub by_unreported: u64,
    pub not_granted: Vec<NotGranted>,
    pub bindings: Vec<BindingUse>,
    /// The roles that would have sufficed for what the reported bindings allowed.
    pub suggested: Generated,
}

impl SubjectUse {
    /// Whether some granted rule or cell was never exercised.
    pub fn has_unused(&self) -> bool {
        self.bindings
            .iter()
            .any(|b| b.rules.iter().any(|r| r.unused_cells().next().is_some()))
    }
}

/// The whole comparison.
#[derive(Debug, Default)]
pub struct Report {
    /// Time range of the log (every request read, not only the subjects').
    pub first: Option<jiff::Timestamp>,
    pub last: Option<jiff::Timestamp>,
    pub requests: u64,
    pub subjects: Vec<SubjectUse>,
}

impl Report {
    pub fn has_unused(&self) -> bool {
        self.subjects.iter().any(SubjectUse::has_unused)
    }
}

/// Per rule of a binding: uses and per-cell uses.
#[derive(Default)]
struct Tally {
    uses: u64,
    first: Option<Seen>,
    /// Lazily built cells of the rule; `cell_uses[i]` for `cells[i]`.
    cells: Vec<Cell>,
}

struct Acc {
    subject: Subject,
    groups: BTreeSet<String>,
    requests: u64,
    super_user: u64,
    by_unreported: u64,
    not_granted: BTreeMap<String, NotGranted>,
    tallies: HashMap<(usize, usize), Tally>,
    collector: Collector,
}

/// Accumulates requests against a model.
pub struct Analysis<'m> {
    model: &'m Model,
    opts: Options,
    first: Option<jiff::Timestamp>,
    last: Option<jiff::Timestamp>,
    requests: u64,
    /// By effective user name (or the asked group's name).
    subjects: BTreeMap<String, Acc>,
    /// Whether a binding is reported (cache).
    reported: HashMap<usize, bool>,
}

/// A default binding or one named `system:*`.
pub fn is_system_binding(model: &Model, b: usize) -> bool {
    let b = model.binding(b);
    b.source.default || b.name.starts_with("system:")
}

/// A `system:*` user (but not a ServiceAccount outside kube-system).
pub fn is_system_user(name: &str) -> bool {
    match palisade_rbac::parse_service_account(name) {
        Some((ns, _)) => ns == "kube-system",
        None => name.starts_with("system:"),
    }
}

/// The request attributes the RBAC authorizer saw for an event.
pub fn request_of(ev: &Event<'_>) -> Request {
    match &ev.object_ref {
        Some(o) => {
            let resource = if o.subresource.is_empty() {
                o.resource.to_string()
            } else {
                format!("{}/{}", o.resource, o.subresource)
            };
            // A top-level create is authorized without a name (the name is in the body).
            let name = if ev.verb == "create" && o.subresource.is_empty() {
                ""
            } else {
                o.name.as_ref()
            };
            Request::resource(&ev.verb, &o.api_group, &resource, &o.namespace).named(name)
        }
        None => Request::non_resource(&ev.verb, ev.path()),
    }
}

/// The cells of a rule: one rule per verb × apiGroup × resource and verb × URL.
fn cells_of(r: &PolicyRule) -> Vec<Cell> {
    let mut out = Vec::new();
    for v in &r.verbs {
        for g in &r.api_groups {
            for res in &r.resources {
                out.push(PolicyRule {
                    verbs: vec![v.clone()],
                    api_groups: vec![g.clone()],
                    resources: vec![res.clone()],
                    resource_names: r.resource_names.clone(),
                    non_resource_urls: Vec::new(),
                });
            }
        }
        for u in &r.non_resource_urls {
            out.push(PolicyRule {
                verbs: vec![v.clone()],
                non_resource_urls: vec![u.clone()],
                ..PolicyRule::default()
            });
        }
    }
    out.into_iter()
        .map(|rule| Cell {
            rule,
            uses: 0,
            first: None,
        })
        .collect()
}

impl<'m> Analysis<'m> {
    pub fn new(model: &'m Model, opts: Options) -> Analysis<'m> {
        Analysis {
            model,
            opts,
            first: None,
            last: None,
            requests: 0,
            subjects: BTreeMap::new(),
            reported: HashMap::new(),
        }
    }

    fn reported(&mut self, b: usize) -> bool {
        let (model, opts) = (self.model, &self.opts);
        *self.reported.entry(b).or_insert_with(|| {
            if !opts.include_system && is_system_binding(model, b) {
                return false;
            }
            match &opts.only {
                // For a group: only the bindings that name the group.
                Some(Subject::Group(g)) => model
                    .binding(b)
                    .subjects
                    .iter()
                    .any(|s| s.kind == "Group" && s.name == *g),
                _ => true,
            }
        })
    }

    fn gen_options(&self, s: &Subject) -> GenOptions {
        // The smallest role: read verbs exactly as seen unless asked otherwise.
        let mut o = self.opts.generate.clone().unwrap_or_else(|| GenOptions {
            expand_read_verbs: false,
            ..GenOptions::for_subject(s)
        });
        o.name = GenOptions::for_subject(s).name;
        o
    }

    /// Take one request (one event per `auditID`).
    pub fn push(&mut self, loc: &Loc, ev: &Event<'_>) {
        self.requests += 1;
        if let Some(t) = ev.time() {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        let u = ev.effective_user();
        if u.username.is_empty() {
            return;
        }
        let (key, subject) = match &self.opts.only {
            Some(s) if !s.matches(ev) => return,
            Some(Subject::Group(g)) => (g.clone(), Subject::Group(g.clone())),
            _ => {
                if self.opts.only.is_none() && !self.opts.include_system && is_system_user(&u.username) {
                    return;
                }
                let s = match u.service_account() {
                    Some((ns, n)) => Subject::ServiceAccount {
                        namespace: ns.into(),
                        name: n.into(),
                    },
                    None => Subject::User(u.username.to_string()),
                };
                (u.username.to_string(), s)
            }
        };
        let groups: Vec<String> = u.groups.iter().map(|g| g.to_string()).collect();
        let user = User::new(&u.username, &groups);
        let req = request_of(ev);
        let decision = self.model.authorize(&user, &req);
        if !self.subjects.contains_key(&key) {
            let opts = self.gen_options(&subject);
            self.subjects.insert(
                key.clone(),
                Acc {
                    collector: Collector::new(subject.clone(), opts),
                    subject,
                    groups: BTreeSet::new(),
                    requests: 0,
                    super_user: 0,
                    by_unreported: 0,
                    not_granted: BTreeMap::new(),
                    tallies: HashMap::new(),
                },
            );
        }
        let grants = match &decision {
            Decision::Allowed(g) => g.clone(),
            _ => Vec::new(),
        };
        let reported: Vec<bool> = grants.iter().map(|g| self.reported(g.binding)).collect();
        let model = self.model;
        let Some(acc) = self.subjects.get_mut(&key) else {
            return;
        };
        acc.groups.extend(user.groups.iter().cloned());
        acc.requests += 1;
        let seen = || Seen {
            loc: loc.clone(),
            audit_id: ev.audit_id.to_string(),
        };
        match decision {
            Decision::SuperUser => acc.super_user += 1,
            Decision::Denied => {
                let e = acc
                    .not_granted
                    .entry(req.describe())
                    .or_insert_with(|| NotGranted {
                        request: req.describe(),
                        count: 0,
                        first: seen(),
                        logged_decision: ev.decision().unwrap_or_default().to_owned(),
                    });
                e.count += 1;
            }
            Decision::Allowed(_) => {
                let mut any = false;
                for (g, rep) in grants.iter().zip(reported) {
                    if !rep {
                        continue;
                    }
                    any = true;
                    let t = acc.tallies.entry((g.binding, g.rule)).or_insert_with(|| {
                        let rule = &model.binding_rules(g.binding)[g.rule].0;
                        Tally {
                            uses: 0,
                            first: None,
                            cells: cells_of(rule),
                        }
                    });
                    t.uses += 1;
                    if t.first.is_none() {
                        t.first = Some(seen());
                    }
                    for c in &mut t.cells {
                        if rule_allows(&c.rule, &req) {
                            c.uses += 1;
                            if c.first.is_none() {
                                c.first = Some(seen());
                            }
                        }
                    }
                }
                if any {
                    acc.collector.push(loc, ev);
                } else {
                    acc.by_unreported += 1;
                }
            }
        }
    }

    /// The identity whose bindings are listed: the subject with the groups its requests
    /// carried (a ServiceAccount not seen gets its implicit groups).
    fn identity(s: &Subject, groups: &BTreeSet<String>) -> User {
        let groups: Vec<String> = groups.iter().cloned().collect();
        match s {
            Subject::User(n) => User::new(n, &groups),
            Subject::ServiceAccount { namespace, name } => {
                User::new(&format!("system:serviceaccount:{namespace}:{name}"), &groups)
            }
            Subject::Group(g) => User {
                name: String::new(),
                groups: vec![g.clone()],
            },
        }
    }

    pub fn finish(mut self) -> Report {
        // The subject asked for is reported even when the log has no request of it.
        if let Some(s) = self.opts.only.clone() {
            let key = match &s {
                Subject::User(n) | Subject::Group(n) => n.clone(),
                Subject::ServiceAccount { namespace, name } => {
                    format!("system:serviceaccount:{namespace}:{name}")
                }
            };
            if !self.subjects.contains_key(&key) {
                let opts = self.gen_options(&s);
                self.subjects.insert(
                    key,
                    Acc {
                        collector: Collector::new(s.clone(), opts),
                        subject: s,
                        groups: BTreeSet::new(),
                        requests: 0,
                        super_user: 0,
                        by_unreported: 0,
                        not_granted: BTreeMap::new(),
                        tallies: HashMap::new(),
                    },
                );
            }
        }
        let model = self.model;
        let subjects = std::mem::take(&mut self.subjects);
        let mut out = Vec::new();
        for (_, mut acc) in subjects {
            // For a group: the group alone (its members are many users).
            let user = Self::identity(&acc.subject, &acc.groups);
            let mut bindings = Vec::new();
            for (bi, b) in model.bindings.iter().enumerate() {
                let Some(si) = b.subjects.iter().position(|s| match &acc.subject {
                    Subject::Group(g) => s.kind == "Group" && s.name == *g,
                    _ => applies_to_user(s, &user),
                }) else {
                    continue;
                };
                if !self.reported(bi) {
                    continue;
                }
                let role = b.role.map(|r| &model.roles[r]);
                let rules = model
                    .binding_rules(bi)
                    .iter()
                    .enumerate()
                    .map(|(i, (rule, origin))| {
                        let (place, location) = model.rule_place(*origin);
                        let t = acc.tallies.remove(&(bi, i)).unwrap_or_else(|| Tally {
                            cells: cells_of(rule),
                            ..Tally::default()
                        });
                        RuleUse {
                            rule: rule.clone(),
                            origin: *origin,
                            place,
                            location,
                            source: model.roles[origin.role].source.place(),
                            uses: t.uses,
                            first: t.first,
                            cells: t.cells,
                        }
                    })
                    .collect();
                bindings.push(BindingUse {
                    binding: bi,
                    display: b.display(),
                    role: role.map_or_else(
                        || format!("{} {} (not found)", b.role_kind, b.role_name),
                        |r| r.display(),
                    ),
                    role_found: role.is_some(),
                    place: b.source.place(),
                    via: b.subjects[si].display(),
                    system: is_system_binding(model, bi),
                    rules,
                });
            }
            let display = match &acc.subject {
                Subject::User(n) => format!("User {n}"),
                Subject::ServiceAccount { namespace, name } => format!("ServiceAccount {namespace}/{name}"),
                Subject::Group(g) => format!("Group {g}"),
            };
            let mut not_granted: Vec<NotGranted> = acc.not_granted.into_values().collect();
            not_granted.sort_by(|a, b| {
                (&a.first.loc.file, a.first.loc.line).cmp(&(&b.first.loc.file, b.first.loc.line))
            });
            out.push(SubjectUse {
                subject: acc.subject,
                display,
                groups: acc.groups,
                requests: acc.requests,
                super_user: acc.super_user,
                by_unreported: acc.by_unreported,
                not_granted,
                bindings,
                suggested: restrict(
                    acc.collector.finish(),
                    &user,
                    &mut |u, req| match model.authorize(u, req) {
                        Decision::Allowed(g) => g.iter().any(|g| self.reported(g.binding)),
                        _ => false,
                    },
                ),
            });
        }
        Report {
            first: self.first,
            last: self.last,
            requests: self.requests,
            subjects: out,
        }
    }
}

/// The generated roles, restricted to what the reported grants allow: each verb ×
/// apiGroup × resource × name (or all names) atom of a generated rule is kept only when the
/// exact evaluation of that request for `user` is allowed by a reported binding (a nameless
/// request stands for "all names", which only rules without resourceNames allow). So the
/// generalisations of [`super::Collector`] (get/list/watch together, many names → all)
/// never grant more than the subject held.
pub fn restrict(
    mut g: Generated,
    user: &User,
    allowed: &mut dyn FnMut(&User, &Request) -> bool,
) -> Generated {
    let mut one = |ns: &str, rules: Vec<super::PolicyRule>| -> Vec<super::PolicyRule> {
        // (group, verbs, names) → resources, and URL rules as they are.
        let mut joined: BTreeMap<(String, Vec<String>, Vec<String>), BTreeSet<String>> = BTreeMap::new();
        let mut out = Vec::new();
        for r in rules {
            if !r.non_resource_urls.is_empty() {
                let verbs: Vec<String> = r
                    .verbs
                    .iter()
                    .filter(|v| {
                        r.non_resource_urls
                            .iter()
                            .all(|u| allowed(user, &Request::non_resource(v, u)))
                    })
                    .cloned()
                    .collect();
                if !verbs.is_empty() {
                    out.push(super::PolicyRule { verbs, ..r });
                }
                continue;
            }
            for group in &r.api_groups {
                for res in &r.resources {
                    let verbs: Vec<String> = r
                        .verbs
                        .iter()
                        .filter(|v| {
                            let req = Request::resource(v, group, res, ns);
                            if r.resource_names.is_empty() {
                                allowed(user, &req)
                            } else {
                                r.resource_names
                                    .iter()
                                    .all(|n| allowed(user, &req.clone().named(n)))
                            }
                        })
                        .cloned()
                        .collect();
                    if !verbs.is_empty() {
                        joined
                            .entry((group.clone(), verbs, r.resource_names.clone()))
                            .or_default()
                            .insert(res.clone());
                    }
                }
            }
        }
        out.extend(
            joined
                .into_iter()
                .map(|((group, verbs, names), resources)| super::PolicyRule {
                    api_groups: vec![group],
                    resources: resources.into_iter().collect(),
                    resource_names: names,
                    non_resource_urls: Vec::new(),
                    verbs,
                }),
        );
        out.sort();
        out
    };
    g.cluster_rules = one("", std::mem::take(&mut g.cluster_rules));
    let namespaced = std::mem::take(&mut g.namespaced);
    for (ns, rules) in namespaced {
        let rules = one(&ns, rules);
        if !rules.is_empty() {
            g.namespaced.insert(ns, rules);
        }
    }
    g
}
