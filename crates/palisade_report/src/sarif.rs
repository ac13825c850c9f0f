//! The SARIF format: one SARIF 2.1.0 log with one run, shaped for GitHub code scanning
//! (rules with `security-severity`, relative `%SRCROOT%` URIs, stable partial fingerprints,
//! input errors as tool execution notifications). Suppressed findings are always results,
//! marked with `suppressions` (GitHub code scanning shows them as dismissed).

use crate::json::JsonPss;
use crate::text::object_title;
use crate::RenderOptions;
use palisade_core::{
    DiagLevel, Diagnostic, Finding, Location, ObjectRef, Reference, Report, RuleMeta, Severity, Suppression,
};
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

pub(crate) const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The workspace `repository` URL.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// Where the repository's files are served, for references to its documentation
/// (`docs/configuration.md#exceptions`): SARIF's `helpUri` must be an absolute URI.
const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/");

// ---- The SARIF 2.1.0 objects palisade writes, field by field in output order. ----

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    /// Columns are counted in Unicode code points (characters), not SARIF's default
    /// UTF-16 code units.
    column_kind: &'static str,
    /// Produced one at a time while the log is written.
    results: Results<'a>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    severity: &'static str,
    group: &'static str,
    references: Vec<crate::rules::JsonReference>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    /// The configuration file, when one was read: what it changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_configuration_notifications: Vec<Notification>,
    tool_execution_notifications: Vec<Notification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<InvocationProperties<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvocationProperties<'a> {
    /// What Pod Security `latest` meant, as in the JSON report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_security: Option<crate::json::JsonPodSecurity<'a>>,
    /// The configuration file and its settings in force, as in the JSON report.
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<crate::json::JsonConfig<'a>>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<[SarifLocation; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<LogicalProperties>,
}

#[derive(Serialize)]
struct LogicalProperties {
    uid: String,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    target: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [SarifLocation; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SarifSuppression; 1]>,
    properties: ResultProperties<'a>,
}

/// `partialFingerprints`: palisade's own entry. Bump the key's suffix if the hashed fields
/// change (v2 added the file).
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "palisade/v2")]
    palisade: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    severity: &'static str,
    object: String,
    api_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
    path: String,
    exact: bool,
    /// Set (true) when the location is the object's, not the field's.
    #[serde(skip_serializing_if = "Option::is_none")]
    location_of_object: Option<bool>,
    remediation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pss: Option<JsonPss<'a>>,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<SuppressionLocation>,
    properties: SuppressionProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SuppressionLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
struct SuppressionProperties {
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
}

/// The results array: every finding, then every suppressed finding, each built when it is
/// written, so memory does not grow with the results (tens of thousands on a large
/// repository).
struct Results<'a> {
    report: &'a Report,
    rule_index: HashMap<&'a str, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let findings = self.report.findings.iter().chain(&self.report.suppressed);
        let mut seq = s.serialize_seq(None)?;
        for f in findings {
            seq.serialize_element(&result(f, &self.rule_index))?;
        }
        seq.end()
    }
}

/// Pretty-printed like `serde_json::to_writer_pretty`, except the run's `results`: one
/// compact result per line, so that a log with many results stays small and diffable.
struct SarifFormatter {
    pretty: PrettyFormatter<'static>,
    compact: CompactFormatter,
    /// Objects and arrays open.
    depth: usize,
    /// The key being written, and the last one written.
    in_key: bool,
    key: String,
    /// The depth at which the results array was opened, while inside it.
    results: Option<usize>,
}

/// Depth of the run object, whose `results` key is the results array.
const RUN_DEPTH: usize = 3;

