//! End-to-end tests of the `palisade` binary: exit codes, located findings on the shipped
//! examples, every output format, stdin, selection errors and bad input.

mod common;

use common::{findings, has_finding, json, palisade, palisade_stdin, root, temp_dir};

#[test]
fn guestbook_has_located_findings_and_exits_1() {
    let (code, v) = json(&["scan", "examples/guestbook"]);
    assert_eq!(code, 1);
    // privileged: yes (YAML 1.1 boolean) on the bad-word checker, at the field itself.
    assert!(
        has_finding(&v, "PSS007", "badwords", "badwords.yaml:29:13"),
        "{v:#}"
    );
    assert!(
        has_finding(&v, "PSS003", "badwords", "badwords.yaml:21:7"),
        "{v:#}"
    );
    // hostPath volume on redis (baseline enforce in the namespace).
    assert!(findings(&v)
        .iter()
        .any(|f| f["code"] == "PSS004" && f["object"]["name"] == "redis"));
    // runAsUser: 0 on the frontend is a restricted violation: warned, not enforced (one
    // finding with HRD011, which flags the same field for the same reason).
    let ru = findings(&v)
        .iter()
        .find(|f| {
            let also = f["also"]
                .as_array()
                .is_some_and(|a| a.iter().any(|c| c == "PSS018"));
            (f["code"] == "PSS018" || also) && f["object"]["name"] == "frontend"
        })
        .unwrap();
    assert_eq!(ru["pss"]["mode"], "warn");
    // Every finding is located.
    assert!(findings(&v)
        .iter()
        .all(|f| f["location"]["line"].as_u64().unwrap_or(0) > 0));
    // The Deployment is admitted but its pods would be rejected under enforce=baseline.
    let adm = v["admission"].as_array().unwrap();
    assert!(adm.iter().any(|a| a["object"]["name"] == "badwords"
        && a["mode"] == "enforce"
        && a["action"] == "reject-pods"));
    // Every document is a Kubernetes object.
    assert_eq!(
        v["stats"]["skippedDocuments"]
            .as_u64()
            .or(v["stats"]["skipped_documents"].as_u64()),
        Some(0)
    );
}

#[test]
fn guestbook_human_output_names_file_line_and_fix() {
    let out = palisade(&["scan", "examples/guestbook", "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("badwords.yaml:29:13"), "{s}");
    assert!(s.contains("PSS007"), "{s}");
    assert!(!s.contains('\u{1b}'), "no colour codes when --color never");
}

#[test]
fn hardened_guestbook_passes_restricted() {
    for args in [
        &["scan", "--pss", "restricted", "examples/guestbook-hardened"][..],
        &["scan", "examples/guestbook-hardened"][..],
    ] {
        let (code, v) = json(args);
        assert_eq!(code, 0, "{v:#}");
        assert!(findings(&v).is_empty());
        assert_eq!(v["stats"]["workloads"], 4);
    }
}

#[test]
fn all_output_formats_render() {
    for fmt in ["human", "json", "sarif", "junit"] {
        let out = palisade(&["scan", "examples/guestbook", "-o", fmt, "--color", "never"]);
        assert_eq!(out.status.code(), Some(1), "{fmt}");
        let s = String::from_utf8(out.stdout).unwrap();
        match fmt {
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&s).unwrap();
                assert_eq!(v["version"], "2.1.0");
                let results = v["runs"][0]["results"].as_array().unwrap();
                assert!(!results.is_empty());
                assert!(results
                    .iter()
                    .all(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap()
                        > 0));
            }
            "junit" => assert!(s.contains("<testsuites") && s.contains("<failure")),
            _ => assert!(!s.is_empty()),
        }
    }
    let d = temp_dir("outfile");
    let f = d.join("r.sarif");
    let out = palisade(&[
        "scan",
        "examples/guestbook",
        "-o",
        "sarif",
        "--output-file",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&f).unwrap().contains("\"2.1.0\""));
}

#[test]
fn stdin_is_scanned() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n";
    let out = palisade_stdin(&["scan", "-", "--pss", "baseline", "-o", "json"], pod);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(has_finding(&v, "PSS007", "p", "<stdin>:10:7"), "{v:#}");
}

