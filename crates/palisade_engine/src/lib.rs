//! palisade's engine: turns inputs into a `Report`. Loads files in parallel, keeps only the
//! objects the selected rules need, evaluates Pod Security Standards against the policy in
//! force for each workload (the `--pss` level, or its namespace's PSA labels), and maps
//! results to located findings. Never prints and never knows output formats.

pub mod config;
mod pss_scan;
mod select;
pub mod suppress;

pub use pss_scan::{evaluate_objects, PssMode};
pub use select::{select_rules, SelectError};
pub use suppress::Suppressor;

use palisade_core::{
    pod_templates, AnalysisCache, AnalysisSettings, Check, DiagLevel, Diagnostic, Finding, Hit, InvCtx,
    Inventory, ObjCtx, Object, PodCtx, Report, RuleMeta, RuleOptions, Severity,
};
use palisade_source::{load_input, InputFile};
use rayon::prelude::*;
use std::collections::HashMap;
use std::time::Instant;

/// What to run and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// How Pod Security levels are chosen.
    pub pss: PssMode,
    /// The rules that run (already resolved from the profile, --select and --ignore).
    pub rules: Vec<&'static RuleMeta>,
    /// Findings at or above this severity make the run fail (exit 1).
    pub fail_on: Severity,
    /// Per-rule options from the configuration, by rule code.
    pub rule_options: HashMap<&'static str, RuleOptions>,
    /// Severity overrides from the configuration, by rule code.
    pub severity: HashMap<&'static str, Severity>,
    /// Exceptions and inline ignores.
    pub suppressor: Suppressor,
    /// Settings of cross-object analyses (default RBAC objects).
    pub analysis: AnalysisSettings,
}

impl ScanOptions {
    pub fn new(pss: PssMode, rules: Vec<&'static RuleMeta>, fail_on: Severity) -> ScanOptions {
        ScanOptions {
            pss,
            rules,
            fail_on,
            rule_options: HashMap::new(),
            severity: HashMap::new(),
            suppressor: Suppressor {
                inline: true,
                ..Suppressor::default()
            },
            analysis: AnalysisSettings::default(),
        }
    }
    fn options_for(&self, rule: &RuleMeta) -> &RuleOptions {
        static EMPTY: std::sync::OnceLock<RuleOptions> = std::sync::OnceLock::new();
        self.rule_options
            .get(rule.code)
            .unwrap_or_else(|| EMPTY.get_or_init(RuleOptions::default))
    }
    pub(crate) fn severity_of(&self, rule: &RuleMeta) -> Severity {
        self.severity.get(rule.code).copied().unwrap_or(rule.severity)
    }
}

/// Everything loaded from the inputs that the engine keeps.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    /// Findings of object rules, produced while decoding.
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
    pub bytes: u64,
    pub documents: usize,
    pub objects_seen: usize,
    pub skipped: usize,
}

/// Whether the engine keeps an object after loading: workloads, the Namespaces and
/// ServiceAccounts that pod rules look up, RBAC objects (Roles, ClusterRoles and their
/// bindings) for the RBAC analysis, and NetworkPolicies, Services and Ingresses for the
/// network analysis. Everything else is checked by object rules while its file
/// is decoded, counted and dropped, so memory stays bounded.
pub fn needed(o: &Object) -> bool {
    (o.group().is_empty() && matches!(o.kind.as_str(), "Namespace" | "ServiceAccount"))
        || (o.group() == "rbac.authorization.k8s.io"
            && matches!(
                o.kind.as_str(),
                "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
            ))
        || (o.group() == "networking.k8s.io" && matches!(o.kind.as_str(), "NetworkPolicy" | "Ingress"))
        || (o.group().is_empty() && o.kind == "Service")
        || !pod_templates(o).is_empty()
}

