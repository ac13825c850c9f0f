//! The result of one palisade run, handed to renderers: findings, the rules that ran,
//! input errors, Pod Security Admission verdicts and statistics. Types only.

use crate::finding::{Finding, ObjectRef, Severity};
use crate::rule::RuleMeta;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Version of the JSON report schema (`docs/json-report.md`). Bump on incompatible change.
pub const REPORT_SCHEMA_VERSION: &str = "1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagLevel {
    Warning,
    Error,
}

/// A problem with the input (parse error, wrong field type, unreadable path, ...). Errors
/// make the run exit 2; warnings do not.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub level: DiagLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
}

impl Diagnostic {
    /// A problem that belongs to no file position (a source as a whole, e.g. a cluster).
    pub fn unlocated(level: DiagLevel, message: String) -> Diagnostic {
        Diagnostic {
            level,
            file: None,
            line: None,
            column: None,
            message,
            object: None,
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            f.write_str(": ")?;
        }
        if let Some(o) = &self.object {
            write!(f, "{o}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Receives a scan's findings in the report's order as they are decided, so that a large
/// input is never held whole as findings (`palisade_engine::scan_streaming`). Each batch ends
/// at an object boundary and comes with the admission verdicts decided since the previous
/// batch (an object's verdicts arrive with its findings or before them).
pub trait FindingSink {
    fn accept(&mut self, findings: Vec<Finding>, verdicts: &[AdmissionVerdict]);
}

/// Collects every finding (the report of a scan that is not streamed).
impl FindingSink for Vec<Finding> {
    fn accept(&mut self, findings: Vec<Finding>, _verdicts: &[AdmissionVerdict]) {
        if self.is_empty() {
            *self = findings;
        } else {
            self.extend(findings);
        }
    }
}

/// What Pod Security Admission would do with one object under one namespace mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdmissionVerdict {
    /// Shared with the object's findings.
    pub object: std::sync::Arc<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::finding::Location>,
    pub mode: crate::finding::PssMode,
    /// `<level>:<version>` as written in the label or flag.
    pub policy: String,
    pub action: crate::finding::AdmissionAction,
    /// The exact text Kubernetes would print (denial message, warning, or audit annotation).
    /// Shared: objects that fail the same checks the same way get the same text, and a large
    /// input holds it once (see `palisade_engine`).
    pub message: std::sync::Arc<str>,
}

/// The Pod Security labels of one namespace found in the input, as PSA parses them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NamespacePolicy {
    pub namespace: String,
    pub enforce: String,
    pub audit: String,
    pub warn: String,
    /// Label parse errors (an invalid enforce level fails closed to restricted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub files: usize,
    pub bytes: u64,
    pub documents: usize,
    pub objects: usize,
    /// Objects that carry a pod template and were evaluated.
    pub workloads: usize,
    /// Documents that were not Kubernetes objects (no apiVersion/kind), skipped.
    pub skipped_documents: usize,
    /// Kinds of custom resources whose pod templates were found by shape, with counts.
    pub custom_template_kinds: BTreeMap<String, usize>,
    pub findings_by_severity: BTreeMap<Severity, usize>,
    pub duration_ms: u64,
}

/// An object that rules evaluated (a workload), whether or not it has findings: JUnit reports
/// it as a passing test case when clean.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScannedObject {
    /// Shared with the object's findings.
    pub object: std::sync::Arc<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::finding::Location>,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Findings accepted by an exception or an inline annotation: counted in every output,
    /// listed with `--show-suppressed` (and always in SARIF, marked suppressed).
    #[serde(skip)]
    pub suppressed: Vec<Finding>,
    /// The workloads that were evaluated, in input order.
    #[serde(skip)]
    pub scanned: Vec<ScannedObject>,
    #[serde(skip)]
    pub rules: Vec<&'static RuleMeta>,
    pub errors: Vec<Diagnostic>,
    pub admission: Vec<AdmissionVerdict>,
    pub namespaces: Vec<NamespacePolicy>,
    pub stats: Stats,
    /// The severity threshold for a non-zero exit.
    #[serde(skip)]
    pub fail_on: Option<Severity>,
    /// Every object read, in input order (JUnit reports the clean ones as passing test cases).
    #[serde(skip)]
    pub objects: Vec<ScannedObject>,
    /// The configuration file that was read and what it changes; `None` when none was read.
    #[serde(skip)]
    pub config: Option<ConfigInfo>,
    /// Findings left out of `findings` after the scan, and why.
    #[serde(skip)]
    pub hidden: Hidden,
    /// What Pod Security `latest` meant for the run; `None` when no Pod Security rule ran.
    #[serde(skip)]
    pub pss_latest: Option<PssLatest>,
}

/// The Kubernetes release whose Pod Security Admission a run emulates: what the policy
/// version `latest` (and any version newer than that release) means, and where that was
/// decided (the API server's `/version`, `--kube-version`, or palisade's newest release).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PssLatest {
    /// The release's minor number (`36` for v1.36).
    pub minor: u32,
    /// Where it comes from: `the API server's version v1.36.2`, `given with --kube-version`.
    pub from: String,
}

impl PssLatest {
    /// `v1.36`.
    pub fn release(&self) -> String {
        format!("v1.{}", self.minor)
    }
    /// `` Pod Security `latest` = v1.36 (the API server's version v1.36.2) ``.
    pub fn describe(&self) -> String {
        format!("Pod Security `latest` = {} ({})", self.release(), self.from)
    }
}

