//! `palisade dockerfile` end to end: every output format, exit codes 0/1/2, configuration
//! (select/ignore, severity, failOn, exceptions), inline ignores, stdin, directories, a parse
//! error located with the rest still linted, explain and rules, the CIS Docker compliance view,
//! the coverage table of docs/dockerfile.md, and the Dockerfiles `palisade scan` picks up.

mod common;

use common::{code, palisade, palisade_stdin, root, text};
use std::path::{Path, PathBuf};

/// A scratch directory under the target directory, emptied first.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dockerfile-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the binary with `args` in `dir`.
fn palisade_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

const ROOT_USER: &str = "FROM debian:12\nRUN useradd -r app\nUSER root\nCMD [\"app\"]\n";

/// Clean for every rule: pinned base by digest, non-root user, healthcheck, exec form.
const CLEAN: &str = "FROM gcr.io/distroless/static-debian12@sha256:0000000000000000000000000000000000000000000000000000000000000000\n\
COPY app /app\n\
HEALTHCHECK CMD [\"/app\", \"health\"]\n\
USER 65532:65532\n\
ENTRYPOINT [\"/app\"]\n";

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn codes_at(v: &serde_json::Value) -> Vec<(String, u64, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn root_user_located_in_every_format() {
    let d = scratch("formats");
    std::fs::write(d.join("Dockerfile"), ROOT_USER).unwrap();
    let f = d.join("Dockerfile").to_string_lossy().into_owned();
    let out = palisade(&["dockerfile", "--no-config", &f, "-o", "json"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let v = json(&out);
    let hits = codes_at(&v);
    assert!(hits.contains(&("DKR001".into(), 3, 6)), "{hits:?}");
    let f0 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "DKR001")
        .unwrap();
    assert_eq!(f0["object"]["kind"], "Dockerfile", "{f0}");
    let line = palisade(&["dockerfile", "--no-config", &f, "-o", "line"]);
    assert_eq!(code(&line), 1);
    assert!(
        text(&line).contains(&format!("{f}:3:6: DKR001 [high]")),
        "{}",
        text(&line)
    );
    let human = palisade(&["dockerfile", "--no-config", "--color", "never", &f]);
    assert_eq!(code(&human), 1);
    assert!(
        text(&human).contains("DKR001 dockerfile-root-user"),
        "{}",
        text(&human)
    );
    let sarif = palisade(&["dockerfile", "--no-config", &f, "-o", "sarif"]);
    assert_eq!(code(&sarif), 1);
    let s = json(&sarif);
    let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let dkr001 = rules.iter().find(|r| r["id"] == "DKR001").unwrap();
    assert!(
        dkr001["properties"]["references"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "cis-docker" && r["id"] == "4.1"),
        "{dkr001}"
    );
    let result = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "DKR001")
        .unwrap();
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    let junit = palisade(&["dockerfile", "--no-config", &f, "-o", "junit"]);
    assert_eq!(code(&junit), 1);
    assert!(text(&junit).contains("DKR001"), "{}", text(&junit));
}

#[test]
fn clean_file_exits_zero_and_exit_zero_flag() {
    let d = scratch("clean");
    std::fs::write(d.join("Dockerfile"), CLEAN).unwrap();
    std::fs::write(d.join("bad.Dockerfile"), ROOT_USER).unwrap();
    let clean = d.join("Dockerfile").to_string_lossy().into_owned();
    let out = palisade(&["dockerfile", "--no-config", &clean, "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(json(&out)["findings"], serde_json::json!([]));
    let bad = d.join("bad.Dockerfile").to_string_lossy().into_owned();
    let out = palisade(&["dockerfile", "--no-config", "--exit-zero", &bad]);
    assert_eq!(code(&out), 0);
    // --fail-on above the findings' severities: exit 0, findings still listed.
    let out = palisade(&[
        "dockerfile",
        "--no-config",
        "--fail-on",
        "critical",
        &bad,
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0);
    assert!(!json(&out)["findings"].as_array().unwrap().is_empty());
}

#[test]
fn directories_are_walked_and_stdin_is_read() {
    let d = scratch("dirs");
    std::fs::create_dir_all(d.join("svc/web")).unwrap();
    std::fs::write(d.join("svc/web/Dockerfile"), ROOT_USER).unwrap();
    std::fs::write(d.join("svc/api.Dockerfile"), ROOT_USER).unwrap();
    std::fs::write(d.join("svc/Dockerfile.dockerignore"), "target\n").unwrap();
    std::fs::write(d.join("svc/notes.txt"), "FROM nothing\n").unwrap();
    let out = palisade_in(&d, &["dockerfile", "--no-config", "svc", "-o", "json"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["stats"]["files"], 2, "{}", v["stats"]);
    let files: std::collections::BTreeSet<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        ["svc/api.Dockerfile", "svc/web/Dockerfile"]
    );
    let out = palisade_stdin(&["dockerfile", "--no-config", "-", "-o", "line"], ROOT_USER);
    assert_eq!(code(&out), 1);
    assert!(text(&out).contains("<stdin>:3:6: DKR001"), "{}", text(&out));
    // A directory without any Dockerfile: nothing linted, exit 2.
    std::fs::create_dir_all(d.join("empty")).unwrap();
    let out = palisade_in(&d, &["dockerfile", "--no-config", "empty"]);
    assert_eq!(code(&out), 2);
    let out = palisade_in(&d, &["dockerfile", "--no-config", "missing"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn parse_error_is_located_and_the_rest_still_linted() {
    let d = scratch("parse-error");
    // An unterminated heredoc in one file, a valid file with findings beside it.
    std::fs::write(
        d.join("Dockerfile"),
        "FROM debian:12\nRUN <<EOF\necho never closed\n",
    )
    .unwrap();
    std::fs::write(d.join("b.Dockerfile"), ROOT_USER).unwrap();
    let out = palisade_in(&d, &["dockerfile", "--no-config", ".", "-o", "json"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let v = json(&out);
    let errors = v["errors"].as_array().unwrap();
    let e = errors
        .iter()
        .find(|e| e["file"].as_str() == Some("./Dockerfile"))
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(e["level"], "error");
    assert!(e["line"].as_u64().unwrap() >= 2, "{e}");
    assert!(codes_at(&v).iter().any(|(c, l, _)| c == "DKR001" && *l == 3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("./Dockerfile:"));
}

#[test]
fn configuration_select_ignore_severity_and_exceptions() {
    let d = scratch("config");
    std::fs::create_dir_all(d.join("tools/debug")).unwrap();
    std::fs::write(d.join("tools/debug/Dockerfile"), ROOT_USER).unwrap();
    std::fs::write(d.join("Dockerfile"), ROOT_USER).unwrap();
    let base = palisade_in(&d, &["dockerfile", "--no-config", ".", "-o", "json"]);
    let all = codes_at(&json(&base));
    assert!(all.iter().filter(|(c, ..)| c == "DKR001").count() == 2, "{all:?}");

    // --select: only that rule; --ignore: not that rule.
    let sel = palisade_in(
        &d,
        &[
            "dockerfile",
            "--no-config",
            "--select",
            "DKR001",
            ".",
            "-o",
            "json",
        ],
    );
    assert!(codes_at(&json(&sel)).iter().all(|(c, ..)| c == "DKR001"));
    let ign = palisade_in(
        &d,
        &[
            "dockerfile",
            "--no-config",
            "--ignore",
            "DKR001",
            ".",
            "-o",
            "json",
        ],
    );
    assert!(codes_at(&json(&ign)).iter().all(|(c, ..)| c != "DKR001"));
    // An unknown selector is a usage error.
    let bad = palisade_in(&d, &["dockerfile", "--no-config", "--select", "NOPE9", "."]);
    assert_eq!(code(&bad), 2);

    // The configuration file: a severity override, an exception by kind and path glob.
    std::fs::write(
        d.join(".palisade.yaml"),
        "severity:\n  dockerfile-root-user: critical\nexceptions:\n  - rules: [DKR001]\n    kind: Dockerfile\n    name: \"tools/*/Dockerfile\"\n    reason: the debug image runs as root on purpose\n    owner: platform\n    expires: 2099-01-01\n",
    )
    .unwrap();
    let out = palisade_in(&d, &["dockerfile", ".", "-o", "json", "--show-suppressed"]);
    let v = json(&out);
    let dkr: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "DKR001")
        .collect();
    assert_eq!(dkr.len(), 1, "{}", v["findings"]);
    assert_eq!(dkr[0]["location"]["file"], "./Dockerfile");
    assert_eq!(dkr[0]["severity"], "critical");
    assert_eq!(v["summary"]["suppressed"], 1, "{}", v["summary"]);

    // An exception that matches nothing is stale (CFG002), located in the configuration.
    std::fs::write(
        d.join(".palisade.yaml"),
        "exceptions:\n  - rules: [DKR001]\n    kind: Dockerfile\n    name: \"nowhere/*\"\n    reason: r\n    owner: o\n",
    )
    .unwrap();
    let out = palisade_in(&d, &["dockerfile", ".", "-o", "json"]);
    let v = json(&out);
    assert!(
        codes_at(&v).iter().any(|(c, ..)| c == "CFG002"),
        "{}",
        v["findings"]
    );

    // failOn in the file: findings below it do not fail the run.
    std::fs::write(d.join(".palisade.yaml"), "failOn: critical\nignore: [DKR001]\n").unwrap();
    let out = palisade_in(&d, &["dockerfile", ".", "-o", "json"]);
    assert!(codes_at(&json(&out)).iter().all(|(c, ..)| c != "DKR001"));
    assert_eq!(code(&out), 0, "{}", text(&out));
}

#[test]
fn inline_ignores() {
    let d = scratch("inline");
    std::fs::write(
        d.join("Dockerfile"),
        "FROM debian:12\n# palisade:ignore=DKR001 the entrypoint drops privileges itself\nUSER root\nCMD [\"app\"]\n",
    )
    .unwrap();
    let out = palisade_in(&d, &["dockerfile", "--no-config", ".", "-o", "json"]);
    let v = json(&out);
    assert!(
        codes_at(&v).iter().all(|(c, ..)| c != "DKR001"),
        "{}",
        v["findings"]
    );
    assert_eq!(v["summary"]["suppressed"], 1, "{}", v["summary"]);
    // --no-inline-ignores: the comment is not honoured.
    let out = palisade_in(
        &d,
        &[
            "dockerfile",
            "--no-config",
            "--no-inline-ignores",
            ".",
            "-o",
            "json",
        ],
    );
    assert!(codes_at(&json(&out))
        .iter()
        .any(|(c, l, _)| c == "DKR001" && *l == 3));
    // Without a reason: a warning, nothing suppressed.
    std::fs::write(
        d.join("Dockerfile"),
        "FROM debian:12\n# palisade:ignore=DKR001\nUSER root\nCMD [\"app\"]\n",
    )
    .unwrap();
    let out = palisade_in(&d, &["dockerfile", "--no-config", ".", "-o", "json"]);
    let v = json(&out);
    assert!(codes_at(&v).iter().any(|(c, ..)| c == "DKR001"));
    assert!(
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["level"] == "warning" && e["line"] == 2),
        "{}",
        v["errors"]
    );
}

#[test]
fn baseline_hides_known_findings() {
    let d = scratch("baseline");
    std::fs::write(d.join("Dockerfile"), ROOT_USER).unwrap();
    let first = palisade_in(&d, &["dockerfile", "--no-config", ".", "-o", "json"]);
    std::fs::write(d.join("old.json"), &first.stdout).unwrap();
    // Lines added above: the same findings, still known.
    std::fs::write(d.join("Dockerfile"), format!("# a comment\n\n{ROOT_USER}")).unwrap();
    let out = palisade_in(
        &d,
        &[
            "dockerfile",
            "--no-config",
            "--baseline",
            "old.json",
            ".",
            "-o",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(json(&out)["findings"], serde_json::json!([]));
}

#[test]
fn compliance_view_lists_every_cis_docker_item() {
    let d = scratch("compliance");
    std::fs::write(d.join("Dockerfile"), ROOT_USER).unwrap();
    let out = palisade_in(
        &d,
        &["dockerfile", "--no-config", "--compliance", ".", "-o", "json"],
    );
    let v = json(&out);
    let controls = v["controls"].as_array().unwrap();
    let ids: Vec<&str> = controls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.10", "4.11", "4.12"]
    );
    let status = |id: &str| controls.iter().find(|c| c["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("4.1"), "fail");
    assert_eq!(status("4.5"), "manual");
    assert_eq!(status("4.12"), "manual");
    assert_eq!(status("4.9"), "pass");
    let human = palisade_in(&d, &["dockerfile", "--no-config", "--compliance", "."]);
    assert!(text(&human).contains("CIS Docker Benchmark"), "{}", text(&human));
}

/// docs/dockerfile.md's coverage table is the code's, row for row, and every item the table
/// calls automated or partial has a rule citing it (and no rule cites an item called manual).
#[test]
fn coverage_table_matches_code_and_rules() {
    use palisade_report::compliance::{Coverage, CIS_DOCKER};
    let doc = std::fs::read_to_string(root().join("docs/dockerfile.md")).unwrap();
    for item in CIS_DOCKER {
        let row = format!(
            "| {} | {} | {} | {} | {} |",
            item.id,
            item.title,
            item.coverage.as_str(),
            if item.checked.is_empty() {
                "—"
            } else {
                item.checked
            },
            if item.not_covered.is_empty() {
                "—"
            } else {
                item.not_covered
            }
        );
        assert!(doc.contains(&row), "docs/dockerfile.md lacks the row\n{row}");
        let cited = palisade_dockerfile::rules::all_rules().iter().any(|r| {
            r.meta
                .references
                .iter()
                .any(|x| matches!(x, palisade_core::Reference::CisDocker(id) if *id == item.id))
        });
        assert_eq!(
            cited,
            item.coverage != Coverage::Manual,
            "CIS {}: coverage {:?} but cited by a rule: {cited}",
            item.id,
            item.coverage
        );
    }
}

#[test]
fn explain_and_rules_list_the_dockerfile_rules() {
    let out = palisade(&["explain", "DKR001"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out).contains("dockerfile-root-user"), "{}", text(&out));
    let out = palisade(&["explain", "dockerfile-root-user"]);
    assert_eq!(code(&out), 0);
    let out = palisade(&["rules", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["group"] == "dockerfile")
        .count();
    assert_eq!(n, palisade_dockerfile::rules::all_rules().len());
}

#[test]
fn scan_picks_up_dockerfiles() {
    let d = scratch("scan");
    std::fs::write(
        d.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
    )
    .unwrap();
    std::fs::create_dir_all(d.join("img")).unwrap();
    std::fs::write(d.join("img/Dockerfile"), ROOT_USER).unwrap();
    for fmt in ["json", "line"] {
        let out = palisade_in(&d, &["scan", "--no-config", ".", "-o", fmt]);
        assert_eq!(code(&out), 1, "{}", text(&out));
        if fmt == "line" {
            let t = text(&out);
            assert!(t.contains("./img/Dockerfile:3:6: DKR001"), "{t}");
            assert!(t.contains("./pod.yaml:"), "{t}");
            // In file order: the Dockerfile (./img/…) before ./pod.yaml.
            assert!(
                t.find("./img/Dockerfile").unwrap() < t.find("./pod.yaml").unwrap(),
                "{t}"
            );
        }
    }
    // --select of manifest rules only: no Dockerfile findings.
    let out = palisade_in(&d, &["scan", "--no-config", "--select", "PSS", ".", "-o", "json"]);
    assert!(codes_at(&json(&out)).iter().all(|(c, ..)| !c.starts_with("DKR")));
    // A Dockerfile given by name is linted, not read as YAML.
    let out = palisade_in(&d, &["scan", "--no-config", "img/Dockerfile", "-o", "json"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["errors"], serde_json::json!([]), "{}", v["errors"]);
    assert!(codes_at(&v).iter().any(|(c, ..)| c == "DKR001"));
    // A Dockerfile that does not parse is an input error of the scan: exit 2.
    std::fs::write(
        d.join("img/Dockerfile"),
        "FROM debian:12\nRUN <<EOF\nnever closed\n",
    )
    .unwrap();
    let out = palisade_in(&d, &["scan", "--no-config", ".", "-o", "json"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
}

/// deploy/ (manifests, the palisade image's Dockerfile, its .palisade.yaml) scans clean: the
/// Dockerfile's accepted findings are exceptions with reasons.
#[test]
fn deploy_scans_clean_with_its_dockerfile() {
    let out = palisade(&[
        "scan",
        "deploy/",
        "--fail-on",
        "info",
        "-o",
        "json",
        "--show-suppressed",
    ]);
    let v = json(&out);
    assert_eq!(code(&out), 0, "{}", v["findings"]);
    assert_eq!(v["stats"]["files"].as_u64().map(|n| n > 1), Some(true));
    let out = palisade(&["dockerfile", "deploy/", "--fail-on", "info", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

/// A RUN the shell parser cannot read is linted without its commands, with a located warning
/// in every format; the parser's own panic (brush-parser 0.4 on `${` before a heredoc body) is
/// contained and never printed.
#[test]
fn unreadable_run_is_a_located_warning_and_never_a_panic() {
    let d = scratch("shell-warning");
    std::fs::write(d.join("Dockerfile"), "FROM a\nRUN cat <<E ${H}${\nE\nUSER app\n").unwrap();
    let out = palisade_in(&d, &["dockerfile", "--no-config", "Dockerfile", "-o", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(code(&out), 1, "{}", text(&out));
    let v = json(&out);
    let warnings: Vec<&serde_json::Value> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["message"].as_str().unwrap().contains("were not checked"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", v["errors"]);
    assert_eq!(warnings[0]["line"], 2, "{}", warnings[0]);
    let line = palisade_in(&d, &["dockerfile", "--no-config", "Dockerfile", "-o", "line"]);
    assert!(
        text(&line).contains("Dockerfile:2:5: warning: shell syntax error"),
        "{}",
        text(&line)
    );
}
