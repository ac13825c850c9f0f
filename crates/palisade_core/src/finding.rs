//! Findings: what a rule reports about one object, with its severity and the exact place to
//! change. Renderers consume these; rules produce them.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

use crate::path::FieldPath;
use crate::rule::RuleMeta;

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
    /// Adds the findings of each severity to `counts` (an entry only for a severity some
    /// finding has): counted in place first, since reports count millions.
    pub fn tally<'a>(
        findings: impl IntoIterator<Item = &'a Finding>,
        counts: &mut std::collections::BTreeMap<Severity, usize>,
    ) {
        let mut n = [0usize; Severity::ALL.len()];
        for f in findings {
            n[f.severity as usize] += 1;
        }
        for (s, k) in Severity::ALL.into_iter().zip(n) {
            if k > 0 {
                *counts.entry(s).or_default() += k;
            }
        }
    }
}

crate::display_as_str!(Severity);

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

/// A place in a source file. Line and column are 1-based. Ordered by file, line and column.
#[derive(Clone, Debug, Eq, Serialize)]
pub struct Location {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

// Compared field by field like a derive, but a file shared by both places (the usual case:
// findings sort millions of places of one file) is equal without comparing its text.
impl PartialEq for Location {
    fn eq(&self, other: &Location) -> bool {
        self.line == other.line
            && self.column == other.column
            && (Arc::ptr_eq(&self.file, &other.file) || self.file == other.file)
    }
}

// Hashes what `eq` compares, so equal places hash alike.
impl std::hash::Hash for Location {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.file.hash(state);
        self.line.hash(state);
        self.column.hash(state);
    }
}

impl Ord for Location {
    fn cmp(&self, other: &Location) -> std::cmp::Ordering {
        let file = if Arc::ptr_eq(&self.file, &other.file) {
            std::cmp::Ordering::Equal
        } else {
            self.file.cmp(&other.file)
        };
        file.then(self.line.cmp(&other.line))
            .then(self.column.cmp(&other.column))
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Location) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How a Pod Security policy came to be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PssMode {
    /// The namespace's `pod-security.kubernetes.io/enforce` label.
    Enforce,
    /// The namespace's `audit` label.
    Audit,
    /// The namespace's `warn` label.
    Warn,
    /// The `--pss` flag or the default level (no namespace labels).
    Scan,
}

impl PssMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PssMode::Enforce => "enforce",
            PssMode::Audit => "audit",
            PssMode::Warn => "warn",
            PssMode::Scan => "scan",
        }
    }
}

crate::display_as_str!(PssMode);

/// What the API server would do with an object under a Pod Security policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdmissionAction {
    /// A Pod under enforce: rejected.
    Reject,
    /// A controller under enforce: allowed with a warning, its pods rejected later.
    RejectPods,
    Warn,
    Audit,
    /// Evaluated at the `--pss` or default level, with no namespace labels: a violation.
    Violation,
    /// Pod Security Admission does not evaluate the object (custom resources).
    NotEvaluated,
}

impl AdmissionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AdmissionAction::Reject => "reject",
            AdmissionAction::RejectPods => "reject-pods",
            AdmissionAction::Warn => "warn",
            AdmissionAction::Audit => "audit",
            AdmissionAction::Violation => "violation",
            AdmissionAction::NotEvaluated => "not-evaluated",
        }
    }
}

crate::display_as_str!(AdmissionAction);

/// The Pod Security Admission context of a PSS finding: which policy was applied and how
/// Kubernetes would act on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PssContext {
    /// `baseline` or `restricted`.
    pub level: String,
    /// The version as requested (`latest`, `v1.30`).
    pub version: String,
    pub mode: PssMode,
    pub action: AdmissionAction,
    /// The PSA check ID (`privileged`, `runAsNonRoot`, ...).
    pub check: &'static str,
    /// The forbidden reason, exactly as Pod Security Admission prints it.
    pub reason: String,
    /// The forbidden detail, exactly as Pod Security Admission prints it.
    pub detail: String,
}

