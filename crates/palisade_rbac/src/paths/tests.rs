//! Tests of the escalation graph and its paths.
use super::edges::Scope;
use super::*;
use crate::model::ModelOptions;
use std::sync::Arc;

fn load(yaml: &str) -> Vec<Object> {
    let l = palisade_source::load_bytes(Arc::from("t.yaml"), yaml.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    l.objects
}

struct Fixture {
    model: Model,
    workloads: Vec<Workload>,
    g: Graph,
}

fn fixture(yaml: &str) -> Fixture {
    let objects = load(yaml);
    let model = Model::build(&objects, ModelOptions::default());
    let workloads = workloads_from(&objects, &model);
    let secrets = token_secrets_from(&objects);
    let g = graph_with(&model, &workloads, &secrets, &[]);
    Fixture { model, workloads, g }
}

fn role(kind: &str, ns: &str, name: &str, rules: &str) -> String {
    let ns = if ns.is_empty() {
        String::new()
    } else {
        format!("\n  namespace: {ns}")
    };
    format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}{ns}\nrules:\n{rules}\n")
}

fn binding(kind: &str, ns: &str, name: &str, role_kind: &str, role: &str, subjects: &str) -> String {
    let ns = if ns.is_empty() {
        String::new()
    } else {
        format!("\n  namespace: {ns}")
    };
    format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}{ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: {role_kind}\n  name: {role}\nsubjects:\n{subjects}\n")
}

fn user_subject(name: &str) -> String {
    format!("- kind: User\n  apiGroup: rbac.authorization.k8s.io\n  name: {name}")
}

fn sa_subject(ns: &str, name: &str) -> String {
    format!("- kind: ServiceAccount\n  name: {name}\n  namespace: {ns}")
}

fn sa(ns: &str, name: &str, extra: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n{extra}\n"
    )
}

fn deployment(ns: &str, name: &str, spec: &str) -> String {
    format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  template:\n    spec:\n{spec}      containers:\n      - name: c\n        image: nginx\n")
}

/// A ServiceAccount `admins/root-sa` holding cluster-admin.
fn admin_sa() -> String {
    sa("admins", "root-sa", "")
        + &binding(
            "ClusterRoleBinding",
            "",
            "root-sa-admin",
            "ClusterRole",
            "cluster-admin",
            &sa_subject("admins", "root-sa"),
        )
}

fn user(n: &str) -> Start {
    Start::User { name: n.into() }
}

fn one(f: &Fixture, from: &Start, t: Target) -> Option<Path> {
    let p = paths(&f.g, Some(from), Some(t));
    assert!(p.len() <= 1);
    p.into_iter().next()
}

fn kinds(p: &Path) -> Vec<EdgeKind> {
    p.steps.iter().map(|s| s.kind).collect()
}

fn edge<'g>(g: &'g Graph, from: &Vertex, to: &Vertex) -> Option<&'g Edge> {
    let (a, b) = (g.node(from)?, g.node(to)?);
    g.edges_from(a).find(|e| e.to == b)
}

#[test]
fn chain_user_creates_pod_as_admin_service_account() {
    let yaml = role(
        "Role",
        "shop",
        "dev",
        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
    ) + &binding(
        "RoleBinding",
        "shop",
        "dev",
        "Role",
        "dev",
        &user_subject("alice"),
    ) + &sa("shop", "builder", "")
        + &binding(
            "ClusterRoleBinding",
            "",
            "builder-admin",
            "ClusterRole",
            "cluster-admin",
            &sa_subject("shop", "builder"),
        );
    let f = fixture(&yaml);
    let p = one(&f, &user("alice"), Target::ClusterAdmin).expect("a path");
    assert_eq!(kinds(&p), vec![EdgeKind::CreatePod, EdgeKind::Holds]);
    assert_eq!(p.steps[0].to, Vertex::service_account("shop", "builder"));
    assert_eq!(
        p.steps[0].action,
        "creates a pod in namespace shop running as ServiceAccount shop/builder"
    );
    let ev = &p.steps[0].evidence;
    assert!(
        ev[0].starts_with("RoleBinding shop/dev (t.yaml:")
            && ev[0].contains("→ Role shop/dev rules[0]: create pods [core] at t.yaml:"),
        "{ev:?}"
    );
    assert!(
        ev.iter()
            .any(|l| l.starts_with("ServiceAccount shop/builder at t.yaml:")),
        "{ev:?}"
    );
    assert!(
        p.steps[1].evidence[0].starts_with("ClusterRoleBinding builder-admin (t.yaml:")
            && p.steps[1].evidence[0].contains("ClusterRole cluster-admin rules[0]"),
        "{:?}",
        p.steps[1].evidence
    );
    assert_eq!(p.summary(), "User alice → cluster-admin in 2 steps");
    // alice may also reach the other targets through the same ServiceAccount.
    let all = paths(&f.g, Some(&user("alice")), None);
    assert_eq!(
        all.iter().map(|p| p.target).collect::<Vec<_>>(),
        vec![Target::ClusterAdmin, Target::Secrets, Target::Nodes]
    );
    // Default starts: alice, and builder (already cluster-admin: a 0-step path).
    let d = paths(&f.g, None, Some(Target::ClusterAdmin));
    let builder = d
        .iter()
        .find(|p| {
            p.start
                == Start::ServiceAccount {
                    namespace: "shop".into(),
                    name: "builder".into(),
                }
        })
        .expect("builder");
    assert!(builder.is_already());
    assert!(builder.evidence[0].starts_with("ClusterRoleBinding builder-admin"));
    assert!(d.iter().any(|p| p.start == user("alice") && p.steps.len() == 2));
    // No system subject is a default start.
    assert!(d.iter().all(|p| !p.start.is_system()));
    // Without the right, no path.
    assert!(one(&f, &user("nobody"), Target::ClusterAdmin).is_none());
}

