//! `palisade bench` end to end for palisade's own node checks (NODE101…): listed by `--list`,
//! explained by `--explain` and `palisade explain`, selected by `--check`, in the human table,
//! JSON (section N), SARIF (rules and results), JUnit and line outputs, with
//! `--cert-warn-days` and `--coredns-config FILE`.

mod common;
#[path = "../../palisade_bench/tests/common/mod.rs"]
mod fixtures;

use common::{code, palisade, temp_dir};
use fixtures::*;
use serde_json::Value;

fn node_dir(name: &str, entries: &[Entry]) -> std::path::PathBuf {
    let d = temp_dir(name);
    write_dir(&d, entries);
    d
}

#[test]
fn list_and_explain_the_node_checks() {
    let o = palisade(&["bench", "--list"]);
    let out = String::from_utf8_lossy(&o.stdout);
    for d in palisade_bench::extra::checks() {
        assert!(
            out.lines().any(|l| l.starts_with(d.code) && l.ends_with(d.title)),
            "{} not listed:\n{out}",
            d.code
        );
    }
    for args in [
        &["bench", "--explain", "NODE402"][..],
        &["explain", "NODE402"][..],
        &["explain", "audit-sensitive-resources-metadata"][..],
    ] {
        let o = palisade(args);
        assert_eq!(code(&o), 0, "{args:?}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.starts_with("# NODE402 Secrets, TokenReviews and ConfigMaps are audited at Metadata"),
            "{out}"
        );
        assert!(out.contains("Reads: the rules of the audit Policy."), "{out}");
        assert!(out.contains("first match sets the level"), "{out}");
        assert!(
            out.contains("Related CIS Kubernetes Benchmark checks: 3.2.2."),
            "{out}"
        );
    }
    assert_eq!(code(&palisade(&["bench", "--explain", "NODE999"])), 2);
}

#[test]
fn node_checks_in_every_output() {
    let bad = node_dir("bench-extra-outputs", &kubeadm_control_plane(false));
    let root = bad.to_str().unwrap();
    // human: the section row, and the failing checks with their location
    let o = palisade(&["bench", "--root", root]);
    assert_eq!(code(&o), 1);
    let out = String::from_utf8_lossy(&o.stdout);
    let row = out
        .lines()
        .find(|l| l.starts_with("N Node checks beyond the benchmark (palisade)"))
        .unwrap_or_else(|| panic!("{out}"));
    let nums: Vec<usize> = row.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert_eq!(
        nums.iter().sum::<usize>(),
        palisade_bench::extra::checks().len(),
        "{row}"
    );
    assert!(
        out.contains("[FAIL] NODE101 Certificates of the node are valid"),
        "{out}"
    );
    assert!(
        out.contains("at:       /etc/kubernetes/pki/apiserver.crt:1:1"),
        "{out}"
    );
    // JSON: section N with its groups
    let o = palisade(&["bench", "--root", root, "-o", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "N")
        .expect("section N");
    let groups: Vec<&str> = n["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        [
            "PKI: certificates and keys",
            "Kubeconfig files",
            "Encryption at rest",
            "Audit policy",
            "Admission plugins",
            "CoreDNS"
        ]
    );
    let c = n["groups"][2]["checks"][0].clone();
    assert_eq!(c["id"], "NODE301");
    assert_eq!(c["status"], "fail");
    let enc = ENCRYPTION_IDENTITY;
    let (l, col) = pos(enc, "identity");
    assert_eq!(
        c["location_text"],
        format!("/etc/kubernetes/enc/encryption.yaml:{l}:{col}")
    );
    // SARIF: the rule with its code and help, the result at the certificate
    let o = palisade(&["bench", "--root", root, "-o", "sarif"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules.iter().find(|r| r["id"] == "NODE105").expect("NODE105 rule");
    assert_eq!(rule["name"], "pki-system-masters-client-certificates");
    let r = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "NODE105")
        .expect("NODE105 result");
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("etc/kubernetes/pki/backup-admin.crt"),
        "{loc}"
    );
    assert_eq!(loc["region"]["startLine"], 1);
    // JUnit and line
    let o = palisade(&["bench", "--root", root, "-o", "junit"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("NODE104"));
    let o = palisade(&["bench", "--root", root, "-o", "line"]);
    let lines = String::from_utf8_lossy(&o.stdout);
    assert!(
        lines
            .lines()
            .any(|l| l.starts_with("/etc/kubernetes/pki/front-proxy-client.crt:1:1: NODE102 [high]")),
        "{lines}"
    );
    // --check selects the node checks by code
    let o = palisade(&["bench", "--root", root, "-o", "json", "--check", "NODE104,1.2.15"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["groups"].as_array().unwrap())
        .flat_map(|g| g["checks"].as_array().unwrap())
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1.2.15", "NODE104"]);
}

#[test]
fn coredns_config_and_cert_warn_days_options() {
    let good = node_dir("bench-extra-options", &kubeadm_control_plane(true));
    let root = good.to_str().unwrap();
    let cm = temp_dir("bench-extra-coredns").join("coredns.yaml");
    std::fs::write(
        &cm,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: coredns\ndata:\n  Corefile: |\n    .:53 {\n        errors\n        forward . /etc/resolv.conf\n    }\n",
    )
    .unwrap();
    let o = palisade(&[
        "bench",
        "--root",
        root,
        "-o",
        "json",
        "--check",
        "NODE601",
        "--coredns-config",
        cm.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &v["sections"][0]["groups"][0]["checks"][0];
    assert_eq!(c["id"], "NODE601");
    assert_eq!(c["status"], "warn");
    assert_eq!(c["location_text"], format!("{}:8:9", cm.display()));
    // a file that is not there is a usage error
    let o = palisade(&[
        "bench",
        "--root",
        root,
        "--coredns-config",
        "/nonexistent/coredns.yaml",
    ]);
    assert_eq!(code(&o), 2);
    // the fixtures' certificates expire in 2099: a warning period of 30000 days reaches them
    let o = palisade(&[
        "bench",
        "--root",
        root,
        "-o",
        "json",
        "--check",
        "NODE101",
        "--cert-warn-days",
        "30000",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sections"][0]["groups"][0]["checks"][0]["status"], "warn");
    let o = palisade(&["bench", "--root", root, "-o", "json", "--check", "NODE101"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sections"][0]["groups"][0]["checks"][0]["status"], "pass");
}