/// One problem a rule found on one object, located at the field to change.
///
/// Kept compact, as a large scan holds millions: the object reference is shared by every
/// finding of one object, the Pod Security context by every finding of one evaluation, and
/// the suppression by every finding one exception or annotation accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule (its code, name, remediation and documentation are shared, not copied).
    pub rule: &'static RuleMeta,
    /// The severity in force (the rule's, or the configuration's override).
    pub severity: Severity,
    /// True when `path` exists in the source; false when the location is its nearest ancestor.
    pub exact: bool,
    /// The object, shared with its other findings (`Object::shared_reference`).
    pub object: Arc<ObjectRef>,
    /// Where the object itself starts in its source, if it has a position.
    pub object_location: Option<Location>,
    pub container: Option<Box<str>>,
    pub message: Box<str>,
    /// The field to change, as a path from the object root.
    pub path: FieldPath,
    /// Where that field (or its nearest existing ancestor) is in the source.
    pub location: Option<Location>,
    pub pss: Option<Arc<PssContext>>,
    /// Set when an exception or an inline annotation accepts this finding.
    pub suppressed: Option<Arc<Suppression>>,
    /// The other rules that flagged the same field of the same object for the same reason
    /// (one concern, one finding: see `palisade_rules::concerns`), in code order. Empty for
    /// a finding only its own rule reported.
    pub also: Vec<&'static RuleMeta>,
}

impl Finding {
    /// The object the finding is about.
    pub fn object(&self) -> &ObjectRef {
        &self.object
    }
    /// The container the finding is about, if any.
    pub fn container(&self) -> Option<&str> {
        self.container.as_deref()
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn pss(&self) -> Option<&PssContext> {
        self.pss.as_deref()
    }
    pub fn suppression(&self) -> Option<&Suppression> {
        self.suppressed.as_deref()
    }
    /// The rule's stable code (`PSS007`).
    pub fn code(&self) -> &'static str {
        self.rule.code
    }
    /// The rule's stable name (`pss-privileged`).
    pub fn rule_name(&self) -> &'static str {
        self.rule.name
    }
    /// How to fix it.
    pub fn remediation(&self) -> &'static str {
        self.rule.remediation
    }
    /// Every rule this finding stands for: its own, then the ones merged into it.
    pub fn rules(&self) -> impl Iterator<Item = &'static RuleMeta> + '_ {
        std::iter::once(self.rule).chain(self.also.iter().copied())
    }
    /// Whether `code` is this finding's code or one of the codes merged into it.
    pub fn has_code(&self, code: &str) -> bool {
        self.rules().any(|r| r.code.eq_ignore_ascii_case(code))
    }
    /// The references of every rule this finding stands for, each once, in order.
    pub fn references(&self) -> Vec<crate::rule::Reference> {
        let mut out: Vec<crate::rule::Reference> = Vec::new();
        for r in self.rules() {
            for x in r.references {
                if !out.contains(x) {
                    out.push(*x);
                }
            }
        }
        out
    }
    /// The finding's fingerprint (see [`fingerprint`]) under its own code.
    pub fn fingerprint(&self) -> String {
        self.fingerprint_as(self.rule.code)
    }
    /// The fingerprint the finding would have under `code` (one of [`Finding::rules`]).
    pub fn fingerprint_as(&self, code: &str) -> String {
        // The path is hashed as it is printed, without a temporary string.
        let mut h = self.identity_hash(code);
        let _ = self.path.pieces(|p| {
            h.bytes(p.as_bytes());
            Ok::<(), ()>(())
        });
        h.end_part();
        h.hex()
    }
    /// The finding's fingerprint under its own code, given its path as printed (for a
    /// renderer that prints it anyway).
    pub fn fingerprint_printed(&self, path: &str) -> String {
        let mut h = self.identity_hash(self.rule.code);
        h.bytes(path.as_bytes());
        h.end_part();
        h.hex()
    }
    /// The fingerprint's hash of every part but the path.
    fn identity_hash(&self, code: &str) -> Fnv {
        let mut h = self.fingerprint_prefix().0;
        h.bytes(code.as_bytes());
        h.end_part();
        h
    }
    /// The fingerprint's hash of the parts that every finding of one object at one file
    /// shares: the file, the kind, the namespace and the name.
    pub fn fingerprint_prefix(&self) -> FingerprintPrefix {
        let file = self.location.as_ref().map_or("", |l| &*l.file);
        let o = &self.object;
        let mut h = Fnv::default();
        h.parts(file, [&*o.kind, o.namespace.as_deref().unwrap_or(""), &o.name]);
        FingerprintPrefix(h)
    }
    /// [`Finding::fingerprint_printed`] as its 16 hex digits, from `prefix`: the
    /// [`Finding::fingerprint_prefix`] of this finding or of one with the same object and
    /// file (a renderer that writes an object's findings one after another hashes those
    /// parts once).
    pub fn fingerprint_printed_after(&self, prefix: FingerprintPrefix, path: &str) -> [u8; 16] {
        let mut h = prefix.0;
        h.bytes(self.rule.code.as_bytes());
        h.end_part();
        h.bytes(path.as_bytes());
        h.end_part();
        h.hex_digits()
    }
}

