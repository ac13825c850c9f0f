//! deploy/ (palisade as an in-cluster CronJob) passes palisade's own restricted check, and
//! its ClusterRole grants exactly what the cluster source reads: list on every type, and not
//! Secrets (whose data a `list` would expose).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn deploy_manifests_pass_the_restricted_check() {
    let out = palisade(&[
        "scan",
        "--pss",
        "restricted",
        "--fail-on",
        "info",
        "deploy/",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", v["findings"]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["errors"], 0);
    // The one accepted finding: the image digest, unknown until the image is published.
    let s = v["suppressed"].as_array().map_or(0, Vec::len);
    assert!(s <= 1, "{}", v["suppressed"]);
}

#[cfg(feature = "cluster")]
#[test]
fn cluster_role_grants_what_the_cluster_source_lists_and_no_secrets() {
    let sa = "system:serviceaccount:palisade:palisade";
    for t in palisade_cluster::builtin_types() {
        let resource = if t.group.is_empty() {
            t.plural.clone()
        } else {
            format!("{}.{}", t.plural, t.group)
        };
        let out = palisade(&[
            "rbac", "can-i", "list", &resource, "-A", "--as", sa, "-f", "deploy/",
        ]);
        let want = if t.kind == "Secret" { 1 } else { 0 };
        assert_eq!(
            out.status.code(),
            Some(want),
            "list {resource}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    for (verb, resource) in [
        ("list", "customresourcedefinitions.apiextensions.k8s.io"),
        ("get", "namespaces"),
    ] {
        let out = palisade(&["rbac", "can-i", verb, resource, "-A", "--as", sa, "-f", "deploy/"]);
        assert_eq!(out.status.code(), Some(0), "{verb} {resource}");
    }
    for (verb, resource) in [
        ("get", "secrets"),
        ("watch", "pods"),
        ("create", "pods"),
        ("update", "deployments.apps"),
    ] {
        let out = palisade(&["rbac", "can-i", verb, resource, "-A", "--as", sa, "-f", "deploy/"]);
        assert_eq!(out.status.code(), Some(1), "{verb} {resource} must be denied");
    }
}
