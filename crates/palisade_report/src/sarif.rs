//! The SARIF format: one SARIF 2.1.0 log with one run, shaped for GitHub code scanning
//! (rules with `security-severity`, relative `%SRCROOT%` URIs, stable partial fingerprints,
//! input errors as tool execution notifications). Suppressed findings are always results,
//! marked with `suppressions` (GitHub code scanning shows them as dismissed).

use crate::text::{group_by_object, group_findings, object_title};
use crate::RenderOptions;
use palisade_core::{
    DiagLevel, Diagnostic, Finding, Location, ObjectRef, Reference, Report, RuleMeta, Severity, Suppression,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

pub(crate) const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The workspace `repository` URL.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// Key of palisade's own entry in `partialFingerprints`. Bump the suffix if the hashed
/// fields change.
pub(crate) const FINGERPRINT_KEY: &str = "palisade/v1";

pub(crate) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let rule_index: HashMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .collect();
    let rules: Vec<Value> = report.rules.iter().map(|r| rule(r)).collect();
    // Where each object is, for findings that have no source position of their own.
    let mut object_at: HashMap<&ObjectRef, (&str, Option<u32>)> = HashMap::new();
    let groups = group_by_object(report, true);
    let suppressed_groups = group_findings(&report.suppressed, &report.admission, false);
    for g in groups.iter().chain(&suppressed_groups) {
        if let Some(file) = g.file {
            object_at.entry(g.object).or_insert((file, g.line));
        }
    }
    let notifications: Vec<Value> = report.errors.iter().map(notification).collect();

    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "palisade",
                    "version": opts.tool_version,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": !report.has_errors(),
                "toolExecutionNotifications": notifications,
            }],
            "results": RESULTS_MARKER,
            "properties": {
                "target": opts.target,
            },
        }],
    });
    // Results are streamed one at a time into the document, so memory does not grow with a
    // JSON tree of every result (tens of thousands on a large repository).
    let text = serde_json::to_string_pretty(&log).map_err(io::Error::other)?;
    let marker = format!("\"{RESULTS_MARKER}\"");
    let (head, tail) = text.split_once(&marker).unwrap_or((&text, ""));
    out.write_all(head.as_bytes())?;
    out.write_all(b"[")?;
    for (i, f) in report.findings.iter().chain(&report.suppressed).enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &result(f, &rule_index, &object_at))?;
    }
    out.write_all(b"\n      ]")?;
    out.write_all(tail.as_bytes())?;
    out.write_all(b"\n")
}

/// Placeholder for the streamed results array, replaced before anything is written.
const RESULTS_MARKER: &str = "@@palisade-sarif-results@@";

/// SARIF `level` of a severity.
pub(crate) fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score of a severity (critical > 9.0, high 7.0-8.9, medium
/// 4.0-6.9, low 0.1-3.9).
pub(crate) fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn rule(r: &RuleMeta) -> Value {
    let mut tags: Vec<String> = Vec::new();
    for t in ["security", "kubernetes", r.group] {
        if !t.is_empty() && !tags.iter().any(|x| x == t) {
            tags.push(t.to_owned());
        }
    }
    let mut help = r.remediation.to_owned();
    if !r.references.is_empty() {
        help.push_str("\n\nReferences:");
        for reference in r.references {
            let _ = write!(help, "\n- {}", reference.label());
        }
    }
    let mut markdown = crate::rules::dedent(r.docs).trim().to_owned();
    if markdown.is_empty() {
        markdown = r.remediation.to_owned();
    }
    let refs: Vec<_> = r.references.iter().map(crate::rules::reference).collect();
    let mut rule = json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": full_description(r) },
        "help": { "text": help, "markdown": markdown },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(r.severity),
            "severity": r.severity.as_str(),
            "group": r.group,
            "references": refs,
        },
    });
    if let Some(url) = r.references.iter().find_map(|x| match x {
        Reference::Url(u) => Some(*u),
        _ => None,
    }) {
        rule["helpUri"] = Value::from(url);
    }
    rule
}

