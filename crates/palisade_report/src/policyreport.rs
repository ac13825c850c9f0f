//! The PolicyReport format: a report as `wgpolicyk8s.io/v1alpha2` objects (what Kyverno and
//! the Policy Reporter UI read), written as a multi-document YAML stream that
//! `kubectl apply -f -` accepts: one `ClusterPolicyReport` named `palisade` for cluster-scoped
//! objects, then one `PolicyReport` named `palisade` per namespace, in name order. It only
//! formats: it never talks to a cluster, and it decides nothing the report does not say.
//!
//! Mapping: one result per finding (`policy` = rule name, `rule` = rule code, `category` =
//! rule group, `severity`, `message`, `resources` = the object); `fail` for findings at or
//! above the run's `--fail-on`, `warn` below it; suppressed findings are `skip` with the
//! reason in `properties`; input errors and warnings are `error` and `warn` results of the
//! policy `palisade-input`. No `pass` results: see [`render`].

use crate::RenderOptions;
use palisade_core::{DiagLevel, Diagnostic, Finding, ObjectRef, Report, Severity};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::UNIX_EPOCH;

/// The API version of the reports.
pub const API_VERSION: &str = "wgpolicyk8s.io/v1alpha2";
/// The `metadata.name` of every report palisade writes (one per namespace, one cluster-wide).
pub const REPORT_NAME: &str = "palisade";
/// The `source` of every result.
pub const SOURCE: &str = "palisade";
/// The policy of the results that stand for input errors and warnings.
pub const INPUT_POLICY: &str = "palisade-input";

/// Built-in kinds that are cluster-scoped, by API group. An object read from a file without
/// `metadata.namespace` belongs to the cluster report if its kind is one of these, and to
/// namespace `default` otherwise (what `kubectl apply` does without `-n`). Objects read from a
/// cluster carry their namespace, so this table only matters for files.
const CLUSTER_SCOPED: &[(&str, &[&str])] = &[
    ("", &["Namespace", "Node", "PersistentVolume", "ComponentStatus"]),
    (
        "rbac.authorization.k8s.io",
        &["ClusterRole", "ClusterRoleBinding"],
    ),
    ("apiextensions.k8s.io", &["CustomResourceDefinition"]),
    (
        "admissionregistration.k8s.io",
        &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
        ],
    ),
    ("apiregistration.k8s.io", &["APIService"]),
    (
        "certificates.k8s.io",
        &["CertificateSigningRequest", "ClusterTrustBundle"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    ("networking.k8s.io", &["IngressClass", "IPAddress", "ServiceCIDR"]),
    ("node.k8s.io", &["RuntimeClass"]),
    ("policy", &["PodSecurityPolicy"]),
    ("resource.k8s.io", &["DeviceClass"]),
    ("scheduling.k8s.io", &["PriorityClass"]),
    (
        "storage.k8s.io",
        &[
            "StorageClass",
            "CSIDriver",
            "CSINode",
            "VolumeAttachment",
            "VolumeAttributesClass",
        ],
    ),
    ("wgpolicyk8s.io", &["ClusterPolicyReport"]),
];

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → core `""`).
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The namespace whose report holds results about `o`: its own, `default` for a namespaced
/// object without one, `None` (the cluster report) for cluster-scoped objects. An object read
/// from a cluster (it has a `uid`) without a namespace is cluster-scoped whatever its kind.
fn namespace_of(o: &ObjectRef) -> Option<&str> {
    if let Some(ns) = o.namespace.as_deref() {
        return Some(ns);
    }
    if o.uid.is_some() {
        return None;
    }
    let group = group_of(&o.api_version);
    let cluster = CLUSTER_SCOPED
        .iter()
        .any(|(g, kinds)| *g == group && kinds.contains(&o.kind.as_str()));
    if cluster {
        None
    } else {
        Some("default")
    }
}