impl Formatter for SarifFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let opens_results = self.results.is_none() && self.depth == RUN_DEPTH && self.key == "results";
        self.key.clear();
        self.depth += 1;
        if opens_results {
            self.results = Some(self.depth - 1);
            return w.write_all(b"[");
        }
        match self.results {
            Some(_) => self.compact.begin_array(w),
            None => self.pretty.begin_array(w),
        }
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        match self.results {
            Some(d) if d == self.depth => {
                self.results = None;
                w.write_all(b"\n")?;
                w.write_all(" ".repeat(2 * d).as_bytes())?;
                w.write_all(b"]")
            }
            Some(_) => self.compact.end_array(w),
            None => self.pretty.end_array(w),
        }
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        match self.results {
            Some(d) if d + 1 == self.depth => w.write_all(if first { b"\n" } else { b",\n" }),
            Some(_) => self.compact.begin_array_value(w, first),
            None => self.pretty.begin_array_value(w, first),
        }
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self.results {
            Some(_) => self.compact.end_array_value(w),
            None => self.pretty.end_array_value(w),
        }
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.key.clear();
        self.depth += 1;
        match self.results {
            Some(_) => self.compact.begin_object(w),
            None => self.pretty.begin_object(w),
        }
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        match self.results {
            Some(_) => self.compact.end_object(w),
            None => self.pretty.end_object(w),
        }
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.in_key = true;
        self.key.clear();
        match self.results {
            Some(_) => self.compact.begin_object_key(w, first),
            None => self.pretty.begin_object_key(w, first),
        }
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.in_key = false;
        match self.results {
            Some(_) => self.compact.end_object_key(w),
            None => self.pretty.end_object_key(w),
        }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self.results {
            Some(_) => self.compact.begin_object_value(w),
            None => self.pretty.begin_object_value(w),
        }
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self.results {
            Some(_) => self.compact.end_object_value(w),
            None => self.pretty.end_object_value(w),
        }
    }
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        if self.in_key {
            self.key.push_str(fragment);
        }
        w.write_all(fragment.as_bytes())
    }
}

pub(crate) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let rule_index: HashMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .collect();
    let rules: Vec<Rule> = report.rules.iter().map(|r| rule(r)).collect();
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "palisade",
                    version: opts.tool_version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: !report.has_errors(),
                tool_configuration_notifications: report.config.iter().map(config_notification).collect(),
                tool_execution_notifications: report.errors.iter().map(notification).collect(),
                properties: (report.pss_latest.is_some() || report.config.is_some()).then(|| {
                    InvocationProperties {
                        pod_security: report.pss_latest.as_ref().map(Into::into),
                        config: report.config.as_ref().map(Into::into),
                    }
                }),
            }],
            column_kind: "unicodeCodePoints",
            results: Results { report, rule_index },
            properties: RunProperties { target: &opts.target },
        }],
    };
    let formatter = SarifFormatter {
        pretty: PrettyFormatter::new(),
        compact: CompactFormatter,
        depth: 0,
        in_key: false,
        key: String::new(),
        results: None,
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, formatter);
    log.serialize(&mut ser)?;
    out.write_all(b"\n")
}

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

