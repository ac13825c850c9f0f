//! The JSON format: palisade's versioned machine-readable report. Its shape is the contract
//! documented in `docs/json-report.md` and `docs/report.schema.json`; the structs below are
//! that contract, written out field by field so a change to palisade_core's types cannot
//! change the output silently.

use crate::stream::{Head, Tally};
use crate::text::{count_diagnostics, unique_references};
use crate::RenderOptions;
use palisade_core::{
    AdmissionVerdict, ConfigInfo, DiagLevel, Diagnostic, FieldPath, Finding, Location, NamespacePolicy,
    ObjectRef, PssContext, PssLatest, Report, RuleMeta, Severity, Stats, Suppression, REPORT_SCHEMA_VERSION,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// What the report says before its findings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonHead<'a> {
    schema_version: &'static str,
    tool: Tool<'a>,
    target: &'a str,
    /// What Pod Security `latest` meant; absent when no Pod Security rule ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_security: Option<JsonPodSecurity<'a>>,
}

/// What the report says after its findings (which are written as they arrive, so the
/// summary that counts them follows them).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTail<'a> {
    summary: Summary,
    /// Only with `show_suppressed`; the key is absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Each<'a, Finding, JsonSuppressed<'a>>>,
    admission: Verdicts<'a>,
    namespaces: Vec<JsonNamespace<'a>>,
    errors: Vec<JsonDiagnostic<'a>>,
    stats: JsonStats<'a>,
    rules: Vec<JsonRule<'a>>,
    /// The configuration file read and what it changes; absent when none was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<JsonConfig<'a>>,
}

/// The release whose Pod Security Admission the run emulated: what `latest` meant.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsonPodSecurity<'a> {
    /// `v1.36`.
    latest: String,
    /// Where that came from (`the API server's version v1.36.2`, `given with --kube-version`).
    latest_from: &'a str,
}

impl<'a> From<&'a PssLatest> for JsonPodSecurity<'a> {
    fn from(l: &'a PssLatest) -> Self {
        JsonPodSecurity {
            latest: l.release(),
            latest_from: &l.from,
        }
    }
}

/// A list serialized one element at a time as it is written: a report of millions of
/// findings is streamed to the writer, never held in a second, JSON-shaped copy.
struct Each<'a, T, J>(&'a [T], std::marker::PhantomData<J>);

impl<'a, T, J> Each<'a, T, J> {
    fn new(items: &'a [T]) -> Self {
        Each(items, std::marker::PhantomData)
    }
}

impl<'a, T, J: From<&'a T> + Serialize> Serialize for Each<'a, T, J> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(J::from))
    }
}

/// The configuration file of the run and the settings of it in force.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsonConfig<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    select: &'a [String],
    ignore: &'a [String],
    severity: BTreeMap<&'a str, &'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fail_on: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pss_level: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pss_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inline_ignores: Option<bool>,
    rule_options: &'a [String],
    exceptions: usize,
    /// The same, as text (`ignore: PSS007, HRD`), as the human header prints it.
    changes: Vec<String>,
}

impl<'a> From<&'a ConfigInfo> for JsonConfig<'a> {
    fn from(c: &'a ConfigInfo) -> Self {
        JsonConfig {
            file: &c.file,
            profile: c.profile.as_deref(),
            select: &c.select,
            ignore: &c.ignore,
            severity: c.severity.iter().map(|(r, s)| (r.as_str(), s.as_str())).collect(),
            fail_on: c.fail_on.map(Severity::as_str),
            pss_level: c.pss_level.as_deref(),
            pss_version: c.pss_version.as_deref(),
            inline_ignores: c.inline_ignores,
            rule_options: &c.rule_options,
            exceptions: c.exceptions,
            changes: c.changes(),
        }
    }
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    findings: usize,
    by_severity: BySeverity,
    fail_on: Option<&'static str>,
    failing: usize,
    suppressed: usize,
    errors: usize,
    warnings: usize,
    /// Findings left out because an earlier report (`--baseline`) has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<usize>,
    /// Findings left out by the display filter (`--severity`, `--min-severity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    filtered: Option<usize>,
}

/// Finding counts, most severe first.
#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonObject<'a> {
    api_version: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<&'a str>,
}