/// `resources[]` entry: a core/v1 ObjectReference.
fn resource(o: &ObjectRef) -> Value {
    let mut r = Map::new();
    r.insert("apiVersion".into(), json!(o.api_version));
    r.insert("kind".into(), json!(o.kind));
    r.insert("name".into(), json!(o.name));
    if let Some(ns) = namespace_of(o) {
        r.insert("namespace".into(), json!(ns));
    }
    if let Some(uid) = &o.uid {
        r.insert("uid".into(), json!(uid));
    }
    Value::Object(r)
}

/// One report under construction.
#[derive(Default)]
struct Doc {
    results: Vec<Value>,
    counts: BTreeMap<&'static str, u64>,
}

impl Doc {
    fn push(&mut self, outcome: &'static str, result: Value) {
        *self.counts.entry(outcome).or_default() += 1;
        self.results.push(result);
    }
}

/// The `result` of a finding: `fail` at or above the run's threshold (`--fail-on`, everything
/// when the report has none), `warn` below it; `skip` when suppressed.
fn outcome(f: &Finding, fail_on: Option<Severity>) -> &'static str {
    if f.suppressed.is_some() {
        "skip"
    } else if f.severity >= fail_on.unwrap_or(Severity::Info) {
        "fail"
    } else {
        "warn"
    }
}

fn finding_result(
    f: &Finding,
    fail_on: Option<Severity>,
    timestamp: &Option<Value>,
) -> (&'static str, Value) {
    let mut props: Map<String, Value> = Map::new();
    let mut prop = |k: &str, v: String| {
        props.insert(k.to_owned(), Value::String(v));
    };
    prop("path", f.path.to_string());
    if let Some(c) = &f.container {
        prop("container", c.to_string());
    }
    if let Some(l) = &f.location {
        prop("location", l.to_string());
    }
    prop("fingerprint", f.fingerprint());
    if !f.also.is_empty() {
        let codes: Vec<&str> = f.also.iter().map(|r| r.code).collect();
        prop("also", codes.join(","));
    }
    if let Some(p) = &f.pss {
        prop("pss.level", p.level.clone());
        prop("pss.version", p.version.clone());
        prop("pss.check", p.check.to_owned());
        prop("pss.mode", p.mode.as_str().to_owned());
    }
    if let Some(s) = &f.suppressed {
        prop("suppressed.by", s.kind.as_str().to_owned());
        prop("suppressed.reason", s.reason.clone());
        if let Some(o) = &s.owner {
            prop("suppressed.owner", o.clone());
        }
        if let Some(e) = &s.expires {
            prop("suppressed.expires", e.clone());
        }
        if let Some(src) = &s.source {
            prop("suppressed.source", src.to_string());
        }
    }
    let result = outcome(f, fail_on);
    let mut r = Map::new();
    r.insert("source".into(), json!(SOURCE));
    r.insert("policy".into(), json!(f.rule.name));
    r.insert("rule".into(), json!(f.rule.code));
    r.insert("category".into(), json!(f.rule.group));
    r.insert("severity".into(), json!(f.severity.as_str()));
    if let Some(t) = timestamp {
        r.insert("timestamp".into(), t.clone());
    }
    r.insert("result".into(), json!(result));
    r.insert("scored".into(), json!(true));
    r.insert("message".into(), json!(f.message));
    r.insert("resources".into(), json!([resource(&f.object)]));
    r.insert("properties".into(), Value::Object(props));
    (result, Value::Object(r))
}

fn diagnostic_result(d: &Diagnostic, timestamp: &Option<Value>) -> (&'static str, Value) {
    let (result, rule) = match d.level {
        DiagLevel::Error => ("error", "input-error"),
        DiagLevel::Warning => ("warn", "input-warning"),
    };
    let mut props = Map::new();
    if let Some(file) = &d.file {
        props.insert("file".into(), json!(file));
    }
    if let Some(l) = d.line {
        props.insert("line".into(), json!(l.to_string()));
    }
    if let Some(c) = d.column {
        props.insert("column".into(), json!(c.to_string()));
    }
    let mut r = Map::new();
    r.insert("source".into(), json!(SOURCE));
    r.insert("policy".into(), json!(INPUT_POLICY));
    r.insert("rule".into(), json!(rule));
    r.insert("category".into(), json!("input"));
    if let Some(t) = timestamp {
        r.insert("timestamp".into(), t.clone());
    }
    r.insert("result".into(), json!(result));
    r.insert("scored".into(), json!(true));
    r.insert("message".into(), json!(d.to_string()));
    let resources: Vec<Value> = d.object.iter().map(resource).collect();
    r.insert("resources".into(), Value::Array(resources));
    r.insert("properties".into(), Value::Object(props));
    (result, Value::Object(r))
}

