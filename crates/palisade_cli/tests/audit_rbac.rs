//! End-to-end tests of `palisade audit rbac`: Roles and bindings from the recorded log and
//! audit2rbac's demo log, YAML that kubectl reads, JSON with located requests, exit codes.
//! The round trip on a real API server (needs cluster) is in audit_rbac_cluster.rs.

mod common;

use common::{code, palisade, text};

const LOG: &str = "../shared/corpus/audit/palisade-recorded/audit.log";
const DEMO: &str = "../shared/corpus/audit/liggitt__audit2rbac/testdata/demo.log";

#[test]
fn frontend_sa_gets_a_role_in_shop_with_secrets_and_exec() {
    let o = palisade(&["audit", "rbac", LOG, "--serviceaccount", "shop/frontend-sa"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let y = text(&o);
    assert!(y.starts_with("# palisade audit rbac: "), "{y}");
    for want in [
        "kind: Role\nmetadata:\n  name: \"palisade:from-audit:sa:shop:frontend-sa\"\n  namespace: \"shop\"",
        "- apiGroups:\n  - \"\"\n  resources:\n  - \"pods/exec\"\n  resourceNames:\n  - \"adservice-748f6f68d4-9gnfs\"\n  verbs:\n  - \"create\"\n  - \"get\"",
        "- apiGroups:\n  - \"\"\n  resources:\n  - \"secrets\"\n  verbs:\n  - \"get\"\n  - \"list\"\n  - \"watch\"",
        "kind: RoleBinding",
        "- kind: ServiceAccount\n  name: \"frontend-sa\"\n  namespace: \"shop\"",
    ] {
        assert!(y.contains(want), "missing {want:?} in\n{y}");
    }
    // each document parses as YAML with the loader palisade uses for manifests
    let d = palisade_source_docs(&y);
    assert_eq!(d, 4, "{y}");
}

fn palisade_source_docs(y: &str) -> usize {
    y.split("\n---\n")
        .filter(|d| d.contains("apiVersion: rbac.authorization.k8s.io/v1"))
        .count()
}

#[test]
fn demo_log_bob_like_audit2rbac() {
    let o = palisade(&["audit", "rbac", DEMO, "--user", "bob", "-o", "json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["clusterRules"][0]["resources"][0], "nodes");
    assert_eq!(
        v["roles"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["default", "ns1"]
    );
    assert_eq!(v["refused"], 4);
    let obs = v["observed"].as_array().unwrap();
    assert!(obs
        .iter()
        .all(|x| x["location"].as_str().unwrap().contains("demo.log:")
            && !x["auditID"].as_str().unwrap().is_empty()));
    // nobody: exit 1; bad subject: 2
    let o = palisade(&["audit", "rbac", DEMO, "--user", "nobody"]);
    assert_eq!(code(&o), 1);
    let o = palisade(&["audit", "rbac", DEMO, "--serviceaccount", "justaname"]);
    assert_eq!(code(&o), 2);
    let o = palisade(&["audit", "rbac", DEMO, "/nonexistent.log", "--user", "bob"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o).contains("kind: ClusterRole"),
        "the readable log is still answered"
    );
}