/// The configuration file a run read, and the settings of it that are in force (a setting a
/// command-line flag overrides is not listed). Every output format names it, so that a file
/// found next to the manifests cannot change policy unseen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigInfo {
    /// The file, as found or given.
    pub file: String,
    pub profile: Option<String>,
    /// `select` of the file (unless `--select` replaced it).
    pub select: Vec<String>,
    /// `ignore` of the file (added to `--ignore`).
    pub ignore: Vec<String>,
    /// Severity overrides: rule code and the severity it gets.
    pub severity: Vec<(String, Severity)>,
    pub fail_on: Option<Severity>,
    /// `pss.level` and `pss.version`.
    pub pss_level: Option<String>,
    pub pss_version: Option<String>,
    /// `inlineIgnores: false`.
    pub inline_ignores: Option<bool>,
    /// Rules given options (`rules:`), by code.
    pub rule_options: Vec<String>,
    /// Exceptions (its own and those of its `exceptionFiles`).
    pub exceptions: usize,
}

impl ConfigInfo {
    /// What the file changes, one item each (`ignore: PSS007, HRD`, `failOn: critical`);
    /// empty when it changes nothing.
    pub fn changes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = &self.profile {
            out.push(format!("profile: {p}"));
        }
        if !self.select.is_empty() {
            out.push(format!("select: {}", self.select.join(", ")));
        }
        if !self.ignore.is_empty() {
            out.push(format!("ignore: {}", self.ignore.join(", ")));
        }
        if !self.severity.is_empty() {
            let s: Vec<String> = self.severity.iter().map(|(r, s)| format!("{r}={s}")).collect();
            out.push(format!("severity: {}", s.join(", ")));
        }
        if let Some(f) = self.fail_on {
            out.push(format!("failOn: {f}"));
        }
        if let Some(l) = &self.pss_level {
            out.push(format!("pss.level: {l}"));
        }
        if let Some(v) = &self.pss_version {
            out.push(format!("pss.version: {v}"));
        }
        if let Some(i) = self.inline_ignores {
            out.push(format!("inlineIgnores: {i}"));
        }
        if !self.rule_options.is_empty() {
            out.push(format!("rules: {}", self.rule_options.join(", ")));
        }
        if self.exceptions > 0 {
            out.push(format!("exceptions: {}", self.exceptions));
        }
        out
    }

    /// `.palisade.yaml (ignore: PSS007, HRD; failOn: critical)`, or the file alone with
    /// `(no changes)`.
    pub fn describe(&self) -> String {
        let c = self.changes();
        if c.is_empty() {
            format!("{} (no changes)", self.file)
        } else {
            format!("{} ({})", self.file, c.join("; "))
        }
    }
}

/// Counts of findings left out of a report after the scan. `None`: that filter was not used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hidden {
    /// In the earlier report given with `--baseline`.
    pub baseline: Option<usize>,
    /// Outside the severities of `--severity` / `--min-severity`.
    pub filtered: Option<usize>,
}

/// Which severities are shown (`--severity high,critical`, `--min-severity medium`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeverityFilter(pub Vec<Severity>);

impl SeverityFilter {
    /// `--min-severity`: this severity and above.
    pub fn at_least(min: Severity) -> SeverityFilter {
        SeverityFilter(Severity::ALL.into_iter().filter(|s| *s >= min).collect())
    }
    /// `--severity`: a comma-separated list of severities.
    pub fn parse_list(list: &str) -> Result<SeverityFilter, String> {
        let mut out = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match Severity::parse(part) {
                Some(s) if !out.contains(&s) => out.push(s),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "unknown severity {part:?} (expected info, low, medium, high, critical)"
                    ))
                }
            }
        }
        if out.is_empty() {
            return Err("no severity given".to_owned());
        }
        Ok(SeverityFilter(out))
    }
    pub fn shows(&self, s: Severity) -> bool {
        self.0.contains(&s)
    }
}

impl Report {
    /// Keeps only the findings (and suppressed findings) of the shown severities, counting
    /// the others in `hidden.filtered`. The exit code then follows what is shown.
    pub fn filter_severity(&mut self, filter: &SeverityFilter) {
        let before = self.findings.len();
        self.findings.retain(|f| filter.shows(f.severity));
        self.suppressed.retain(|f| filter.shows(f.severity));
        self.hidden.filtered = Some(before - self.findings.len());
        self.recount();
    }
    /// Recomputes `stats.findings_by_severity` from `findings`.
    pub fn recount(&mut self) {
        self.stats.findings_by_severity.clear();
        for f in &self.findings {
            *self.stats.findings_by_severity.entry(f.severity).or_default() += 1;
        }
    }
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.errors.iter().any(|d| d.level == DiagLevel::Error)
    }
    pub fn failing_findings(&self) -> usize {
        let t = self.fail_on.unwrap_or(Severity::Info);
        self.findings.iter().filter(|f| f.severity >= t).count()
    }
    /// Like [`Report::failing_findings`], from `stats.findings_by_severity`: for a report
    /// whose findings were streamed, not kept.
    pub fn failing_counted(&self) -> usize {
        let t = self.fail_on.unwrap_or(Severity::Info);
        self.stats
            .findings_by_severity
            .iter()
            .filter(|(s, _)| **s >= t)
            .map(|(_, n)| n)
            .sum()
    }
}