/// The reports of `report`, in output order: the `ClusterPolicyReport` first, then one
/// `PolicyReport` per namespace by name. A namespace gets a report when any object read is in
/// it, when the input has its Namespace object (so that applying a scan of a namespace whose
/// problems were fixed replaces its old results with none), or when a result is about it.
pub fn reports(report: &Report, opts: &RenderOptions) -> Vec<Value> {
    let timestamp = opts.timestamp.map(|t| {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        json!({"seconds": d.as_secs(), "nanos": d.subsec_nanos()})
    });
    let mut cluster = Doc::default();
    let mut namespaces: BTreeMap<String, Doc> = BTreeMap::new();
    for s in report.objects.iter().chain(&report.scanned) {
        if let Some(ns) = namespace_of(&s.object) {
            namespaces.entry(ns.to_owned()).or_default();
        } else if s.object.kind == "Namespace" && group_of(&s.object.api_version).is_empty() {
            namespaces.entry(s.object.name.clone()).or_default();
        }
    }
    fn doc_of<'a>(
        cluster: &'a mut Doc,
        namespaces: &'a mut BTreeMap<String, Doc>,
        o: Option<&ObjectRef>,
    ) -> &'a mut Doc {
        match o.and_then(namespace_of) {
            Some(ns) => namespaces.entry(ns.to_owned()).or_default(),
            None => cluster,
        }
    }
    for f in report.findings.iter().chain(&report.suppressed) {
        let (outcome, r) = finding_result(f, report.fail_on, &timestamp);
        doc_of(&mut cluster, &mut namespaces, Some(&f.object)).push(outcome, r);
    }
    for d in &report.errors {
        let (outcome, r) = diagnostic_result(d, &timestamp);
        doc_of(&mut cluster, &mut namespaces, d.object.as_ref()).push(outcome, r);
    }

    let labels = json!({"app.kubernetes.io/managed-by": SOURCE});
    let doc = |kind: &str, namespace: Option<&str>, d: Doc| -> Value {
        let mut meta = Map::new();
        meta.insert("name".into(), json!(REPORT_NAME));
        if let Some(ns) = namespace {
            meta.insert("namespace".into(), json!(ns));
        }
        meta.insert("labels".into(), labels.clone());
        let count = |k: &str| d.counts.get(k).copied().unwrap_or(0);
        json!({
            "apiVersion": API_VERSION,
            "kind": kind,
            "metadata": meta,
            "summary": {
                "pass": count("pass"),
                "fail": count("fail"),
                "warn": count("warn"),
                "error": count("error"),
                "skip": count("skip"),
            },
            "results": d.results,
        })
    };
    let mut out = vec![doc("ClusterPolicyReport", None, cluster)];
    for (ns, d) in namespaces {
        out.push(doc("PolicyReport", Some(&ns), d));
    }
    out
}

/// Writes the reports as a YAML stream, one document per report, each introduced by `---`.
///
/// There are no `pass` results, and `summary.pass` is 0: a pass would claim that a rule
/// evaluated an object and found nothing, and the report cannot say that exactly — rules
/// that read the whole inventory (RBAC, NetworkPolicy) declare what they read, not which
/// objects they judge; `--baseline`, `--severity` and `--min-severity` remove findings after
/// the scan; and a finding merged into another rule's (`also`) stands for several rules.
pub(crate) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# palisade {} PolicyReports ({API_VERSION}){}",
        opts.tool_version,
        if opts.target.is_empty() {
            String::new()
        } else {
            format!(" for {}", crate::text::clean_line(&opts.target))
        }
    );
    for d in reports(report, opts) {
        s.push_str("---\n");
        match &d {
            Value::Object(m) => yaml_map(m, 0, false, &mut s),
            other => {
                scalar(other, &mut s);
                s.push('\n');
            }
        }
    }
    out.write_all(s.as_bytes())
}

