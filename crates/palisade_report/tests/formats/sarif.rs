use crate::fixture::*;
use palisade_core::Report;
use palisade_report::Format;
use serde_json::{json, Value};

/// The OASIS SARIF 2.1.0 schema; see tests/data/README.md for its origin.
const SARIF_SCHEMA: &str = "tests/data/sarif-schema-2.1.0.json";

fn rendered(report: &Report) -> Value {
    serde_json::from_str(&render(report, Format::Sarif, &opts())).expect("valid JSON")
}

fn oasis_errors(doc: &Value) -> Vec<String> {
    let schema = read_json(SARIF_SCHEMA);
    assert_eq!(
        schema["$id"],
        "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
    );
    schema_errors(&schema, jsonschema::Draft::Draft7, doc)
}

#[test]
fn validates_against_the_oasis_schema() {
    // The fixture has suppressed findings, so this covers `suppressions` too.
    assert!(!report().suppressed.is_empty());
    for report in [report(), Report::default()] {
        let errors = oasis_errors(&rendered(&report));
        assert!(
            errors.is_empty(),
            "SARIF output is not valid SARIF 2.1.0:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn the_oasis_schema_rejects_broken_logs() {
    // The validation above must be able to fail.
    let good = rendered(&report());
    let mut cases = Vec::new();
    let mut doc = good.clone();
    doc["runs"][0]["results"][0]["level"] = json!("fatal");
    cases.push(doc);
    let mut doc = good.clone();
    doc["version"] = json!("2.0.0");
    cases.push(doc);
    let mut doc = good.clone();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = json!(0);
    cases.push(doc);
    let mut doc = good.clone();
    doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"] = json!(["a", "a"]);
    cases.push(doc);
    let mut doc = good.clone();
    doc["runs"][0]["results"][3]["suppressions"][0]["kind"] = json!("config");
    cases.push(doc);
    let mut doc = good.clone();
    doc["runs"][0]["invocations"][0]
        .as_object_mut()
        .unwrap()
        .remove("executionSuccessful");
    cases.push(doc);
    // Format checks: `helpUri` and `informationUri` must be absolute URIs.
    let mut doc = good.clone();
    doc["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = json!("docs/configuration.md#exceptions");
    cases.push(doc);
    let mut doc = good.clone();
    doc["runs"][0]["tool"]["driver"]["informationUri"] = json!("palisade");
    cases.push(doc);
    let mut doc = good;
    doc["runs"][0]["columnKind"] = json!("bytes");
    cases.push(doc);
    for (i, doc) in cases.iter().enumerate() {
        assert!(!oasis_errors(doc).is_empty(), "case {i} accepted");
    }
}

#[test]
fn log_and_driver() {
    let doc = rendered(&report());
    assert_eq!(doc["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
    let driver = &doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "palisade");
    assert_eq!(driver["version"], "1.2.3");
    assert_eq!(
        driver["informationUri"],
        "https://github.com/palisade-dev/palisade"
    );
    assert_eq!(doc["runs"][0]["columnKind"], "unicodeCodePoints");
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["PSS002", "PSS007", "HRD003"]);
    let r = &rules[1];
    assert_eq!(r["name"], "pss-privileged");
    assert_eq!(r["shortDescription"]["text"], "Privileged containers");
    assert_eq!(
        r["fullDescription"]["text"],
        "Flags containers that run privileged."
    );
    assert_eq!(r["defaultConfiguration"]["level"], "error");
    assert_eq!(r["properties"]["security-severity"], "8.0");
    assert_eq!(r["properties"]["tags"], json!(["security", "kubernetes", "pss"]));
    assert!(r["help"]["markdown"]
        .as_str()
        .unwrap()
        .starts_with("## What it does\nFlags containers that run privileged."));
    assert!(r["help"]["text"]
        .as_str()
        .unwrap()
        .contains("CIS Kubernetes Benchmark 5.2.1"));
    assert_eq!(
        r["helpUri"],
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
    );
    assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
    assert_eq!(rules[2]["properties"]["security-severity"], "3.0");
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "note");
    // No docs: the summary stands in for the full description.
    assert_eq!(rules[0]["fullDescription"]["text"], "Host namespaces");
}

#[test]
fn results() {
    let doc = rendered(&report());
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    // The three findings, then the two suppressed findings.
    assert_eq!(results.len(), 5);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at the rule");
    }
    let levels: Vec<&str> = results.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["error", "note", "error", "note", "error"]);

    let first = &results[0];
    assert!(first["message"]["text"]
        .as_str()
        .unwrap()
        .contains("must not set securityContext.privileged=true"));
    let loc = &first["locations"][0];
    assert_eq!(
        loc["physicalLocation"],
        json!({"artifactLocation": {"uri": FRONTEND_FILE, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 22, "startColumn": 13}})
    );
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "Deployment/guestbook/frontend"
    );
    assert_eq!(first["properties"]["pss"]["mode"], "enforce");

    // A finding with no position and no located sibling has only a logical location.
    let third = &results[2];
    assert!(third["locations"][0].get("physicalLocation").is_none());
    assert_eq!(third["locations"][0]["logicalLocations"][0]["name"], "debug");
    assert!(results[..3].iter().all(|r| r.get("suppressions").is_none()));
}

