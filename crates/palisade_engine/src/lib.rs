//! palisade's engine: turns the batches of a `Source` into a `Report`. Runs the object rules
//! on each batch as it arrives, keeps exactly the objects the selected rules read
//! (`Check::keeps`), evaluates Pod Security Standards against the policy in force for each
//! workload (the `--pss` level, or its namespace's PSA labels), runs the pod-template and
//! inventory rules, and maps hits to located findings. No I/O (sources read, the CLI reads the
//! configuration), never prints, never knows output formats.

pub mod config;
pub mod dedupe;
pub mod dockerfile;
mod order;
mod pss_scan;
mod select;
pub mod suppress;

pub use pss_scan::PssMode;
pub use select::{select_rules, SelectError};
pub use suppress::Suppressor;

use palisade_core::{
    AnalysisCache, AnalysisSettings, Batch, Check, DiagLevel, Diagnostic, Finding, Hit, InvCtx, Inventory,
    KindSet, ObjCtx, Object, PodCtx, PssLatest, Report, RuleMeta, RuleOptions, ScannedObject, Severity,
    Source, TemplateKind,
};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;
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
    /// The release whose Pod Security Admission is emulated: what the policy version
    /// `latest` (and any newer version) means. Default: the newest release palisade knows.
    pub pss_latest: PssLatest,
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
            pss_latest: newest_pss_release(),
        }
    }
    /// Whether a Pod Security rule runs (Pod Security Standards are evaluated at all).
    pub fn evaluates_pss(&self) -> bool {
        self.rules.iter().any(|r| matches!(r.check, Check::Pss(_)))
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

impl ScanOptions {
    /// What the selected rules keep after loading (the union of their reads): the objects
    /// the pod-template, PSS and inventory rules look at. Object rules run while decoding
    /// and keep nothing.
    pub fn keeps(&self) -> KindSet {
        let mut k = KindSet::default();
        for r in &self.rules {
            k.add(r.check.keeps());
        }
        k
    }
    /// Everything the selected rules read: what they keep, and the kinds the object rules
    /// are called on. A source that can choose (a cluster) fetches exactly this.
    pub fn reads(&self) -> KindSet {
        let mut k = KindSet::default();
        for r in &self.rules {
            k.add(r.check.reads());
        }
        k
    }
}

/// The newest release palisade knows ([`palisade_pss::MAX_VERSION`]), the default meaning of
/// Pod Security `latest`.
pub fn newest_pss_release() -> PssLatest {
    PssLatest {
        minor: palisade_pss::MAX_VERSION,
        from: "the newest release palisade knows".to_owned(),
    }
}

/// Everything loaded from the inputs that the engine keeps.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    /// Findings of object rules, produced while decoding.
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    /// The workloads seen (one per pod template), in input order, kept or not.
    pub scanned: Vec<ScannedObject>,
    /// Every object seen, in input order, kept or not.
    pub seen: Vec<ScannedObject>,
    /// Kinds of custom resources whose pod templates were found by shape, with counts.
    pub custom_template_kinds: std::collections::BTreeMap<String, usize>,
    pub files: usize,
    pub bytes: u64,
    pub documents: usize,
    pub objects_seen: usize,
    pub skipped: usize,
}

/// One batch after the object rules ran and unwanted objects were dropped.
struct Part {
    batch: Batch,
    findings: Vec<Finding>,
    scanned: Vec<ScannedObject>,
    custom: Vec<String>,
    seen: usize,
    seen_objects: Vec<ScannedObject>,
}

/// An inventory rule's hit on a workload, made at the workload's turn in the per-object pass
/// ([`InvHit::later`]).
struct Deferred {
    /// The object's index in the inventory.
    object: u32,
    rule: &'static RuleMeta,
    later: palisade_core::Later,
}

