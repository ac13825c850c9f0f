//! The PolicyReport format: the YAML stream reads back (with Kubernetes' go-yaml v2 scalar
//! rules, as `kubectl apply` decodes it) as exactly the objects the renderer built, and each
//! object has the structure of the `wgpolicyk8s.io/v1alpha2` CRDs.

use crate::fixture::*;
use palisade_report::policyreport::{self, API_VERSION};
use palisade_report::{Format, RenderOptions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The documents of a YAML stream, decoded by palisade's loader (every document must be a
/// Kubernetes object: a document the loader skips or cannot parse fails the test).
pub fn decode(yaml: &str) -> Vec<Value> {
    let loaded = palisade_source::load_bytes(Arc::from("policyreport.yaml"), yaml.as_bytes());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(loaded.skipped, 0);
    loaded.objects.iter().map(|o| o.root.to_json()).collect()
}

fn keys_within(v: &Value, allowed: &[&str], what: &str) {
    let m = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for k in m.keys() {
        assert!(allowed.contains(&k.as_str()), "{what}: unknown field {k:?}");
    }
}

fn string(v: &Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
        .to_owned()
}

/// The essential constraints of the `wgpolicyk8s.io/v1alpha2` PolicyReport and
/// ClusterPolicyReport CRDs (their openAPI schemas are not available offline): the fields
/// each level may have, the `result` and `severity` enums, `properties` as a string map,
/// `resources` as ObjectReferences, `timestamp` as `{seconds, nanos}`; and, beyond the
/// schema, that the summary counts the results. Returns the summary.
pub fn check_report(doc: &Value) -> BTreeMap<String, u64> {
    const RESULTS: [&str; 5] = ["pass", "fail", "warn", "error", "skip"];
    const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];
    keys_within(
        doc,
        &[
            "apiVersion",
            "kind",
            "metadata",
            "scope",
            "scopeSelector",
            "summary",
            "results",
        ],
        "report",
    );
    assert_eq!(doc["apiVersion"], API_VERSION);
    let kind = string(&doc["kind"], "kind");
    assert!(kind == "PolicyReport" || kind == "ClusterPolicyReport", "{kind}");
    assert!(!string(&doc["metadata"]["name"], "metadata.name").is_empty());
    // PolicyReport is namespaced, ClusterPolicyReport is not.
    assert_eq!(
        doc["metadata"].get("namespace").is_some(),
        kind == "PolicyReport",
        "{doc}"
    );
    for (k, v) in doc["metadata"]["labels"].as_object().expect("labels") {
        assert!(v.is_string(), "label {k}");
    }

    let summary = &doc["summary"];
    keys_within(summary, &RESULTS, "summary");
    let mut counted: BTreeMap<String, u64> = RESULTS.iter().map(|r| ((*r).to_owned(), 0)).collect();
    for r in doc["results"].as_array().expect("results") {
        keys_within(
            r,
            &[
                "source",
                "policy",
                "rule",
                "category",
                "severity",
                "timestamp",
                "result",
                "scored",
                "message",
                "resources",
                "resourceSelector",
                "properties",
            ],
            "result",
        );
        assert!(!string(&r["policy"], "policy").is_empty(), "policy is required");
        for k in ["source", "rule", "category", "message"] {
            if let Some(v) = r.get(k) {
                string(v, k);
            }
        }
        let result = string(&r["result"], "result");
        assert!(RESULTS.contains(&result.as_str()), "result {result}");
        *counted.get_mut(&result).unwrap() += 1;
        if let Some(s) = r.get("severity") {
            assert!(
                SEVERITIES.contains(&string(s, "severity").as_str()),
                "severity {s}"
            );
        }
        if let Some(s) = r.get("scored") {
            assert!(s.is_boolean());
        }
        if let Some(t) = r.get("timestamp") {
            keys_within(t, &["seconds", "nanos"], "timestamp");
            assert!(t["seconds"].is_i64(), "{t}");
            let nanos = t["nanos"].as_i64().expect("nanos");
            assert!((0..1_000_000_000).contains(&nanos), "{t}");
        }
        for res in r["resources"].as_array().into_iter().flatten() {
            keys_within(
                res,
                &[
                    "apiVersion",
                    "kind",
                    "name",
                    "namespace",
                    "uid",
                    "resourceVersion",
                    "fieldPath",
                ],
                "resource",
            );
            for (k, v) in res.as_object().unwrap() {
                string(v, k);
            }
        }
        if let Some(p) = r.get("properties") {
            for (k, v) in p.as_object().expect("properties is a map") {
                string(v, &format!("properties.{k}"));
            }
        }
    }
    let mut summary_counts = BTreeMap::new();
    for r in RESULTS {
        let n = summary[r]
            .as_u64()
            .unwrap_or_else(|| panic!("summary.{r}: {summary}"));
        assert_eq!(n, counted[r], "summary.{r} counts the {r} results");
        summary_counts.insert(r.to_owned(), n);
    }
    summary_counts
}

