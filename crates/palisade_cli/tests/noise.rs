//! Less noise: findings ordered by severity within an object, the severity display filter,
//! the line format, the admission section (wrapped; only selected checks under --select),
//! the compliance view and the baseline.

mod common;

use common::{code, findings, json, palisade, temp_dir, text};

/// (severity rank, line) of the findings of the first object in the human output (after the
/// header line saying what Pod Security `latest` meant).
fn first_object_order(out: &str) -> Vec<(usize, u32)> {
    let ranks = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"];
    let mut order = Vec::new();
    let mut rank = None;
    let first_object = out
        .lines()
        .skip_while(|l| l.starts_with("Pod Security `latest` = ") || l.is_empty());
    for l in first_object.skip(1) {
        if l.is_empty() {
            break;
        }
        let t = l.trim_start();
        if let Some(r) = ranks.iter().position(|s| t.starts_with(&format!("{s} "))) {
            rank = Some(r);
        }
        if let (Some(r), Some(at)) = (rank, t.strip_prefix("at ")) {
            let line = at.split(':').nth(1).unwrap().parse().unwrap();
            order.push((r, line));
            rank = None;
        }
    }
    order
}

#[test]
fn findings_of_an_object_by_severity_then_line() {
    let out = palisade(&[
        "scan",
        "examples/guestbook/badwords.yaml",
        "--no-config",
        "--color",
        "never",
    ]);
    let order = first_object_order(&text(&out));
    assert!(order.len() > 5, "{}", text(&out));
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn severity_filter_shows_and_fails_on_what_it_keeps() {
    let (c, all) = json(&["scan", "examples/guestbook", "--no-config"]);
    assert_eq!(c, 1);
    let (c, v) = json(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--severity",
        "high,critical",
    ]);
    assert_eq!(c, 1);
    let kept = findings(&v);
    assert!(!kept.is_empty());
    assert!(kept
        .iter()
        .all(|f| f["severity"] == "high" || f["severity"] == "critical"));
    assert_eq!(
        v["summary"]["filtered"].as_u64().unwrap() as usize + kept.len(),
        findings(&all).len()
    );
    let (_, m) = json(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--min-severity",
        "high",
    ]);
    assert_eq!(findings(&m).len(), kept.len());
    // Nothing at or above critical on the hardened example: exit 0.
    let out = palisade(&[
        "scan",
        "examples/guestbook-hardened",
        "--no-config",
        "--min-severity",
        "critical",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let out = palisade(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--min-severity",
        "critical",
    ]);
    assert!(
        text(&out).contains(" of other severities not shown"),
        "{}",
        text(&out)
    );
    let out = palisade(&["scan", "examples/guestbook", "--severity", "hihg"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown severity \"hihg\""));
}

#[test]
fn line_format_is_one_line_per_finding() {
    let out = palisade(&["scan", "examples/guestbook", "--no-config", "-o", "line"]);
    assert_eq!(code(&out), 1);
    let (_, v) = json(&["scan", "examples/guestbook", "--no-config"]);
    let s = text(&out);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), findings(&v).len());
    let f = &findings(&v)[0];
    let first = format!(
        "{}:{}:{}: {} [{}] {}",
        f["location"]["file"].as_str().unwrap(),
        f["location"]["line"],
        f["location"]["column"],
        f["code"].as_str().unwrap(),
        f["severity"].as_str().unwrap(),
        f["message"].as_str().unwrap()
    );
    assert!(lines[0].starts_with(&first), "{}\n{first}", lines[0]);
    assert!(s.contains(" (also "), "merged findings name their other codes");
    // Errors are carried too.
    let d = temp_dir("line-errors");
    std::fs::write(d.join("bad.yaml"), "a: [\n").unwrap();
    let out = palisade(&["scan", d.to_str().unwrap(), "--no-config", "-o", "line"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out).contains("bad.yaml:") && text(&out).contains(": error: "),
        "{}",
        text(&out)
    );
}

#[test]
fn admission_section_is_wrapped_and_follows_select() {
    let out = palisade(&["scan", "examples/guestbook", "--no-config", "--color", "never"]);
    let s = text(&out);
    let section: Vec<&str> = s
        .lines()
        .skip_while(|l| *l != "Pod Security Admission:")
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(section.len() > 5);
    // Verdict lines (object and place) aside, nothing is longer than 100 columns.
    for l in section
        .iter()
        .filter(|l| !l.starts_with("  ") || l.starts_with("    "))
    {
        assert!(l.chars().count() <= 100, "{l}");
    }
    assert!(section
        .iter()
        .any(|l| l.trim() == r#"would violate PodSecurity "restricted:latest":"#));
    let out = palisade(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--color",
        "never",
        "--select",
        "PSS007",
    ]);
    let s = text(&out);
    let section: Vec<&str> = s
        .lines()
        .skip_while(|l| *l != "Pod Security Admission:")
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        section
            .iter()
            .any(|l| l.contains("privileged (container \"checker\"")),
        "{s}"
    );
    assert!(
        !section.iter().any(|l| l.contains("allowPrivilegeEscalation")),
        "{s}"
    );
    assert!(
        !section
            .iter()
            .any(|l| l.contains("Deployment guestbook/frontend")),
        "{s}"
    );
    assert!(
        section
            .iter()
            .any(|l| l.contains("only the checks of the selected rules")),
        "{s}"
    );
    // The JSON keeps PSA's exact messages.
    let (_, v) = json(&["scan", "examples/guestbook", "--no-config", "--select", "PSS007"]);
    assert!(v["admission"].as_array().unwrap().iter().any(|a| a["message"]
        .as_str()
        .unwrap()
        .contains("allowPrivilegeEscalation")));
}