impl<'a> From<&'a ObjectRef> for JsonObject<'a> {
    fn from(o: &'a ObjectRef) -> Self {
        JsonObject {
            api_version: &o.api_version,
            kind: &o.kind,
            namespace: o.namespace.as_deref(),
            name: &o.name,
            uid: o.uid.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: u32,
    column: u32,
}

impl<'a> From<&'a Location> for JsonLocation<'a> {
    fn from(l: &'a Location) -> Self {
        JsonLocation {
            file: &l.file,
            line: l.line,
            column: l.column,
        }
    }
}

/// The Pod Security Admission context of a finding (JSON `pss`, SARIF `properties.pss`).
#[derive(Serialize)]
pub(crate) struct JsonPss<'a> {
    level: &'a str,
    version: &'a str,
    mode: &'a str,
    action: &'a str,
    check: &'a str,
    reason: &'a str,
    detail: &'a str,
}

impl<'a> From<&'a PssContext> for JsonPss<'a> {
    fn from(p: &'a PssContext) -> Self {
        JsonPss {
            level: &p.level,
            version: &p.version,
            mode: p.mode.as_str(),
            action: p.action.as_str(),
            check: p.check,
            reason: &p.reason,
            detail: &p.detail,
        }
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    rule: &'a str,
    severity: &'static str,
    object: JsonObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
    message: &'a str,
    remediation: &'a str,
    /// The field path as text, written straight into the output.
    #[serde(serialize_with = "as_text")]
    path: &'a FieldPath,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation<'a>>,
    exact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pss: Option<JsonPss<'a>>,
    /// The other codes of a merged finding (one concern, one finding).
    #[serde(skip_serializing_if = "no_codes", serialize_with = "codes")]
    also: &'a [&'static RuleMeta],
    /// The references of every code (PSS control, CIS, NSA/CISA, MITRE, …), each once.
    #[serde(serialize_with = "references")]
    references: &'a Finding,
    /// `palisade_core::fingerprint`: file, object, code and path (what `--baseline` matches).
    fingerprint: String,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            code: f.code(),
            rule: f.rule.name,
            severity: f.severity.as_str(),
            object: (&*f.object).into(),
            container: f.container.as_deref(),
            message: &f.message,
            remediation: f.remediation(),
            path: &f.path,
            location: f.location.as_ref().map(Into::into),
            exact: f.exact,
            pss: f.pss.as_deref().map(Into::into),
            also: &f.also,
            references: f,
            fingerprint: f.fingerprint(),
        }
    }
}

/// A value written as its `Display` text (a JSON string), without a temporary `String`.
fn as_text<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn no_codes(also: &&[&'static RuleMeta]) -> bool {
    also.is_empty()
}

/// The codes of the merged rules.
fn codes<S: serde::Serializer>(also: &&[&'static RuleMeta], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(also.iter().map(|r| r.code))
}

/// What `Finding::references` lists, written without collecting it first.
fn references<S: serde::Serializer>(f: &&Finding, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(unique_references(f))
}

/// A suppressed finding: the finding's fields, then why it is suppressed.
#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    suppression: JsonSuppression<'a>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<JsonLocation<'a>>,
}

impl<'a> From<&'a Finding> for JsonSuppressed<'a> {
    fn from(f: &'a Finding) -> Self {
        let suppression = match f.suppressed.as_deref() {
            Some(s) => s.into(),
            // Every suppressed finding carries its suppression; this is only a fallback.
            None => JsonSuppression {
                kind: "exception",
                reason: "",
                owner: None,
                expires: None,
                source: None,
            },
        };
        JsonSuppressed {
            finding: f.into(),
            suppression,
        }
    }
}

impl<'a> From<&'a Suppression> for JsonSuppression<'a> {
    fn from(s: &'a Suppression) -> Self {
        JsonSuppression {
            kind: s.kind.as_str(),
            reason: &s.reason,
            owner: s.owner.as_deref(),
            expires: s.expires.as_deref(),
            source: s.source.as_ref().map(Into::into),
        }
    }
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    object: JsonObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation<'a>>,
    mode: &'a str,
    policy: &'a str,
    action: &'a str,
    /// The message as JSON text (a string).
    message: &'a serde_json::value::RawValue,
}

