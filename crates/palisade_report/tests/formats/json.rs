use crate::fixture::*;
use palisade_core::{Report, REPORT_SCHEMA_VERSION};
use palisade_report::{Format, RenderOptions};
use serde_json::{json, Value};

const SCHEMA: &str = "../../docs/report.schema.json";

fn rendered(report: &Report) -> Value {
    rendered_with(report, &opts())
}

fn rendered_with(report: &Report, opts: &RenderOptions) -> Value {
    let text = render(report, Format::Json, opts);
    assert!(text.ends_with("}\n"), "one document and a newline");
    serde_json::from_str(&text).expect("valid JSON")
}

fn assert_valid(doc: &Value) {
    let errors = schema_errors(&read_json(SCHEMA), jsonschema::Draft::Draft202012, doc);
    assert!(
        errors.is_empty(),
        "report does not match docs/report.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn report_matches_the_documented_schema() {
    assert_valid(&rendered(&report()));
    assert_valid(&rendered_with(&report(), &show_suppressed()));
}

fn show_suppressed() -> RenderOptions {
    RenderOptions {
        show_suppressed: true,
        ..opts()
    }
}

#[test]
fn empty_report_matches_the_documented_schema() {
    let doc = rendered(&Report::default());
    assert_valid(&doc);
    assert_eq!(doc["findings"], json!([]));
    assert_eq!(doc["summary"]["suppressed"], 0);
    assert!(doc.get("suppressed").is_none());
    // Listing nothing is an empty array.
    let doc = rendered_with(&Report::default(), &show_suppressed());
    assert_valid(&doc);
    assert_eq!(doc["suppressed"], json!([]));
    assert_eq!(doc["summary"]["failOn"], Value::Null);
    assert_eq!(
        doc["summary"]["bySeverity"],
        json!({"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0})
    );
}

#[test]
fn schema_rejects_a_malformed_report() {
    // The validation above must be able to fail: break the document in a few ways.
    let good = rendered(&report());
    let schema = read_json(SCHEMA);
    let mut cases = Vec::new();
    let mut doc = good.clone();
    doc["findings"][0]["severity"] = json!("severe");
    cases.push(doc);
    let mut doc = good.clone();
    doc.as_object_mut().unwrap().remove("summary");
    cases.push(doc);
    let mut doc = good.clone();
    doc["findings"][1]["location"]["line"] = json!(0);
    cases.push(doc);
    let mut doc = good.clone();
    doc["stats"]["unexpected"] = json!(1);
    cases.push(doc);
    let mut doc = good.clone();
    doc["schemaVersion"] = json!("0");
    cases.push(doc);
    let mut doc = good;
    doc["findings"][0]["suppression"] = json!({"kind": "exception", "reason": ""});
    cases.push(doc);
    let listed = rendered_with(&report(), &show_suppressed());
    let mut doc = listed.clone();
    doc["suppressed"][0]
        .as_object_mut()
        .unwrap()
        .remove("suppression");
    cases.push(doc);
    let mut doc = listed.clone();
    doc["suppressed"][0]["suppression"]["kind"] = json!("waiver");
    cases.push(doc);
    let mut doc = listed.clone();
    doc["suppressed"][0]["unexpected"] = json!(1);
    cases.push(doc);
    let mut doc = listed;
    doc["summary"].as_object_mut().unwrap().remove("suppressed");
    cases.push(doc);
    for (i, doc) in cases.iter().enumerate() {
        assert!(
            !schema_errors(&schema, jsonschema::Draft::Draft202012, doc).is_empty(),
            "case {i} accepted"
        );
    }
}

#[test]
fn header_and_summary() {
    let doc = rendered(&report());
    assert_eq!(doc["schemaVersion"], REPORT_SCHEMA_VERSION);
    assert_eq!(doc["tool"], json!({"name": "palisade", "version": "1.2.3"}));
    assert_eq!(doc["target"], "examples/guestbook");
    assert_eq!(
        doc["summary"],
        json!({
            "findings": 3,
            "bySeverity": {"critical": 1, "high": 1, "medium": 0, "low": 1, "info": 0},
            "failOn": "high",
            "failing": 2,
            "suppressed": 2,
            "errors": 1,
            "warnings": 1,
        })
    );
    let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "schemaVersion",
            "tool",
            "target",
            // The findings are written as they are decided, so the summary that counts
            // them follows them.
            "findings",
            "summary",
            "admission",
            "namespaces",
            "errors",
            "stats",
            "rules"
        ]
    );
}

#[test]
fn findings_carry_location_and_pss_context() {
    let doc = rendered(&report());
    let f = &doc["findings"];
    assert_eq!(f.as_array().unwrap().len(), 3);
    assert_eq!(f[0]["code"], "PSS007");
    assert_eq!(
        f[0]["object"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "guestbook", "name": "frontend"})
    );
    assert_eq!(
        f[0]["location"],
        json!({"file": FRONTEND_FILE, "line": 22, "column": 13})
    );
    assert_eq!(f[0]["pss"]["action"], "reject-pods");
    assert_eq!(f[0]["container"], "php-redis");
    assert_eq!(f[1]["exact"], false);
    assert!(f[1].get("pss").is_none());
    // No location: the key is absent, not null.
    assert!(f[2].get("location").is_none());
    assert!(f[2].get("container").is_none());
    assert_eq!(f[2]["message"], "hostNetwork=true <b>&\"x\" \u{1b}[2J");
}