/// See [`Finding::fingerprint_prefix`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FingerprintPrefix(Fnv);

/// What identifies a finding across runs: the file, the object, the rule and the field.
/// Line and column are left out on purpose, so that editing a file above a finding does not
/// make it new.
#[derive(Clone, Copy, Debug)]
pub struct FingerprintParts<'a> {
    /// The file of the finding's location (empty for objects read from a cluster).
    pub file: &'a str,
    pub kind: &'a str,
    /// Empty for cluster-scoped objects.
    pub namespace: &'a str,
    pub name: &'a str,
    /// The rule code.
    pub code: &'a str,
    /// The field path as printed (`spec.containers[0].image`).
    pub path: &'a str,
}

/// The one definition of a finding's fingerprint (the JSON report's `fingerprint`, what
/// `--baseline` matches): 16 hex digits of a 64-bit FNV-1a hash of the parts, each followed
/// by a 0xff byte (which UTF-8 never contains, so parts cannot run into each other). The file
/// is normalised (`./` prefixes dropped, `\` as `/`) so that the same scan from another
/// directory spelling matches.
pub fn fingerprint(p: &FingerprintParts<'_>) -> String {
    let mut h = Fnv::default();
    h.parts(p.file, [p.kind, p.namespace, p.name, p.code, p.path]);
    h.hex()
}

/// FNV-1a over the fingerprint's parts, fed in pieces (a path as it is printed,
/// [`crate::FieldPath::pieces`]).
#[derive(Clone, Copy, Debug)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for &b in b {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn end_part(&mut self) {
        self.bytes(&[0xff]);
    }
    /// The file, normalised, then `rest`, each as a part.
    fn parts<const N: usize>(&mut self, file: &str, rest: [&str; N]) {
        let file: std::borrow::Cow<'_, str> = if file.contains('\\') {
            file.replace('\\', "/").into()
        } else {
            file.into()
        };
        let mut f = &*file;
        while let Some(r) = f.strip_prefix("./") {
            f = r;
        }
        for part in std::iter::once(f).chain(rest) {
            self.bytes(part.as_bytes());
            self.end_part();
        }
    }
    fn hex(&self) -> String {
        self.hex_digits().iter().map(|&d| char::from(d)).collect()
    }
    /// The hash as 16 lower-case hex digits (`{:016x}`).
    fn hex_digits(&self) -> [u8; 16] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, d) in out.iter_mut().enumerate() {
            *d = HEX[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        out
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            code: &'static str,
            rule: &'static str,
            severity: Severity,
            object: &'a ObjectRef,
            #[serde(skip_serializing_if = "Option::is_none")]
            container: &'a Option<Box<str>>,
            message: &'a str,
            remediation: &'static str,
            path: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            location: &'a Option<Location>,
            exact: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            pss: &'a Option<Arc<PssContext>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            suppressed: &'a Option<Arc<Suppression>>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            also: Vec<&'static str>,
        }
        Flat {
            code: self.rule.code,
            rule: self.rule.name,
            severity: self.severity,
            object: &self.object,
            container: &self.container,
            message: &self.message,
            remediation: self.rule.remediation,
            path: self.path.to_string(),
            location: &self.location,
            exact: self.exact,
            pss: &self.pss,
            suppressed: &self.suppressed,
            also: self.also.iter().map(|r| r.code).collect(),
        }
        .serialize(s)
    }
}

/// How a finding was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// An exception in the configuration.
    Exception,
    /// A `palisade.dev/ignore` annotation on the object.
    Annotation,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Exception => "exception",
            SuppressionKind::Annotation => "annotation",
        }
    }
}

/// Why a finding is suppressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
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