/// The admission verdicts, one per failing workload. Each message is escaped once and copied:
/// objects that fail the same checks the same way (thousands of copies of one chart) share
/// one message (`Arc`), and a message lists every failing field (hundreds of bytes, with
/// quotes to escape).
struct Verdicts<'a>(&'a [AdmissionVerdict]);

impl Serialize for Verdicts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        use serde_json::value::RawValue;
        // Keyed by where the shared text is: the verdicts hold it for the whole loop.
        let mut escaped: HashMap<*const u8, Box<RawValue>> = HashMap::new();
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            let message = match escaped.entry(std::sync::Arc::as_ptr(&v.message).cast::<u8>()) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(serde_json::value::to_raw_value(&*v.message).map_err(S::Error::custom)?)
                }
            };
            seq.serialize_element(&JsonVerdict {
                object: (&*v.object).into(),
                location: v.location.as_ref().map(Into::into),
                mode: v.mode.as_str(),
                policy: &v.policy,
                action: v.action.as_str(),
                message,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct JsonNamespace<'a> {
    namespace: &'a str,
    enforce: &'a str,
    audit: &'a str,
    warn: &'a str,
    errors: &'a [String],
}

impl<'a> From<&'a NamespacePolicy> for JsonNamespace<'a> {
    fn from(n: &'a NamespacePolicy) -> Self {
        JsonNamespace {
            namespace: &n.namespace,
            enforce: &n.enforce,
            audit: &n.audit,
            warn: &n.warn,
            errors: &n.errors,
        }
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<JsonObject<'a>>,
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonDiagnostic {
            level: diag_level(d.level),
            file: d.file.as_deref(),
            line: d.line,
            column: d.column,
            message: &d.message,
            object: d.object.as_ref().map(Into::into),
        }
    }
}

pub(crate) fn diag_level(l: DiagLevel) -> &'static str {
    match l {
        DiagLevel::Error => "error",
        DiagLevel::Warning => "warning",
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonStats<'a> {
    files: usize,
    bytes: u64,
    documents: usize,
    objects: usize,
    workloads: usize,
    skipped_documents: usize,
    custom_template_kinds: &'a BTreeMap<String, usize>,
    duration_ms: u64,
}

impl<'a> From<&'a Stats> for JsonStats<'a> {
    fn from(s: &'a Stats) -> Self {
        JsonStats {
            files: s.files,
            bytes: s.bytes,
            documents: s.documents,
            objects: s.objects,
            workloads: s.workloads,
            skipped_documents: s.skipped_documents,
            custom_template_kinds: &s.custom_template_kinds,
            duration_ms: s.duration_ms,
        }
    }
}

/// A rule's identity (the JSON report's `rules`; `rules -o json` adds remediation and references).
#[derive(Serialize)]
pub(crate) struct JsonRule<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'static str,
    group: &'a str,
    summary: &'a str,
}

impl<'a> From<&'a RuleMeta> for JsonRule<'a> {
    fn from(r: &'a RuleMeta) -> Self {
        JsonRule {
            code: r.code,
            name: r.name,
            severity: r.severity.as_str(),
            group: r.group,
            summary: r.summary,
        }
    }
}

/// serde_json's pretty format (two-space indent) for a value nested `depth` levels deep in
/// the document: every line break is followed by the document's indentation, so a finding is
/// written straight into the output as it would be inside the whole report.
struct Nested {
    depth: usize,
    has_value: bool,
    /// Leave out the first `{`: the value's keys continue an object already open.
    continues: bool,
}

impl Nested {
    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        const SPACES: &[u8] = b"                                ";
        let mut n = 2 * self.depth;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }
    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let bracket: &[u8] = if std::mem::take(&mut self.continues) {
            b""
        } else {
            b"{"
        };
        self.open(w, bracket)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Appends `v` to `buf` as pretty JSON nested `depth` levels deep: the serde form of a
/// finding, which `fast::finding` writes by hand and is tested against.
#[cfg(test)]
fn nested<T: Serialize>(v: &T, depth: usize, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        buf,
        Nested {
            depth,
            has_value: false,
            continues: false,
        },
    );
    v.serialize(&mut ser).map_err(io::Error::from)
}