/// The contract of PSA enforce: `--select PSS --pss LEVEL` exits 0 when every pod would be
/// admitted and 1 when any would be rejected.
#[test]
fn pss_enforce_contract() {
    let ok = "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
    let bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: nginx\n";
    let args = [
        "scan",
        "--select",
        "PSS",
        "--pss",
        "baseline",
        "--pss-version",
        "v1.30",
        "-",
    ];
    assert_eq!(palisade_stdin(&args, ok).status.code(), Some(0));
    assert_eq!(palisade_stdin(&args, bad).status.code(), Some(1));
    // restricted rejects the first pod (no runAsNonRoot, no seccomp, ...).
    let args = [
        "scan",
        "--select",
        "PSS",
        "--pss",
        "restricted",
        "-o",
        "json",
        "-",
    ];
    let out = palisade_stdin(&args, ok);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let msg = v["admission"][0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false"),
        "{msg}"
    );
}

#[test]
fn parse_errors_are_located_and_other_files_still_scanned() {
    let d = temp_dir("bad");
    std::fs::write(
        d.join("a-broken.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n",
    )
    .unwrap();
    std::fs::write(d.join("b-binary.yaml"), b"\x00\x01\x02garbage").unwrap();
    std::fs::write(
        d.join("c-pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostIPC: true\n  containers: [{name: c, image: x}]\n",
    )
    .unwrap();
    let (code, v) = json(&["scan", "--pss", "baseline", d.to_str().unwrap()]);
    assert_eq!(code, 2, "{v:#}");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0]["file"].as_str().unwrap().ends_with("a-broken.yaml"));
    assert!(errors[0]["line"].as_u64().unwrap() >= 4);
    assert!(errors[1]["file"].as_str().unwrap().ends_with("b-binary.yaml"));
    assert!(has_finding(&v, "PSS003", "p", "c-pod.yaml:5:3"), "{v:#}");
}

#[test]
fn wrong_types_are_errors_with_location() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: \"maybe\"\n      runAsUser: \"0\"\n";
    let out = palisade_stdin(&["scan", "--pss", "restricted", "-o", "json", "-"], pod);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errs = v["errors"].as_array().unwrap();
    assert!(
        errs.iter()
            .any(|e| e["line"] == 9 && e["message"].as_str().unwrap().contains("privileged")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e["line"] == 10 && e["message"].as_str().unwrap().contains("runAsUser")),
        "{errs:#?}"
    );
}

