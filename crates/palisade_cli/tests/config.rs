//! End-to-end tests of configuration, profiles and accountable exceptions through the CLI:
//! discovery, errors with file/line/key, exceptions with expiry and staleness, inline
//! `palisade.dev/ignore` annotations, severity overrides, and the published schema.

mod common;

use common::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str], today: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(dir)
        .env("PALISADE_TODAY", today)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn project(name: &str, config: Option<&str>, manifests: &[(&str, &str)]) -> PathBuf {
    let d = common::scratch_root().join(format!("config-it-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("k8s/apps")).unwrap();
    if let Some(c) = config {
        std::fs::write(d.join(".palisade.yaml"), c).unwrap();
    }
    for (f, text) in manifests {
        std::fs::write(d.join("k8s/apps").join(f), text).unwrap();
    }
    d
}

const PRIVILEGED: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: node-agent\n  namespace: monitoring\n  labels: {team: observability}\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: agent:1.0\n        securityContext:\n          privileged: true\n";

fn codes(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key].as_array().map_or(Vec::new(), |a| {
        a.iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect()
    })
}

#[test]
fn exception_suppresses_counts_and_lists() {
    let cfg = "exceptions:\n  - rules: [PSS007]\n    kind: DaemonSet\n    namespace: monitor*\n    labels: {team: observ*}\n    reason: the node agent needs host access\n    owner: platform-team\n    expires: 2027-06-30\n";
    let d = project("exc", Some(cfg), &[("agent.yaml", PRIVILEGED)]);
    // The configuration is discovered upward from the scanned directory.
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007", "-o", "json"],
        "2026-11-22",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert!(codes(&v, "findings").is_empty(), "{v:#}");
    assert_eq!(v["summary"]["suppressed"], 1, "{v:#}");
    assert!(v.get("suppressed").is_none() || v["suppressed"].is_null());
    let out = run(
        &d,
        &[
            "scan",
            "k8s/apps",
            "--select",
            "PSS007",
            "-o",
            "json",
            "--show-suppressed",
        ],
        "2026-11-22",
    );
    let v = json(&out);
    let s = &v["suppressed"][0];
    assert_eq!(s["code"], "PSS007");
    assert_eq!(s["suppression"]["owner"], "platform-team");
    assert_eq!(s["suppression"]["reason"], "the node agent needs host access");
    assert_eq!(s["suppression"]["source"]["line"], 2);
    // SARIF always carries them, marked suppressed with the justification.
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007", "-o", "sarif"],
        "2026-11-22",
    );
    let v = json(&out);
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["suppressions"][0]["kind"], "external");
    assert!(r["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("host access"));
    // Human output counts them.
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007", "--color", "never"],
        "2026-11-22",
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 suppressed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn expired_exception_stops_applying_and_is_reported() {
    let cfg = "exceptions:\n  - rules: [pss-privileged]\n    name: node-agent\n    reason: temporary\n    owner: platform-team\n    expires: 2026-01-31\n";
    let d = project("expired", Some(cfg), &[("agent.yaml", PRIVILEGED)]);
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007,CFG", "-o", "json"],
        "2026-11-22",
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let c = codes(&v, "findings");
    assert!(
        c.contains(&"PSS007".to_owned()) && c.contains(&"CFG001".to_owned()),
        "{c:?}"
    );
    let cfg001 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "CFG001")
        .unwrap();
    assert!(cfg001["location"]["file"]
        .as_str()
        .unwrap()
        .ends_with(".palisade.yaml"));
    assert_eq!(cfg001["location"]["line"], 2);
    // The day before it expires, it still applies.
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007,CFG", "-o", "json"],
        "2026-01-31",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn stale_exception_is_reported() {
    let cfg = "exceptions:\n  - rules: [PSS007]\n    name: legacy-*\n    reason: migration pending\n    owner: team-a\n";
    let d = project("stale", Some(cfg), &[("agent.yaml", PRIVILEGED)]);
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007,CFG", "-o", "json"],
        "2026-11-22",
    );
    let v = json(&out);
    let stale: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "CFG002")
        .collect();
    assert_eq!(stale.len(), 1, "{v:#}");
    assert_eq!(stale[0]["severity"], "info");
}

