//! End-to-end tests of `palisade audit policy check|lint` on the corpus policies and the
//! recorded log: answers with the deciding rule's file:line, JSON shapes, exit codes.

mod common;

use common::{code, palisade, text};

const REC: &str = "../shared/corpus/audit/palisade-recorded/audit-policy.yaml";
const LOG: &str = "../shared/corpus/audit/palisade-recorded/audit.log";
const DEMO: &str = "../shared/corpus/audit/liggitt__audit2rbac/testdata/demo-policy.yaml";

fn json_of(args: &[&str]) -> (i32, serde_json::Value) {
    let o = palisade(args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (code(&o), v)
}

#[test]
fn check_one_request_names_the_level_stages_and_rule() {
    let o = palisade(&[
        "audit",
        "policy",
        "check",
        REC,
        "--user",
        "alice",
        "--verb",
        "get",
        "--resource",
        "secrets",
        "-n",
        "shop",
        "--name",
        "db",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("level: Metadata"), "{t}");
    assert!(t.contains("omitted stages: RequestReceived"), "{t}");
    assert!(t.contains(&format!("rule: #4 at {REC}:14:5")), "{t}");
    // the pods/* quirk is not in this policy; exec is RequestResponse (rule 5)
    let (c, v) = json_of(&[
        "audit",
        "policy",
        "check",
        REC,
        "--user",
        "bob",
        "--verb",
        "create",
        "--resource",
        "pods/exec",
        "-n",
        "shop",
        "--name",
        "web",
        "-o",
        "json",
    ]);
    assert_eq!(c, 0);
    assert_eq!(v["level"], "RequestResponse");
    assert_eq!(v["rule"]["number"], 5);
    assert_eq!(v["rule"]["location"], format!("{REC}:18:5"));
    assert_eq!(v["omitManagedFields"], false);
    // health checks: None by the first rule
    let (_, v) = json_of(&[
        "audit",
        "policy",
        "check",
        REC,
        "--verb",
        "get",
        "--non-resource-url",
        "/healthz/etcd",
        "-o",
        "json",
    ]);
    assert_eq!(
        (v["level"].as_str(), v["rule"]["number"].as_u64()),
        (Some("None"), Some(1))
    );
    // the demo policy logs only its four users
    let (_, v) = json_of(&[
        "audit",
        "policy",
        "check",
        DEMO,
        "--user",
        "carol",
        "--verb",
        "get",
        "--resource",
        "pods",
        "-o",
        "json",
    ]);
    assert_eq!(v["level"], "None");
    assert!(v["rule"].is_null());
}

#[test]
fn check_a_log_through_its_own_policy_changes_nothing() {
    let (c, v) = json_of(&["audit", "policy", "check", REC, LOG, "-o", "json"]);
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["events"], 1054);
    for k in ["dropped", "lowered", "raised", "omittedStage"] {
        assert_eq!(v[k]["count"], 0, "{k}: {v}");
    }
    assert!(v["byLevel"].get("None").is_none());
}

#[test]
fn check_a_log_through_a_stricter_policy_lists_what_it_drops() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("strict.yaml");
    std::fs::write(
        &p,
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: None\n  users: [system:apiserver]\n- level: Metadata\n",
    )
    .unwrap();
    let p = p.display().to_string();
    let o = palisade(&["audit", "policy", "check", &p, "--log", LOG, "--examples", "3"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("would not be logged (level None): 421"), "{t}");
    assert!(t.contains("would be logged at a lower level"), "{t}");
    // located: the log's file:line and the auditID
    assert!(t.contains(&format!("{LOG}:")) && t.contains("auditID "), "{t}");
    assert!(t.contains("… and 418 more"), "{t}");
}

#[test]
fn lint_locates_findings_and_explain_documents_them() {
    let o = palisade(&["audit", "policy", "lint", REC]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let t = text(&o);
    assert!(t.contains(&format!("{REC}:24:5: APOL001 [")), "{t}");
    assert!(t.contains("APOL008"), "{t}");
    let (c, v) = json_of(&["audit", "policy", "lint", DEMO, "-o", "json"]);
    assert_eq!(c, 1);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"APOL005") && codes.contains(&"APOL002"),
        "{codes:?}"
    );
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["line"].as_u64().unwrap() > 0));
    let o = palisade(&["explain", "APOL004"]);
    assert_eq!(code(&o), 0);
    assert!(text(&o).contains("audit-shadowed-rule"), "{}", text(&o));
}

#[test]
fn a_clean_policy_lints_clean_and_an_invalid_one_exits_2_located() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  resources:\n  - group: ''\n    resources: [secrets, configmaps, serviceaccounts/token]\n  - group: authentication.k8s.io\n    resources: [tokenreviews]\n- level: RequestResponse\n  resources:\n  - group: rbac.authorization.k8s.io\n- level: Metadata\n").unwrap();
    let o = palisade(&["audit", "policy", "lint", good.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n- level: Metadata\n  omitStages: [Sometimes]\n").unwrap();
    let o = palisade(&["audit", "policy", "lint", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.yaml:4:10: error: rules[0].level: Unsupported value \"Loud\""),
        "{err}"
    );
    assert!(err.contains("bad.yaml:6:16: error: omitStages"), "{err}");
    // the rest is still answered: the valid rule is linted
    assert!(text(&o).contains("APOL006"), "{}", text(&o));
    let o = palisade(&[
        "audit",
        "policy",
        "check",
        "/nonexistent.yaml",
        "--verb",
        "get",
        "--resource",
        "pods",
    ]);
    assert_eq!(code(&o), 2);
}