fn rule(r: &RuleMeta) -> Rule {
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
    Rule {
        id: r.code,
        name: r.name,
        short_description: Text {
            text: r.summary.to_owned(),
        },
        full_description: Text {
            text: full_description(r),
        },
        help: Help { text: help, markdown },
        default_configuration: Configuration {
            level: level(r.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(r.severity),
            severity: r.severity.as_str(),
            group: r.group,
            references: r.references.iter().map(crate::rules::reference).collect(),
        },
        help_uri: r.references.iter().find_map(|x| match x {
            Reference::Url(u) => Some(absolute_uri(u)),
            _ => None,
        }),
    }
}

/// An absolute URI for a reference: a URL as it is, a path in the repository
/// (`docs/configuration.md#exceptions`) under the repository's address.
fn absolute_uri(u: &str) -> String {
    let scheme = u.split_once(':').is_some_and(|(s, _)| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if scheme {
        u.to_owned()
    } else {
        format!(
            "{DOCS_BASE}{}",
            u.trim_start_matches("./").trim_start_matches('/')
        )
    }
}

/// The notification naming the configuration file and what it changes.
fn config_notification(c: &palisade_core::ConfigInfo) -> Notification {
    Notification {
        level: "note",
        message: Text {
            text: format!("configuration {}", c.describe()),
        },
        locations: Some([SarifLocation {
            physical_location: Some(PhysicalLocation {
                artifact_location: artifact(&c.file),
                region: None,
            }),
            logical_locations: None,
        }]),
    }
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

fn result<'a>(f: &'a Finding, rule_index: &HashMap<&str, usize>) -> SarifResult<'a> {
    let mut text = String::from(&*f.message);
    let _ = write!(text, " ({}", object_title(&f.object));
    if let Some(c) = &f.container {
        let _ = write!(text, ", container {c:?}");
    }
    text.push(')');

    let (physical_location, approximate) = if let Some(loc) = &f.location {
        (Some(physical(loc)), false)
    } else if let Some(loc) = &f.object_location {
        // No position for the field: point at the object (GitHub needs a file per result).
        (Some(physical(loc)), true)
    } else {
        (None, false)
    };
    SarifResult {
        rule_id: f.code(),
        rule_index: rule_index.get(f.code()).copied(),
        level: level(f.severity),
        message: Text { text },
        locations: [SarifLocation {
            physical_location,
            logical_locations: Some([logical(&f.object)]),
        }],
        partial_fingerprints: Fingerprints {
            palisade: fingerprint(f),
        },
        suppressions: f.suppressed.as_ref().map(|s| [suppression(s)]),
        properties: ResultProperties {
            severity: f.severity.as_str(),
            object: object_title(&f.object),
            api_version: &f.object.api_version,
            container: f.container.as_deref(),
            path: f.path.to_string(),
            exact: f.exact,
            location_of_object: approximate.then_some(true),
            remediation: f.remediation(),
            pss: f.pss.as_deref().map(JsonPss::from),
        },
    }
}

/// A SARIF `suppression`: `external` for a configuration exception, `inSource` for a
/// `palisade.dev/ignore` annotation (it is written in the manifest); always in state
/// `accepted`.
fn suppression(s: &Suppression) -> SarifSuppression {
    let kind = if s.kind == palisade_core::SuppressionKind::Annotation {
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
    SarifSuppression {
        kind,
        // The OASIS 2.1.0 schema (and GitHub's upload validation, which uses it) names this
        // property `state`; an earlier draft called it `status`, which the schema rejects.
        state: "accepted",
        justification: (!justification.is_empty()).then_some(justification),
        location: s.source.as_ref().map(|src| SuppressionLocation {
            physical_location: physical(src),
        }),
        properties: SuppressionProperties {
            kind: s.kind.as_str().to_owned(),
            owner: s.owner.clone(),
            expires: s.expires.clone(),
        },
    }
}

fn physical(loc: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact(&loc.file),
        region: (loc.line >= 1).then(|| Region {
            start_line: loc.line,
            start_column: (loc.column >= 1).then_some(loc.column),
        }),
    }
}

fn logical(o: &ObjectRef) -> LogicalLocation {
    LogicalLocation {
        name: o.name.clone(),
        fully_qualified_name: o.to_string(),
        kind: "resource",
        properties: o.uid.as_ref().map(|uid| LogicalProperties { uid: uid.clone() }),
    }
}

fn notification(d: &Diagnostic) -> Notification {
    let physical_location = d.file.as_ref().map(|file| PhysicalLocation {
        artifact_location: artifact(file),
        region: d.line.filter(|l| *l >= 1).map(|line| Region {
            start_line: line,
            start_column: d.column.filter(|c| *c >= 1),
        }),
    });
    let logical_locations = d.object.as_ref().map(|o| [logical(o)]);
    let has_location = physical_location.is_some() || logical_locations.is_some();
    Notification {
        level: if d.level == DiagLevel::Error {
            "error"
        } else {
            "warning"
        },
        message: Text { text: d.to_string() },
        locations: has_location.then_some([SarifLocation {
            physical_location,
            logical_locations,
        }]),
    }
}

/// An `artifactLocation`: relative paths become `%SRCROOT%`-relative URI references with
/// forward slashes; absolute paths become `file://` URIs.
fn artifact(file: &str) -> ArtifactLocation {
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
        ArtifactLocation {
            uri,
            uri_base_id: None,
        }
    } else {
        let mut rel = path.as_str();
        while let Some(rest) = rel.strip_prefix("./") {
            rel = rest;
        }
        ArtifactLocation {
            uri: percent_encode(rel),
            uri_base_id: Some("%SRCROOT%"),
        }
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

/// A stable fingerprint of a finding: FNV-1a (64-bit) over its rule code, the file of its
/// object, its object identity (kind, namespace, name) and field path, as 16 hex digits. It
/// does not depend on line numbers, so a finding keeps its identity when the file around it
/// changes; the same object written in two files gives two fingerprints.
pub(crate) fn fingerprint(f: &Finding) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let ns = f.object.namespace.as_deref().unwrap_or("");
    let file = f
        .object_location
        .as_ref()
        .or(f.location.as_ref())
        .map_or(String::new(), |l| artifact(&l.file).uri);
    for part in [
        f.code(),
        &file,
        &f.object.kind,
        ns,
        &f.object.name,
        &f.path.to_string(),
    ] {
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
    use serde_json::{json, Value};

    fn artifact_json(file: &str) -> Value {
        serde_json::to_value(artifact(file)).unwrap()
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(
            artifact_json("./examples/a b.yaml"),
            json!({"uri": "examples/a%20b.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_json("dir\\x:y.yaml"),
            json!({"uri": "dir/x%3Ay.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_json("/abs/ü.yaml"),
            json!({"uri": "file:///abs/%C3%BC.yaml"})
        );
        assert_eq!(
            artifact_json("C:\\repo\\k.yaml"),
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