#[test]
fn nothing_scanned_is_an_error() {
    let d = temp_dir("empty");
    std::fs::write(d.join("values.yaml"), "replicaCount: 2\nimage:\n  tag: latest\n").unwrap();
    let (code, v) = json(&["scan", d.to_str().unwrap()]);
    assert_eq!(code, 2);
    // The skipped document is named (a warning), then nothing was scanned (an error).
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("document skipped"));
    assert!(v["errors"][1]["message"]
        .as_str()
        .unwrap()
        .contains("nothing was scanned"));
    let out = palisade(&["scan", "does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let out = palisade(&["scan", "examples/*.nomatch"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn globs_and_lists() {
    let d = temp_dir("list");
    std::fs::write(
        d.join("list.yaml"),
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: first}\n  spec:\n    containers: [{name: c, image: x}]\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: second}\n  spec:\n    hostNetwork: true\n    containers: [{name: c, image: x}]\n",
    )
    .unwrap();
    let pattern = format!("{}/*.yaml", d.display());
    let (code, v) = json(&["scan", "--pss", "baseline", &pattern]);
    assert_eq!(code, 1);
    assert!(has_finding(&v, "PSS003", "second", "list.yaml:13:5"), "{v:#}");
    assert_eq!(v["stats"]["workloads"], 2);
}

#[test]
fn custom_resources_with_pod_templates_are_scanned() {
    let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: shop}\nspec:\n  template:\n    metadata:\n      annotations:\n        container.apparmor.security.beta.kubernetes.io/app: unconfined\n    spec:\n      containers:\n      - name: app\n        image: x\n";
    let out = palisade_stdin(&["scan", "--pss", "baseline", "-o", "json", "-"], rollout);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(has_finding(&v, "PSS001", "r", "<stdin>:8:9"), "{v:#}");
    let kinds = &v["stats"]["customTemplateKinds"];
    assert!(
        kinds.to_string().contains("argoproj.io/v1alpha1/Rollout"),
        "{v:#}"
    );
}

#[test]
fn selection_errors_are_usage_errors() {
    assert_eq!(
        palisade(&["scan", "--select", "NOPE", "examples/guestbook"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        palisade(&[
            "scan",
            "--select",
            "PSS007",
            "--ignore",
            "PSS",
            "examples/guestbook"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        palisade(&["scan", "--pss-version", "v2.0", "examples/guestbook"])
            .status
            .code(),
        Some(2)
    );
    let (code, v) = json(&["scan", "--select", "pss-privileged", "examples/guestbook"]);
    assert_eq!(code, 1);
    assert!(findings(&v).iter().all(|f| f["code"] == "PSS007"));
}

#[test]
fn fail_on_threshold() {
    // Only medium-and-above... the guestbook has critical findings, so still 1.
    assert_eq!(
        palisade(&["scan", "--fail-on", "critical", "examples/guestbook"])
            .status
            .code(),
        Some(1)
    );
    // A pod whose only problem is a low-severity finding passes --fail-on high.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    readinessProbe:\n      httpGet: {host: example.com, port: 80}\n";
    assert_eq!(
        palisade_stdin(&["scan", "--pss", "baseline", "-"], pod)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        palisade_stdin(&["scan", "--pss", "baseline", "--fail-on", "high", "-"], pod)
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn rules_and_explain() {
    let out = palisade(&["rules", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v.as_array().unwrap();
    assert_eq!(
        rules
            .iter()
            .filter(|r| r["code"].as_str().unwrap().starts_with("PSS"))
            .count(),
        19
    );
    assert!(rules
        .iter()
        .any(|r| r["code"].as_str().unwrap().starts_with("HRD")));
    let out = palisade(&["explain", "PSS007"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("Why is this bad?"));
    assert_eq!(
        palisade(&["explain", "pss-run-as-non-root"]).status.code(),
        Some(0)
    );
    assert_eq!(palisade(&["explain", "NOPE"]).status.code(), Some(2));
}

/// docs/rules.md is generated from the rules' own documentation and must stay in sync.
/// Regenerate with `cargo run -- rules -o markdown > docs/rules.md`.
#[test]
fn rules_doc_is_up_to_date() {
    let out = palisade(&["rules", "-o", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let generated = String::from_utf8(out.stdout).unwrap();
    let on_disk = std::fs::read_to_string(root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        generated == on_disk,
        "docs/rules.md is stale: run `cargo run -- rules -o markdown > docs/rules.md`"
    );
}

#[test]
fn junit_has_a_test_case_per_object_and_rule() {
    // The hardened guestbook has no findings: one passing test case per object read.
    let out = palisade(&["scan", "examples/guestbook-hardened", "-o", "junit"]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    let (_, v) = json(&["scan", "examples/guestbook-hardened"]);
    let objects = v["stats"]["objects"].as_u64().unwrap() as usize;
    assert!(objects > 4, "more objects than workloads");
    assert_eq!(s.matches("<testcase ").count(), objects, "{s}");
    assert!(!s.contains("<failure"));
    // The insecure guestbook: one failing test case per (object, rule), each with a single
    // <failure>, and a passing one per object without findings.
    let out = palisade(&["scan", "examples/guestbook", "-o", "junit"]);
    let s = String::from_utf8(out.stdout).unwrap();
    let (_, v) = json(&["scan", "examples/guestbook"]);
    let findings = v["findings"].as_array().unwrap();
    let key = |f: &serde_json::Value| (f["object"].to_string(), f["location"]["file"].to_string());
    let pairs: std::collections::BTreeSet<_> =
        findings.iter().map(|f| (key(f), f["code"].to_string())).collect();
    let with_findings: std::collections::BTreeSet<_> = findings.iter().map(key).collect();
    assert!(
        pairs.len() > with_findings.len(),
        "some object fails several rules"
    );
    let clean = v["stats"]["objects"].as_u64().unwrap() as usize - with_findings.len();
    assert_eq!(s.matches("<testcase ").count(), pairs.len() + clean, "{s}");
    assert_eq!(s.matches("<failure ").count(), pairs.len(), "{s}");
    assert!(s.contains(&format!("failures=\"{}\"", pairs.len())), "{s}");
}

/// A Pod in a namespace that enforces baseline and warns at restricted: rejected, no warning
/// verdict (Kubernetes adds none to a denied request), but restricted findings still shown.
#[test]
fn namespace_labels_decide_modes_for_pods() {
    let input = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/warn: restricted\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  hostPID: true\n  containers:\n  - name: app\n    image: nginx\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: elsewhere}\nspec:\n  containers:\n  - name: app\n    image: nginx\n    securityContext: {privileged: true}\n";
    let out = palisade_stdin(&["scan", "-o", "json", "-"], input);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let adm: Vec<_> = v["admission"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["object"]["name"] == "web")
        .collect();
    assert_eq!(adm.len(), 1, "{adm:#?}");
    assert_eq!(adm[0]["action"], "reject");
    assert_eq!(
        adm[0]["message"],
        "pods \"web\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostPID=true)"
    );
    let modes: Vec<_> = findings(&v)
        .iter()
        .filter(|f| f["object"]["name"] == "web")
        .filter_map(|f| f["pss"]["mode"].as_str())
        .collect();
    assert!(modes.contains(&"enforce") && modes.contains(&"warn"), "{modes:?}");
    // A namespace not in the input: palisade's default, restricted:latest.
    let other = findings(&v)
        .iter()
        .find(|f| f["object"]["name"] == "other" && f["pss"].is_object())
        .unwrap();
    assert_eq!(other["pss"]["mode"], "scan");
    assert_eq!(other["pss"]["level"], "restricted");
    assert_eq!(v["namespaces"][0]["enforce"], "baseline:latest");
}

// deploy/ (palisade as an in-cluster CronJob) passes palisade's own restricted check, and
// its ClusterRole grants exactly what the cluster source reads: list on every type, and not
// Secrets (whose data a `list` would expose); the only write is its PolicyReports.

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
    // The accepted findings: the image digests (palisade's and kubectl's, and the Dockerfile's
    // runtime base), unknown until the image is published and the deployment pins them.
    assert!(
        v["summary"]["suppressed"].as_u64().unwrap() <= 3,
        "{}",
        v["summary"]
    );
    let every = palisade(&[
        "scan",
        "--profile",
        "all",
        "--fail-on",
        "info",
        "deploy/",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&every.stdout).unwrap();
    assert_eq!(every.status.code(), Some(0), "{}", v["findings"]);
    assert_eq!(v["findings"], serde_json::json!([]));
    let shown = palisade(&["scan", "--show-suppressed", "deploy/", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    for f in v["suppressed"].as_array().unwrap() {
        // The image digests: the manifests' (HRD002) and the Dockerfile's base (DKR003).
        assert!(f["code"] == "HRD002" || f["code"] == "DKR003", "{f}");
    }
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
    // The one write: server-side apply of the reports (create or patch), in every namespace.
    for verb in ["get", "create", "patch", "update"] {
        for resource in [
            "policyreports.wgpolicyk8s.io",
            "clusterpolicyreports.wgpolicyk8s.io",
        ] {
            let out = palisade(&["rbac", "can-i", verb, resource, "-A", "--as", sa, "-f", "deploy/"]);
            assert_eq!(out.status.code(), Some(0), "{verb} {resource}");
        }
    }
    for (verb, resource) in [
        ("get", "secrets"),
        ("watch", "pods"),
        ("create", "pods"),
        ("update", "deployments.apps"),
        ("delete", "policyreports.wgpolicyk8s.io"),
        ("list", "clusterpolicyreports.wgpolicyk8s.io"),
    ] {
        let out = palisade(&["rbac", "can-i", verb, resource, "-A", "--as", sa, "-f", "deploy/"]);
        assert_eq!(out.status.code(), Some(1), "{verb} {resource} must be denied");
    }
}

#[test]
fn version_names_the_commit_and_the_rule_count() {
    let out = palisade(&["--version"]);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    let rules = palisade_rules::all_rules().len();
    assert!(
        s.starts_with(&format!("palisade {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{s}"
    );
    assert!(s.trim_end().ends_with(&format!(", {rules} rules)")), "{s}");
    // The commit is a hex hash (this test runs inside the git checkout).
    let commit = s.split("(commit ").nth(1).unwrap().split(',').next().unwrap();
    assert!(
        commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit()),
        "{s}"
    );
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_palisade()"),
        ("zsh", "#compdef palisade"),
        ("fish", "complete -c palisade"),
    ] {
        let out = palisade(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(s.contains(marker), "{shell}: {s}");
        // Subcommands and their flags are completed.
        assert!(s.contains("who-can") && s.contains("pss-version"), "{shell}");
    }
    let out = palisade(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_pages() {
    let out = palisade(&["man"]);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.starts_with(".ie \\n(.g .ds Aq") || s.contains(".TH palisade"),
        "{s}"
    );
    assert!(s.contains(".TH palisade 1"), "{s}");
    let dir = temp_dir("man");
    let out = palisade(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert!(out.status.success());
    for page in ["palisade.1", "palisade-scan.1", "palisade-rbac-can-i.1"] {
        let p = dir.join(page);
        assert!(p.is_file(), "{} missing", p.display());
    }
}

#[test]
fn scan_kube_version_says_what_latest_means() {
    let dir = temp_dir("scan-kube-version");
    let f = dir.join("pod.yaml");
    std::fs::write(&f, common::SYSCTL_POD).unwrap();
    let f = f.to_str().unwrap();
    let pss = ["scan", f, "--select", "PSS", "--pss", "baseline"];
    fn and<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [args, extra].concat()
    }
    let with = |extra: &[&'static str]| and(&pss, extra);
    // Default: the newest release palisade knows, which allows the sysctl; the report says so.
    let (code, v) = json(&pss);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v).is_empty(), "{v:#}");
    assert_eq!(v["podSecurity"]["latest"], "v1.37");
    assert_eq!(
        v["podSecurity"]["latestFrom"],
        "the newest release palisade knows; see --kube-version"
    );
    // As a v1.36 API server evaluates `latest`: forbidden, in every spelling kubectl prints.
    for release in ["v1.36", "1.36", "v1.36.2"] {
        let (code, v) = json(&with(&["--kube-version", release]));
        assert_eq!(code, 1, "{release}: {v:#}");
        assert_eq!(findings(&v).len(), 1, "{v:#}");
        let finding = &findings(&v)[0];
        assert_eq!(finding["code"], "PSS011");
        assert!(
            finding["message"]
                .as_str()
                .unwrap()
                .contains("net.ipv4.tcp_slow_start_after_idle"),
            "{v:#}"
        );
        assert_eq!(finding["pss"]["version"], "latest");
        assert_eq!(v["admission"][0]["policy"], "baseline:latest");
        assert_eq!(
            v["podSecurity"],
            serde_json::json!({"latest": "v1.36", "latestFrom": "given with --kube-version"})
        );
    }
    // A version newer than the release means the release too, as on its API server.
    let (code, _) = json(&with(&["--pss-version", "v1.37", "--kube-version", "v1.36"]));
    assert_eq!(code, 1);
    // Every format that carries the run's metadata says which release it was.
    let human = palisade(&with(&["--kube-version", "v1.36"]));
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.starts_with("Pod Security `latest` = v1.36 (given with --kube-version)\n"),
        "{human}"
    );
    let sarif = palisade(&with(&["--kube-version", "v1.36", "-o", "sarif"]));
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["properties"]["podSecurity"]["latest"], "v1.36",
        "{sarif:#}"
    );
    let junit = palisade(&with(&["--kube-version", "v1.36", "-o", "junit"]));
    let junit = String::from_utf8_lossy(&junit.stdout);
    assert!(
        junit.contains(r#"<property name="palisade.podSecurity.latest" value="v1.36"/>"#),
        "{junit}"
    );
    assert!(
        junit.contains(
            r#"<property name="palisade.podSecurity.latestFrom" value="given with --kube-version"/>"#
        ),
        "{junit}"
    );
    // A release newer than palisade knows: its checks are those of the newest, with a warning.
    let (code, v) = json(&with(&["--kube-version", "v1.99"]));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["podSecurity"]["latest"], "v1.99");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("v1.99 is newer than the newest release palisade knows (v1.37)"),
        "{v:#}"
    );
    assert_eq!(v["errors"][0]["level"], "warning");
    // No Pod Security rule ran: `latest` meant nothing, and the report does not say.
    let (_, v) = json(&["scan", f, "--select", "HRD", "--kube-version", "v1.36"]);
    assert!(v.get("podSecurity").is_none(), "{v:#}");
    // A release that is not one: a usage error, before anything is read.
    for bad in ["banana", "v2.1", "v1.", "v1.036", "v1.36.x"] {
        let out = palisade(&["scan", f, "--kube-version", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "palisade: error: --kube-version {bad:?}: expected v1.N (e.g. v1.37)"
            )),
            "{bad}: {err}"
        );
        assert!(out.stdout.is_empty(), "{bad}");
    }
    // Not with --cluster: there, the API server says.
    let out = palisade(&["scan", "--cluster", "--kube-version", "v1.36"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--kube-version"));
}

/// `-o policyreport` on the guestbook: YAML documents that palisade's own (go-yaml v2)
/// loader reads back as wgpolicyk8s.io objects, a ClusterPolicyReport then one PolicyReport
/// per namespace, whose results count what the JSON report counts.
#[test]
fn guestbook_as_policy_reports() {
    let (json_code, v) = json(&["scan", "examples/guestbook"]);
    let out = palisade(&["scan", "examples/guestbook", "-o", "policyreport"]);
    assert_eq!(common::code(&out), json_code);
    let yaml = common::text(&out);
    let loaded = palisade_source::load_bytes(std::sync::Arc::from("out.yaml"), yaml.as_bytes());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(loaded.skipped, 0);
    let docs: Vec<serde_json::Value> = loaded.objects.iter().map(|o| o.root.to_json()).collect();
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "ClusterPolicyReport");
    assert!(
        kinds.len() > 1 && kinds[1..].iter().all(|k| *k == "PolicyReport"),
        "{kinds:?}"
    );
    let namespaces: Vec<&str> = docs[1..]
        .iter()
        .map(|d| d["metadata"]["namespace"].as_str().unwrap())
        .collect();
    assert!(namespaces.windows(2).all(|w| w[0] < w[1]), "{namespaces:?}");
    assert!(namespaces.contains(&"guestbook"), "{namespaces:?}");

    let total = |k: &str| -> u64 { docs.iter().map(|d| d["summary"][k].as_u64().unwrap()).sum() };
    let results: Vec<&serde_json::Value> = docs
        .iter()
        .flat_map(|d| d["results"].as_array().unwrap())
        .collect();
    let count = |k: &str| results.iter().filter(|r| r["result"] == k).count() as u64;
    for k in ["pass", "fail", "warn", "error", "skip"] {
        assert_eq!(total(k), count(k), "summary.{k}");
    }
    let s = &v["summary"];
    let findings = findings(&v).len() as u64;
    assert!(findings > 0);
    // Findings at or above --fail-on (low) fail, info ones warn; suppressed ones are skips;
    // there are no input problems and no pass results.
    assert_eq!(total("fail"), s["failing"].as_u64().unwrap(), "{s}");
    let warnings = results
        .iter()
        .filter(|r| r["result"] == "warn" && r["policy"] != "palisade-input")
        .count() as u64;
    assert_eq!(total("fail") + warnings, findings);
    assert_eq!(total("skip"), s["suppressed"].as_u64().unwrap());
    assert_eq!((total("pass"), total("error")), (0, 0));
    // Every result names its object; results of one run share one timestamp.
    let stamps: std::collections::HashSet<String> = results
        .iter()
        .map(|r| {
            assert_eq!(r["resources"].as_array().unwrap().len(), 1, "{r}");
            assert_eq!(r["source"], "palisade");
            r["timestamp"].to_string()
        })
        .collect();
    assert_eq!(stamps.len(), 1, "{stamps:?}");
}

#[test]
fn exit_zero_publishes_findings_without_failing() {
    let out = palisade(&["scan", "examples/guestbook", "-o", "policyreport", "--exit-zero"]);
    assert_eq!(common::code(&out), 0);
    assert!(common::text(&out).contains("result: fail"));
    // Input errors still exit 2.
    let bad = palisade_stdin(&["scan", "-", "--exit-zero"], "a: [\n");
    assert_eq!(common::code(&bad), 2);
}