/// Whether `s` can be written unquoted and reads back as the same string in YAML 1.1 (go-yaml
/// v2, what kubectl decodes with) and 1.2: letters, digits and `._/-`, starting with a letter,
/// and not one of the words YAML 1.1 reads as a boolean or null. Everything else is quoted.
fn plain(s: &str) -> bool {
    const WORDS: [&str; 9] = ["y", "yes", "n", "no", "true", "false", "on", "off", "null"];
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
}

/// A scalar or an empty collection, on one line. Quoted strings use JSON's escapes, which
/// are all YAML double-quoted escapes.
fn scalar(v: &Value, out: &mut String) {
    match v {
        Value::String(s) if plain(s) => out.push_str(s),
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        other => out.push_str(&other.to_string()),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// A block mapping at `indent`; with `inline`, its first key continues the current line
/// (after `- `).
fn yaml_map(m: &Map<String, Value>, indent: usize, inline: bool, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            out.push_str(&" ".repeat(indent));
        }
        scalar(&Value::String(k.clone()), out);
        out.push(':');
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                yaml_map(inner, indent + 2, false, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                yaml_seq(items, indent + 2, out);
            }
            other => {
                out.push(' ');
                scalar(other, out);
                out.push('\n');
            }
        }
    }
}

/// A block sequence at `indent`.
fn yaml_seq(items: &[Value], indent: usize, out: &mut String) {
    for v in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match v {
            Value::Object(m) if is_block(v) => {
                out.push(' ');
                yaml_map(m, indent + 2, true, out);
            }
            Value::Array(a) if is_block(v) => {
                out.push('\n');
                yaml_seq(a, indent + 2, out);
            }
            other => {
                out.push(' ');
                scalar(other, out);
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(v: Value) -> String {
        let mut s = String::new();
        match &v {
            Value::Object(m) => yaml_map(m, 0, false, &mut s),
            _ => unreachable!(),
        }
        s
    }

    #[test]
    fn plain_scalars_are_only_unambiguous_words() {
        for s in ["palisade", "pss-privileged", "PSS007", "apps/v1", "v1.30", "a_b"] {
            assert!(plain(s), "{s}");
        }
        for s in [
            "", "yes", "No", "ON", "off", "y", "null", "true", "1", "1.5", "0777", "-x", "a b", "a:b", "a#b",
            ".inf", "~",
        ] {
            assert!(!plain(s), "{s}");
        }
    }

    #[test]
    fn block_yaml_of_nested_values() {
        let v = json!({
            "a": "x",
            "b": {"c": 1, "d": true, "e": null},
            "f": [{"g": "yes", "h": []}, "two", [3]],
            "i": {},
            "j": "line\n\"quoted\"",
        });
        assert_eq!(
            yaml(v),
            "a: x\nb:\n  c: 1\n  d: true\n  e: null\nf:\n  - g: \"yes\"\n    h: []\n  - two\n  -\n    - 3\ni: {}\nj: \"line\\n\\\"quoted\\\"\"\n"
        );
    }

    #[test]
    fn namespaces_of_objects_without_one() {
        let o = |api: &str, kind: &str, uid: Option<&str>| ObjectRef {
            api_version: api.into(),
            kind: kind.into(),
            namespace: None,
            name: "x".into(),
            uid: uid.map(Into::into),
        };
        assert_eq!(namespace_of(&o("apps/v1", "Deployment", None)), Some("default"));
        assert_eq!(namespace_of(&o("v1", "Namespace", None)), None);
        assert_eq!(
            namespace_of(&o("rbac.authorization.k8s.io/v1", "ClusterRole", None)),
            None
        );
        // Same kind name, another group: not the built-in one.
        assert_eq!(
            namespace_of(&o("example.com/v1", "ClusterRole", None)),
            Some("default")
        );
        // From a cluster: the API server said it has no namespace.
        assert_eq!(namespace_of(&o("example.com/v1", "Widget", Some("u-1"))), None);
    }
}