#[cfg(test)]
mod tests {
    use super::{fingerprint, Finding, FingerprintParts, Location, ObjectRef};
    use crate::{Check, FieldPath, RuleMeta, Scope, Severity};
    use std::sync::Arc;

    static RULE: RuleMeta = RuleMeta {
        code: "PSS007",
        name: "pss-privileged",
        severity: Severity::High,
        group: "pss",
        summary: "",
        remediation: "",
        docs: "",
        references: &[],
        requires_option: None,
        scope: Scope::Object,
        check: Check::Engine,
    };

    /// A finding of [`RULE`] on `path`.
    fn sample(path: &FieldPath) -> Finding {
        Finding {
            rule: &RULE,
            severity: Severity::High,
            exact: true,
            object: Arc::new(ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "web".into(),
                uid: None,
            }),
            object_location: None,
            container: None,
            message: "m".into(),
            path: path.clone(),
            location: Some(Location {
                file: Arc::from("./k8s\\app.yaml"),
                line: 3,
                column: 5,
            }),
            pss: None,
            suppressed: None,
            also: Vec::new(),
        }
    }

    /// `tally` counts as a map entry per finding would: an entry only for a severity found.
    #[test]
    fn tally_counts_each_severity() {
        for (i, s) in Severity::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i, "{s}");
        }
        let found: Vec<Finding> = [Severity::High, Severity::Info, Severity::High, Severity::Critical]
            .into_iter()
            .map(|severity| Finding {
                severity,
                ..sample(&FieldPath::root())
            })
            .collect();
        let mut want = std::collections::BTreeMap::new();
        for f in &found {
            *want.entry(f.severity).or_insert(0usize) += 1;
        }
        let mut got = std::collections::BTreeMap::new();
        got.insert(Severity::High, 1);
        want.entry(Severity::High).and_modify(|n| *n += 1);
        Severity::tally(&found, &mut got);
        assert_eq!(got, want);
    }

    /// The three ways of computing a fingerprint agree: from its parts, with the path printed
    /// by a renderer, and with the path hashed as it is printed (what `--baseline` matches).
    #[test]
    fn fingerprints_agree_however_the_path_is_given() {
        let path = FieldPath::root()
            .key("spec")
            .key("containers")
            .idx(12)
            .key("a.b/c");
        let f = sample(&path);
        let printed = path.to_string();
        let parts = fingerprint(&FingerprintParts {
            file: "k8s/app.yaml",
            kind: "Deployment",
            namespace: "shop",
            name: "web",
            code: "PSS007",
            path: &printed,
        });
        assert_eq!(f.fingerprint_printed(&printed), parts);
        assert_eq!(f.fingerprint_as("PSS007"), parts);
        assert_ne!(f.fingerprint_as("HRD016"), parts);
        let after = f.fingerprint_printed_after(f.fingerprint_prefix(), &printed);
        assert_eq!(std::str::from_utf8(&after).unwrap(), parts);
    }

    #[test]
    fn hex_digits_are_what_format_writes() {
        for n in [
            0u64,
            1,
            0xf,
            0x10,
            0xdead_beef,
            0x0123_4567_89ab_cdef,
            u64::MAX,
            1 << 63,
        ] {
            assert_eq!(super::Fnv(n).hex(), format!("{n:016x}"));
        }
    }

    #[test]
    fn fingerprint_normalises_the_file_and_separates_parts() {
        let p = |file, name, path| FingerprintParts {
            file,
            kind: "Deployment",
            namespace: "shop",
            name,
            code: "PSS007",
            path,
        };
        let base = fingerprint(&p("k8s/app.yaml", "web", "spec.x"));
        assert_eq!(base.len(), 16);
        assert!(base.bytes().all(|b| b.is_ascii_hexdigit()));
        for spelling in [
            "./k8s/app.yaml",
            "././k8s/app.yaml",
            "k8s\\app.yaml",
            ".\\k8s\\app.yaml",
        ] {
            assert_eq!(fingerprint(&p(spelling, "web", "spec.x")), base, "{spelling}");
        }
        // A part cannot run into the next one.
        assert_ne!(
            fingerprint(&p("k8s/app.yaml", "web", "spec.x")),
            fingerprint(&p("k8s/app.yaml", "we", "bspec.x"))
        );
        assert_ne!(fingerprint(&p("k8s/app.yaml", "web", "spec.y")), base);
    }
}
