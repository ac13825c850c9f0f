//! The edges of the escalation graph: for each identity, the ways it becomes another (create
//! a pod as a ServiceAccount, mint or steal a token, impersonate, bind or escalate a role,
//! exec into a pod, the kubelet API, approve a client certificate) and the targets it holds,
//! each decided by the RBAC evaluator and carrying its evidence.

use super::graph::{Ctx, Edges};
use super::*;

/// The rules that apply to an identity in one scope (ClusterRoleBindings, plus the
/// RoleBindings of the namespace), resolved once for many probes. `allows` is exactly
/// `Model::can` for a non-super-user in that namespace: the same `bindings_for` and
/// `rule_allows`.
pub(super) struct Scope<'m> {
    pub(super) model: &'m Model,
    pub(super) bindings: Vec<(usize, usize)>,
    /// Every resourceName the applicable rules list.
    pub(super) names: BTreeSet<&'m str>,
}

impl<'m> Scope<'m> {
    pub(super) fn new(model: &'m Model, user: &User, namespace: &str) -> Scope<'m> {
        let bindings = model.bindings_for(user, namespace);
        let names = bindings
            .iter()
            .flat_map(|&(b, _)| model.binding_rules(b))
            .flat_map(|(r, _)| r.resource_names.iter().map(String::as_str))
            .collect();
        Scope {
            model,
            bindings,
            names,
        }
    }
    pub(super) fn allows(&self, req: &Request) -> bool {
        self.bindings.iter().any(|&(b, _)| {
            self.model
                .binding_rules(b)
                .iter()
                .any(|(r, _)| rule_allows(r, req))
        })
    }
    /// The first verb of `verbs` allowed on `group`/`resource` named `name` in `ns`.
    pub(super) fn first(
        &self,
        verbs: &[&str],
        group: &str,
        resource: &str,
        ns: &str,
        name: &str,
    ) -> Option<Request> {
        verbs
            .iter()
            .map(|v| Request::resource(v, group, resource, ns).named(name))
            .find(|r| self.allows(r))
    }
    /// The first allowed request naming any object, else one naming one of the rules'
    /// resourceNames.
    pub(super) fn first_any_name(
        &self,
        verbs: &[&str],
        group: &str,
        resource: &str,
        ns: &str,
    ) -> Option<Request> {
        self.first(verbs, group, resource, ns, ANY_NAME).or_else(|| {
            self.names
                .iter()
                .find_map(|n| self.first(verbs, group, resource, ns, n))
        })
    }
    /// Which of `candidates` some verb is allowed on (their indexes), each with its request.
    pub(super) fn allowed_among(
        &self,
        verbs: &[&str],
        group: &str,
        resource: &str,
        ns: &str,
        candidates: &[&str],
    ) -> Vec<(usize, Request)> {
        if let Some(any) = self.first(verbs, group, resource, ns, ANY_NAME) {
            return candidates
                .iter()
                .enumerate()
                .map(|(i, c)| (i, any.clone().named(c)))
                .collect();
        }
        if self.names.is_empty() {
            return Vec::new();
        }
        candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| self.names.contains(*c))
            .filter_map(|(i, c)| self.first(verbs, group, resource, ns, c).map(|r| (i, r)))
            .collect()
    }
    pub(super) fn grants(&self, req: &Request) -> Vec<Grant> {
        let mut out = Vec::new();
        for &(b, subject) in &self.bindings {
            for (i, (rule, origin)) in self.model.binding_rules(b).iter().enumerate() {
                if rule_allows(rule, req) {
                    out.push(Grant {
                        binding: b,
                        rule: i,
                        origin: *origin,
                        subject,
                    });
                }
            }
        }
        out
    }
    /// The grants allowing `req`, as `Binding (file:line) → Role rules[i]: rule at file:line`.
    pub(super) fn evidence(&self, req: &Request) -> Vec<String> {
        self.model.explain(&Decision::Allowed(self.grants(req)))
    }
    /// The evidence of several requests that together make an edge, each line prefixed by
    /// its request.
    pub(super) fn evidence_of(&self, reqs: &[&Request]) -> Vec<String> {
        reqs.iter()
            .flat_map(|r| {
                let what = request_text(r);
                self.evidence(r).into_iter().map(move |l| format!("{what}: {l}"))
            })
            .collect()
    }
}

/// `Request::describe` without the placeholder name.
pub(super) fn request_text(r: &Request) -> String {
    match r {
        Request::Resource { name, .. } if name == ANY_NAME => r.clone().named("").describe(),
        _ => r.describe(),
    }
}

