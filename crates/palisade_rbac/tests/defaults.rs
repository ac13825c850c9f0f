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
