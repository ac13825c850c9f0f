//! The compiled-in default RBAC objects of a v1.36 API server: computing aggregation from
//! them reproduces what the server's aggregation controller stored.

use palisade_rbac::{Aggregation, Model, ModelOptions, Request, RoleKind, User};

#[test]
fn computed_aggregation_equals_the_stored_rules_of_a_real_server() {
    let none: [&palisade_core::Object; 0] = [];
    let stored = Model::build(
        none,
        ModelOptions {
            defaults: true,
            aggregation: Aggregation::Stored,
        },
    );
    let computed = Model::build(
        none,
        ModelOptions {
            defaults: true,
            aggregation: Aggregation::Compute,
        },
    );
    let mut aggregated = 0;
    for r in &stored.roles {
        let c = computed.role(r.kind, &r.namespace, &r.name).unwrap();
        let a: Vec<_> = r.rules.iter().map(|(x, _)| x).collect();
        let b: Vec<_> = c.rules.iter().map(|(x, _)| x).collect();
        assert_eq!(a, b, "{}", r.display());
        if r.aggregation.is_some() {
            aggregated += 1;
            assert!(!b.is_empty(), "{}", r.display());
        }
    }
    assert!(aggregated >= 3, "admin, edit, view aggregate");
    assert_eq!(stored.roles.len(), computed.roles.len());
    // Provenance: admin's secrets rule comes from the aggregate-to-edit role.
    let admin = computed.role(RoleKind::ClusterRole, "", "admin").unwrap();
    let (_, origin) = admin
        .rules
        .iter()
        .find(|(r, _)| r.resources.iter().any(|x| x == "secrets") && r.verbs.iter().any(|v| v == "get"))
        .unwrap();
    assert_ne!(computed.roles[origin.role].name, "admin");
}

#[test]
fn default_bindings_work() {
    let none: [&palisade_core::Object; 0] = [];
    let m = Model::build(none, ModelOptions::default());
    // Every authenticated user may read /version and /healthz (system:public-info-viewer, discovery).
    let anyone = User::new("bob", &[]);
    assert!(m.can(&anyone, &Request::non_resource("get", "/version")));
    assert!(m.can(&anyone, &Request::non_resource("get", "/healthz")));
    assert!(!m.can(&anyone, &Request::resource("list", "", "secrets", "default")));
    let anon = User::new("system:anonymous", &[]);
    assert!(m.can(&anon, &Request::non_resource("get", "/healthz")));
    assert!(!m.can(&anon, &Request::non_resource("get", "/api")));
    // The kube-scheduler may bind pods.
    let sched = User::new("system:kube-scheduler", &[]);
    assert!(m.can(
        &sched,
        &Request::resource("create", "", "pods/binding", "shop").named("web")
    ));
    let masters = User::new("carol", &["system:masters".into()]);
    assert!(m.can(&masters, &Request::resource("delete", "", "namespaces", "")));
}

fn load(yaml: &str) -> Vec<palisade_core::Object> {
    let l = palisade_source::load_bytes(std::sync::Arc::from("t.yaml"), yaml.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    l.objects
}

/// Issue 12 item 24: a default object is recognised by its name and content, never by the
/// `kubernetes.io/bootstrapping` label that the author of a manifest controls.
#[test]
fn defaults_are_recognised_by_content_not_by_label() {
    let objects = load(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: app-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: app, namespace: shop}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:basic-user
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: view
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:aggregate-to-view
  labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
# An exact copy of a default, without the label: still the default.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: system:masters, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
- {nonResourceURLs: ["*"], verbs: ["*"]}
"#,
    );
    for defaults in [true, false] {
        let m = Model::build(
            &objects,
            ModelOptions {
                defaults,
                aggregation: Aggregation::Compute,
            },
        );
        let binding = |name: &str| {
            m.bindings
                .iter()
                .find(|b| b.name == name && b.source.input.is_some())
                .unwrap()
        };
        let role = |name: &str| m.role(RoleKind::ClusterRole, "", name).unwrap();
        assert!(!binding("app-admin").source.default, "label on a new binding");
        assert!(
            !binding("system:basic-user").source.default,
            "default name, other content"
        );
        assert!(
            !role("view").source.default,
            "an aggregated default written with rules"
        );
        assert!(
            !role("system:aggregate-to-view").source.default,
            "default name, other rules"
        );
        assert!(
            binding("cluster-admin").source.default,
            "exact copy without the label"
        );
        assert!(
            role("cluster-admin").source.default,
            "exact copy without the label"
        );
    }
}

/// Every default object, read back as input (as from `kubectl get -o yaml` of a cluster), is
/// recognised as a default.
#[test]
fn every_default_object_read_as_input_is_a_default() {
    let objects: Vec<palisade_core::Object> = palisade_rbac::default_objects().to_vec();
    let m = Model::build(&objects, ModelOptions::default());
    for r in &m.roles {
        assert!(r.source.default, "{}", r.display());
    }
    for b in &m.bindings {
        assert!(b.source.default, "{}", b.display());
    }
}
