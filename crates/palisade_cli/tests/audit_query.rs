//! `palisade audit who` and `palisade audit timeline` end to end: the answers on the log
//! recorded from a real API server, every output format, stdin, exit codes, errors in every
//! format and on stderr, and bad flags.

mod common;

use common::{code, corpus, json_out, palisade, palisade_stdin, temp_dir, text};

fn log() -> String {
    corpus()
        .expect("the corpus is needed")
        .join("audit/palisade-recorded/audit.log")
        .display()
        .to_string()
}

#[test]
fn who_deleted_the_namespace_in_every_format() {
    let l = log();
    let args = [
        "audit",
        "who",
        &l,
        "--verb",
        "delete",
        "--resource",
        "namespaces",
        "--name",
        "scratch-ns",
    ];
    let out = palisade(&args);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let t = text(&out);
    assert!(t.contains("1 request matched"), "{t}");
    assert!(
        t.contains("kubernetes-admin as alice  delete  namespaces scratch-ns  200"),
        "{t}"
    );
    assert!(t.contains("audit.log:929"), "{t}");

    let mut j = args.to_vec();
    j.extend(["-o", "json"]);
    let out = palisade(&j);
    let v = json_out(&out);
    assert_eq!(v["kind"], "AuditAnswer");
    assert_eq!(v["question"], "who");
    assert_eq!(v["requests"].as_array().unwrap().len(), 1);
    assert_eq!(v["requests"][0]["impersonatedUser"], "alice");
    assert_eq!(
        v["requests"][0]["auditID"],
        "32c536ab-b792-4413-94f6-58e4d0c91dbc"
    );
    assert_eq!(v["actors"][0]["succeeded"], 1);
    assert_eq!(v["stats"]["lines"], 1054);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);

    let mut c = args.to_vec();
    c.extend(["-o", "csv"]);
    let out = palisade(&c);
    let t = text(&out);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 2, "{t}");
    assert!(lines[0].starts_with("time,auditID,user,groups,impersonatedUser,verb,"));
    assert!(
        lines[1].contains(",alice,delete,,namespaces,,scratch-ns,scratch-ns,200,"),
        "{t}"
    );
}

#[test]
fn timeline_of_a_service_account_from_stdin() {
    let text_in = std::fs::read_to_string(log()).unwrap();
    let out = palisade_stdin(
        &[
            "audit",
            "timeline",
            "-",
            "--serviceaccount",
            "shop/frontend-sa",
            "-o",
            "json",
        ],
        &text_in,
    );
    assert_eq!(code(&out), 0);
    let v = json_out(&out);
    let reqs = v["requests"].as_array().unwrap();
    // What frontend-sa did in the scenario: listed secrets, tried to exec, listed clusterroles.
    let seen: Vec<(String, String, String)> = reqs
        .iter()
        .map(|r| {
            (
                r["verb"].as_str().unwrap().to_owned(),
                r["resource"].as_str().unwrap().to_owned(),
                r["subresource"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        seen.contains(&("list".into(), "secrets".into(), "".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("create".into(), "pods".into(), "exec".into())),
        "{seen:?}"
    );
    assert!(reqs.iter().all(|r| r["file"] == "-"));
    let times: Vec<&str> = reqs.iter().map(|r| r["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}

#[test]
fn input_errors_exit_2_in_every_format() {
    let d = temp_dir("audit-errors");
    let bad = d.join("audit.log");
    let good = std::fs::read_to_string(log()).unwrap();
    let first = good.lines().next().unwrap();
    std::fs::write(&bad, format!("{first}\n{{\"kind\":\"Event\",\"verb\n")).unwrap();
    let b = bad.display().to_string();
    for fmt in ["human", "json", "csv"] {
        let out = palisade(&["audit", "who", &b, "-o", fmt]);
        assert_eq!(code(&out), 2, "{fmt}");
        let t = text(&out);
        assert!(t.contains("audit.log"), "{fmt}: {t}");
        if fmt != "human" {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("audit.log:2: invalid JSON"), "{fmt}: {err}");
        }
    }
    let v = json_out(&palisade(&["audit", "who", &b, "-o", "json"]));
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(v["requests"].as_array().unwrap().len(), 1);
    // Nothing read is an error too.
    let empty = d.join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let out = palisade(&["audit", "who", empty.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no audit event was read"));
    let out = palisade(&["audit", "who", d.join("missing.log").to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(text(&out).contains("missing.log: cannot read"), "{}", text(&out));
}

#[test]
fn bad_flags_are_usage_errors() {
    let l = log();
    for (flag, value, says) in [
        ("--code", "9xx", "--code"),
        ("--serviceaccount", "shop", "--serviceaccount"),
        ("--since", "yesterday", "invalid time"),
        ("--decision", "maybe", "--decision"),
        ("--resource", "a/b/c", "--resource"),
        ("--object", "pods", "--object"),
        ("--source-ip", "10.0.0.0/40", "--source-ip"),
    ] {
        let out = palisade(&["audit", "who", &l, flag, value]);
        assert_eq!(code(&out), 2, "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{flag} {value}: {err}");
    }
}

/// deploy/audit/ scans clean with every rule (its two exceptions explained in its
/// .palisade.yaml), and its audit Policy lints clean.
#[test]
fn deploy_audit_is_clean() {
    let out = palisade(&["scan", "deploy/audit", "--profile", "all", "--color", "never"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let out = palisade(&["scan", "deploy/audit", "--pss", "restricted", "--color", "never"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let out = palisade(&["audit", "policy", "lint", "deploy/audit/policy.yaml"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let out = palisade(&["config", "check", "deploy/audit/.palisade.yaml"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}