/// How many findings one thread serializes at a time.
const CHUNK_FINDINGS: usize = 256;
/// How many chunks are serialized at once (in parallel) before they are written.
const PARALLEL_CHUNKS: usize = 16;

/// The JSON report written as the findings arrive: the head and `"findings": [` first, each
/// finding as it comes, then the summary and the rest.
pub(crate) struct Stream {
    written: usize,
    /// A buffer per chunk of findings, reused by every batch.
    bufs: Vec<Vec<u8>>,
}

impl Stream {
    pub(crate) fn begin(head: Head<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<Stream> {
        let doc = JsonHead {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: Tool {
                name: "palisade",
                version: opts.tool_version,
            },
            target: &opts.target,
            pod_security: head.pss_latest.map(Into::into),
        };
        let text = serde_json::to_string_pretty(&doc)?;
        // `{ … }` without its closing line, then the findings key.
        let open = text.strip_suffix("\n}").unwrap_or(&text);
        out.write_all(open.as_bytes())?;
        out.write_all(b",\n  \"findings\": [")?;
        Ok(Stream {
            written: 0,
            bufs: Vec::new(),
        })
    }

    pub(crate) fn batch(&mut self, findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
        // Findings are serialized in parallel, a chunk per buffer, and written in order: a
        // large report is never held whole as text.
        let bufs = &mut self.bufs;
        bufs.resize_with(PARALLEL_CHUNKS, Vec::new);
        for slice in findings.chunks(CHUNK_FINDINGS * PARALLEL_CHUNKS) {
            let first = self.written == 0;
            slice
                .par_chunks(CHUNK_FINDINGS)
                .zip(bufs.par_iter_mut())
                .enumerate()
                .for_each_init(fast::Scratch::default, |scratch, (n, (fs, buf))| {
                    buf.clear();
                    for (i, f) in fs.iter().enumerate() {
                        let sep: &[u8] = if first && n == 0 && i == 0 {
                            b"\n    "
                        } else {
                            b",\n    "
                        };
                        buf.extend_from_slice(sep);
                        fast::finding(f, i.checked_sub(1).map(|p| &fs[p]), 2, buf, scratch);
                    }
                });
            for buf in &bufs[..slice.len().div_ceil(CHUNK_FINDINGS)] {
                out.write_all(buf)?;
            }
            self.written += slice.len();
        }
        Ok(())
    }

    pub(crate) fn finish(
        self,
        report: &Report,
        tally: &Tally,
        opts: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        out.write_all(if self.written == 0 { b"]" } else { b"\n  ]" })?;
        let doc = JsonTail {
            summary: Summary {
                findings: tally.findings,
                by_severity: BySeverity {
                    critical: tally.get(Severity::Critical),
                    high: tally.get(Severity::High),
                    medium: tally.get(Severity::Medium),
                    low: tally.get(Severity::Low),
                    info: tally.get(Severity::Info),
                },
                fail_on: report.fail_on.map(Severity::as_str),
                failing: tally.failing(report.fail_on),
                suppressed: report.suppressed.len(),
                errors: count_diagnostics(report, DiagLevel::Error),
                warnings: count_diagnostics(report, DiagLevel::Warning),
                baseline: report.hidden.baseline,
                filtered: report.hidden.filtered,
            },
            suppressed: opts.show_suppressed.then(|| Each::new(&report.suppressed)),
            admission: Verdicts(&report.admission),
            namespaces: report.namespaces.iter().map(Into::into).collect(),
            errors: report.errors.iter().map(Into::into).collect(),
            stats: (&report.stats).into(),
            rules: report.rules.iter().map(|r| JsonRule::from(*r)).collect(),
            config: report.config.as_ref().map(Into::into),
        };
        // The tail's keys continue the document: `{` replaced by a comma. It is written
        // straight to `out` (its admission verdicts, one per workload, can be many).
        out.write_all(b",")?;
        let mut ser = serde_json::Serializer::with_formatter(
            &mut *out,
            Nested {
                depth: 0,
                has_value: false,
                continues: true,
            },
        );
        doc.serialize(&mut ser).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }
}

pub(crate) mod answers;
mod fast;