/// Every authenticated user may create pods in `open`, where ServiceAccount `ci` is
/// cluster-admin.
fn open_namespace() -> String {
    role(
        "ClusterRole",
        "",
        "pod-maker",
        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
    ) + &binding(
        "RoleBinding",
        "open",
        "everyone",
        "ClusterRole",
        "pod-maker",
        "- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: system:authenticated",
    ) + &sa("open", "ci", "")
        + &binding(
            "ClusterRoleBinding",
            "",
            "ci",
            "ClusterRole",
            "cluster-admin",
            &sa_subject("open", "ci"),
        )
}

#[test]
fn implicit_groups_are_applied() {
    // Every authenticated user may create pods in `open`.
    let yaml = open_namespace()
        + &binding(
            "RoleBinding",
            "x",
            "x",
            "ClusterRole",
            "view",
            &user_subject("zed"),
        );
    let f = fixture(&yaml);
    let p = one(&f, &user("zed"), Target::ClusterAdmin).expect("zed is authenticated");
    assert_eq!(p.steps[0].to, Vertex::service_account("open", "ci"));
    assert!(p.steps[0].evidence[0].starts_with("RoleBinding open/everyone"));
}

#[test]
fn controllers_and_resource_names() {
    let yaml = role(
        "Role",
        "shop",
        "patch-web",
        "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [patch]\n  resourceNames: [web]",
    ) + &binding("RoleBinding", "shop", "bob", "Role", "patch-web", &user_subject("bob"))
        + &role(
            "Role",
            "shop",
            "patch-ghost",
            "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [patch]\n  resourceNames: [ghost]\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]\n  resourceNames: [x]",
        )
        + &binding("RoleBinding", "shop", "carl", "Role", "patch-ghost", &user_subject("carl"))
        + &role(
            "Role",
            "shop",
            "jobs",
            "- apiGroups: [batch]\n  resources: [cronjobs]\n  verbs: [create]",
        )
        + &binding("RoleBinding", "shop", "dina", "Role", "jobs", &user_subject("dina"))
        + &deployment("shop", "web", "")
        + &sa("shop", "deployer", "")
        + &binding(
            "ClusterRoleBinding",
            "",
            "deployer",
            "ClusterRole",
            "cluster-admin",
            &sa_subject("shop", "deployer"),
        );
    let f = fixture(&yaml);
    let p = one(&f, &user("bob"), Target::ClusterAdmin).expect("bob rewrites web");
    assert_eq!(p.steps[0].kind, EdgeKind::CreatePod);
    assert_eq!(
        p.steps[0].action,
        "rewrites the pod template of Deployment shop/web to run as ServiceAccount shop/deployer"
    );
    // A name that is no workload of the input, and `create` limited by resourceNames
    // (which never authorizes a create): nothing.
    assert!(one(&f, &user("carl"), Target::ClusterAdmin).is_none());
    let p = one(&f, &user("dina"), Target::ClusterAdmin).expect("dina creates cronjobs");
    assert!(p.steps[0]
        .action
        .starts_with("creates a CronJob in namespace shop whose pods run as"));
}

#[test]
fn bound_only_service_accounts_need_create_serviceaccounts() {
    let yaml = role(
        "Role",
        "ci",
        "pods",
        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
    ) + &binding("RoleBinding", "ci", "p", "Role", "pods", &user_subject("pat"))
        + &role(
            "Role",
            "ci",
            "pods-and-sas",
            "- apiGroups: [\"\"]\n  resources: [pods, serviceaccounts]\n  verbs: [create]",
        )
        + &binding("RoleBinding", "ci", "q", "Role", "pods-and-sas", &user_subject("quinn"))
        // `ci/ghost` is only named by a binding: it is not in the input.
        + &binding("ClusterRoleBinding", "", "ghost", "ClusterRole", "cluster-admin", &sa_subject("ci", "ghost"));
    let f = fixture(&yaml);
    assert!(one(&f, &user("pat"), Target::ClusterAdmin).is_none());
    let p = one(&f, &user("quinn"), Target::ClusterAdmin).expect("quinn creates the SA");
    assert!(p.steps[0]
        .action
        .starts_with("creates ServiceAccount ci/ghost (not in the input)"));
}