/// The rule's first prose paragraph of its docs (skipping Markdown headings), else its
/// summary.
fn full_description(r: &RuleMeta) -> String {
    let mut para: Vec<&str> = Vec::new();
    for line in r.docs.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        if t.starts_with("```") {
            if para.is_empty() {
                continue;
            }
            break;
        }
        para.push(t);
    }
    if para.is_empty() {
        r.summary.to_owned()
    } else {
        para.join(" ")
    }
}

fn result(
    f: &Finding,
    rule_index: &HashMap<&str, usize>,
    object_at: &HashMap<&ObjectRef, (&str, Option<u32>)>,
) -> Value {
    let mut text = f.message.clone();
    let _ = write!(text, " ({}", object_title(&f.object));
    if let Some(c) = &f.container {
        let _ = write!(text, ", container {c:?}");
    }
    text.push(')');

    let mut location = Map::new();
    let mut approximate = false;
    if let Some(loc) = &f.location {
        location.insert("physicalLocation".into(), physical(loc));
    } else if let Some((file, line)) = object_at.get(&f.object) {
        // No position for the field: point at the object (GitHub needs a file per result).
        let loc = Location {
            file: (*file).into(),
            line: line.unwrap_or(1),
            column: 1,
        };
        location.insert("physicalLocation".into(), physical(&loc));
        approximate = true;
    }
    location.insert("logicalLocations".into(), json!([logical(&f.object)]));

    let mut props = Map::new();
    props.insert("severity".into(), f.severity.as_str().into());
    props.insert("object".into(), json!(object_title(&f.object)));
    props.insert("apiVersion".into(), f.object.api_version.clone().into());
    if let Some(c) = &f.container {
        props.insert("container".into(), c.clone().into());
    }
    props.insert("path".into(), f.path.clone().into());
    props.insert("exact".into(), f.exact.into());
    if approximate {
        props.insert("locationOfObject".into(), true.into());
    }
    props.insert("remediation".into(), f.remediation.clone().into());
    if let Some(p) = &f.pss {
        props.insert(
            "pss".into(),
            json!({
                "level": p.level, "version": p.version, "mode": p.mode, "action": p.action,
                "check": p.check, "reason": p.reason, "detail": p.detail,
            }),
        );
    }

    let mut res = Map::new();
    res.insert("ruleId".into(), f.code.into());
    if let Some(i) = rule_index.get(f.code) {
        res.insert("ruleIndex".into(), (*i).into());
    }
    res.insert("level".into(), level(f.severity).into());
    res.insert("message".into(), json!({ "text": text }));
    res.insert("locations".into(), json!([Value::Object(location)]));
    res.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(f) }),
    );
    if let Some(s) = &f.suppressed {
        res.insert("suppressions".into(), json!([suppression(s)]));
    }
    res.insert("properties".into(), Value::Object(props));
    Value::Object(res)
}

