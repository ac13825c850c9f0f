//! Findings: what a rule reports about one object, with its severity and the exact place to
//! change. Renderers consume these; rules produce them.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// The object's `metadata.uid`, for objects read from a cluster (where there is no file
    /// position to point at).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// A place in a source file. Line and column are 1-based.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The Pod Security Admission context of a PSS finding: which policy was applied and how
/// Kubernetes would act on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PssContext {
    /// `baseline` or `restricted`.
    pub level: String,
    /// The version as requested (`latest`, `v1.30`).
    pub version: String,
    /// `enforce`, `audit`, `warn` or `scan` (the `--pss` flag, no namespace labels).
    pub mode: String,
    /// What the API server would do: `reject` (a Pod under enforce), `warn`, `audit`, or
    /// `reject-pods` (a controller under enforce: allowed with a warning at creation, its
    /// pods rejected later).
    pub action: String,
    /// The PSA check ID (`privileged`, `runAsNonRoot`, ...).
    pub check: String,
    /// The forbidden reason, exactly as Pod Security Admission prints it.
    pub reason: String,
    /// The forbidden detail, exactly as Pod Security Admission prints it.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    pub object: ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub message: String,
    pub remediation: String,
    /// The field to change, as a path from the object root.
    pub path: String,
    /// Where that field (or its nearest existing ancestor) is in the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// True when `path` exists in the source; false when the location is its nearest ancestor.
    pub exact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pss: Option<PssContext>,
    /// Set when an exception or an inline annotation accepts this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// Why a finding is suppressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `exception` (configuration) or `annotation` (`palisade.dev/ignore` on the object).
    pub kind: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the exception or annotation is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Location>,
    /// Index of the configuration exception (for stale-exception accounting).
    #[serde(skip)]
    pub exception: Option<usize>,
}