#[test]
fn bind_and_escalate() {
    let yaml = role(
        "ClusterRole",
        "",
        "binder",
        "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]\n  resourceNames: [cluster-admin]\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterrolebindings]\n  verbs: [create]",
    ) + &binding("ClusterRoleBinding", "", "binder", "ClusterRole", "binder", &user_subject("ben"))
        + &role(
            "ClusterRole",
            "",
            "bind-only",
            "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]",
        )
        + &binding("ClusterRoleBinding", "", "bind-only", "ClusterRole", "bind-only", &user_subject("bo"))
        + &role(
            "ClusterRole",
            "",
            "self-edit",
            "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [escalate, update]\n  resourceNames: [self-edit]",
        )
        + &binding("ClusterRoleBinding", "", "self-edit", "ClusterRole", "self-edit", &user_subject("esc"))
        // Namespaced: bind admin + create rolebindings in `team` → namespace admin there.
        + &role(
            "Role",
            "team",
            "rb-writer",
            "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [rolebindings]\n  verbs: [create]\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]\n  resourceNames: [admin]",
        )
        + &binding("RoleBinding", "team", "lead", "Role", "rb-writer", &user_subject("lead"))
        // Namespaced escalate: rewrite its own Role in `team`.
        + &role(
            "Role",
            "team",
            "self",
            "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [roles]\n  verbs: [escalate, patch]\n  resourceNames: [self]",
        )
        + &binding("RoleBinding", "team", "self", "Role", "self", &user_subject("nse"))
        + &sa("team", "ops", "")
        + &binding("ClusterRoleBinding", "", "ops", "ClusterRole", "cluster-admin", &sa_subject("team", "ops"));
    let f = fixture(&yaml);
    let p = one(&f, &user("ben"), Target::ClusterAdmin).expect("ben binds cluster-admin");
    assert_eq!(kinds(&p), vec![EdgeKind::BindRole]);
    assert_eq!(p.steps[0].evidence.len(), 2);
    assert!(p.steps[0].evidence[0].starts_with("bind clusterroles.rbac.authorization.k8s.io \"cluster-admin\" (cluster-wide): ClusterRoleBinding binder"), "{:?}", p.steps[0].evidence);
    assert!(
        one(&f, &user("bo"), Target::ClusterAdmin).is_none(),
        "bind without writing bindings"
    );
    let p = one(&f, &user("esc"), Target::ClusterAdmin).expect("esc rewrites its role");
    assert_eq!(kinds(&p), vec![EdgeKind::EscalateRole]);
    assert!(p.steps[0].action.starts_with(
        "rewrites ClusterRole self-edit (granted to it cluster-wide by ClusterRoleBinding self-edit)"
    ));
    let p = one(&f, &user("lead"), Target::ClusterAdmin).expect("lead becomes namespace admin");
    assert_eq!(kinds(&p), vec![EdgeKind::BindRole, EdgeKind::Holds]);
    assert_eq!(p.steps[0].to, Vertex::service_account("team", "ops"));
    assert!(p.steps[0]
        .action
        .starts_with("binds ClusterRole admin to itself in namespace team"));
    let p = one(&f, &user("nse"), Target::ClusterAdmin).expect("nse rewrites its Role");
    assert_eq!(kinds(&p), vec![EdgeKind::EscalateRole, EdgeKind::Holds]);
    assert_eq!(p.steps[0].to, Vertex::service_account("team", "ops"));
    assert!(p.steps[0]
        .evidence
        .last()
        .unwrap()
        .starts_with("RoleBinding team/self (t.yaml:"));
}

#[test]
fn impersonation() {
    let yaml = role(
        "ClusterRole",
        "",
        "imp-all",
        "- apiGroups: [\"\"]\n  resources: [users, groups]\n  verbs: [impersonate]",
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "dave",
        "ClusterRole",
        "imp-all",
        &user_subject("dave"),
    ) + &role(
        "ClusterRole",
        "",
        "imp-bob",
        "- apiGroups: [\"\"]\n  resources: [users]\n  verbs: [impersonate]\n  resourceNames: [bob]",
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "eve",
        "ClusterRole",
        "imp-bob",
        &user_subject("eve"),
    ) + &role(
        "ClusterRole",
        "",
        "read-secrets",
        "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list]",
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "bob",
        "ClusterRole",
        "read-secrets",
        &user_subject("bob"),
    ) + &binding(
        "RoleBinding",
        "x",
        "alice",
        "ClusterRole",
        "view",
        &user_subject("alice"),
    ) + &role(
        "Role",
        "apps",
        "imp-sa",
        "- apiGroups: [\"\"]\n  resources: [serviceaccounts]\n  verbs: [impersonate]\n  resourceNames: [a]",
    ) + &binding(
        "RoleBinding",
        "apps",
        "fay",
        "Role",
        "imp-sa",
        &user_subject("fay"),
    ) + &sa("apps", "a", "")
        + &sa("apps", "b", "")
        + &binding(
            "RoleBinding",
            "apps",
            "a",
            "ClusterRole",
            "edit",
            &sa_subject("apps", "a"),
        )
        + &binding(
            "ClusterRoleBinding",
            "",
            "b",
            "ClusterRole",
            "cluster-admin",
            &sa_subject("apps", "b"),
        );
    let f = fixture(&yaml);
    // Any user and any group: system:masters.
    let p = one(&f, &user("dave"), Target::ClusterAdmin).expect("dave impersonates system:masters");
    assert_eq!(kinds(&p), vec![EdgeKind::Impersonate, EdgeKind::Holds]);
    assert_eq!(
        p.steps[0].to,
        Vertex::Group {
            name: "system:masters".into()
        }
    );
    assert!(p.steps[0].action.contains("as any user"), "{}", p.steps[0].action);
    assert!(p.steps[1].action.contains("system:masters"));
    // Only bob, no groups: bob's secrets, not cluster-admin.
    assert!(one(&f, &user("eve"), Target::ClusterAdmin).is_none());
    let p = one(&f, &user("eve"), Target::Secrets).expect("eve → bob → secrets");
    assert_eq!(kinds(&p), vec![EdgeKind::Impersonate, EdgeKind::Holds]);
    assert_eq!(p.steps[0].to, Vertex::User { name: "bob".into() });
    let eve = Vertex::User { name: "eve".into() };
    assert!(edge(&f.g, &eve, &Vertex::User { name: "alice".into() }).is_none());
    assert!(edge(
        &f.g,
        &Vertex::User { name: "dave".into() },
        &Vertex::User { name: "alice".into() }
    )
    .is_some());
    // ServiceAccounts: only `a` (resourceNames), whose edit role then reaches `b`.
    let fay = Vertex::User { name: "fay".into() };
    let e = edge(&f.g, &fay, &Vertex::service_account("apps", "a")).expect("fay → a");
    assert_eq!(e.kind, EdgeKind::Impersonate);
    assert!(edge(&f.g, &fay, &Vertex::service_account("apps", "b")).is_none());
    let p = one(&f, &user("fay"), Target::ClusterAdmin).expect("fay → a → b");
    assert_eq!(
        kinds(&p),
        vec![EdgeKind::Impersonate, EdgeKind::CreatePod, EdgeKind::Holds]
    );
}