#[test]
fn inline_ignore_annotation_needs_a_reason_and_can_be_disabled() {
    let annotated = PRIVILEGED.replace(
        "  labels: {team: observability}\n",
        "  annotations:\n    palisade.dev/ignore: \"PSS007, PSS003: vendor chart, tracked in JIRA-123\"\n",
    );
    let d = project("inline", None, &[("agent.yaml", &annotated)]);
    let out = run(
        &d,
        &[
            "scan",
            "k8s/apps",
            "--select",
            "PSS007",
            "-o",
            "json",
            "--show-suppressed",
        ],
        "2026-11-22",
    );
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["suppressed"][0]["suppression"]["kind"], "annotation");
    assert_eq!(
        v["suppressed"][0]["suppression"]["reason"],
        "vendor chart, tracked in JIRA-123"
    );
    let out = run(
        &d,
        &[
            "scan",
            "k8s/apps",
            "--select",
            "PSS007",
            "-o",
            "json",
            "--no-inline-ignores",
        ],
        "2026-11-22",
    );
    assert_eq!(out.status.code(), Some(1));
    // Without a reason the annotation is reported and suppresses nothing.
    let no_reason = PRIVILEGED.replace(
        "  labels: {team: observability}\n",
        "  annotations:\n    palisade.dev/ignore: \"PSS007\"\n",
    );
    let d = project("inline-bad", None, &[("agent.yaml", &no_reason)]);
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007", "-o", "json"],
        "2026-11-22",
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let w = &v["errors"][0];
    assert_eq!(w["level"], "warning");
    assert!(w["message"].as_str().unwrap().contains("reason"), "{w}");
    assert_eq!(w["line"], 7);
}

#[test]
fn config_errors_name_file_line_and_key() {
    let d = project(
        "bad",
        Some("profile: cis\nexceptions:\n  - rules: [PSS007]\n    reason: x\n    ownr: me\n"),
        &[("agent.yaml", PRIVILEGED)],
    );
    let out = run(&d, &["scan", "k8s/apps"], "2026-11-22");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".palisade.yaml:3:") || err.contains(".palisade.yaml:5:"),
        "{err}"
    );
    assert!(err.contains("exceptions[0]"), "{err}");
    let d = project("bad2", Some("failOn: severe\n"), &[("agent.yaml", PRIVILEGED)]);
    let out = run(&d, &["scan", "k8s/apps"], "2026-11-22");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".palisade.yaml:1:") && err.contains("failOn"),
        "{err}"
    );
    let out = run(&d, &["scan", "--no-config", "k8s/apps"], "2026-11-22");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn impossible_expiry_date_is_a_located_error() {
    // In the configuration file itself.
    let d = project(
        "feb31",
        Some("exceptions:\n  - rules: [PSS007]\n    reason: x\n    owner: me\n    expires: 2024-02-31\n"),
        &[("agent.yaml", PRIVILEGED)],
    );
    let out = run(&d, &["scan", "k8s/apps"], "2024-01-01");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".palisade.yaml:5:5: exceptions[0].expires: invalid date \"2024-02-31\": no such day (February 2024 has 29 days)"),
        "{err}"
    );
    // In an exception file named by the configuration (read by the CLI, located in that file).
    let d = project(
        "feb29",
        Some("exceptionFiles:\n  - more.yaml\n"),
        &[("agent.yaml", PRIVILEGED)],
    );
    std::fs::write(
        d.join("more.yaml"),
        "exceptions:\n  - rules: [PSS007]\n    reason: x\n    owner: me\n    expires: '2023-02-29'\n",
    )
    .unwrap();
    let out = run(&d, &["scan", "k8s/apps"], "2023-01-01");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("more.yaml:5:5: exceptions[0].expires: invalid date \"2023-02-29\": no such day (February 2023 has 28 days)"),
        "{err}"
    );
    // A missing exception file is reported at its entry in the configuration.
    let d = project(
        "missing",
        Some("exceptionFiles:\n  - nowhere.yaml\n"),
        &[("agent.yaml", PRIVILEGED)],
    );
    let out = run(&d, &["scan", "k8s/apps"], "2023-01-01");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // The position is in the configuration, so the error names the configuration file.
    assert!(
        err.contains(".palisade.yaml:2:5: exceptionFiles[0]: cannot read "),
        "{err}"
    );
    assert!(err.contains("nowhere.yaml: "), "{err}");
    assert!(!err.contains("nowhere.yaml:2:5"), "{err}");
}