#[test]
fn other_sections() {
    let doc = rendered(&report());
    assert_eq!(doc["admission"][0]["action"], "reject-pods");
    assert_eq!(doc["admission"][0]["location"]["line"], 3);
    assert_eq!(
        doc["namespaces"],
        json!([{"namespace": "guestbook", "enforce": "restricted:latest", "audit": "", "warn": "baseline:v1.30", "errors": []}])
    );
    assert_eq!(
        doc["errors"][0],
        json!({"level": "error", "file": "examples/broken.yaml", "line": 4, "column": 7, "message": "mapping values are not allowed in this context"})
    );
    assert_eq!(doc["errors"][1]["level"], "warning");
    assert!(doc["errors"][1].get("column").is_none());
    assert_eq!(
        doc["stats"],
        json!({"files": 3, "bytes": 2048, "documents": 5, "objects": 4, "workloads": 2, "skippedDocuments": 1, "customTemplateKinds": {"Rollout": 1}, "durationMs": 42})
    );
    assert_eq!(
        doc["rules"][1],
        json!({"code": "PSS007", "name": "pss-privileged", "severity": "high", "group": "pss", "summary": "Privileged containers"})
    );
}

fn json_report_md() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/json-report.md"),
    )
    .expect("docs/json-report.md")
}

#[test]
fn documented_example_matches_the_schema() {
    let md = json_report_md();
    let start = md.find("```json\n").expect("an example") + "```json\n".len();
    let end = start + md[start..].find("```").expect("end of example");
    let example: Value = serde_json::from_str(&md[start..end]).expect("the example is JSON");
    assert_valid(&example);
}

#[test]
fn documentation_names_every_schema_property() {
    // docs/json-report.md must describe every property the schema defines.
    let md = json_report_md();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(props)) = m.get("properties") {
                    out.extend(props.keys().cloned());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    walk(&read_json(SCHEMA), &mut names);
    assert!(names.len() > 40, "walked the schema");
    let missing: Vec<&String> = names.iter().filter(|n| !md.contains(&format!("`{n}`"))).collect();
    assert!(missing.is_empty(), "undocumented fields: {missing:?}");
}

