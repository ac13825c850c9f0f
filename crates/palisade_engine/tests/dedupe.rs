//! One concern, one finding: rules of one concern (`palisade_rules::concerns`) that flag the
//! same field of the same object are reported once, naming every code; `--select` of any of
//! them still finds it; an inline ignore of any of them suppresses it; the Pod Security
//! verdicts do not change; each PSS finding's message is about its own field.

mod common;

use common::{options_for, rule};
use palisade_core::{Finding, Report};
use palisade_engine::scan_bytes;
use palisade_pss::Level;

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
ANNOTATIONS
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
      securityContext:
        seccompProfile:
          type: Unconfined
        capabilities:
          add: ["NET_ADMIN"]
  volumes:
    - name: a
      hostPath:
        path: /var/a
    - name: b
      hostPath:
        path: /var/b
    - name: c
      hostPath:
        path: /var/c
"#;

fn pod(annotations: &str) -> String {
    POD.replace("ANNOTATIONS\n", annotations)
}

fn scan(yaml: &str, codes: &[&str]) -> Report {
    scan_at(yaml, codes, Level::Restricted)
}

fn scan_at(yaml: &str, codes: &[&str], level: Level) -> Report {
    let rules = codes.iter().map(|c| rule(c)).collect();
    scan_bytes(&[("pod.yaml", yaml.as_bytes())], &options_for(rules, level))
}

fn at<'a>(r: &'a Report, path: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.path.to_string() == path).collect()
}

const SECCOMP: &str = "spec.containers[0].securityContext.seccompProfile.type";
const NET_ADMIN: &str = "spec.containers[0].securityContext.capabilities.add[0]";

#[test]
fn same_field_same_reason_is_one_finding_naming_every_code() {
    let r = scan(
        &pod(""),
        &["HRD028", "PSS010", "PSS019", "HRD016", "PSS002", "PSS014"],
    );
    let seccomp = at(&r, SECCOMP);
    assert_eq!(seccomp.len(), 1, "{seccomp:#?}");
    // At restricted, PSA runs PSS019 in place of PSS010.
    let codes: Vec<&str> = seccomp[0].rules().map(|r| r.code).collect();
    assert_eq!(codes, ["HRD028", "PSS019"]);
    // The PSS context comes along, and the references of every code.
    assert!(seccomp[0].pss.is_some());
    let refs = seccomp[0].references();
    assert!(
        refs.contains(&palisade_core::Reference::Pss("Seccomp")),
        "{refs:?}"
    );
    assert!(refs.contains(&palisade_core::Reference::Cis("5.6.2")), "{refs:?}");

    let cap = at(&r, NET_ADMIN);
    assert_eq!(cap.len(), 1, "{cap:#?}");
    // Same severity: the lower code (the hardening rule, whose message is about the field).
    let codes: Vec<&str> = cap[0].rules().map(|r| r.code).collect();
    assert_eq!(codes, ["HRD016", "PSS014"]);
    assert_eq!(cap[0].severity, palisade_core::Severity::Medium);
    let b = scan_at(
        &pod(""),
        &["HRD028", "PSS010", "PSS019", "HRD016", "PSS002", "PSS014"],
        Level::Baseline,
    );
    // PSS002 (high) outranks HRD016 (medium).
    let cap = at(&b, NET_ADMIN);
    let codes: Vec<&str> = cap[0].rules().map(|r| r.code).collect();
    assert_eq!(codes, ["PSS002", "HRD016"]);
    assert_eq!(cap[0].severity, palisade_core::Severity::High);
    let seccomp = at(&b, SECCOMP);
    assert_eq!(seccomp.len(), 1, "{seccomp:#?}");
    let codes: Vec<&str> = seccomp[0].rules().map(|r| r.code).collect();
    assert_eq!(codes, ["HRD028", "PSS010"]);
    // Each finding is counted once.
    let total: usize = r.stats.findings_by_severity.values().sum();
    assert_eq!(total, r.findings.len());
}

#[test]
fn select_of_any_code_still_finds_it() {
    for (code, level) in [
        ("HRD028", Level::Restricted),
        ("PSS010", Level::Baseline),
        ("PSS019", Level::Restricted),
    ] {
        let r = scan_at(&pod(""), &[code], level);
        let f = at(&r, SECCOMP);
        assert_eq!(f.len(), 1, "{code}");
        assert_eq!(f[0].code(), code);
        assert!(f[0].also.is_empty());
    }
}

#[test]
fn ignoring_one_code_inline_suppresses_the_concern() {
    let ann = "  annotations:\n    palisade.dev/ignore: \"PSS019: accepted for the CNI\"\n";
    let r = scan(&pod(ann), &["HRD028", "PSS010", "PSS019"]);
    assert!(at(&r, SECCOMP).is_empty(), "{:#?}", r.findings);
    let s: Vec<_> = r
        .suppressed
        .iter()
        .filter(|f| f.path.to_string() == SECCOMP)
        .collect();
    assert_eq!(s.len(), 1);
    assert!(s[0].has_code("PSS019") && s[0].has_code("HRD028"));
}