#[test]
fn suppressed_findings_are_results_with_suppressions() {
    // Always, whatever show_suppressed says: the same log either way.
    let listed = palisade_report::RenderOptions {
        show_suppressed: true,
        ..opts()
    };
    let doc = rendered(&report());
    assert_eq!(
        doc,
        serde_json::from_str::<Value>(&render(&report(), Format::Sarif, &listed)).unwrap()
    );
    let results = doc["runs"][0]["results"].as_array().unwrap();

    let exception = &results[3];
    assert_eq!(exception["ruleId"], "HRD003");
    assert_eq!(exception["ruleIndex"], 2);
    assert_eq!(
        exception["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": REDIS_FILE, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 14, "startColumn": 9}})
    );
    assert_eq!(
        exception["suppressions"],
        json!([{
            "kind": "external",
            "state": "accepted",
            "justification": "redis writes its dump to /data (owner: team-storage, expires: 2026-06-30)",
            "location": {"physicalLocation": {
                "artifactLocation": {"uri": ".palisade.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12, "startColumn": 5},
            }},
            "properties": {"kind": "exception", "owner": "team-storage", "expires": "2026-06-30"},
        }])
    );
    // A suppressed result keeps its fingerprint: dismissing it matches the same alert.
    let mut unsuppressed = report();
    let mut f = unsuppressed.suppressed.remove(0);
    f.suppressed = None;
    unsuppressed.findings.push(f);
    let doc2 = rendered(&unsuppressed);
    assert_eq!(
        doc2["runs"][0]["results"][3]["partialFingerprints"],
        exception["partialFingerprints"]
    );
    assert!(doc2["runs"][0]["results"][3].get("suppressions").is_none());

    let annotation = &results[4];
    assert_eq!(annotation["ruleId"], "PSS007");
    assert_eq!(
        annotation["suppressions"],
        json!([{
            "kind": "inSource",
            "state": "accepted",
            "justification": "the VPN sidecar needs NET_ADMIN",
            "location": {"physicalLocation": {
                "artifactLocation": {"uri": FRONTEND_FILE, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 7, "startColumn": 5},
            }},
            "properties": {"kind": "annotation"},
        }])
    );
}

#[test]
fn suppressions_without_source_or_reason() {
    let mut report = report();
    let s = report.suppressed[0]
        .suppressed
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .unwrap();
    s.source = None;
    s.reason = String::new();
    s.owner = None;
    let s = report.suppressed[1]
        .suppressed
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .unwrap();
    s.source = None;
    s.reason = String::new();
    report.suppressed[1].location = None;
    let doc = rendered(&report);
    let errors = oasis_errors(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results[3]["suppressions"],
        json!([{"kind": "external", "state": "accepted", "justification": "(expires: 2026-06-30)", "properties": {"kind": "exception", "expires": "2026-06-30"}}])
    );
    assert_eq!(
        results[4]["suppressions"],
        json!([{"kind": "inSource", "state": "accepted", "properties": {"kind": "annotation"}}])
    );
    // No position of its own: it points at its object, like an unlocated finding.
    assert_eq!(
        results[4]["locations"][0]["physicalLocation"]["region"],
        json!({"startLine": 3, "startColumn": 1})
    );
    assert_eq!(results[4]["properties"]["locationOfObject"], true);
}