/// Runs the inventory rules (cross-object analyses) once over every kept object.
fn run_inventory_rules(inv: &Inventory, opts: &ScanOptions) -> Vec<Finding> {
    let cache = AnalysisCache::default();
    let mut out = Vec::new();
    for rule in &opts.rules {
        if let Check::Inventory(check) = rule.check {
            let mut hits = Vec::new();
            check(
                &InvCtx {
                    inv,
                    opts: opts.options_for(rule),
                    cache: &cache,
                    settings: &opts.analysis,
                },
                &mut hits,
            );
            // Group by object so suppression is decided once per object.
            hits.sort_by_key(|h| h.object);
            let mut i = 0;
            while i < hits.len() {
                let obj = hits[i].object;
                let mut j = i;
                while j < hits.len() && hits[j].object == obj {
                    j += 1;
                }
                let group: Vec<Hit> = hits[i..j].iter().map(|h| h.hit.clone()).collect();
                if let Some(o) = inv.objects.get(obj) {
                    out.extend(findings_from_hits(
                        o,
                        rule,
                        opts.severity_of(rule),
                        &opts.suppressor,
                        group,
                    ));
                }
                i = j;
            }
        }
    }
    out
}

/// Turns a rule's hits on `obj` into located findings.
pub fn findings_from_hits(
    obj: &Object,
    rule: &'static RuleMeta,
    severity: Severity,
    suppressor: &Suppressor,
    hits: Vec<Hit>,
) -> Vec<Finding> {
    if hits.is_empty() {
        return Vec::new();
    }
    let suppressed = suppressor.check(obj, rule);
    hits.into_iter()
        .map(|h| {
            let (location, exact) = obj.locate(&h.path);
            Finding {
                code: rule.code,
                rule: rule.name,
                severity,
                object: obj.reference(),
                container: h.container,
                message: h.message,
                remediation: rule.remediation.to_owned(),
                path: h.path.to_string(),
                location: location.or_else(|| obj.location_of(obj.root.pos)),
                exact,
                pss: None,
                suppressed: suppressed.clone(),
            }
        })
        .collect()
}

/// Runs the object rules on one object.
fn run_object_rules(obj: &Object, opts: &ScanOptions, out: &mut Vec<Finding>) {
    for rule in &opts.rules {
        if let Check::Object { kinds, check } = rule.check {
            if Check::applies_to(kinds, obj) {
                let mut hits = Vec::new();
                check(
                    &ObjCtx {
                        obj,
                        opts: opts.options_for(rule),
                    },
                    &mut hits,
                );
                out.extend(findings_from_hits(
                    obj,
                    rule,
                    opts.severity_of(rule),
                    &opts.suppressor,
                    hits,
                ));
            }
        }
    }
}

/// Runs the pod-template rules on every workload of the inventory.
fn run_pod_rules(inv: &Inventory, opts: &ScanOptions) -> Vec<Finding> {
    let pod_rules: Vec<_> = opts
        .rules
        .iter()
        .copied()
        .filter(|r| matches!(r.check, Check::Pod(_)))
        .collect();
    if pod_rules.is_empty() {
        return Vec::new();
    }
    inv.objects
        .par_iter()
        .flat_map_iter(|obj| {
            let mut out = Vec::new();
            for tpl in pod_templates(obj) {
                for rule in &pod_rules {
                    if let Check::Pod(check) = rule.check {
                        let mut hits = Vec::new();
                        check(
                            &PodCtx {
                                obj,
                                tpl: &tpl,
                                inv,
                                opts: opts.options_for(rule),
                            },
                            &mut hits,
                        );
                        out.extend(findings_from_hits(
                            obj,
                            rule,
                            opts.severity_of(rule),
                            &opts.suppressor,
                            hits,
                        ));
                    }
                }
            }
            out
        })
        .collect()
}

/// Loads every input in parallel, running object rules on each object as it is decoded and
/// keeping only the objects later analyses need.
pub fn load(inputs: &[InputFile], opts: &ScanOptions) -> Loaded {
    let parts: Vec<_> = inputs.par_iter().map(|f| process(load_input(f), opts)).collect();
    merge(parts)
}

