//! Issue 12 items 2, 5 and 24 through the `palisade` binary: the groups that stand for
//! everyone are starts of `rbac paths`; node identities are answered by the Node authorizer
//! (can-i, who-can, paths); a label anyone can set does not hide a cluster-admin binding.

mod common;

use common::{code, palisade, palisade_stdin, text};

const NODE_OBJECTS: &str = "crates/palisade_rbac/tests/data/node-authorizer.yaml";

#[test]
fn can_i_answers_node_identities_like_a_node_rbac_server() {
    // The issue's request: the static node rules allow events.
    let out = palisade(&[
        "rbac",
        "can-i",
        "create",
        "events",
        "-n",
        "default",
        "--as",
        "system:node:n1",
        "--as-group",
        "system:nodes",
        "-f",
        NODE_OBJECTS,
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("allowed by the Node authorizer"),
        "{}",
        text(&out)
    );
    // The Secret of a pod bound to n1, not that of a pod bound to n2.
    let out = palisade(&[
        "rbac",
        "can-i",
        "get",
        "secrets/volsecret",
        "-n",
        "ns1",
        "--as",
        "system:node:n1",
        "--as-group",
        "system:nodes",
        "-f",
        NODE_OBJECTS,
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reason"], "allowed by the Node authorizer");
    assert!(v["nodeAuthorizer"]
        .as_str()
        .unwrap()
        .contains("Pod ns1/p1 is bound to node n1"));
    let out = palisade(&[
        "rbac",
        "can-i",
        "get",
        "secrets/othersecret",
        "-n",
        "ns1",
        "--as",
        "system:node:n1",
        "--as-group",
        "system:nodes",
        "-f",
        NODE_OBJECTS,
    ]);
    assert_eq!(code(&out), 1);
    assert!(text(&out).contains("no relationship found between node 'n1' and this object"));
    // Without the group the user is not a node.
    let out = palisade(&[
        "rbac",
        "can-i",
        "create",
        "events",
        "-n",
        "default",
        "--as",
        "system:node:n1",
        "-f",
        NODE_OBJECTS,
    ]);
    assert_eq!(code(&out), 1);
}

#[test]
fn who_can_lists_the_nodes_the_node_authorizer_allows() {
    let out = palisade(&[
        "rbac",
        "who-can",
        "get",
        "secrets/volsecret",
        "-n",
        "ns1",
        "-f",
        NODE_OBJECTS,
    ]);
    assert_eq!(code(&out), 0);
    let t = text(&out);
    assert!(t.contains("User system:node:n1 (Node authorizer)"), "{t}");
    assert!(!t.contains("system:node:n2"), "{t}");
    let out = palisade(&[
        "rbac",
        "who-can",
        "create",
        "events",
        "-n",
        "default",
        "-f",
        NODE_OBJECTS,
    ]);
    assert!(
        text(&out).contains("Group system:nodes (Node authorizer)"),
        "{}",
        text(&out)
    );
}

#[test]
fn paths_start_from_a_compromised_node() {
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: deploy, namespace: ops}
spec:
  nodeName: n1
  serviceAccountName: deployer
  containers: [{name: c, image: x}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ops}]
"#;
    let out = palisade_stdin(
        &[
            "rbac",
            "paths",
            "--from",
            "node:n1",
            "--to",
            "cluster-admin",
            "-f",
            "-",
        ],
        yaml,
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("User system:node:n1 → cluster-admin in 2 steps"),
        "{t}"
    );
    assert!(t.contains("mints a token for ServiceAccount ops/deployer"), "{t}");
}

#[test]
fn paths_start_from_the_groups_that_stand_for_everyone() {
    let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: read-secrets}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everyone-reads-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-secrets}
subjects: [{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}]
"#;
    let out = palisade_stdin(&["rbac", "paths", "-f", "-"], yaml);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        text(&out).contains("Group system:authenticated can already list every Secret"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_bootstrapping_label_does_not_hide_a_cluster_admin_binding() {
    let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: app-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: app, namespace: shop}]
"#;
    let out = palisade_stdin(&["rbac", "risks", "-"], yaml);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("RBAC001"), "{}", text(&out));
}