fn with(fail: u64, warn: u64, error: u64, skip: u64) -> BTreeMap<String, u64> {
    [
        ("pass", 0),
        ("fail", fail),
        ("warn", warn),
        ("error", error),
        ("skip", skip),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[test]
fn reads_back_as_the_reports_built() {
    let report = report();
    for o in [opts(), RenderOptions::default()] {
        let yaml = render(&report, Format::PolicyReport, &o);
        assert_eq!(decode(&yaml), policyreport::reports(&report, &o), "{yaml}");
    }
}

#[test]
fn one_report_per_namespace_and_one_for_the_cluster() {
    let docs = decode(&render(&report(), Format::PolicyReport, &opts()));
    let heads: Vec<(String, Option<String>)> = docs
        .iter()
        .map(|d| {
            (
                string(&d["kind"], "kind"),
                d["metadata"]["namespace"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        heads,
        [
            ("ClusterPolicyReport".to_owned(), None),
            ("PolicyReport".to_owned(), Some("default".to_owned())),
            ("PolicyReport".to_owned(), Some("guestbook".to_owned())),
        ]
    );
    let summaries: Vec<_> = docs.iter().map(check_report).collect();
    // fail_on is high: PSS007 (high) and PSS002 (critical) fail, HRD003 (low) warns; the two
    // suppressed findings are skips; the input error and warning belong to no namespace.
    assert_eq!(summaries, [with(0, 1, 1, 0), with(1, 0, 0, 0), with(1, 1, 0, 2)]);
    for d in &docs {
        assert_eq!(d["metadata"]["name"], "palisade");
        assert_eq!(
            d["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "palisade"
        );
    }
}

#[test]
fn a_finding_as_a_result() {
    let docs = decode(&render(&report(), Format::PolicyReport, &opts()));
    let guestbook = &docs[2]["results"];
    let privileged = guestbook
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "PSS007" && r["result"] == "fail")
        .expect("PSS007");
    assert_eq!(
        *privileged,
        serde_json::json!({
            "source": "palisade",
            "policy": "pss-privileged",
            "rule": "PSS007",
            "category": "pss",
            "severity": "high",
            "timestamp": {"seconds": 1_767_323_045, "nanos": 6},
            "result": "fail",
            "scored": true,
            "message": "container \"php-redis\" must not set securityContext.privileged=true",
            "resources": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "frontend", "namespace": "guestbook"}],
            "properties": {
                "path": "spec.template.spec.containers[0].securityContext.privileged",
                "container": "php-redis",
                "location": "examples/guestbook/frontend.yaml:22:13",
                "fingerprint": report().findings[0].fingerprint(),
                "pss.level": "restricted",
                "pss.version": "latest",
                "pss.check": "privileged",
                "pss.mode": "enforce",
            },
        })
    );
    let skipped = guestbook
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "HRD003" && r["result"] == "skip")
        .expect("suppressed HRD003");
    assert_eq!(skipped["properties"]["suppressed.by"], "exception");
    assert_eq!(
        skipped["properties"]["suppressed.reason"],
        "redis writes its dump to /data"
    );
    assert_eq!(skipped["properties"]["suppressed.owner"], "team-storage");
    assert_eq!(skipped["properties"]["suppressed.expires"], "2026-06-30");
    assert_eq!(skipped["properties"]["suppressed.source"], ".palisade.yaml:12:5");

    // The hostile message of the debug pod survives quoting byte for byte.
    assert_eq!(docs[1]["results"][0]["message"], report().findings[2].message());

    let errors = docs[0]["results"].as_array().unwrap();
    assert_eq!(errors[0]["result"], "error");
    assert_eq!(errors[0]["policy"], "palisade-input");
    assert_eq!(
        errors[0]["message"],
        "examples/broken.yaml:4:7: mapping values are not allowed in this context"
    );
    assert_eq!(errors[0]["resources"], serde_json::json!([]));
    assert_eq!(errors[0]["properties"]["line"], "4");
    assert_eq!(errors[1]["result"], "warn");
}

#[test]
fn without_a_timestamp_results_have_none() {
    let docs = decode(&render(
        &report(),
        Format::PolicyReport,
        &RenderOptions::default(),
    ));
    for d in &docs {
        check_report(d);
        for r in d["results"].as_array().unwrap() {
            assert!(r.get("timestamp").is_none());
        }
    }
}

#[test]
fn cluster_objects_go_by_their_namespace_and_keep_their_uid() {
    use palisade_core::{ObjectRef, ScannedObject};
    let mut report = report();
    report.errors.clear();
    let cluster_object = |kind: &str, ns: Option<&str>, name: &str| ObjectRef {
        api_version: "v1".into(),
        kind: kind.into(),
        namespace: ns.map(Into::into),
        name: name.into(),
        uid: Some(format!("uid-{name}")),
    };
    report.findings[2].object = cluster_object("Pod", Some("tools"), "debug").into();
    // A clean namespace gets an empty report (applying it clears its old results), as does
    // a namespace the input only names by its Namespace object.
    report.objects = vec![
        ScannedObject {
            object: cluster_object("ServiceAccount", Some("clean"), "default").into(),
            location: None,
        },
        ScannedObject {
            object: cluster_object("Namespace", None, "empty").into(),
            location: None,
        },
    ];
    let docs = decode(&render(&report, Format::PolicyReport, &opts()));
    let namespaces: Vec<&str> = docs[1..]
        .iter()
        .map(|d| d["metadata"]["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(namespaces, ["clean", "empty", "guestbook", "tools"]);
    for d in &docs {
        check_report(d);
    }
    assert_eq!(docs[0]["results"], serde_json::json!([]));
    assert_eq!(docs[1]["results"], serde_json::json!([]));
    assert_eq!(
        docs[4]["results"][0]["resources"],
        serde_json::json!([{"apiVersion": "v1", "kind": "Pod", "name": "debug", "namespace": "tools", "uid": "uid-debug"}])
    );
}