#[test]
fn token_requests_respect_resource_names() {
    let yaml = role(
        "Role",
        "apps",
        "token-a",
        "- apiGroups: [\"\"]\n  resources: [serviceaccounts/token]\n  verbs: [create]\n  resourceNames: [a]",
    ) + &binding(
        "RoleBinding",
        "apps",
        "gus",
        "Role",
        "token-a",
        &user_subject("gus"),
    ) + &sa("apps", "a", "")
        + &sa("apps", "b", "");
    let f = fixture(&yaml);
    let gus = Vertex::User { name: "gus".into() };
    let e = edge(&f.g, &gus, &Vertex::service_account("apps", "a")).expect("gus → a");
    assert_eq!(e.kind, EdgeKind::MintToken);
    assert!(e.evidence[0].contains("Role apps/token-a rules[0]"));
    assert!(edge(&f.g, &gus, &Vertex::service_account("apps", "b")).is_none());
    assert!(edge(&f.g, &gus, &Vertex::service_account("apps", "default")).is_none());
}

#[test]
fn exec_reaches_only_mounted_tokens() {
    let yaml = role(
        "Role",
        "shop",
        "exec",
        "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [get]",
    ) + &binding("RoleBinding", "shop", "hal", "Role", "exec", &user_subject("hal"))
        + &sa("shop", "web-sa", "")
        + &sa("shop", "quiet-sa", "")
        + &sa("shop", "noauto", "automountServiceAccountToken: false")
        + &deployment("shop", "web", "      serviceAccountName: web-sa\n")
        + &deployment(
            "shop",
            "quiet",
            "      serviceAccountName: quiet-sa\n      automountServiceAccountToken: false\n",
        )
        + &deployment("shop", "silent", "      serviceAccountName: noauto\n");
    let f = fixture(&yaml);
    let hal = Vertex::User { name: "hal".into() };
    let web = Vertex::Workload {
        namespace: "shop".into(),
        kind: "Deployment".into(),
        name: "web".into(),
    };
    let e = edge(&f.g, &hal, &web).expect("hal execs into web");
    assert_eq!(e.kind, EdgeKind::Exec);
    assert_eq!(
        e.action,
        "execs into a pod of Deployment shop/web (pods/exec) and reads its ServiceAccount token"
    );
    let e = edge(&f.g, &web, &Vertex::service_account("shop", "web-sa")).expect("web's token");
    assert_eq!(e.kind, EdgeKind::PodToken);
    assert!(
        e.evidence[0].starts_with("Deployment shop/web (t.yaml:"),
        "{:?}",
        e.evidence
    );
    for name in ["quiet", "silent"] {
        let w = Vertex::Workload {
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: name.into(),
        };
        assert!(edge(&f.g, &hal, &w).is_none(), "{name}");
        assert_eq!(f.g.edges_from(f.g.node(&w).unwrap()).count(), 0, "{name}");
    }
}

#[test]
fn node_proxy_reaches_every_mounted_workload() {
    let yaml = role(
        "ClusterRole",
        "",
        "kubelet",
        "- apiGroups: [\"\"]\n  resources: [nodes/proxy]\n  verbs: [get]",
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "ivy",
        "ClusterRole",
        "kubelet",
        &user_subject("ivy"),
    ) + &admin_sa()
        + &deployment("admins", "tool", "      serviceAccountName: root-sa\n");
    let f = fixture(&yaml);
    let p = one(&f, &user("ivy"), Target::Nodes).expect("ivy holds nodes");
    assert!(p.is_already());
    assert!(p.evidence[0].contains("ClusterRole kubelet rules[0]: get nodes/proxy [core]"));
    let p = one(&f, &user("ivy"), Target::ClusterAdmin).expect("through the kubelet");
    assert_eq!(
        kinds(&p),
        vec![EdgeKind::NodeProxy, EdgeKind::PodToken, EdgeKind::Holds]
    );
    assert_eq!(
        p.steps[0].to,
        Vertex::Workload {
            namespace: "admins".into(),
            kind: "Deployment".into(),
            name: "tool".into()
        }
    );
}

#[test]
fn csr_approval_needs_both_rights() {
    let yaml = role(
        "ClusterRole",
        "",
        "approver",
        "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  verbs: [approve]\n  resourceNames: [kubernetes.io/kube-apiserver-client]",
    ) + &binding("ClusterRoleBinding", "", "jo", "ClusterRole", "approver", &user_subject("jo"))
        + &role(
            "ClusterRole",
            "",
            "half",
            "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  verbs: [approve]\n  resourceNames: [kubernetes.io/kubelet-serving]",
        )
        + &binding("ClusterRoleBinding", "", "kim", "ClusterRole", "half", &user_subject("kim"));
    let f = fixture(&yaml);
    let p = one(&f, &user("jo"), Target::ClusterAdmin).expect("jo approves");
    assert_eq!(kinds(&p), vec![EdgeKind::ApproveCsr]);
    assert_eq!(p.steps[0].evidence.len(), 2);
    assert!(one(&f, &user("kim"), Target::ClusterAdmin).is_none());
}