#[test]
fn compliance_view_has_a_row_per_control_and_a_score() {
    let (c, v) = json(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--profile",
        "cis",
        "--compliance",
    ]);
    assert_eq!(c, 1);
    let controls = v["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 34, "CIS section 5 has 34 controls");
    let get = |id: &str| controls.iter().find(|c| c["id"] == id).unwrap();
    assert_eq!(get("5.2.2")["status"], "fail");
    assert!(get("5.2.2")["failing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "badwords"));
    assert_eq!(get("5.1.7")["status"], "manual");
    // 5.5.1 (trusted registries) is checked by HRD006 only once allowedRegistries is set:
    // without it the control is manual, never a pass.
    assert_eq!(get("5.5.1")["status"], "manual");
    let dir = temp_dir("compliance-registries");
    let cfg = dir.join("palisade.yaml");
    std::fs::write(
        &cfg,
        "rules:\n  allowed-registries:\n    allowedRegistries: [registry.example.com]\n",
    )
    .unwrap();
    let (_, with_cfg) = json(&[
        "scan",
        "examples/guestbook",
        "--config",
        cfg.to_str().unwrap(),
        "--profile",
        "cis",
        "--compliance",
    ]);
    let c551 = with_cfg["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "5.5.1")
        .unwrap()
        .clone();
    assert_eq!(c551["status"], "fail", "{c551}");
    // Controls the RBAC rules check by their CIS references.
    assert_eq!(get("5.1.10")["rules"], serde_json::json!(["RBAC007"]));
    assert_eq!(get("5.1.13")["rules"], serde_json::json!(["RBAC010"]));
    let passed = v["passed"].as_u64().unwrap() as f64;
    let failed = v["failed"].as_u64().unwrap() as f64;
    let score = v["score"].as_f64().unwrap();
    assert!(
        (score - (passed * 100.0 / (passed + failed))).abs() < 0.06,
        "{score}"
    );
    let out = palisade(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--profile",
        "pss-baseline",
        "--compliance",
    ]);
    let s = text(&out);
    assert!(s.contains("Pod Security Standards: baseline"), "{s}");
    assert!(
        s.lines().any(|l| l.contains("privileged") && l.contains("fail")),
        "{s}"
    );
    assert!(
        !s.contains("runAsNonRoot"),
        "restricted controls are not baseline's: {s}"
    );
    assert!(s.contains("\nscore "), "{s}");
    let out = palisade(&["scan", "examples/guestbook", "--compliance"]);
    assert_eq!(code(&out), 2, "--compliance needs --profile");
}

#[test]
fn baseline_reports_only_new_findings() {
    let d = temp_dir("baseline");
    let old = d.join("old.json");
    let out = palisade(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "-o",
        "json",
        "--output-file",
        old.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1);
    // The same scan against itself: nothing new, exit 0.
    let (c, v) = json(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--baseline",
        old.to_str().unwrap(),
    ]);
    assert_eq!(c, 0, "{v}");
    assert!(findings(&v).is_empty());
    assert!(v["summary"]["baseline"].as_u64().unwrap() > 0);
    // A baseline without one finding: exactly that finding is new, even with its line moved.
    let mut old_v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&old).unwrap()).unwrap();
    let removed = old_v["findings"].as_array_mut().unwrap().remove(3);
    for f in old_v["findings"].as_array_mut().unwrap() {
        f["location"]["line"] = serde_json::json!(1);
    }
    let partial = d.join("partial.json");
    std::fs::write(&partial, serde_json::to_string(&old_v).unwrap()).unwrap();
    let (c, v) = json(&[
        "scan",
        "examples/guestbook",
        "--no-config",
        "--baseline",
        partial.to_str().unwrap(),
    ]);
    assert_eq!(c, 1);
    let new = findings(&v);
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(new[0]["fingerprint"], removed["fingerprint"]);
    // A broken baseline is an error naming the file and line.
    let bad = d.join("bad.json");
    std::fs::write(&bad, "{\n  \"findings\": [,]\n}\n").unwrap();
    let out = palisade(&["scan", "examples/guestbook", "--baseline", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json:2:"), "{err}");
}