/// The identity a subject vertex stands for.
pub(super) fn identity_of(v: &Vertex) -> Option<User> {
    Some(match v {
        // A kubelet's credentials are in `system:nodes`.
        Vertex::User { name } if v.node().is_some() => {
            User::new(name, &[crate::node::NODES_GROUP.to_owned()])
        }
        Vertex::User { name } => User::new(name, &[]),
        // Anonymous requests are `system:anonymous` in `system:unauthenticated`.
        Vertex::Group { name } if name == "system:unauthenticated" => {
            User::new("system:anonymous", std::slice::from_ref(name))
        }
        // A member of `system:serviceaccounts:<ns>` is a ServiceAccount: it is also in
        // `system:serviceaccounts` and `system:authenticated`.
        Vertex::Group { name } if name.starts_with("system:serviceaccounts:") => User::new(
            GROUP_MEMBER,
            &[
                "system:serviceaccounts".to_owned(),
                name.clone(),
                "system:authenticated".to_owned(),
            ],
        ),
        Vertex::Group { name } => User::new(GROUP_MEMBER, std::slice::from_ref(name)),
        Vertex::ServiceAccount { namespace, name } => User::service_account(namespace, name),
        _ => return None,
    })
}

/// The edges leaving subject vertex `v`.
pub(super) fn identity_edges(cx: &Ctx<'_>, out: &mut Edges, v: usize) {
    let Some(user) = identity_of(&cx.nodes[v]) else {
        return;
    };
    let m = cx.model;
    let explain = |req: &Request| m.explain(&m.authorize(&user, req));

    // What the identity holds itself.
    let admin = Request::resource("*", "*", "*", "");
    let is_admin = m.can(&user, &admin);
    if is_admin {
        out.add(
            v,
            cx.target(Target::ClusterAdmin),
            EdgeKind::Holds,
            || {
                if user.is_super_user() {
                    format!("is in group {SUPER_USER_GROUP}, which is allowed everything before RBAC is consulted")
                } else {
                    "holds * on *.* cluster-wide (cluster-admin)".into()
                }
            },
            || explain(&admin),
        );
    }
    let secrets = Request::resource("list", "", "secrets", "");
    if m.can(&user, &secrets) {
        out.add(
            v,
            cx.target(Target::Secrets),
            EdgeKind::Holds,
            || "lists (reads) Secrets in every namespace".into(),
            || explain(&secrets),
        );
    }
    let cw = Scope::new(m, &user, "");
    let node_proxy = std::iter::once(ANY_NAME)
        .chain(cw.names.iter().copied())
        .find_map(|n| {
            ["get", "create"]
                .iter()
                .map(|verb| Request::resource(verb, "", "nodes/proxy", "").named(n))
                .find(|r| m.can(&user, r))
        });
    if let Some(r) = &node_proxy {
        out.add(
            v,
            cx.target(Target::Nodes),
            EdgeKind::Holds,
            || match r {
                Request::Resource { name, .. } if name != ANY_NAME => {
                    format!("reaches the kubelet API of node {name} (nodes/proxy)")
                }
                _ => "reaches the kubelet API of every node (nodes/proxy)".into(),
            },
            || explain(r),
        );
    }
    if is_admin {
        // A super-user needs no escalation; its other edges would only add noise.
        return;
    }

    // Cluster-wide escalations (ClusterRoleBindings only).
    let ca = cx.target(Target::ClusterAdmin);
    if let Some(bind) = cw.first(&["bind"], RBAC_GROUP, "clusterroles", "", "cluster-admin") {
        let write = cw
            .first(&["create"], RBAC_GROUP, "clusterrolebindings", "", "")
            .or_else(|| {
                m.cluster_bindings
                    .iter()
                    .map(|&b| &m.bindings[b])
                    .filter(|b| b.role_kind == "ClusterRole" && b.role_name == "cluster-admin")
                    .find_map(|b| {
                        cw.first(
                            &["update", "patch"],
                            RBAC_GROUP,
                            "clusterrolebindings",
                            "",
                            &b.name,
                        )
                    })
            });
        if let Some(write) = write {
            out.add(
                v,
                ca,
                EdgeKind::BindRole,
                || "binds ClusterRole cluster-admin to itself with a ClusterRoleBinding (bind + write clusterrolebindings)".into(),
                || cw.evidence_of(&[&bind, &write]),
            );
        }
    }
    if let Some(approve) = cw.first_any_name(
        &["update", "patch"],
        CERTIFICATES_GROUP,
        "certificatesigningrequests/approval",
        "",
    ) {
        if let Some(sign) = CLIENT_SIGNERS
            .iter()
            .find_map(|s| cw.first(&["approve"], CERTIFICATES_GROUP, "signers", "", s))
        {
            out.add(
                v,
                ca,
                EdgeKind::ApproveCsr,
                || format!("approves a CertificateSigningRequest for a client certificate in group {SUPER_USER_GROUP} (signer kubernetes.io/kube-apiserver-client)"),
                || cw.evidence_of(&[&approve, &sign]),
            );
        }
    }
    let user_names: Vec<&str> = cx.users.iter().map(|(n, _)| *n).collect();
    // A node's vertex stands for its kubelet, in group `system:nodes`: impersonating it
    // needs that group too.
    let nodes_group = cw.first(&["impersonate"], "", "groups", "", crate::node::NODES_GROUP);
    for (i, r) in cw.allowed_among(&["impersonate"], "", "users", "", &user_names) {
        let (name, to) = cx.users[i];
        if cx.nodes[to].node().is_some() {
            let Some(g) = &nodes_group else { continue };
            out.add(
                v,
                to,
                EdgeKind::Impersonate,
                || {
                    format!(
                        "impersonates node User {name} in Group {} (Impersonate-User + Impersonate-Group)",
                        crate::node::NODES_GROUP
                    )
                },
                || cw.evidence_of(&[&r, g]),
            );
            continue;
        }
        out.add(
            v,
            to,
            EdgeKind::Impersonate,
            || format!("impersonates User {name} (Impersonate-User)"),
            || cw.evidence(&r),
        );
    }
    // Impersonating a group needs a user to impersonate too; any name will do.
    if let Some(u) = cw.first_any_name(&["impersonate"], "", "users", "") {
        let as_user = match &u {
            Request::Resource { name, .. } if name != ANY_NAME => format!("user {name}"),
            _ => "any user".into(),
        };
        let group_names: Vec<&str> = cx.groups.iter().map(|(n, _)| *n).collect();
        for (i, g) in cw.allowed_among(&["impersonate"], "", "groups", "", &group_names) {
            let (name, to) = cx.groups[i];
            out.add(
                v,
                to,
                EdgeKind::Impersonate,
                || format!("impersonates Group {name} as {as_user} (Impersonate-User + Impersonate-Group)"),
                || cw.evidence_of(&[&u, &g]),
            );
        }
    }

    // Namespaced escalations: in the namespaces of its RoleBindings, and everywhere when the
    // ClusterRoleBindings grant any of them.
    let held = m.all_bindings_for(&user);
    let mut scopes: BTreeMap<&str, Scope<'_>> = BTreeMap::new();
    for &(b, _) in &held {
        let b = &m.bindings[b];
        if b.kind == BindingKind::RoleBinding && !scopes.contains_key(b.namespace.as_str()) {
            scopes.insert(&b.namespace, Scope::new(m, &user, &b.namespace));
        }
    }
    if namespaced_risk(&cw) {
        for ns in cx.namespaces.keys() {
            let scope = scopes.get(ns.as_str()).unwrap_or(&cw);
            namespace_edges(cx, out, v, scope, ns);
        }
    } else {
        for (ns, scope) in &scopes {
            namespace_edges(cx, out, v, scope, ns);
        }
    }
    if let Some(Request::Resource { name, .. }) = &node_proxy {
        if name == ANY_NAME {
            let r = node_proxy.as_ref().expect("checked");
            let ev = explain(r);
            for &(wi, wv) in &cx.mounted {
                let w = &cx.workloads[wi];
                out.add(
                    v,
                    wv,
                    EdgeKind::NodeProxy,
                    || {
                        format!(
                            "runs commands in a pod of {} through the kubelet API (nodes/proxy) and reads its ServiceAccount token",
                            w.label()
                        )
                    },
                    || ev.clone(),
                );
            }
        }
    }

    // `escalate`: rewrite a role that is already bound to it.
    for &(b, _) in &held {
        let binding = &m.bindings[b];
        let Some(ri) = binding.role else { continue };
        let role = &m.roles[ri];
        if role.aggregation.is_some() {
            continue; // the aggregation controller would overwrite the rules
        }
        let (scope, resource) = match role.kind {
            RoleKind::ClusterRole => (&cw, "clusterroles"),
            RoleKind::Role => match scopes.get(role.namespace.as_str()) {
                Some(s) => (s, "roles"),
                None => continue,
            },
        };
        let Some(esc) = scope.first(&["escalate"], RBAC_GROUP, resource, &role.namespace, &role.name) else {
            continue;
        };
        let Some(upd) = scope.first(
            &["update", "patch"],
            RBAC_GROUP,
            resource,
            &role.namespace,
            &role.name,
        ) else {
            continue;
        };
        let evidence = || {
            let mut e = scope.evidence_of(&[&esc, &upd]);
            e.push(format!(
                "{} ({}) grants it {}",
                binding.display(),
                binding.source.place(),
                role.display()
            ));
            e
        };
        match binding.kind {
            BindingKind::ClusterRoleBinding => out.add(
                v,
                ca,
                EdgeKind::EscalateRole,
                || {
                    format!(
                        "rewrites {} (granted to it cluster-wide by {}) to allow * on *.* (escalate + update)",
                        role.display(),
                        binding.display()
                    )
                },
                evidence,
            ),
            BindingKind::RoleBinding => {
                let ns = &binding.namespace;
                let Some(info) = cx.namespaces.get(ns) else { continue };
                let ev = evidence();
                for a in &info.accounts {
                    out.add(
                        v,
                        a.id,
                        EdgeKind::EscalateRole,
                        || {
                            format!(
                                "rewrites {} (granted to it by {}) to allow everything in namespace {ns} (escalate + update), then runs a pod as ServiceAccount {ns}/{}",
                                role.display(),
                                binding.display(),
                                a.name
                            )
                        },
                        || ev.clone(),
                    );
                }
            }
        }
    }
}