#[test]
fn secrets_cluster_wide_and_legacy_tokens() {
    let yaml = role(
        "ClusterRole",
        "",
        "secret-reader",
        "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [list]",
    ) + &binding("ClusterRoleBinding", "", "lu", "ClusterRole", "secret-reader", &user_subject("lu"))
        + &role(
            "Role",
            "legacy",
            "one-secret",
            "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n  resourceNames: [old-token]",
        )
        + &binding("RoleBinding", "legacy", "max", "Role", "one-secret", &user_subject("max"))
        + &binding("RoleBinding", "legacy", "ned", "ClusterRole", "secret-reader", &user_subject("ned"))
        + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: old-token\n  namespace: legacy\n  annotations:\n    kubernetes.io/service-account.name: old\ntype: kubernetes.io/service-account-token\n"
        + &binding("ClusterRoleBinding", "", "old", "ClusterRole", "cluster-admin", &sa_subject("legacy", "old"));
    let f = fixture(&yaml);
    let p = one(&f, &user("lu"), Target::Secrets).expect("lu lists every secret");
    assert!(p.is_already());
    assert_eq!(p.summary(), "User lu can already list every Secret");
    // Through the token Secret (get by name, and list in the namespace).
    for who in ["max", "ned"] {
        let p = one(&f, &user(who), Target::ClusterAdmin).expect(who);
        assert_eq!(
            kinds(&p),
            vec![EdgeKind::ReadTokenSecret, EdgeKind::Holds],
            "{who}"
        );
        assert!(p.steps[0].evidence.iter().any(
            |l| l.starts_with("Secret legacy/old-token of type kubernetes.io/service-account-token (t.yaml:")
        ));
    }
    // `lu` lists every secret, so it also reads the old token.
    let p = one(&f, &user("lu"), Target::ClusterAdmin).expect("lu");
    assert_eq!(kinds(&p), vec![EdgeKind::ReadTokenSecret, EdgeKind::Holds]);
}

#[test]
fn workloads_are_starts() {
    let yaml = admin_sa() + &deployment("admins", "tool", "      serviceAccount: root-sa\n");
    let f = fixture(&yaml);
    let s = parse_subject("workload:admins/deploy/tool").unwrap();
    let p = one(&f, &s, Target::ClusterAdmin).expect("the pod's token is cluster-admin");
    assert_eq!(kinds(&p), vec![EdgeKind::PodToken, EdgeKind::Holds]);
    assert!(paths(&f.g, None, None)
        .iter()
        .any(|p| p.start == s && p.target == Target::ClusterAdmin));
}

#[test]
fn super_users_are_zero_step_paths() {
    let yaml = binding(
        "ClusterRoleBinding",
        "",
        "root",
        "ClusterRole",
        "cluster-admin",
        &user_subject("root"),
    );
    let f = fixture(&yaml);
    let all = paths(&f.g, None, None);
    let root: Vec<&Path> = all.iter().filter(|p| p.start == user("root")).collect();
    assert_eq!(root.len(), 1, "the other targets are implied");
    assert!(root[0].is_already());
    assert_eq!(root[0].summary(), "User root is already cluster-admin");
    assert!(root[0].evidence[0].starts_with("ClusterRoleBinding root (t.yaml:"));
    // system:masters is a system subject: not a default start, but can be asked for.
    assert!(all.iter().all(|p| p.start
        != Start::Group {
            name: "system:masters".into()
        }));
    let m = paths(
        &f.g,
        Some(&Start::Group {
            name: "system:masters".into(),
        }),
        None,
    );
    assert_eq!(m.len(), 1);
    assert!(m[0].is_already() && m[0].evidence[0].contains("system:masters"));
    // Asked for another target: reported as held.
    let s = paths(&f.g, Some(&user("root")), Some(Target::Secrets));
    assert!(s.len() == 1 && s[0].is_already());
    assert_eq!(s[0].summary(), "User root can already list every Secret");
    let n = paths(&f.g, Some(&user("root")), Some(Target::Nodes));
    assert_eq!(
        n[0].summary(),
        "User root can already reach the kubelet API (nodes/proxy)"
    );
    // No escalation edges leave a super-user.
    let r = f.g.node(&Vertex::User { name: "root".into() }).unwrap();
    assert!(f.g.edges_from(r).all(|e| e.kind == EdgeKind::Holds));
}

#[test]
fn extra_subjects_hold_their_implicit_groups() {
    let yaml = open_namespace();
    let objects = load(&yaml);
    let model = Model::build(&objects, ModelOptions::default());
    let newcomer = parse_subject("newcomer").unwrap();
    let g = graph(&model, &[]);
    assert!(paths(&g, Some(&newcomer), None).is_empty(), "not a vertex");
    let g = graph_with(&model, &[], &[], std::slice::from_ref(&newcomer));
    let p = paths(&g, Some(&newcomer), Some(Target::ClusterAdmin));
    assert_eq!(p.len(), 1);
}

