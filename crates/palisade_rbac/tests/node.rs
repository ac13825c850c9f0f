//! The Node authorizer (`palisade_rbac::node`) against the answers a real kube-apiserver
//! v1.36.2 (`--authorization-mode=Node,RBAC`) gave to SubjectAccessReviews for node `n1`,
//! with the objects of `data/node-authorizer.yaml` (pods bound to `n1` and `n2`, their
//! Secrets, ConfigMaps, claims, a PersistentVolume with a CSI secret). The live comparison is
//! `crates/palisade_cli/tests/node_authorizer.rs` (needs a cluster).

use palisade_rbac::answer::{CanIAnswer, Completeness};
use palisade_rbac::node::{node_identity, NodeDecision, NodeGraph};
use palisade_rbac::{Model, ModelOptions, Request, User};
use std::sync::Arc;

fn load(yaml: &str) -> Vec<palisade_core::Object> {
    let l = palisade_source::load_bytes(Arc::from("node-authorizer.yaml"), yaml.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    l.objects
}

/// `verb resource[.group][/sub] ns name` as the SAR table writes it.
fn request(verb: &str, res: &str, ns: &str, name: &str) -> Request {
    let dash = |s: &str| if s == "-" { String::new() } else { s.to_owned() };
    let (head, sub) = res.split_once('/').unwrap_or((res, ""));
    let (resource, group) = head.split_once('.').unwrap_or((head, ""));
    let full = if sub.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}/{sub}")
    };
    Request::resource(verb, group, &full, &dash(ns)).named(&dash(name))
}

#[test]
fn node_authorizer_answers_like_a_real_api_server() {
    let objects = load(include_str!("data/node-authorizer.yaml"));
    let model = Model::build(&objects, ModelOptions::default());
    let graph = NodeGraph::build(&objects);
    let user = User::new("system:node:n1", &["system:nodes".to_owned()]);
    let mut failures = Vec::new();
    let table = include_str!("data/node-authorizer-sar.txt");
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (answer, rest) = line.split_at(5);
        let mut words = rest.split_whitespace();
        let (verb, res, ns, name) = (
            words.next().unwrap(),
            words.next().unwrap(),
            words.next().unwrap(),
            words.next().unwrap(),
        );
        let reason = words.collect::<Vec<_>>().join(" ");
        let req = request(verb, res, ns, name);
        let a = CanIAnswer::new(
            &model,
            user.clone(),
            req.clone(),
            Vec::new(),
            Completeness::new(Vec::new(), Vec::new()),
        )
        .with_node_authorizer(&graph);
        let want_allowed = answer == "ALLOW";
        let got_reason = match graph.authorize(&user, &req) {
            NodeDecision::NoOpinion(r) => r,
            _ => String::new(),
        };
        if a.allowed != Some(want_allowed) || (!want_allowed && got_reason != reason) {
            failures.push(format!(
                "{verb} {res} {ns} {name}: server {answer} {reason:?}, palisade {:?} {got_reason:?}",
                a.allowed
            ));
        }
        rows += 1;
    }
    assert!(rows > 100, "the table has {rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn node_identity_needs_the_name_prefix_and_the_group() {
    let g = |name: &str, groups: &[&str]| {
        let groups: Vec<String> = groups.iter().map(|s| (*s).to_owned()).collect();
        node_identity(&User::new(name, &groups)).map(str::to_owned)
    };
    assert_eq!(g("system:node:n1", &["system:nodes"]), Some("n1".into()));
    assert_eq!(g("system:node:", &["system:nodes"]), Some(String::new()));
    assert_eq!(g("system:node:n1", &[]), None);
    assert_eq!(g("n1", &["system:nodes"]), None);
    // Not a node: RBAC alone answers (and no default binding grants nodes anything).
    let objects = load(include_str!("data/node-authorizer.yaml"));
    let model = Model::build(&objects, ModelOptions::default());
    let graph = NodeGraph::build(&objects);
    for user in [
        User::new("system:node:n1", &[]),
        User::new("n1", &["system:nodes".to_owned()]),
    ] {
        let a = CanIAnswer::new(
            &model,
            user,
            request("get", "secrets", "ns1", "volsecret"),
            Vec::new(),
            Completeness::new(Vec::new(), Vec::new()),
        )
        .with_node_authorizer(&graph);
        assert!(a.allowed == Some(false) && a.node_authorizer.is_none());
    }
    let unknown = User::new("system:node:", &["system:nodes".to_owned()]);
    assert_eq!(
        graph.authorize(&unknown, &request("create", "events", "ns1", "-")),
        NodeDecision::NoOpinion("unknown node for user \"system:node:\"".into())
    );
}

#[test]
fn allowed_answers_say_why() {
    let objects = load(include_str!("data/node-authorizer.yaml"));
    let model = Model::build(&objects, ModelOptions::default());
    let graph = NodeGraph::build(&objects);
    let user = User::new("system:node:n1", &["system:nodes".to_owned()]);
    let a = CanIAnswer::new(
        &model,
        user.clone(),
        request("get", "secrets", "ns1", "pvsecret"),
        Vec::new(),
        Completeness::new(Vec::new(), Vec::new()),
    )
    .with_node_authorizer(&graph);
    assert_eq!(a.allowed, Some(true));
    assert_eq!(a.reason, palisade_rbac::node::NODE_REASON);
    let why = a.node_authorizer.unwrap();
    assert!(
        why.contains("PersistentVolume pv1") && why.contains("Pod ns1/p1"),
        "{why}"
    );
    assert!(why.contains("node-authorizer.yaml:"), "located: {why}");
    // A node nothing is bound to: a warning says the answer rests on no pods.
    let other = User::new("system:node:n9", &["system:nodes".to_owned()]);
    let a = CanIAnswer::new(
        &model,
        other,
        request("get", "secrets", "ns1", "volsecret"),
        Vec::new(),
        Completeness::new(Vec::new(), Vec::new()),
    )
    .with_node_authorizer(&graph);
    assert_eq!(a.allowed, Some(false));
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("no pod of the input is bound to node n9")),
        "{:?}",
        a.warnings
    );
}