#[test]
fn config_sets_profile_severity_and_fail_on() {
    let cfg = "profile: pss-baseline\nseverity:\n  pss-privileged: low\nfailOn: medium\n";
    let d = project("sev", Some(cfg), &[("agent.yaml", PRIVILEGED)]);
    let out = run(&d, &["scan", "k8s/apps", "-o", "json"], "2026-11-22");
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"].as_str().unwrap().starts_with("PSS")
            || f["code"].as_str().unwrap().starts_with("CFG")));
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PSS007")
        .unwrap();
    assert_eq!(f["severity"], "low");
    assert_eq!(f["pss"]["level"], "baseline");
    // Flags win over the file.
    let out = run(&d, &["scan", "k8s/apps", "--fail-on", "low"], "2026-11-22");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn profiles_and_rules_listing() {
    let r = root();
    let out = run(&r, &["rules", "--profile", "cis", "-o", "json"], "2026-11-22");
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let rules = v.as_array().unwrap();
    assert!(!rules.is_empty());
    for rule in rules.iter().filter(|r| r["group"] != "config") {
        assert!(rule["references"].to_string().contains("\"cis\""), "{rule}");
    }
    assert_eq!(
        run(&r, &["rules", "--profile", "nope"], "2026-11-22")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(
            &r,
            &["scan", "--profile", "nope", "examples/guestbook"],
            "2026-11-22"
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn config_schema_doc_is_up_to_date() {
    let out = run(&root(), &["config", "schema"], "2026-11-22");
    assert_eq!(out.status.code(), Some(0));
    let on_disk = std::fs::read_to_string(root().join("docs/config.schema.json")).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&out.stdout) == on_disk,
        "docs/config.schema.json is stale: run `cargo run -- config schema > docs/config.schema.json`"
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_discovered_config_is_named_in_every_output() {
    let cfg = "ignore: [PSS007, HRD]\nfailOn: critical\nseverity:\n  pss-host-path-volumes: low\n";
    let d = project("named", Some(cfg), &[("agent.yaml", PRIVILEGED)]);
    let want = ".palisade.yaml (ignore: PSS007, HRD; severity: PSS004=low; failOn: critical)";
    // Human: a header line before the findings.
    let out = run(&d, &["scan", "k8s/apps", "--color", "never"], "2026-11-22");
    let human = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(human.starts_with(&format!("Configuration: {want}\n")), "{human}");
    // JSON: the file and each setting it changes.
    let v = json(&run(&d, &["scan", "k8s/apps", "-o", "json"], "2026-11-22"));
    let c = &v["config"];
    assert_eq!(c["file"], ".palisade.yaml", "{v:#}");
    assert_eq!(c["ignore"], serde_json::json!(["PSS007", "HRD"]));
    assert_eq!(c["failOn"], "critical");
    assert_eq!(c["severity"], serde_json::json!({"PSS004": "low"}));
    assert_eq!(
        c["changes"],
        serde_json::json!(["ignore: PSS007, HRD", "severity: PSS004=low", "failOn: critical"])
    );
    // SARIF: a configuration notification and the invocation's properties.
    let v = json(&run(&d, &["scan", "k8s/apps", "-o", "sarif"], "2026-11-22"));
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["properties"]["config"]["file"], ".palisade.yaml", "{inv:#}");
    assert_eq!(inv["properties"]["config"]["failOn"], "critical");
    let n = &inv["toolConfigurationNotifications"][0];
    assert_eq!(n["message"]["text"], format!("configuration {want}"));
    assert_eq!(
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        ".palisade.yaml"
    );
    // JUnit: properties.
    let out = run(&d, &["scan", "k8s/apps", "-o", "junit"], "2026-11-22");
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("<property name=\"palisade.config\" value=\".palisade.yaml\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<property name=\"palisade.config.changes\" value=\"ignore: PSS007, HRD; severity: PSS004=low; failOn: critical\"/>"),
        "{xml}"
    );
    // A flag that overrides a setting removes it from the list; without a file, nothing.
    let v = json(&run(
        &d,
        &["scan", "k8s/apps", "-o", "json", "--fail-on", "low"],
        "2026-11-22",
    ));
    assert!(v["config"].get("failOn").is_none(), "{:#}", v["config"]);
    let v = json(&run(
        &d,
        &["scan", "k8s/apps", "-o", "json", "--no-config"],
        "2026-11-22",
    ));
    assert!(v.get("config").is_none());
    let out = run(&d, &["scan", "k8s/apps", "--no-config"], "2026-11-22");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Configuration:"));
}

#[test]
fn input_errors_are_summarised_on_stderr_in_every_format() {
    let d = project(
        "stderr",
        None,
        &[
            ("agent.yaml", PRIVILEGED),
            ("broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n"),
            ("notes.yaml", "just: a note\n"),
        ],
    );
    let report = d.join("report.out");
    let report = report.to_str().unwrap();
    for args in [
        &["-o", "json"][..],
        &["-o", "sarif"],
        &["-o", "junit"],
        &["-o", "sarif", "--output-file", report],
        &["--output-file", report],
    ] {
        let mut all = vec!["scan", "k8s/apps"];
        all.extend_from_slice(args);
        let out = run(&d, &all, "2026-11-22");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("palisade: error: k8s/apps/broken.yaml:"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("palisade: error: 1 input error(s), 1 document(s) skipped (not Kubernetes objects); see the report"),
            "{args:?}: {err}"
        );
    }
    // The human format on stdout lists them itself; stderr has the counts.
    let out = run(&d, &["scan", "k8s/apps"], "2026-11-22");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("broken.yaml"));
    assert_eq!(
        stderr(&out),
        "palisade: error: 1 input error(s), 1 document(s) skipped (not Kubernetes objects); see the report\n"
    );
    // Skipped documents alone: a warning line, not with -q, not when the human report on
    // stdout says it.
    let d = project(
        "stderr-skipped",
        None,
        &[("agent.yaml", PRIVILEGED), ("notes.yaml", "just: a note\n")],
    );
    let out = run(&d, &["scan", "k8s/apps", "-o", "sarif"], "2026-11-22");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "palisade: warning: 1 document(s) skipped (not Kubernetes objects); see the report\n"
    );
    let out = run(&d, &["-q", "scan", "k8s/apps", "-o", "sarif"], "2026-11-22");
    assert_eq!(stderr(&out), "");
    let out = run(&d, &["scan", "k8s/apps"], "2026-11-22");
    assert_eq!(stderr(&out), "");
    // A clean input: nothing on stderr.
    let d = project("stderr-clean", None, &[("agent.yaml", PRIVILEGED)]);
    let out = run(&d, &["scan", "k8s/apps", "-o", "json"], "2026-11-22");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
}