#[test]
fn parse_subjects() {
    let sa = |ns: &str, n: &str| Start::ServiceAccount {
        namespace: ns.into(),
        name: n.into(),
    };
    assert_eq!(
        parse_subject("system:serviceaccount:shop:ci"),
        Ok(sa("shop", "ci"))
    );
    assert_eq!(parse_subject("serviceaccount:shop/ci"), Ok(sa("shop", "ci")));
    assert_eq!(parse_subject("sa:shop/ci"), Ok(sa("shop", "ci")));
    assert_eq!(
        parse_subject("user:system:kube-scheduler"),
        Ok(user("system:kube-scheduler"))
    );
    assert_eq!(
        parse_subject("group:devs"),
        Ok(Start::Group { name: "devs".into() })
    );
    assert_eq!(parse_subject("alice"), Ok(user("alice")));
    assert_eq!(parse_subject("oidc:alice"), Ok(user("oidc:alice")));
    assert_eq!(
        parse_subject("workload:shop/Deployment/web"),
        Ok(Start::Workload {
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: "web".into()
        })
    );
    assert_eq!(
        parse_subject("workload:shop/sts/db"),
        Ok(Start::Workload {
            namespace: "shop".into(),
            kind: "StatefulSet".into(),
            name: "db".into()
        })
    );
    for bad in [
        "",
        "sa:shop",
        "sa:/x",
        "user:",
        "group:",
        "workload:a/b",
        "system:serviceaccount:x",
    ] {
        assert!(parse_subject(bad).is_err(), "{bad:?}");
    }
    assert_eq!("nodes".parse::<Target>(), Ok(Target::Nodes));
    assert!("root".parse::<Target>().is_err());
}

#[test]
fn workload_semantics() {
    let yaml = sa("shop", "quiet", "automountServiceAccountToken: false")
        + &deployment("shop", "a", "      serviceAccountName: quiet\n")
        + &deployment("shop", "b", "      serviceAccountName: quiet\n      automountServiceAccountToken: true\n")
        + &deployment("shop", "c", "      serviceAccount: legacy\n")
        + &deployment("shop", "d", "      serviceAccountName: new\n      serviceAccount: legacy\n")
        + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n"
        + "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cj\n  namespace: shop\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: cron\n          automountServiceAccountToken: false\n          containers:\n          - name: c\n            image: x\n"
        + "---\napiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: t\n  namespace: shop\ntemplate:\n  spec:\n    containers:\n    - name: c\n      image: x\n";
    let f = fixture(&yaml);
    let got: Vec<(&str, &str, &str, bool)> = f
        .workloads
        .iter()
        .map(|w| {
            (
                w.namespace.as_str(),
                w.name.as_str(),
                w.service_account.as_str(),
                w.automount,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("shop", "a", "quiet", false),
            ("shop", "b", "quiet", true),
            ("shop", "c", "legacy", true),
            ("shop", "d", "new", true),
            ("default", "p", "default", true),
            ("shop", "cj", "cron", false),
        ]
    );
    let a = &f.workloads[0];
    let loc = a.location.as_ref().unwrap();
    assert_eq!(&*loc.file, "t.yaml");
    // Workload ServiceAccounts are vertices; pods carry the mounted tokens only.
    assert!(f.g.node(&Vertex::service_account("shop", "legacy")).is_some());
    assert!(f.g.node(&Vertex::service_account("default", "default")).is_some());
    let cj = Vertex::Workload {
        namespace: "shop".into(),
        kind: "CronJob".into(),
        name: "cj".into(),
    };
    assert_eq!(f.g.edges_from(f.g.node(&cj).unwrap()).count(), 0);
}

#[test]
fn renderings() {
    let yaml = role(
        "Role",
        "shop",
        "dev",
        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
    ) + &binding(
        "RoleBinding",
        "shop",
        "dev",
        "Role",
        "dev",
        &user_subject("al\"ice"),
    ) + &admin_sa()
        + &binding(
            "RoleBinding",
            "admins",
            "dev",
            "Role",
            "dev",
            &user_subject("al\"ice"),
        )
        + &role(
            "Role",
            "admins",
            "dev",
            "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
        )
        + &binding(
            "ClusterRoleBinding",
            "",
            "root",
            "ClusterRole",
            "cluster-admin",
            &user_subject("root"),
        );
    let f = fixture(&yaml);
    let p = paths(&f.g, None, Some(Target::ClusterAdmin));
    assert_eq!(p.len(), 3, "{p:#?}"); // al"ice, root (0 steps), root-sa (0 steps)
                                      // DOT and Mermaid renderings are tested in palisade_report.
    let j = serde_json::to_value(&p).unwrap();
    assert_eq!(j[0]["start"]["type"], "User");
    assert_eq!(j[0]["target"], "cluster-admin");
    assert_eq!(j[0]["steps"][0]["kind"], "create-pod");
    assert_eq!(j[0]["steps"][0]["to"]["type"], "ServiceAccount");
    assert!(j[0].get("evidence").is_none());
    let gj = serde_json::to_value(&f.g).unwrap();
    assert!(gj["nodes"].as_array().unwrap().len() > 3);
    assert!(gj["edges"][0]["from"].is_u64());
}

/// The bulk probes answer exactly like `Model::can`.
#[test]
fn scope_agrees_with_the_authorizer() {
    let yaml = role(
        "ClusterRole",
        "",
        "mixed",
        "- apiGroups: [\"\", apps]\n  resources: [pods, deployments, secrets, \"*/exec\"]\n  verbs: [get, create, patch]\n  resourceNames: [web]\n- apiGroups: [\"*\"]\n  resources: [serviceaccounts/token]\n  verbs: [\"*\"]",
    ) + &binding("RoleBinding", "shop", "m", "ClusterRole", "mixed", &user_subject("mo"))
        + &binding("ClusterRoleBinding", "", "m", "ClusterRole", "view", &user_subject("mo"));
    let f = fixture(&yaml);
    let u = User::new("mo", &[]);
    for ns in ["", "shop", "other"] {
        let s = Scope::new(&f.model, &u, ns);
        for verb in ["get", "list", "create", "patch", "impersonate"] {
            for res in [
                "pods",
                "pods/exec",
                "deployments",
                "secrets",
                "serviceaccounts/token",
                "configmaps",
            ] {
                for group in ["", "apps"] {
                    for name in ["", "web", "x", ANY_NAME] {
                        let r = Request::resource(verb, group, res, ns).named(name);
                        assert_eq!(s.allows(&r), f.model.can(&u, &r), "{r:?}");
                    }
                }
            }
        }
    }
}

/// 10,000 roles, 10,000 bindings, 2,000 ServiceAccounts and 2,000 Deployments in 200
/// namespaces, with 140 cluster-wide grants that fan out everywhere. Run with
/// `cargo test --release -p palisade_rbac --lib paths::tests::large -- --ignored`.
#[test]
#[ignore]
fn large_model_builds_fast() {
    let mut yaml = String::new();
    for i in 0..10_000 {
        let ns = format!("ns{}", i % 200);
        let rules = match i % 5 {
            0 => "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
            1 => "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n  resourceNames: [s1]",
            2 => "- apiGroups: [\"\"]\n  resources: [serviceaccounts/token]\n  verbs: [create]\n  resourceNames: [sa1]",
            3 => "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [get]",
            _ => "- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list]",
        };
        yaml += &role("Role", &ns, &format!("r{i}"), rules);
        let subject = if i % 3 == 0 {
            sa_subject(&ns, &format!("sa{}", i % 10))
        } else {
            user_subject(&format!("user{}", i % 3000))
        };
        yaml += &binding(
            "RoleBinding",
            &ns,
            &format!("b{i}"),
            "Role",
            &format!("r{i}"),
            &subject,
        );
    }
    for i in 0..2000 {
        yaml += &sa(&format!("ns{}", i % 200), &format!("sa{}", i / 200), "");
    }
    for i in 0..20 {
        yaml += &binding(
            "ClusterRoleBinding",
            "",
            &format!("admin{i}"),
            "ClusterRole",
            "cluster-admin",
            &sa_subject(&format!("ns{i}"), "sa1"),
        );
    }
    // Cluster-wide grants fan out to every namespace: 100 pod creators, 20 impersonators,
    // 20 kubelet users.
    yaml += &role(
        "ClusterRole",
        "",
        "cw-pods",
        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]",
    );
    yaml += &role(
        "ClusterRole",
        "",
        "cw-imp",
        "- apiGroups: [\"\"]\n  resources: [users, groups, serviceaccounts]\n  verbs: [impersonate]",
    );
    yaml += &role(
        "ClusterRole",
        "",
        "cw-kubelet",
        "- apiGroups: [\"\"]\n  resources: [nodes/proxy]\n  verbs: [get]",
    );
    for i in 0..140 {
        let r = if i < 100 {
            "cw-pods"
        } else if i < 120 {
            "cw-imp"
        } else {
            "cw-kubelet"
        };
        yaml += &binding(
            "ClusterRoleBinding",
            "",
            &format!("cw{i}"),
            "ClusterRole",
            r,
            &user_subject(&format!("cw-user{i}")),
        );
    }
    for i in 0..2000 {
        yaml += &deployment(
            &format!("ns{}", i % 200),
            &format!("d{i}"),
            &format!("      serviceAccountName: sa{}\n", i / 200),
        );
    }
    let objects = load(&yaml);
    let model = Model::build(&objects, ModelOptions::default());
    let t = std::time::Instant::now();
    let workloads = workloads_from(&objects, &model);
    let g = graph(&model, &workloads);
    let built = t.elapsed();
    let t = std::time::Instant::now();
    let p = paths(&g, None, None);
    let found = t.elapsed();
    eprintln!(
        "{} nodes, {} edges in {built:?}; {} paths in {found:?}",
        g.nodes.len(),
        g.edges.len(),
        p.len()
    );
    assert!(built.as_secs_f64() < 2.0);
}