#[test]
fn unlocated_findings_point_at_their_object() {
    let mut report = report();
    report.findings[1].location = None;
    let doc = rendered(&report);
    let r = &doc["runs"][0]["results"][1];
    // The finding knows where its object starts (line 3).
    assert_eq!(
        r["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": FRONTEND_FILE, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 3, "startColumn": 1}})
    );
    assert_eq!(r["properties"]["locationOfObject"], true);
    assert!(oasis_errors(&doc).is_empty());
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let fp = |doc: &Value, i: usize| {
        doc["runs"][0]["results"][i]["partialFingerprints"]["palisade/v2"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a = rendered(&report());
    let prints: Vec<String> = (0..3).map(|i| fp(&a, i)).collect();
    assert!(prints
        .iter()
        .all(|p| p.len() == 16 && p.bytes().all(|b| b.is_ascii_hexdigit())));
    assert_ne!(prints[0], prints[1]);
    assert_ne!(prints[0], prints[2]);
    // Moving the finding in the file keeps its fingerprint; renaming the object changes it.
    let mut moved = report();
    moved.findings[0].location = Some(loc(FRONTEND_FILE, 40, 5));
    assert_eq!(fp(&rendered(&moved), 0), prints[0]);
    let mut renamed = report();
    std::sync::Arc::make_mut(&mut renamed.findings[0].object).name = "backend".into();
    assert_ne!(fp(&rendered(&renamed), 0), prints[0]);
    // The same object, rule and path in another file is another alert.
    let mut elsewhere = report();
    elsewhere.findings[0].location = Some(loc("examples/other/frontend.yaml", 22, 13));
    elsewhere.findings[0].object_location = Some(loc("examples/other/frontend.yaml", 3, 1));
    assert_ne!(fp(&rendered(&elsewhere), 0), prints[0]);
    // `./x` and `x` are the same file.
    let mut dotted = report();
    dotted.findings[0].object_location = Some(loc(&format!("./{FRONTEND_FILE}"), 3, 1));
    assert_eq!(fp(&rendered(&dotted), 0), prints[0]);
    // Pinned: the hash must not change between releases, or every alert is reopened.
    assert_eq!(prints[0], "79a41d2a0247a143");
}

#[test]
fn input_errors_become_notifications() {
    let doc = rendered(&report());
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let n = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(n.len(), 2);
    assert_eq!(n[0]["level"], "error");
    assert_eq!(
        n[0]["message"]["text"],
        "examples/broken.yaml:4:7: mapping values are not allowed in this context"
    );
    assert_eq!(
        n[0]["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": "examples/broken.yaml", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 4, "startColumn": 7}})
    );
    assert_eq!(n[1]["level"], "warning");

    let mut clean = report();
    clean
        .errors
        .retain(|d| d.level == palisade_core::DiagLevel::Warning);
    assert_eq!(
        rendered(&clean)["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn paths_become_relative_uris() {
    let mut report = report();
    report.findings[0].location = Some(loc(".\\examples\\my app\\frontend.yaml", 1, 1));
    report.findings[1].location = Some(loc("/abs/dir/x.yaml", 1, 1));
    let doc = rendered(&report);
    let uri = |i: usize| {
        doc["runs"][0]["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"].clone()
    };
    assert_eq!(
        uri(0),
        json!({"uri": "examples/my%20app/frontend.yaml", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(uri(1), json!({"uri": "file:///abs/dir/x.yaml"}));
    assert!(oasis_errors(&doc).is_empty());
}

/// A rule whose reference is a page of the repository's documentation, like CFG001.
static EXPIRED: palisade_core::RuleMeta = palisade_core::RuleMeta {
    code: "CFG001",
    name: "expired-exception",
    severity: palisade_core::Severity::Low,
    group: "config",
    summary: "Expired exception",
    remediation: "Renew or delete it.",
    docs: "",
    references: &[palisade_core::Reference::Url("docs/configuration.md#exceptions")],
    requires_option: None,
    scope: palisade_core::Scope::Object,
    check: palisade_core::Check::Engine,
};

#[test]
fn help_uris_are_absolute() {
    let mut report = report();
    report.rules.push(&EXPIRED);
    let doc = rendered(&report);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let cfg = rules.iter().find(|r| r["id"] == "CFG001").unwrap();
    assert_eq!(
        cfg["helpUri"],
        "https://github.com/palisade-dev/palisade/blob/main/docs/configuration.md#exceptions"
    );
    let errors = oasis_errors(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_configuration_is_a_notification_and_a_property() {
    let mut report = report();
    report.config = Some(palisade_core::ConfigInfo {
        file: ".palisade.yaml".into(),
        ignore: vec!["PSS007".into(), "HRD".into()],
        fail_on: Some(palisade_core::Severity::Critical),
        ..Default::default()
    });
    let doc = rendered(&report);
    let errors = oasis_errors(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(
        inv["toolConfigurationNotifications"],
        json!([{
            "level": "note",
            "message": {"text": "configuration .palisade.yaml (ignore: PSS007, HRD; failOn: critical)"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": ".palisade.yaml", "uriBaseId": "%SRCROOT%"}}}],
        }])
    );
    assert_eq!(inv["properties"]["config"]["ignore"], json!(["PSS007", "HRD"]));
    assert_eq!(inv["properties"]["config"]["failOn"], "critical");
    // Without a configuration, neither.
    let plain = rendered(&super::fixture::report());
    let inv = &plain["runs"][0]["invocations"][0];
    assert!(inv.get("toolConfigurationNotifications").is_none() && inv.get("properties").is_none());
}

#[test]
fn what_latest_meant_is_a_property() {
    let mut report = report();
    report.pss_latest = Some(palisade_core::PssLatest {
        minor: 36,
        from: "the API server's version v1.36.2".into(),
    });
    let doc = rendered(&report);
    let errors = oasis_errors(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(
        doc["runs"][0]["invocations"][0]["properties"],
        json!({"podSecurity": {"latest": "v1.36", "latestFrom": "the API server's version v1.36.2"}})
    );
    // With a configuration too: both.
    report.config = Some(palisade_core::ConfigInfo {
        file: ".palisade.yaml".into(),
        ..Default::default()
    });
    let doc = rendered(&report);
    let props = &doc["runs"][0]["invocations"][0]["properties"];
    assert_eq!(props["podSecurity"]["latest"], "v1.36");
    assert_eq!(props["config"]["file"], ".palisade.yaml");
}