/// Runs the inventory rules (cross-object analyses) once over every kept object: their
/// findings, and the hits to be made at their workload's turn (by object, in rule order).
fn run_inventory_rules(inv: &Inventory, opts: &ScanOptions) -> (Vec<Finding>, Vec<Deferred>) {
    let cache = AnalysisCache::default();
    let mut all_hits = Vec::new();
    let present = Present::of(&inv.objects);
    for rule in &opts.rules {
        if let Check::Inventory { check, reads } = rule.check {
            // A rule reports on the objects it reads: with none of them (a scan of workloads
            // only, an admission request for a Deployment) it has nothing to say, and its
            // analysis (an RBAC model with the default roles) is not built.
            if !present.any_read(&KindSet::default().with(reads)) {
                continue;
            }
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
            if !hits.is_empty() {
                all_hits.push((rule, hits));
            }
        }
    }
    // The analyses (a NetworkPolicy model of every workload, an RBAC model) are freed before
    // the findings are made, and the findings are made in one list of their final size.
    drop(cache);
    let now = all_hits
        .iter()
        .flat_map(|(_, h)| h)
        .filter(|h| h.later.is_none())
        .count();
    let mut out = Vec::with_capacity(now);
    let mut deferred = Vec::new();
    for (rule, mut hits) in all_hits {
        // Group by object so suppression is decided once per object.
        hits.sort_by_key(|h| h.object);
        let mut hits = hits.into_iter().peekable();
        while let Some(first) = hits.next() {
            let obj = first.object;
            let Some(o) = inv.objects.get(obj) else {
                continue;
            };
            let group =
                std::iter::once(first).chain(std::iter::from_fn(|| hits.next_if(|h| h.object == obj)));
            let mut made = Vec::new();
            for h in group {
                match h.later {
                    None => made.push(h.hit),
                    // A workload waits for its turn (the objects evaluated a step at a time).
                    Some(later) if o.has_pod_templates() => deferred.push(Deferred {
                        object: obj as u32,
                        rule,
                        later,
                    }),
                    Some(later) => made.extend((later.make)(o, later.tag)),
                }
            }
            add_findings(o, rule, opts, &mut made, &mut out);
        }
    }
    shed_path_room(&mut out);
    deferred.sort_by_key(|d| d.object);
    (out, deferred)
}

/// What kinds of object an input holds: each (API version, kind) once, and whether any object
/// carries a pod template. Asked by every cross-object rule, it is worked out in one pass
/// instead of one pass over the objects per rule.
struct Present<'a> {
    /// An object of each (API version, kind), in order of first appearance.
    kinds: Vec<&'a Object>,
    pod_templates: bool,
}