fn group_subject(name: &str) -> String {
    format!("- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: \"{name}\"")
}

/// Issue 12 item 2: the groups that stand for everyone are default starts, and a grant to
/// them is reported even when it is held directly (0 steps).
#[test]
fn everyone_groups_are_default_starts() {
    let secrets_reader = role(
        "ClusterRole",
        "",
        "read-secrets",
        "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list]",
    );
    for group in [
        "system:authenticated",
        "system:unauthenticated",
        "system:serviceaccounts",
        "system:serviceaccounts:shop",
    ] {
        let yaml = secrets_reader.clone()
            + &binding(
                "ClusterRoleBinding",
                "",
                "everyone",
                "ClusterRole",
                "read-secrets",
                &group_subject(group),
            );
        let f = fixture(&yaml);
        let start = Vertex::Group { name: group.into() };
        assert!(
            f.g.default_starts().contains(&start),
            "{group} is a default start"
        );
        let found = paths(&f.g, None, None);
        assert!(
            found
                .iter()
                .any(|p| p.start == start && p.target == Target::Secrets && p.is_already()),
            "{group}: {found:?}"
        );
    }
    // The controllers' own system subjects stay out of the default starts.
    let f = fixture(&secrets_reader);
    assert!(!f
        .g
        .default_starts()
        .iter()
        .any(|s| matches!(s, Vertex::User { name } if name.starts_with("system:kube-"))));
}

