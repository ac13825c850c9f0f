//! palisade's engine: turns inputs into a `Report`. Loads files in parallel, keeps only the
//! objects the selected rules need, evaluates Pod Security Standards against the policy in
//! force for each workload (the `--pss` level, or its namespace's PSA labels), and maps
//! results to located findings. Never prints and never knows output formats.

mod pss_scan;
mod select;

pub use pss_scan::{evaluate_objects, PssMode};
pub use select::{select_rules, SelectError};

use palisade_core::{DiagLevel, Diagnostic, Object, Report, RuleMeta, Severity};
use palisade_source::{load_input, InputFile};
use rayon::prelude::*;
use std::time::Instant;

/// What to run and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// How Pod Security levels are chosen.
    pub pss: PssMode,
    /// The rules that run (already resolved from --select/--ignore).
    pub rules: Vec<&'static RuleMeta>,
    /// Findings at or above this severity make the run fail (exit 1).
    pub fail_on: Severity,
}

/// Everything loaded from the inputs that the engine keeps.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
    pub bytes: u64,
    pub documents: usize,
    pub objects_seen: usize,
    pub skipped: usize,
}

/// Whether the engine keeps an object after loading (the rest is counted and dropped, so
/// memory stays bounded by what the rules need).
fn needed(o: &Object) -> bool {
    o.kind == "Namespace" && o.group().is_empty() || !palisade_core::pod_templates(o).is_empty()
}

/// Loads every input in parallel, keeping only the objects the rules need.
pub fn load(inputs: &[InputFile]) -> Loaded {
    let parts: Vec<(palisade_source::Loaded, usize)> = inputs
        .par_iter()
        .map(|f| {
            let mut l = load_input(f);
            let seen = l.objects.len();
            l.objects.retain(needed);
            (l, seen)
        })
        .collect();
    let mut out = Loaded {
        files: inputs.len(),
        ..Loaded::default()
    };
    for (p, seen) in parts {
        out.objects_seen += seen;
        out.objects.extend(p.objects);
        out.diagnostics.extend(p.diagnostics);
        out.bytes += p.bytes;
        out.documents += p.documents;
        out.skipped += p.skipped;
    }
    out
}

/// Scans `inputs` and builds the report. `discovery` carries problems found while expanding
/// the user's paths (missing files, globs matching nothing).
pub fn scan(inputs: &[InputFile], discovery: Vec<Diagnostic>, opts: &ScanOptions) -> Report {
    let started = Instant::now();
    let loaded = load(inputs);
    let mut report = scan_loaded(loaded, opts);
    report.errors.splice(0..0, discovery);
    if report.stats.objects == 0 {
        report.errors.push(Diagnostic {
            level: DiagLevel::Error,
            file: None,
            line: None,
            column: None,
            message: format!(
                "nothing was scanned: no Kubernetes objects in {} file(s) ({} document(s) skipped as not Kubernetes objects)",
                report.stats.files, report.stats.skipped_documents
            ),
            object: None,
        });
    }
    report.stats.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// Evaluates already-loaded objects (used by `scan`, and by tests and other sources).
pub fn scan_loaded(loaded: Loaded, opts: &ScanOptions) -> Report {
    let mut report = Report {
        rules: opts.rules.clone(),
        fail_on: Some(opts.fail_on),
        ..Report::default()
    };
    report.stats.files = loaded.files;
    report.stats.bytes = loaded.bytes;
    report.stats.documents = loaded.documents;
    report.stats.objects = loaded.objects_seen;
    report.stats.skipped_documents = loaded.skipped;
    report.errors = loaded.diagnostics;
    let pss_rules: Vec<&RuleMeta> = opts.rules.iter().copied().filter(|r| r.group == "pss").collect();
    if !pss_rules.is_empty() {
        evaluate_objects(&loaded.objects, &opts.pss, &pss_rules, &mut report);
    }
    report.findings.sort_by(|a, b| {
        (a.location.as_ref(), &a.object, a.code, &a.path).cmp(&(
            b.location.as_ref(),
            &b.object,
            b.code,
            &b.path,
        ))
    });
    report
        .errors
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    for f in &report.findings {
        *report.stats.findings_by_severity.entry(f.severity).or_default() += 1;
    }
    report
}