/// A SARIF `suppression`: `external` for a configuration exception, `inSource` for a
/// `palisade.dev/ignore` annotation (it is written in the manifest); always in state
/// `accepted`.
fn suppression(s: &Suppression) -> Value {
    let kind = if s.kind == "annotation" {
        "inSource"
    } else {
        "external"
    };
    let mut justification = s.reason.clone();
    let details: Vec<String> = [("owner", &s.owner), ("expires", &s.expires)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
    if !details.is_empty() {
        if !justification.is_empty() {
            justification.push(' ');
        }
        let _ = write!(justification, "({})", details.join(", "));
    }
    let mut sup = Map::new();
    sup.insert("kind".into(), kind.into());
    // The OASIS 2.1.0 schema (and GitHub's upload validation, which uses it) names this
    // property `state`; an earlier draft called it `status`, which the schema rejects.
    sup.insert("state".into(), "accepted".into());
    if !justification.is_empty() {
        sup.insert("justification".into(), justification.into());
    }
    if let Some(src) = &s.source {
        sup.insert("location".into(), json!({ "physicalLocation": physical(src) }));
    }
    let mut props = Map::new();
    props.insert("kind".into(), s.kind.clone().into());
    if let Some(o) = &s.owner {
        props.insert("owner".into(), o.clone().into());
    }
    if let Some(e) = &s.expires {
        props.insert("expires".into(), e.clone().into());
    }
    sup.insert("properties".into(), Value::Object(props));
    Value::Object(sup)
}

fn physical(loc: &Location) -> Value {
    let mut region = Map::new();
    if loc.line >= 1 {
        region.insert("startLine".into(), loc.line.into());
        if loc.column >= 1 {
            region.insert("startColumn".into(), loc.column.into());
        }
    }
    let mut p = Map::new();
    p.insert("artifactLocation".into(), artifact(&loc.file));
    if !region.is_empty() {
        p.insert("region".into(), Value::Object(region));
    }
    Value::Object(p)
}

fn logical(o: &ObjectRef) -> Value {
    let mut v = json!({
        "name": o.name,
        "fullyQualifiedName": o.to_string(),
        "kind": "resource",
    });
    if let Some(uid) = &o.uid {
        v["properties"] = json!({ "uid": uid });
    }
    v
}

fn notification(d: &Diagnostic) -> Value {
    let mut n = Map::new();
    n.insert(
        "level".into(),
        if d.level == DiagLevel::Error {
            "error"
        } else {
            "warning"
        }
        .into(),
    );
    n.insert("message".into(), json!({ "text": d.to_string() }));
    let mut location = Map::new();
    if let Some(file) = &d.file {
        let mut p = Map::new();
        p.insert("artifactLocation".into(), artifact(file));
        if let Some(line) = d.line.filter(|l| *l >= 1) {
            let mut region = Map::new();
            region.insert("startLine".into(), line.into());
            if let Some(col) = d.column.filter(|c| *c >= 1) {
                region.insert("startColumn".into(), col.into());
            }
            p.insert("region".into(), Value::Object(region));
        }
        location.insert("physicalLocation".into(), Value::Object(p));
    }
    if let Some(o) = &d.object {
        location.insert("logicalLocations".into(), json!([logical(o)]));
    }
    if !location.is_empty() {
        n.insert("locations".into(), json!([Value::Object(location)]));
    }
    Value::Object(n)
}

/// An `artifactLocation`: relative paths become `%SRCROOT%`-relative URI references with
/// forward slashes; absolute paths become `file://` URIs.
fn artifact(file: &str) -> Value {
    let path = file.replace('\\', "/");
    let is_drive = path.len() >= 3 && path.as_bytes()[0].is_ascii_alphabetic() && &path[1..3] == ":/";
    if path.starts_with('/') || is_drive {
        let mut uri = String::from("file://");
        if is_drive {
            uri.push('/');
            uri.push_str(&path[..2]);
            uri.push_str(&percent_encode(&path[2..]));
        } else {
            uri.push_str(&percent_encode(&path));
        }
        json!({ "uri": uri })
    } else {
        let mut rel = path.as_str();
        while let Some(rest) = rel.strip_prefix("./") {
            rel = rest;
        }
        json!({ "uri": percent_encode(rel), "uriBaseId": "%SRCROOT%" })
    }
}

/// Percent-encodes everything in a path except unreserved characters, `/` and the
/// sub-delimiters that are safe in a path (`:` is encoded so a relative path can never read
/// as a URI scheme).
pub(crate) fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A stable fingerprint of a finding: FNV-1a (64-bit) over its rule code, object identity
/// (kind, namespace, name) and field path, as 16 hex digits. It does not depend on line
/// numbers, so a finding keeps its identity when the file around it changes.
pub(crate) fn fingerprint(f: &Finding) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let ns = f.object.namespace.as_deref().unwrap_or("");
    for part in [f.code, &f.object.kind, ns, &f.object.name, &f.path] {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris() {
        assert_eq!(
            artifact("./examples/a b.yaml"),
            json!({"uri": "examples/a%20b.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact("dir\\x:y.yaml"),
            json!({"uri": "dir/x%3Ay.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(artifact("/abs/ü.yaml"), json!({"uri": "file:///abs/%C3%BC.yaml"}));
        assert_eq!(
            artifact("C:\\repo\\k.yaml"),
            json!({"uri": "file:///C:/repo/k.yaml"})
        );
    }

    #[test]
    fn levels_and_scores() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
        let scores: Vec<&str> = Severity::ALL.iter().map(|s| security_severity(*s)).collect();
        assert_eq!(scores, ["1.0", "3.0", "5.5", "8.0", "9.5"]);
    }
}
