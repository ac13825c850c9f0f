//! `palisade audit detect`: exit codes, every output format (detections located at the
//! event's file:line with its auditID; errors in every format), rule selection and
//! configuration, and the audit rules in `palisade rules` / `explain`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn palisade(args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = c.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    c.wait_with_output().unwrap()
}

const RECORDED: &str = "../shared/corpus/audit/palisade-recorded/audit.log";
const EXEC: &str = "../shared/corpus/audit/falcosecurity__falco/test/trace_files/k8s_audit/exec_pod.json";

#[test]
fn json_lists_located_detections_and_exits_1() {
    let out = palisade(&["audit", "detect", RECORDED, "-o", "json", "--no-config"], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ds = v["detections"].as_array().unwrap();
    let d = ds
        .iter()
        .find(|d| d["rule"]["code"] == "AUD007" && d["line"] == 716)
        .expect("alice-admin binding");
    assert_eq!(d["severity"], "critical");
    assert_eq!(d["file"], RECORDED);
    assert!(d["auditID"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(d["time"].as_str().is_some());
    assert_eq!(d["user"], "kubernetes-admin");
    assert_eq!(v["stats"]["events"], 1054);
    assert!(v["errors"].as_array().unwrap().is_empty());
}

#[test]
fn select_ignore_and_clean_exit() {
    let out = palisade(
        &["audit", "detect", EXEC, "--select", "AUD001", "--no-config"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("{EXEC}:1: AUD001 audit-pod-exec [high]")),
        "{text}"
    );
    assert!(
        text.contains("command \"bash\"") && text.contains("auditID "),
        "{text}"
    );
    let out = palisade(
        &[
            "audit",
            "detect",
            EXEC,
            "--ignore",
            "audit-pod-exec",
            "--no-config",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let out = palisade(
        &["audit", "detect", EXEC, "--select", "NOPE", "--no-config"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn errors_are_in_every_format_and_exit_2() {
    let exec = std::fs::read_to_string(root().join(EXEC)).unwrap();
    let input = format!("{}\nnot json\n", exec.trim());
    for fmt in ["human", "json", "sarif", "junit", "csv"] {
        let out = palisade(&["audit", "detect", "-", "-o", fmt, "--no-config"], Some(&input));
        assert_eq!(out.status.code(), Some(2), "{fmt}");
        let text = String::from_utf8(out.stdout).unwrap();
        // The detection of line 1 is still there, and the error of line 2 is located.
        assert!(text.contains("AUD001"), "{fmt}: {text}");
        assert!(text.contains("not JSON"), "{fmt}: {text}");
    }
    let out = palisade(
        &["audit", "detect", "-", "-o", "sarif", "--no-config"],
        Some(&input),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "AUD001");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(loc["region"]["startColumn"], 1);
    assert!(r["message"]["text"].as_str().unwrap().contains("auditID"));
}

#[test]
fn csv_rows() {
    let out = palisade(&["audit", "detect", EXEC, "-o", "csv", "--no-config"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("file,line,code,name,severity"));
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].contains(",1,AUD001,audit-pod-exec,high,false,"),
        "{text}"
    );
}

#[test]
fn options_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("p.yaml");
    std::fs::write(
        &cfg,
        "rules:\n  audit-untrusted-source:\n    trustedCidrs: [10.0.0.0/8]\n",
    )
    .unwrap();
    let out = palisade(
        &[
            "audit",
            "detect",
            EXEC,
            "--select",
            "AUD019",
            "--config",
            cfg.to_str().unwrap(),
        ],
        None,
    );
    // exec_pod.json came from 192.168.99.1.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains("192.168.99.1"));
    std::fs::write(
        &cfg,
        "rules:\n  audit-untrusted-source:\n    trustedCidrs: [bad]\n",
    )
    .unwrap();
    let out = palisade(
        &["audit", "detect", EXEC, "--config", cfg.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    // `palisade scan` accepts a configuration holding audit rule options.
    std::fs::write(
        &cfg,
        "rules:\n  audit-secret-read:\n    allowedServiceAccounts: [ci:*]\n",
    )
    .unwrap();
    let out = palisade(
        &[
            "scan",
            "examples/guestbook-hardened",
            "--config",
            cfg.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rules_and_explain_list_the_audit_rules() {
    let out = palisade(&["rules", "-o", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let audit: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["group"] == "audit")
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(audit.len(), 26);
    assert_eq!(audit[25], "AUD026");
    assert_eq!(audit[0], "AUD001");
    let out = palisade(&["explain", "audit-pod-security-violation"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("AUD006") && text.contains("MITRE ATT&CK T1611"),
        "{text}"
    );
}

/// The question filters choose which requests' detections are reported; every request still
/// feeds the rules' memory (the role bound at line 713 was created at line 710 by someone else).
#[test]
fn filters_choose_the_requests_reported() {
    let out = palisade(
        &[
            "audit",
            "detect",
            RECORDED,
            "-o",
            "json",
            "--no-config",
            "--user",
            "bob",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ds = v["detections"].as_array().unwrap();
    assert!(!ds.is_empty());
    assert!(ds.iter().all(|d| d["impersonatedUser"] == "bob"), "{ds:?}");
    let lines: std::collections::BTreeSet<u64> = ds.iter().map(|d| d["line"].as_u64().unwrap()).collect();
    assert!(lines.contains(&930) && lines.contains(&1052), "{lines:?}");

    let out = palisade(
        &[
            "audit",
            "detect",
            RECORDED,
            "-o",
            "json",
            "--no-config",
            "--resource",
            "rolebindings.rbac.authorization.k8s.io",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ds = v["detections"].as_array().unwrap();
    assert!(
        ds.iter()
            .any(|d| d["rule"]["code"] == "AUD007" && d["line"] == 713),
        "{ds:?}"
    );
    assert!(
        ds.iter()
            .all(|d| d["target"].as_str().unwrap().starts_with("rolebindings")),
        "{ds:?}"
    );

    let out = palisade(
        &[
            "audit",
            "detect",
            RECORDED,
            "--no-config",
            "--user",
            "nobody-here",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