#[test]
fn suppressed_findings_are_counted_and_listed_on_request() {
    // Without show_suppressed: counted, the key absent, not in `findings` or the counts.
    let doc = rendered(&report());
    assert_eq!(doc["summary"]["suppressed"], 2);
    assert_eq!(doc["summary"]["findings"], 3);
    assert!(doc.get("suppressed").is_none());
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("suppression").is_none()));

    // With it: a `suppressed` array right after `findings` and their `summary`.
    let doc = rendered_with(&report(), &show_suppressed());
    assert_valid(&doc);
    let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(&keys[3..6], ["findings", "summary", "suppressed"]);
    assert_eq!(doc["summary"]["suppressed"], 2);
    assert_eq!(doc["summary"]["failing"], 2, "suppressed findings never fail");
    let s = doc["suppressed"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(
        s[0],
        json!({
            "code": "HRD003",
            "rule": "read-only-root-filesystem",
            "severity": "low",
            "object": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "guestbook", "name": "redis"},
            "container": "redis",
            "message": "container \"redis\" has a writable root filesystem",
            "remediation": "Set securityContext.readOnlyRootFilesystem to true.",
            "path": "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
            "location": {"file": REDIS_FILE, "line": 14, "column": 9},
            "exact": false,
            "references": [{"kind": "nsa", "id": "Immutable container file systems"}],
            "fingerprint": "0a833370ebe4acc9",
            "suppression": {
                "kind": "exception",
                "reason": "redis writes its dump to /data",
                "owner": "team-storage",
                "expires": "2026-06-30",
                "source": {"file": CONFIG_FILE, "line": 12, "column": 5},
            },
        })
    );
    // The finding's fields in the order of `findings`, then `suppression`.
    let keys: Vec<&str> = s[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.last(), Some(&"suppression"));
    assert_eq!(keys[..3], ["code", "rule", "severity"]);
    // Optional fields absent, not null.
    assert_eq!(
        s[1]["suppression"],
        json!({
            "kind": "annotation",
            "reason": "the VPN sidecar needs NET_ADMIN",
            "source": {"file": FRONTEND_FILE, "line": 7, "column": 5},
        })
    );
}

#[test]
fn the_configuration_is_reported_and_documented() {
    let mut report = report();
    report.config = Some(palisade_core::ConfigInfo {
        file: ".palisade.yaml".into(),
        profile: Some("cis".into()),
        ignore: vec!["PSS007".into(), "HRD".into()],
        severity: vec![("PSS004".into(), palisade_core::Severity::Low)],
        fail_on: Some(palisade_core::Severity::Critical),
        pss_level: Some("baseline".into()),
        inline_ignores: Some(false),
        rule_options: vec!["HRD010".into()],
        exceptions: 2,
        ..Default::default()
    });
    let doc = rendered(&report);
    assert_valid(&doc);
    assert_eq!(
        doc["config"],
        json!({
            "file": ".palisade.yaml",
            "profile": "cis",
            "select": [],
            "ignore": ["PSS007", "HRD"],
            "severity": {"PSS004": "low"},
            "failOn": "critical",
            "pssLevel": "baseline",
            "inlineIgnores": false,
            "ruleOptions": ["HRD010"],
            "exceptions": 2,
            "changes": [
                "profile: cis",
                "ignore: PSS007, HRD",
                "severity: PSS004=low",
                "failOn: critical",
                "pss.level: baseline",
                "inlineIgnores: false",
                "rules: HRD010",
                "exceptions: 2"
            ],
        })
    );
    // No configuration read: no key.
    assert!(rendered(&super::fixture::report()).get("config").is_none());
}

#[test]
fn what_latest_meant_is_reported_and_documented() {
    let mut report = report();
    report.pss_latest = Some(palisade_core::PssLatest {
        minor: 36,
        from: "the API server's version v1.36.2".into(),
    });
    let doc = rendered(&report);
    assert_valid(&doc);
    assert_eq!(
        doc["podSecurity"],
        json!({"latest": "v1.36", "latestFrom": "the API server's version v1.36.2"})
    );
    // Right after `target`, as documented.
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    let at = keys.iter().position(|k| *k == "target").unwrap();
    assert_eq!(keys[at + 1], "podSecurity", "{keys:?}");
    // No Pod Security rule ran: absent.
    assert!(rendered(&super::fixture::report()).get("podSecurity").is_none());
}