impl<'a> Present<'a> {
    fn of(objects: &'a [Object]) -> Present<'a> {
        let mut kinds: Vec<&Object> = Vec::new();
        for o in objects {
            // Objects come in runs of one kind: the last one seen is checked first.
            let same = |k: &&Object| k.kind == o.kind && k.api_version == o.api_version;
            if !kinds.last().is_some_and(same) && !kinds.iter().any(same) {
                kinds.push(o);
            }
        }
        Present {
            kinds,
            pod_templates: objects.iter().any(Object::has_pod_templates),
        }
    }
    /// Whether any object is one `wanted` reads (as [`KindSet::wants`] would find).
    fn any_read(&self, wanted: &KindSet) -> bool {
        (wanted.pod_templates() && self.pod_templates)
            || self.kinds.iter().any(|o| wanted.contains(o.group(), &o.kind))
    }
}

/// The findings of the hits deferred to `obj`'s turn (`deferred` of one object, in rule order).
fn deferred_findings(obj: &Object, deferred: &[Deferred], opts: &ScanOptions, out: &mut Vec<Finding>) {
    for run in deferred.chunk_by(|a, b| std::ptr::eq(a.rule, b.rule)) {
        let rule = run[0].rule;
        let mut hits = run
            .iter()
            .filter_map(|d| (d.later.make)(obj, d.later.tag))
            .collect();
        add_findings(obj, rule, opts, &mut hits, out);
    }
}

/// Turns a rule's hits on `obj` into located findings.
pub fn findings_from_hits(
    obj: &Object,
    rule: &'static RuleMeta,
    severity: Severity,
    suppressor: &Suppressor,
    hits: Vec<Hit>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut hits = hits;
    push_findings_from_hits(obj, rule, severity, suppressor, &mut hits, &mut out);
    out
}

/// [`findings_from_hits`], appending to `out`.
fn push_findings_from_hits(
    obj: &Object,
    rule: &'static RuleMeta,
    severity: Severity,
    suppressor: &Suppressor,
    hits: &mut Vec<Hit>,
    out: &mut Vec<Finding>,
) {
    if hits.is_empty() {
        return;
    }
    let suppressed = suppressor.check(obj, rule).map(std::sync::Arc::new);
    let object = obj.shared_reference();
    out.extend(hits.drain(..).map(|h| {
        let (location, exact) = obj.locate(&h.path);
        let object_location = obj.location_of(obj.root.pos);
        Finding {
            rule,
            severity,
            object: object.clone(),
            location: location.or_else(|| object_location.clone()),
            object_location,
            container: h.container.map(String::into_boxed_str),
            message: h.message.into_boxed_str(),
            path: h.path,
            exact,
            pss: None,
            suppressed: suppressed.clone(),
            also: Vec::new(),
        }
    }));
}

/// Runs one rule's check (with its context) on `obj` and adds the findings of its hits
/// (`hits`: an empty list, reused from rule to rule, left empty).
fn run_check<C>(
    obj: &Object,
    rule: &'static RuleMeta,
    opts: &ScanOptions,
    ctx: &C,
    check: fn(&C, &mut Vec<Hit>),
    hits: &mut Vec<Hit>,
    out: &mut Vec<Finding>,
) {
    check(ctx, hits);
    add_findings(obj, rule, opts, hits, out);
}

/// Adds the findings of `rule`'s hits on `obj`, with the severity and suppressions in force.
fn add_findings(
    obj: &Object,
    rule: &'static RuleMeta,
    opts: &ScanOptions,
    hits: &mut Vec<Hit>,
    out: &mut Vec<Finding>,
) {
    push_findings_from_hits(obj, rule, opts.severity_of(rule), &opts.suppressor, hits, out);
}

/// Runs the object rules on one object.
fn run_object_rules(obj: &Object, opts: &ScanOptions, out: &mut Vec<Finding>) {
    let mut hits = Vec::new();
    for rule in &opts.rules {
        if let Check::Object { kinds, check } = rule.check {
            if Check::applies_to(kinds, obj) {
                let ctx = ObjCtx {
                    obj,
                    opts: opts.options_for(rule),
                };
                run_check(obj, rule, opts, &ctx, check, &mut hits, out);
            }
        }
    }
}

/// How many objects the pod-template and PSS passes handle per parallel step: their findings
/// are handed on (to the report, or a streaming renderer) step by step.
pub(crate) const STEP: usize = 2048;

/// Below this many objects a pass runs on the calling thread: handing one object (an
/// admission request) to the thread pool and waiting for it costs more than checking it.
pub(crate) const PARALLEL_MIN: usize = 16;

/// Runs the pod-template rules (`pod_rules`) on every pod template of `obj`.
fn run_pod_rules(
    obj: &Object,
    inv: &Inventory,
    pod_rules: &[&'static RuleMeta],
    opts: &ScanOptions,
    out: &mut Vec<Finding>,
) {
    if pod_rules.is_empty() {
        return;
    }
    let mut hits = Vec::new();
    for tpl in obj.pod_templates() {
        let containers = palisade_core::check::ContainerRef::all(tpl.spec);
        for rule in pod_rules {
            if let Check::Pod { check, .. } = rule.check {
                let ctx = PodCtx {
                    obj,
                    tpl: &tpl,
                    containers: &containers,
                    inv,
                    opts: opts.options_for(rule),
                };
                run_check(obj, rule, opts, &ctx, check, &mut hits, out);
            }
        }
    }
}

/// Runs the object rules on one batch as it arrives, notes its workloads, and keeps only
/// the objects that later analyses read (`keep`), so memory is bounded by what is kept.
fn process(mut batch: Batch, opts: Option<&ScanOptions>, keep: &KindSet) -> Part {
    let seen = batch.objects.len();
    let mut findings = Vec::new();
    let mut scanned = Vec::new();
    let mut custom = Vec::new();
    let mut seen_objects = Vec::with_capacity(seen);
    for o in &batch.objects {
        seen_objects.push(ScannedObject {
            object: o.shared_reference(),
            location: o.location_of(o.root.pos),
        });
        if let Some(opts) = opts {
            run_object_rules(o, opts, &mut findings);
            if opts.suppressor.inline {
                batch.diagnostics.extend(opts.suppressor.annotation_problem(o));
            }
        }
        for t in o.pod_templates() {
            scanned.push(ScannedObject {
                object: o.shared_reference(),
                location: o.location_of(o.root.pos),
            });
            if t.kind == TemplateKind::Custom {
                custom.push(format!("{}/{}", o.api_version, o.kind));
            }
        }
    }
    shed_path_room(&mut findings);
    batch.objects.retain(|o| keep.wants(o));
    Part {
        batch,
        findings,
        scanned,
        custom,
        seen,
        seen_objects,
    }
}

/// Collects the batches of a source (from any thread) in input order.
struct Collector<'a> {
    opts: Option<&'a ScanOptions>,
    keep: KindSet,
    parts: Mutex<Vec<(usize, Part)>>,
}

impl<'a> Collector<'a> {
    fn new(opts: Option<&'a ScanOptions>, keep: KindSet) -> Collector<'a> {
        Collector {
            opts,
            keep,
            parts: Mutex::new(Vec::new()),
        }
    }
    fn add(&self, ordinal: usize, batch: Batch) {
        let part = process(batch, self.opts, &self.keep);
        self.parts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((ordinal, part));
    }
    fn finish(self) -> Loaded {
        let mut parts = self.parts.into_inner().unwrap_or_else(|e| e.into_inner());
        parts.sort_by_key(|(i, _)| *i);
        let mut out = Loaded::default();
        // Each list in one allocation of its final size (growing by doubling would hold up
        // to twice the objects' room, and a copy, at the start of the scan's peak).
        out.objects
            .reserve_exact(parts.iter().map(|(_, p)| p.batch.objects.len()).sum());
        out.findings
            .reserve_exact(parts.iter().map(|(_, p)| p.findings.len()).sum());
        out.scanned
            .reserve_exact(parts.iter().map(|(_, p)| p.scanned.len()).sum());
        out.seen
            .reserve_exact(parts.iter().map(|(_, p)| p.seen_objects.len()).sum());
        for (_, p) in parts {
            out.objects_seen += p.seen;
            out.objects.extend(p.batch.objects);
            out.findings.extend(p.findings);
            out.diagnostics.extend(p.batch.diagnostics);
            out.scanned.extend(p.scanned);
            out.seen.extend(p.seen_objects);
            for k in p.custom {
                *out.custom_template_kinds.entry(k).or_default() += 1;
            }
            out.bytes += p.batch.bytes;
            out.documents += p.batch.documents;
            out.skipped += p.batch.skipped;
        }
        out
    }
}

/// Reads `source` (asking for `wanted`) through a collector that runs the object rules of
/// `opts`, if any, and keeps `keep`. Returns what was kept and the source's own problems.
fn read_source(
    source: &dyn Source,
    opts: Option<&ScanOptions>,
    keep: KindSet,
    wanted: &KindSet,
) -> (Loaded, Vec<Diagnostic>) {
    let c = Collector::new(opts, keep);
    let problems = source.read(wanted, &|i, b| c.add(i, b));
    let mut loaded = c.finish();
    loaded.files = source.files();
    (loaded, problems)
}

/// Reads a source without running rules, keeping the objects of `keep` (the input path of
/// `palisade rbac`, `netpol` and `psa`: the same decoding, diagnostics and statistics as a
/// scan). The source's own problems come first in `diagnostics`.
pub fn collect(source: &dyn Source, keep: &KindSet) -> Loaded {
    let (mut l, problems) = read_source(source, None, keep.clone(), keep);
    l.diagnostics.splice(0..0, problems);
    l
}

/// Scans a source and builds the report: the object rules run on every batch as it
/// arrives, the other rules on what the selected rules keep.
pub fn scan(source: &dyn Source, opts: &ScanOptions) -> Report {
    let mut findings = Vec::new();
    let mut report = scan_streaming(source, opts, &mut findings);
    report.findings = findings;
    report
}

/// Like [`scan`], handing the findings to `sink` in the report's order as they are decided
/// instead of keeping them in the report ([`scan_loaded_into`]).
pub fn scan_streaming(
    source: &dyn Source,
    opts: &ScanOptions,
    sink: &mut dyn palisade_core::FindingSink,
) -> Report {
    let started = Instant::now();
    let (loaded, problems) = read_source(source, Some(opts), opts.keeps(), &opts.reads());
    let mut report = scan_loaded_into(loaded, opts, sink);
    report.errors.splice(0..0, problems);
    if report.stats.objects == 0 {
        report.errors.push(Diagnostic::unlocated(
            DiagLevel::Error,
            format!(
                "nothing was scanned: no Kubernetes objects in {} file(s) ({} document(s) skipped as not Kubernetes objects)",
                report.stats.files, report.stats.skipped_documents
            ),
        ));
    }
    report.stats.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// What the cluster that was read decides for the analyses run once it is read
/// ([`PagedScan::finish`]).
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// Settings of the cross-object analyses (a cluster whose ClusterRoles were read holds its
    /// own default RBAC objects).
    pub analysis: AnalysisSettings,
    /// What Pod Security `latest` means there: the API server's release.
    pub pss_latest: PssLatest,
}

/// Builds a report from objects that arrive in pages (a live cluster): each page is checked
/// by the object rules and reduced to what later analyses need as it arrives, so memory is
/// bounded by what is kept, not by what is read.
pub struct PagedScan<'a> {
    opts: &'a ScanOptions,
    collector: Collector<'a>,
    next: usize,
}

impl<'a> PagedScan<'a> {
    pub fn new(opts: &'a ScanOptions) -> PagedScan<'a> {
        PagedScan {
            opts,
            collector: Collector::new(Some(opts), opts.keeps()),
            next: 0,
        }
    }
    /// Processes one page of objects.
    pub fn add(&mut self, objects: Vec<Object>) {
        let n = objects.len();
        self.collector.add(
            self.next,
            Batch {
                objects,
                documents: n,
                ..Batch::default()
            },
        );
        self.next += 1;
    }
    /// The report; `diagnostics` are the source's problems (e.g. resources it may not list),
    /// `cluster` what the cluster that was read decides for the analyses that run now.
    pub fn finish(self, diagnostics: Vec<Diagnostic>, cluster: ClusterSettings) -> Report {
        let started = Instant::now();
        let loaded = self.collector.finish();
        let mut opts = self.opts.clone();
        opts.analysis = cluster.analysis;
        opts.pss_latest = cluster.pss_latest;
        let mut report = scan_loaded(loaded, &opts);
        report.errors.splice(0..0, diagnostics);
        report.stats.duration_ms = started.elapsed().as_millis() as u64;
        report
    }
}

/// Scans in-memory inputs, each a (name, bytes) pair, like files.
pub fn scan_bytes(inputs: &[(&str, &[u8])], opts: &ScanOptions) -> Report {
    let source = palisade_source::Bytes {
        inputs: inputs.to_vec(),
    };
    let (loaded, _) = read_source(&source, Some(opts), opts.keeps(), &opts.reads());
    scan_loaded(loaded, opts)
}

/// Moves the suppressed findings out of `findings` (both keep their order), without copying
/// the others.
fn take_suppressed(findings: &mut Vec<Finding>) -> Vec<Finding> {
    let mut out = Vec::new();
    findings.retain_mut(|f| {
        if f.suppressed.is_none() {
            return true;
        }
        // A placeholder that allocates nothing takes its place until `retain` drops it.
        let placeholder = Finding {
            rule: f.rule,
            severity: f.severity,
            exact: f.exact,
            object: f.object.clone(),
            object_location: None,
            container: None,
            message: Box::default(),
            path: palisade_core::FieldPath::root(),
            location: None,
            pss: None,
            suppressed: None,
            also: Vec::new(),
        };
        out.push(std::mem::replace(f, placeholder));
        false
    });
    out
}

/// Reorders `v` so that position `k` holds what was at `order[k]` (a permutation), by swaps.
fn permute<T>(v: &mut [T], mut order: Vec<u32>) {
    for i in 0..v.len() {
        let mut j = i;
        loop {
            let k = order[j] as usize;
            order[j] = j as u32;
            if k == i {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

/// Gives back the room paths were built in (8 segments) for findings kept until the objects
/// are evaluated (those of the object and inventory rules); the findings of the per-object
/// pass leave a step later and keep it.
fn shed_path_room(findings: &mut [Finding]) {
    for f in findings {
        f.path.shrink_to_fit();
    }
}

/// Gives back the room of a list emptied from its end once it is half empty (its items move
/// into a list of their size), so that it does not hold its first size to the last.
fn shed_room<T>(v: &mut Vec<T>) {
    if v.len() <= v.capacity() / 2 {
        let mut smaller = Vec::with_capacity(v.len());
        smaller.append(v);
        *v = smaller;
    }
}

/// The report's order of findings: place, object, rule, then the path as printed.
fn report_order(x: &Finding, y: &Finding) -> std::cmp::Ordering {
    // The findings of one object share its reference: equal without comparing its text.
    let object = |x: &Finding, y: &Finding| {
        if std::sync::Arc::ptr_eq(&x.object, &y.object) {
            std::cmp::Ordering::Equal
        } else {
            x.object.cmp(&y.object)
        }
    };
    x.location
        .as_ref()
        .cmp(&y.location.as_ref())
        .then_with(|| object(x, y))
        .then_with(|| x.rule.code.cmp(y.rule.code))
        .then_with(|| {
            if x.path == y.path {
                std::cmp::Ordering::Equal
            } else {
                x.path.to_string().cmp(&y.path.to_string())
            }
        })
}

/// Sorts `v` into the report's order, stably and in place (the order is sorted as indices,
/// then applied, so the findings are not moved while comparing).
fn sort_findings(v: &mut [Finding]) {
    if v.len() < 2 {
        return;
    }
    // The findings of one object in one file (one object's, nearly always): the place and
    // the object compare equal but for line and column, so those and the code decide, and
    // only ties go on to the whole order (the paths).
    let one_file = v[0].location.as_ref().is_some_and(|first| {
        v.iter().all(|f| {
            std::sync::Arc::ptr_eq(&f.object, &v[0].object)
                && f.location
                    .as_ref()
                    .is_some_and(|l| std::sync::Arc::ptr_eq(&l.file, &first.file))
        })
    });
    if one_file {
        let mut keyed: Vec<(u32, u32, &'static str, u32)> = v
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let (line, column) = f.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
                (line, column, f.rule.code, i as u32)
            })
            .collect();
        keyed.sort_by(|a, b| {
            (a.0, a.1, a.2)
                .cmp(&(b.0, b.1, b.2))
                .then_with(|| report_order(&v[a.3 as usize], &v[b.3 as usize]))
        });
        permute(v, keyed.into_iter().map(|k| k.3).collect());
        return;
    }
    sort_by_report_order(v);
}

/// [`sort_findings`] by the whole order, comparison by comparison.
fn sort_by_report_order(v: &mut [Finding]) {
    let mut order: Vec<u32> = (0..v.len() as u32).collect();
    order.sort_by(|&a, &b| report_order(&v[a as usize], &v[b as usize]));
    permute(v, order);
}

/// [`sort_findings`] for findings that are a few sorted runs with local disorder (a step's
/// findings and the pending ones merged in), in about linear time; the same order.
fn sort_near_sorted(v: &mut [Finding]) {
    let order = order::stable_order(v.len(), |a, b| report_order(&v[a as usize], &v[b as usize]));
    permute(v, order);
}

/// Where an object's findings start in the report's order: none of its findings sorts
/// before its own location (the start of its document) and reference.
type Start = (
    Option<palisade_core::Location>,
    std::sync::Arc<palisade_core::ObjectRef>,
);

fn before(f: &Finding, start: &Start) -> bool {
    (f.location.as_ref(), &*f.object) < (start.0.as_ref(), &*start.1)
}

/// A workload to evaluate: its input index, the object, and its waiting findings that may
/// merge with its own ([`workload_findings`]).
type Work = (u32, Object, Vec<Finding>);

/// Moves out of `pending` the findings of the workloads `work` (input indexes `index`) whose
/// rule is in a concern, by workload index: they join the workload's own findings where it is
/// evaluated. A finding is its object's by the object's shared reference (one definition,
/// not every object of its name).
fn workload_findings(
    pending: &mut Vec<Finding>,
    work: &[Object],
    index: &[u32],
) -> std::collections::HashMap<u32, Vec<Finding>> {
    let mut out: std::collections::HashMap<u32, Vec<Finding>> = Default::default();
    let objects: std::collections::HashSet<usize> = pending
        .iter()
        .filter(|f| dedupe::mergeable(f))
        .map(|f| std::sync::Arc::as_ptr(&f.object) as usize)
        .collect();
    if objects.is_empty() {
        return out;
    }
    let workloads: std::collections::HashMap<usize, u32> = work
        .iter()
        .zip(index)
        .map(|(o, &i)| (std::sync::Arc::as_ptr(&o.shared_reference()) as usize, i))
        .filter(|(p, _)| objects.contains(p))
        .collect();
    if workloads.is_empty() {
        return out;
    }
    let waiting = std::mem::take(pending);
    pending.reserve_exact(waiting.len());
    for f in waiting {
        let at = dedupe::mergeable(&f)
            .then(|| workloads.get(&(std::sync::Arc::as_ptr(&f.object) as usize)))
            .flatten();
        match at {
            Some(&i) => out.entry(i).or_default().push(f),
            None => pending.push(f),
        }
    }
    out
}

/// Settles findings that hold every finding of their objects: notes the exceptions that
/// accept them (an index per finding accepted, counted before concerns merge), merges
/// concerns, and takes the suppressed findings out. Returns the uses and the suppressed.
fn settle(findings: &mut Vec<Finding>) -> (Vec<usize>, Vec<Finding>) {
    let used = findings
        .iter()
        .filter_map(|f| f.suppressed.as_ref().and_then(|s| s.exception))
        .collect();
    dedupe::merge_concerns(findings);
    (used, take_suppressed(findings))
}

/// Hands findings to the sink in the report's order: a finding leaves when no object still
/// to be evaluated can produce one that sorts before it.
struct Emitter<'s> {
    sink: &'s mut dyn palisade_core::FindingSink,
    /// Findings decided before the per-object pass (object and inventory rules), sorted
    /// backwards: the next to leave are at the end.
    pending: Vec<Finding>,
    /// Findings of evaluated objects that sort after the next object's start (rare).
    carry: Vec<Finding>,
    /// Uses of each exception, counted before concerns are merged.
    used: Vec<usize>,
    suppressed: Vec<Finding>,
    counts: std::collections::BTreeMap<Severity, usize>,
}

impl Emitter<'_> {
    /// Emits everything that sorts before `bound` (everything, when `None`), with `fresh`
    /// (sorted findings of the objects just evaluated) and their verdicts.
    fn emit(
        &mut self,
        fresh: Vec<Finding>,
        verdicts: &[palisade_core::AdmissionVerdict],
        bound: Option<&Start>,
    ) {
        let lt = |f: &Finding| bound.is_none_or(|b| before(f, b));
        // In the report's order, those before `bound` are a prefix: split there, no copy of
        // the prefix. `carry` (rare) is sorted in.
        let mut batch = if self.carry.is_empty() {
            fresh
        } else {
            let mut mine = std::mem::take(&mut self.carry);
            mine.extend(fresh);
            sort_near_sorted(&mut mine);
            mine
        };
        self.carry = batch.split_off(batch.partition_point(|f| lt(f)));
        let from = self.pending.partition_point(|f| !lt(f));
        if from < self.pending.len() {
            // The waiting findings of an object are all in this batch, and none of them
            // merges with an evaluated object's (those joined their object's evaluation):
            // concerns merge among them.
            let mut waiting: Vec<Finding> = self.pending.drain(from..).rev().collect();
            let (used, suppressed) = settle(&mut waiting);
            for x in used {
                self.used[x] += 1;
            }
            self.suppressed.extend(suppressed);
            batch.reserve_exact(waiting.len());
            batch.extend(waiting);
            sort_near_sorted(&mut batch);
        }
        shed_room(&mut self.pending);
        if batch.is_empty() && verdicts.is_empty() {
            return;
        }
        Severity::tally(&batch, &mut self.counts);
        self.sink.accept(batch, verdicts);
    }
}

/// Evaluates already-loaded objects (used by `scan`, and by tests and other sources).
pub fn scan_loaded(loaded: Loaded, opts: &ScanOptions) -> Report {
    let mut findings = Vec::new();
    let mut report = scan_loaded_into(loaded, opts, &mut findings);
    report.findings = findings;
    report
}

/// Evaluates already-loaded objects, handing the findings to `sink` in the report's order
/// instead of keeping them: the report returned has no findings, but counts them
/// (`stats.findings_by_severity`). Objects are evaluated a step at a time in the order of
/// their places, and each step's documents are freed once evaluated, so memory holds the
/// kept objects not yet evaluated and the findings not yet handed on.
pub fn scan_loaded_into(
    loaded: Loaded,
    opts: &ScanOptions,
    sink: &mut dyn palisade_core::FindingSink,
) -> Report {
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
    report.stats.workloads = loaded.scanned.len();
    report.stats.custom_template_kinds = loaded.custom_template_kinds;
    report.scanned = loaded.scanned;
    report.objects = loaded.seen;
    report.errors = loaded.diagnostics;
    let inv = Inventory::new(loaded.objects);
    // The cross-object analyses first, while every kept object is whole; their findings wait
    // with the object rules' for their place in the order.
    let (mut pending, deferred) = run_inventory_rules(&inv, opts);
    pending.reserve_exact(loaded.findings.len());
    pending.extend(loaded.findings);

    // The workloads leave the inventory: each is evaluated once, then freed. The pod rules
    // look up what stays (ServiceAccounts; the namespaces' Pod Security labels).
    // The other objects move out of the list; the workloads stay in it, with their input
    // indexes beside them (never a second list of every workload).
    let mut work = inv.into_objects();
    let mut index: Vec<u32> = Vec::new();
    let mut at = 0u32;
    let rest: Vec<Object> = work
        .extract_if(.., |o| {
            let other = !o.has_pod_templates();
            if !other {
                index.push(at);
            }
            at += 1;
            other
        })
        .collect();
    let lookup = Inventory::new(rest);
    // The waiting findings of a workload that may merge with its own (a concern's rule that
    // is not a pod rule) wait for its turn instead, so that every finding of a workload is
    // merged, suppressed and sorted where it is evaluated, in parallel.
    let mut joining = workload_findings(&mut pending, &work, &index);
    sort_findings(&mut pending);
    pending.reverse();

    let pss_rules: Vec<&'static RuleMeta> = opts
        .rules
        .iter()
        .copied()
        .filter(|r| matches!(r.check, Check::Pss(_)))
        .collect();
    let pod_rules: Vec<&'static RuleMeta> = opts
        .rules
        .iter()
        .copied()
        .filter(|r| matches!(r.check, Check::Pod { .. }))
        .collect();
    let pss = (!pss_rules.is_empty())
        .then(|| pss_scan::PssScan::new(&lookup.objects, &opts.pss, pss_rules, &mut report));
    if pss.is_some() {
        report.pss_latest = Some(opts.pss_latest.clone());
    }

    // The workloads in the order of their places, so that findings leave in the report's
    // order, in steps of `STEP`; `bounds[k]` is where step k + 1 starts. `work` is sorted
    // backwards and each step split off its end, so the objects are never held twice.
    let start_of = |o: &Object| -> Start { (o.location_of(o.root.pos), o.shared_reference()) };
    let mut order: Vec<u32> = (0..work.len() as u32).collect();
    order.sort_by_cached_key(|&k| std::cmp::Reverse((start_of(&work[k as usize]), index[k as usize])));
    permute(&mut index, order.clone());
    permute(&mut work, order);
    let n = work.len();
    let n_steps = n.div_ceil(STEP);
    let bounds: Vec<Option<Start>> = (1..=n_steps)
        .map(|k| (k * STEP < n).then(|| start_of(&work[n - 1 - k * STEP])))
        .collect();
    let mut next_step = move || -> Option<Vec<Work>> {
        if work.is_empty() {
            return None;
        }
        let from = work.len().saturating_sub(STEP);
        let step: Vec<Work> = index
            .split_off(from)
            .into_iter()
            .zip(work.split_off(from))
            .rev()
            .map(|(i, o)| {
                let mine = if joining.is_empty() {
                    Vec::new()
                } else {
                    joining.remove(&i).unwrap_or_default()
                };
                (i, o, mine)
            })
            .collect();
        shed_room(&mut work);
        Some(step)
    };

    let mut em = Emitter {
        sink,
        pending,
        carry: Vec::new(),
        used: vec![0usize; opts.suppressor.exceptions.len()],
        suppressed: Vec::new(),
        counts: Default::default(),
    };
    // Verdicts as decided, each with its object's input index: in input order at the end.
    let mut verdicts: Vec<palisade_core::AdmissionVerdict> = Vec::new();
    let mut verdict_objects: Vec<u32> = Vec::new();
    // Verdicts wait for the end of the report: objects that fail the same checks the same way
    // (thousands of copies of one chart) hold one copy of their message.
    let mut messages: std::collections::HashSet<std::sync::Arc<str>, foldhash::fast::RandomState> =
        Default::default();
    let (lookup, pss, pod_rules, deferred) = (&lookup, &pss, &pod_rules, &deferred);
    // Evaluates one step and frees its documents (on the evaluating threads).
    let evaluate = move |step: Vec<Work>| -> Vec<(u32, pss_scan::Outcome)> {
        let one = |(i, o, mine): Work| {
            let mut out = pss_scan::Outcome::default();
            if let Some(p) = pss {
                p.evaluate(&o, opts, &mut out);
            }
            run_pod_rules(&o, lookup, pod_rules, opts, &mut out.findings);
            let from = deferred.partition_point(|d| d.object < i);
            let to = from + deferred[from..].partition_point(|d| d.object == i);
            deferred_findings(&o, &deferred[from..to], opts, &mut out.findings);
            out.findings.extend(mine);
            // Every finding of the object is here: merged, suppressed and sorted on the
            // evaluating threads. The step's findings, one object's after another's in the
            // order of their places, are then in order already, and sorting them is one pass.
            (out.used, out.suppressed) = settle(&mut out.findings);
            sort_findings(&mut out.findings);
            (i, out)
        };
        if step.len() < PARALLEL_MIN {
            step.into_iter().map(one).collect()
        } else {
            step.into_par_iter().map(one).collect()
        }
    };
    let mut handle =
        |outcomes: Vec<(u32, pss_scan::Outcome)>, bound: Option<&Start>, em: &mut Emitter<'_>| {
            let mut fresh = Vec::with_capacity(outcomes.iter().map(|(_, o)| o.findings.len()).sum());
            let first = verdicts.len();
            for (i, o) in outcomes {
                fresh.extend(o.findings);
                em.suppressed.extend(o.suppressed);
                for x in o.used {
                    em.used[x] += 1;
                }
                report.errors.extend(o.diagnostics);
                verdict_objects.extend(std::iter::repeat_n(i, o.verdicts.len()));
                verdicts.extend(o.verdicts.into_iter().map(|mut v| {
                    match messages.get(&v.message) {
                        Some(m) => v.message = m.clone(),
                        None => {
                            messages.insert(v.message.clone());
                        }
                    }
                    v
                }));
            }
            sort_near_sorted(&mut fresh);
            em.emit(fresh, &verdicts[first..], bound);
        };
    if n_steps <= 1 {
        // One step (an admission request, a small input): on this thread.
        for bound in &bounds {
            let step = next_step().unwrap_or_default();
            handle(evaluate(step), bound.as_ref(), &mut em);
        }
    } else {
        // The next step is evaluated while this one's findings are written.
        std::thread::scope(|sc| {
            let mut next = next_step().map(|s| sc.spawn(move || evaluate(s)));
            let mut k = 0;
            while let Some(h) = next.take() {
                let outcomes = h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                next = next_step().map(|s| sc.spawn(move || evaluate(s)));
                handle(outcomes, bounds[k].as_ref(), &mut em);
                k += 1;
            }
        });
    }
    em.emit(Vec::new(), &[], None);
    // The configuration's own findings (expired and unused exceptions) come last: they depend
    // on every finding.
    let mut tail = opts.suppressor.exception_findings(&em.used, &opts.rules);
    if !tail.is_empty() {
        sort_findings(&mut tail);
        Severity::tally(&tail, &mut em.counts);
        em.sink.accept(tail, &[]);
    }
    report.suppressed = em.suppressed;
    report.stats.findings_by_severity = em.counts;
    let mut order: Vec<u32> = (0..verdicts.len() as u32).collect();
    order.sort_by_key(|&k| verdict_objects[k as usize]);
    permute(&mut verdicts, order);
    report.admission = verdicts;
    report
        .errors
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    report
}

#[cfg(test)]
mod tests {
    use super::{sort_by_report_order, sort_findings};

    #[test]
    fn one_objects_findings_sort_as_the_whole_order_sorts_them() {
        let mut g = crate::dedupe::tests::Gen(0x2545_f491_4f6c_dd1d);
        for round in 0..2000 {
            let n = g.next(40);
            let mut input = crate::dedupe::tests::findings(&mut g, n);
            // One object in one file (the fast path), unless the round says otherwise.
            if round % 4 != 0 {
                if let Some(first) = input.first().cloned() {
                    for f in &mut input {
                        f.object = first.object.clone();
                        if let (Some(l), Some(l0)) = (&mut f.location, &first.location) {
                            l.file = l0.file.clone();
                        }
                    }
                }
            }
            let (mut got, mut want) = (input.clone(), input);
            sort_findings(&mut got);
            sort_by_report_order(&mut want);
            assert_eq!(got, want, "round {round}");
        }
    }
}