#[test]
fn admission_verdicts_do_not_change() {
    let all = scan(
        &pod(""),
        &["HRD028", "PSS010", "PSS019", "HRD016", "PSS002", "PSS014"],
    );
    let pss_only = scan(&pod(""), &["PSS010", "PSS019", "PSS002", "PSS014"]);
    assert!(!all.admission.is_empty());
    assert_eq!(all.admission, pss_only.admission);
}

#[test]
fn each_pss_finding_is_about_its_own_field() {
    let r = scan(&pod(""), &["PSS016", "PSS014"]);
    let vols: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code() == "PSS016")
        .map(|f| f.message())
        .collect();
    assert_eq!(
        vols,
        [
            r#"restricted volume types: volume "a" uses restricted volume type "hostPath""#,
            r#"restricted volume types: volume "b" uses restricted volume type "hostPath""#,
            r#"restricted volume types: volume "c" uses restricted volume type "hostPath""#,
        ]
    );
    let cap = at(&r, NET_ADMIN);
    assert_eq!(
        cap[0].message(),
        r#"unrestricted capabilities: container "app" must not include "NET_ADMIN" in securityContext.capabilities.add"#
    );
    // The admission message keeps PSA's exact text, listing every volume.
    assert!(r.admission[0]
        .message
        .contains(r#"volumes "a", "b", "c" use restricted volume type "hostPath""#));
}

#[test]
fn an_exception_of_one_code_suppresses_the_concern_and_is_used() {
    let config = "exceptions:\n  - rules: [HRD028]\n    namespace: shop\n    name: web\n    reason: profiled in staging\n    owner: team-shop\n";
    let loaded = palisade_engine::config::parse(config, ".palisade.yaml").unwrap();
    let mut opts = options_for(
        ["HRD028", "PSS019", "CFG002"].iter().map(|c| rule(c)).collect(),
        Level::Restricted,
    );
    opts.suppressor.exceptions = loaded.exceptions;
    let r = scan_bytes(&[("pod.yaml", pod("").as_bytes())], &opts);
    assert!(at(&r, SECCOMP).is_empty(), "{:#?}", r.findings);
    assert!(r
        .suppressed
        .iter()
        .any(|f| f.has_code("PSS019") && f.has_code("HRD028")));
    // The exception is used: no stale-exception finding.
    assert!(
        !r.findings.iter().any(|f| f.code() == "CFG002"),
        "{:#?}",
        r.findings
    );
}

#[test]
fn objects_of_one_name_keep_their_own_findings() {
    // Two Pods named `web` (two namespaces, one file) flag the same field for the same
    // reason: each is one finding of its own object, never merged across the objects.
    let two = format!(
        "{}---\n{}",
        pod(""),
        pod("").replace("namespace: shop", "namespace: blog")
    );
    let r = scan(&two, &["HRD028", "PSS019", "HRD016", "PSS014"]);
    for path in [SECCOMP, NET_ADMIN] {
        let found = at(&r, path);
        let mut namespaces: Vec<&str> = found
            .iter()
            .map(|f| f.object().namespace.as_deref().unwrap_or(""))
            .collect();
        namespaces.sort();
        assert_eq!(namespaces, ["blog", "shop"], "{path}: {found:#?}");
        for f in found {
            assert_eq!(f.rules().count(), 2, "{path}: {f:#?}");
        }
    }
}

#[test]
fn two_definitions_of_one_object_keep_their_own_findings() {
    // One Pod defined twice in one file (the same kind, namespace and name): each definition
    // is scanned, and each keeps its own merged finding at its own line; neither is merged
    // into the other's.
    let two = format!("{}---\n{}", pod(""), pod(""));
    let second_doc = pod("").lines().count() as u32 + 1;
    let r = scan(&two, &["HRD028", "PSS019", "HRD016", "PSS014"]);
    for path in [SECCOMP, NET_ADMIN] {
        let found = at(&r, path);
        assert_eq!(found.len(), 2, "{path}: {found:#?}");
        let lines: Vec<u32> = found.iter().map(|f| f.location.as_ref().unwrap().line).collect();
        assert!(
            lines[0] < second_doc && lines[1] > second_doc,
            "{path}: {lines:?}"
        );
        for f in found {
            assert_eq!(f.rules().count(), 2, "{path}: {f:#?}");
        }
    }
}

#[test]
fn a_cross_object_finding_merges_with_its_own_definitions_findings() {
    // RBAC015 (decided across objects, before the workloads are evaluated) and HRD042 (a pod
    // rule) flag the token of ServiceAccount `default` on the same field: one finding per
    // definition of the Pod, even when the Pod is defined twice.
    let rbac = common::secret_reader_for("default");
    let one = format!("{rbac}---\n{}", pod(""));
    let two = format!("{one}---\n{}", pod(""));
    for (yaml, definitions) in [(one, 1), (two, 2)] {
        let r = scan(&yaml, &["HRD042", "RBAC015"]);
        let found = at(&r, "spec.serviceAccountName");
        assert_eq!(found.len(), definitions, "{found:#?}");
        for f in &found {
            let codes: Vec<&str> = f.rules().map(|r| r.code).collect();
            assert_eq!(codes, ["RBAC015", "HRD042"], "{f:#?}");
        }
        let mut lines: Vec<u32> = found.iter().map(|f| f.location.as_ref().unwrap().line).collect();
        lines.dedup();
        assert_eq!(lines.len(), definitions, "{lines:?}");
    }
}