/// The GitHub Actions step of docs/scan.md, run as Actions runs it (`bash -e -o pipefail`):
/// findings must not fail the step, unreadable manifests must.
#[test]
fn the_documented_ci_step_fails_on_input_errors_only() {
    let doc = std::fs::read_to_string(root().join("docs/scan.md")).unwrap();
    let step = doc
        .lines()
        .find_map(|l| l.trim().strip_prefix("- run: palisade scan -o sarif"))
        .expect("docs/scan.md has the GitHub Actions step");
    let command = format!("palisade scan -o sarif{step}");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_palisade")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let step_status = |name: &str, files: &[(&str, &str)]| {
        let d = project(name, None, &[]);
        std::fs::create_dir_all(d.join("k8s")).unwrap();
        for (f, text) in files {
            std::fs::write(d.join("k8s").join(f), text).unwrap();
        }
        Command::new("bash")
            .args(["-e", "-o", "pipefail", "-c", &command])
            .current_dir(&d)
            .env("PATH", &path)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(step_status("ci-findings", &[("a.yaml", PRIVILEGED)]), Some(0));
    assert_ne!(
        step_status("ci-broken", &[("a.yaml", PRIVILEGED), ("b.yaml", "kind: [\n")]),
        Some(0)
    );
}

#[test]
fn exception_accounting_runs_under_select() {
    let cfg = "exceptions:\n  - rules: [PSS007]\n    name: node-agent\n    reason: temporary\n    owner: platform-team\n    expires: 2026-01-31\n  - rules: [HRD]\n    name: nothing-*\n    reason: old\n    owner: team-b\n";
    let d = project("cfg-select", Some(cfg), &[("agent.yaml", PRIVILEGED)]);
    // --select names neither CFG001 nor CFG002: the expired and the stale exception are
    // reported all the same.
    let v = json(&run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007,HRD", "-o", "json"],
        "2026-11-22",
    ));
    let c = codes(&v, "findings");
    assert!(c.contains(&"CFG001".to_owned()), "{c:?}");
    assert!(c.contains(&"CFG002".to_owned()), "{c:?}");
    let rules: Vec<&str> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"CFG001") && rules.contains(&"CFG002"),
        "{rules:?}"
    );
    // Only naming them in --ignore turns them off.
    let v = json(&run(
        &d,
        &[
            "scan",
            "k8s/apps",
            "--select",
            "PSS007,HRD",
            "--ignore",
            "CFG001",
            "-o",
            "json",
        ],
        "2026-11-22",
    ));
    let c = codes(&v, "findings");
    assert!(
        !c.contains(&"CFG001".to_owned()) && c.contains(&"CFG002".to_owned()),
        "{c:?}"
    );
}

#[test]
fn ignore_annotation_with_an_unknown_rule_warns() {
    let annotated = PRIVILEGED.replace(
        "  labels: {team: observability}\n",
        "  annotations:\n    palisade.dev/ignore: \"PSS007, HRD999: vendor chart\"\n",
    );
    let d = project("inline-unknown", None, &[("agent.yaml", &annotated)]);
    let out = run(
        &d,
        &["scan", "k8s/apps", "--select", "PSS007", "-o", "json"],
        "2026-11-22",
    );
    // PSS007 is suppressed; HRD999 is no rule: a warning, located at the annotation.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    let w = &v["errors"][0];
    assert_eq!(w["level"], "warning", "{v:#}");
    assert_eq!(
        w["message"],
        "palisade.dev/ignore names unknown rule(s) \"HRD999\" (see `palisade rules`); they suppress nothing"
    );
    assert_eq!(w["line"], 7);
    assert_eq!(v["summary"]["suppressed"], 1);
}