/// Whether a scope grants any namespaced escalation at all (for any object name): when the
/// ClusterRoleBindings grant none, the namespaces without RoleBindings need no probing.
pub(super) fn namespaced_risk(scope: &Scope<'_>) -> bool {
    if scope.bindings.is_empty() {
        return false;
    }
    let mut probes: Vec<(&[&str], &str, &str)> = vec![
        (&["create"], "", "pods"),
        (&["create"], "", "serviceaccounts/token"),
        (&["impersonate"], "", "serviceaccounts"),
        (&["get", "list", "watch"], "", "secrets"),
        (&["bind"], RBAC_GROUP, "clusterroles"),
    ];
    for (g, r, _) in CONTROLLERS {
        probes.push((&["create", "update", "patch"], g, r));
    }
    for (verbs, r, _) in EXEC {
        probes.push((verbs, "", r));
    }
    let names: Vec<&str> = ["", ANY_NAME]
        .into_iter()
        .chain(scope.names.iter().copied())
        .collect();
    probes
        .iter()
        .any(|(verbs, g, r)| names.iter().any(|n| scope.first(verbs, g, r, "", n).is_some()))
}

/// The edges of the escalations `scope` grants in namespace `ns`.
pub(super) fn namespace_edges(cx: &Ctx<'_>, out: &mut Edges, v: usize, scope: &Scope<'_>, ns: &str) {
    let Some(info) = cx.namespaces.get(ns) else {
        return;
    };
    // Run a pod as any ServiceAccount: create pods, or create / rewrite a controller.
    let mut how: Option<(String, Request)> = scope
        .first(&["create"], "", "pods", ns, "")
        .map(|r| (format!("creates a pod in namespace {ns} running as"), r));
    'controllers: for &(group, resource, kind) in CONTROLLERS {
        if how.is_some() {
            break;
        }
        if let Some(r) = scope.first(&["create"], group, resource, ns, "") {
            how = Some((format!("creates a {kind} in namespace {ns} whose pods run as"), r));
            break;
        }
        if let Some(r) = scope.first(&["update", "patch"], group, resource, ns, ANY_NAME) {
            how = Some((
                format!("rewrites the pod template of a {kind} in namespace {ns} to run as"),
                r,
            ));
            break;
        }
        if scope.names.is_empty() {
            continue;
        }
        for &wi in &info.workloads {
            let w = &cx.workloads[wi];
            if w.kind == kind && scope.names.contains(w.name.as_str()) {
                if let Some(r) = scope.first(&["update", "patch"], group, resource, ns, &w.name) {
                    how = Some((format!("rewrites the pod template of {} to run as", w.label()), r));
                    break 'controllers;
                }
            }
        }
    }
    if let Some((what, req)) = &how {
        let ev = scope.evidence(req);
        for a in &info.accounts {
            out.add(
                v,
                a.id,
                EdgeKind::CreatePod,
                || format!("{what} ServiceAccount {ns}/{}", a.name),
                || {
                    let mut e = ev.clone();
                    e.push(a.note.clone());
                    e
                },
            );
        }
        if !info.bound_only.is_empty() {
            if let Some(create) = scope.first(&["create"], "", "serviceaccounts", ns, "") {
                let ev = scope.evidence_of(&[req, &create]);
                for a in &info.bound_only {
                    out.add(
                        v,
                        a.id,
                        EdgeKind::CreatePod,
                        || {
                            format!(
                                "creates ServiceAccount {ns}/{} (not in the input), then {what} it",
                                a.name
                            )
                        },
                        || {
                            let mut e = ev.clone();
                            e.push(a.note.clone());
                            e
                        },
                    );
                }
            }
        }
    }
    // Mint a token.
    let names: Vec<&str> = info.accounts.iter().map(|a| a.name.as_str()).collect();
    for (i, r) in scope.allowed_among(&["create"], "", "serviceaccounts/token", ns, &names) {
        let (name, id) = (&info.accounts[i].name, info.accounts[i].id);
        out.add(
            v,
            id,
            EdgeKind::MintToken,
            || format!("mints a token for ServiceAccount {ns}/{name} (create serviceaccounts/token)"),
            || scope.evidence(&r),
        );
    }
    // Impersonate a ServiceAccount.
    for (i, r) in scope.allowed_among(&["impersonate"], "", "serviceaccounts", ns, &names) {
        let (name, id) = (&info.accounts[i].name, info.accounts[i].id);
        out.add(
            v,
            id,
            EdgeKind::Impersonate,
            || format!("impersonates ServiceAccount {ns}/{name} (Impersonate-User system:serviceaccount:{ns}:{name})"),
            || scope.evidence(&r),
        );
    }
    // Exec into running pods whose token is mounted.
    for &(verbs, resource, what) in EXEC {
        let any = scope.first(verbs, "", resource, ns, ANY_NAME);
        let any_ev = any.as_ref().map(|r| scope.evidence(r));
        for &(wi, wv) in &info.mounted {
            let w = &cx.workloads[wi];
            let ev = match &any_ev {
                Some(ev) => ev.clone(),
                None if w.kind == "Pod" && scope.names.contains(w.name.as_str()) => {
                    match scope.first(verbs, "", resource, ns, &w.name) {
                        Some(r) => scope.evidence(&r),
                        None => continue,
                    }
                }
                None => continue,
            };
            out.add(
                v,
                wv,
                EdgeKind::Exec,
                || {
                    let target = if w.kind == "Pod" {
                        w.label()
                    } else {
                        format!("a pod of {}", w.label())
                    };
                    format!("{what} {target} ({resource}) and reads its ServiceAccount token")
                },
                || ev,
            );
        }
    }
    // Read legacy token Secrets.
    for &si in &info.secrets {
        let s = &cx.secrets[si];
        if let Some(r) = scope.first(&["get", "list", "watch"], "", "secrets", ns, &s.name) {
            let id = cx.index[&Vertex::service_account(ns, &s.service_account)];
            out.add(
                v,
                id,
                EdgeKind::ReadTokenSecret,
                || {
                    format!(
                        "reads Secret {ns}/{}, the legacy token of ServiceAccount {ns}/{}",
                        s.name, s.service_account
                    )
                },
                || {
                    let mut e = scope.evidence(&r);
                    e.push(format!(
                        "Secret {ns}/{} of type kubernetes.io/service-account-token ({})",
                        s.name,
                        s.location
                            .as_ref()
                            .map_or_else(|| "no location".to_owned(), ToString::to_string)
                    ));
                    e
                },
            );
        }
    }
    // Bind a powerful ClusterRole to itself in the namespace: namespace admin.
    for &role in NAMESPACE_ADMIN_ROLES {
        let Some(bind) = scope.first(&["bind"], RBAC_GROUP, "clusterroles", ns, role) else {
            continue;
        };
        let write = scope
            .first(&["create"], RBAC_GROUP, "rolebindings", ns, "")
            .or_else(|| {
                cx.model
                    .namespace_bindings
                    .get(ns)
                    .into_iter()
                    .flatten()
                    .map(|&b| &cx.model.bindings[b])
                    .filter(|b| b.role_kind == "ClusterRole" && b.role_name == role)
                    .find_map(|b| scope.first(&["update", "patch"], RBAC_GROUP, "rolebindings", ns, &b.name))
            });
        let Some(write) = write else { continue };
        let ev = scope.evidence_of(&[&bind, &write]);
        for a in &info.accounts {
            out.add(
                v,
                a.id,
                EdgeKind::BindRole,
                || {
                    format!(
                        "binds ClusterRole {role} to itself in namespace {ns} (bind + write rolebindings), then runs a pod as ServiceAccount {ns}/{}",
                        a.name
                    )
                },
                || ev.clone(),
            );
        }
        break;
    }
}