/// Runs the object rules on a decoded input and keeps what later analyses need.
fn process(
    mut l: palisade_source::Loaded,
    opts: &ScanOptions,
) -> (palisade_source::Loaded, Vec<Finding>, usize) {
    let seen = l.objects.len();
    let mut findings = Vec::new();
    for o in &l.objects {
        run_object_rules(o, opts, &mut findings);
        if opts.suppressor.inline {
            l.diagnostics.extend(opts.suppressor.annotation_problem(o));
        }
    }
    l.objects.retain(needed);
    (l, findings, seen)
}

fn merge(parts: Vec<(palisade_source::Loaded, Vec<Finding>, usize)>) -> Loaded {
    let mut out = Loaded {
        files: parts.len(),
        ..Loaded::default()
    };
    for (p, findings, seen) in parts {
        out.objects_seen += seen;
        out.objects.extend(p.objects);
        out.findings.extend(findings);
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
    let loaded = load(inputs, opts);
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

/// Builds a report from objects that arrive in pages (a live cluster): each page is checked
/// by the object rules and reduced to what later analyses need as it arrives, so memory is
/// bounded by what is kept, not by what is read.
pub struct PagedScan<'a> {
    opts: &'a ScanOptions,
    parts: Vec<(palisade_source::Loaded, Vec<Finding>, usize)>,
}

impl<'a> PagedScan<'a> {
    pub fn new(opts: &'a ScanOptions) -> PagedScan<'a> {
        PagedScan {
            opts,
            parts: Vec::new(),
        }
    }
    /// Processes one page of objects.
    pub fn add(&mut self, objects: Vec<Object>) {
        let n = objects.len();
        let l = palisade_source::Loaded {
            objects,
            documents: n,
            ..palisade_source::Loaded::default()
        };
        self.parts.push(process(l, self.opts));
    }
    /// The report; `diagnostics` are the source's problems (e.g. resources it may not list),
    /// `analysis` the settings of the cross-object analyses (a cluster that was read holds
    /// its own default RBAC objects).
    pub fn finish(self, diagnostics: Vec<Diagnostic>, analysis: palisade_core::AnalysisSettings) -> Report {
        let started = Instant::now();
        let mut loaded = merge(self.parts);
        loaded.files = 0;
        let mut opts = self.opts.clone();
        opts.analysis = analysis;
        let mut report = scan_loaded(loaded, &opts);
        report.errors.splice(0..0, diagnostics);
        report.stats.duration_ms = started.elapsed().as_millis() as u64;
        report
    }
}

/// Scans in-memory inputs, each a (name, bytes) pair, like files.
pub fn scan_bytes(inputs: &[(&str, &[u8])], opts: &ScanOptions) -> Report {
    let parts = inputs
        .iter()
        .map(|(name, bytes)| process(palisade_source::load_bytes((*name).into(), bytes), opts))
        .collect();
    scan_loaded(merge(parts), opts)
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
    report.findings = loaded.findings;
    let inv = Inventory::new(loaded.objects);
    let pss_rules: Vec<&RuleMeta> = opts
        .rules
        .iter()
        .copied()
        .filter(|r| matches!(r.check, Check::Pss))
        .collect();
    // Workloads are counted (and listed) by the PSS pass; without PSS rules, count them here.
    evaluate_objects(&inv.objects, &opts.pss, &pss_rules, opts, &mut report);
    report.findings.extend(run_pod_rules(&inv, opts));
    report.findings.extend(run_inventory_rules(&inv, opts));
    // Suppressed findings leave the main list; exceptions are accounted for.
    let mut used = vec![0usize; opts.suppressor.exceptions.len()];
    let (suppressed, active): (Vec<Finding>, Vec<Finding>) = std::mem::take(&mut report.findings)
        .into_iter()
        .partition(|f| f.suppressed.is_some());
    for f in &suppressed {
        if let Some(i) = f.suppressed.as_ref().and_then(|s| s.exception) {
            used[i] += 1;
        }
    }
    report.findings = active;
    report.suppressed = suppressed;
    report
        .findings
        .extend(opts.suppressor.exception_findings(&used, &opts.rules));
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