/// A member of `system:serviceaccounts:<ns>` is also in `system:serviceaccounts`; an
/// unauthenticated request is `system:anonymous`.
#[test]
fn everyone_groups_carry_their_implied_groups() {
    let yaml = role(
        "ClusterRole",
        "",
        "read-secrets",
        "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [list]",
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "all-sas",
        "ClusterRole",
        "read-secrets",
        &group_subject("system:serviceaccounts"),
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "anon",
        "ClusterRole",
        "read-secrets",
        &user_subject("system:anonymous"),
    ) + &binding(
        "RoleBinding",
        "shop",
        "x",
        "ClusterRole",
        "view",
        &group_subject("system:serviceaccounts:shop"),
    ) + &binding(
        "RoleBinding",
        "shop",
        "unauth",
        "ClusterRole",
        "view",
        &group_subject("system:unauthenticated"),
    );
    let f = fixture(&yaml);
    let found = paths(&f.g, None, Some(Target::Secrets));
    for start in [
        Vertex::Group {
            name: "system:serviceaccounts:shop".into(),
        },
        Vertex::Group {
            name: "system:unauthenticated".into(),
        },
        Vertex::User {
            name: "system:anonymous".into(),
        },
    ] {
        assert!(
            found.iter().any(|p| p.start == start && p.is_already()),
            "{start}: {found:?}"
        );
    }
}

/// Issue 12 item 5: a compromised node mints the tokens of the ServiceAccounts of the pods
/// bound to it (Node authorizer) and so becomes what they are.
#[test]
fn a_compromised_node_becomes_the_service_accounts_of_its_pods() {
    let yaml = sa("ops", "deployer", "")
        + &binding(
            "ClusterRoleBinding",
            "",
            "deployer-admin",
            "ClusterRole",
            "cluster-admin",
            &sa_subject("ops", "deployer"),
        )
        + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: deploy\n  namespace: ops\nspec:\n  nodeName: n1\n  serviceAccountName: deployer\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: x\n"
        + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  nodeName: n2\n  containers:\n  - name: c\n    image: x\n";
    let objects = load(&yaml);
    let model = Model::build(&objects, ModelOptions::default());
    let workloads = workloads_from(&objects, &model);
    let nodes = crate::node::NodeGraph::build(&objects);
    let g = graph_with_nodes(&model, &workloads, &[], &[], &nodes);
    let n1 = Vertex::User {
        name: "system:node:n1".into(),
    };
    let n2 = Vertex::User {
        name: "system:node:n2".into(),
    };
    assert!(g.default_starts().contains(&n1) && g.default_starts().contains(&n2));
    let found = paths(&g, None, Some(Target::ClusterAdmin));
    let p = found
        .iter()
        .find(|p| p.start == n1)
        .expect("node n1 → cluster-admin");
    assert_eq!(
        p.steps.iter().map(|s| s.kind).collect::<Vec<_>>(),
        vec![EdgeKind::NodeToken, EdgeKind::Holds]
    );
    assert!(
        p.steps[0].evidence[0].contains("Pod ops/deploy is bound to node n1"),
        "{:?}",
        p.steps[0].evidence
    );
    assert!(
        p.steps[0].evidence[0].contains("t.yaml:"),
        "located: {:?}",
        p.steps[0].evidence
    );
    // The token is minted even though the pod does not mount it; n2 runs nothing powerful.
    assert!(!found.iter().any(|p| p.start == n2), "{found:?}");
    assert_eq!(parse_subject("node:n1"), Ok(n1.clone()));
    assert_eq!(paths(&g, Some(&n1), Some(Target::ClusterAdmin)).len(), 1);
}

/// Impersonating a node's user is becoming the node only with its group `system:nodes`.
#[test]
fn impersonating_a_node_needs_its_group() {
    let pod = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: deploy\n  namespace: ops\nspec:\n  nodeName: n1\n  serviceAccountName: deployer\n  containers:\n  - name: c\n    image: x\n";
    let admin = binding(
        "ClusterRoleBinding",
        "",
        "deployer-admin",
        "ClusterRole",
        "cluster-admin",
        &sa_subject("ops", "deployer"),
    );
    let users_only = role(
        "ClusterRole",
        "",
        "imp",
        "- apiGroups: [\"\"]\n  resources: [users]\n  verbs: [impersonate]",
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "imp",
        "ClusterRole",
        "imp",
        &user_subject("mallory"),
    );
    let with_group = role(
        "ClusterRole",
        "",
        "imp",
        "- apiGroups: [\"\"]\n  resources: [users, groups]\n  verbs: [impersonate]",
    ) + &binding(
        "ClusterRoleBinding",
        "",
        "imp",
        "ClusterRole",
        "imp",
        &user_subject("mallory"),
    );
    for (yaml, reaches) in [(users_only, false), (with_group, true)] {
        let objects = load(&(yaml + &admin + pod));
        let model = Model::build(&objects, ModelOptions::default());
        let workloads = workloads_from(&objects, &model);
        let nodes = crate::node::NodeGraph::build(&objects);
        let g = graph_with_nodes(&model, &workloads, &[], &[], &nodes);
        let from = g.node(&user("mallory")).unwrap();
        let node = g
            .node(&Vertex::User {
                name: "system:node:n1".into(),
            })
            .unwrap();
        let edge = g.edges_from(from).find(|e| e.to == node);
        assert_eq!(edge.is_some(), reaches, "{edge:?}");
        if let Some(e) = edge {
            assert!(
                e.evidence.iter().any(|l| l.contains("system:nodes")),
                "{:?}",
                e.evidence
            );
        }
    }
}
