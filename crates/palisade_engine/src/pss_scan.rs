//! Pod Security Standards scanning: decides which policies apply to each workload (the
//! `--pss` level, or the PSA labels of its namespace), evaluates them with `palisade_pss` as
//! the admission plugin of the release `latest` means (`ScanOptions::pss_latest`), and turns
//! failed checks into located findings and admission verdicts.

use palisade_core::{
    AdmissionAction, AdmissionVerdict, DiagLevel, Diagnostic, FieldPath, Finding, NamespacePolicy, Object,
    PodTemplate, PssContext, PssMode as Mode, Report, RuleMeta, Seg, TemplateKind,
};
use palisade_pss::{
    evaluate_at, parse_namespace_labels, Evaluation, Level, NamespaceLevels, PodInput, Policy,
};
use std::collections::HashMap;

/// How the Pod Security level of each workload is chosen.
#[derive(Debug, Clone)]
pub enum PssMode {
    /// Every workload at one level and version (`--pss LEVEL [--pss-version V]`).
    Fixed(Policy),
    /// Each workload against the `pod-security.kubernetes.io/*` labels of its Namespace when
    /// the input defines that namespace with labels; other workloads at `default`.
    Namespaces { default: Policy },
}

/// Maps a path relative to the virtual pod (`metadata…`, `spec…`) onto the object.
fn object_path(t: &PodTemplate<'_>, rel: &FieldPath) -> FieldPath {
    let segs = rel.segs();
    let (base, rest) = match segs.first() {
        Some(Seg::Key(k)) if &**k == "metadata" => (&t.metadata_path, &segs[1..]),
        Some(Seg::Key(k)) if &**k == "spec" => (&t.spec_path, &segs[1..]),
        _ => (&t.spec_path, segs),
    };
    let mut p = base.with_room(rest.len());
    for s in rest {
        p = p.seg(s);
    }
    p
}

/// What evaluating one object's pod templates produced.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) findings: Vec<Finding>,
    /// The findings an exception or annotation accepts, taken out of `findings`.
    pub(crate) suppressed: Vec<Finding>,
    /// The exceptions used, an index per finding accepted (before concerns merge).
    pub(crate) used: Vec<usize>,
    pub(crate) verdicts: Vec<AdmissionVerdict>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// The Pod Security evaluation of a scan: the policies of the namespaces in the input, decided
/// once, then applied to each workload as the scan reaches it.
pub(crate) struct PssScan<'a> {
    mode: &'a PssMode,
    rules: Vec<&'static RuleMeta>,
    namespaces: HashMap<String, NamespaceLevels>,
}

impl<'a> PssScan<'a> {
    /// Reads the PSA labels of the Namespaces in `objects` (listed in `report.namespaces`).
    pub(crate) fn new(
        objects: &[Object],
        mode: &'a PssMode,
        rules: Vec<&'static RuleMeta>,
        report: &mut Report,
    ) -> PssScan<'a> {
        let mut namespaces = HashMap::new();
        for o in objects
            .iter()
            .filter(|o| o.kind == "Namespace" && o.group().is_empty())
        {
            let levels = parse_namespace_labels(o.labels());
            report.namespaces.push(NamespacePolicy {
                namespace: o.name.clone(),
                enforce: levels.enforce.text(),
                audit: levels.audit.text(),
                warn: levels.warn.text(),
                errors: levels.errors.clone(),
            });
            namespaces.insert(o.name.clone(), levels);
        }
        report.namespaces.sort_by(|a, b| a.namespace.cmp(&b.namespace));
        PssScan {
            mode,
            rules,
            namespaces,
        }
    }

    /// Evaluates the pod templates of `o`, appending to `out`.
    pub(crate) fn evaluate(&self, o: &Object, opts: &crate::ScanOptions, out: &mut Outcome) {
        if o.kind == "Namespace" && o.group().is_empty() {
            return;
        }
        for t in o.pod_templates() {
            evaluate_template(o, &t, self.mode, &self.namespaces, &self.rules, opts, out);
        }
    }
}

fn evaluate_template(
    obj: &Object,
    t: &PodTemplate<'_>,
    mode: &PssMode,
    namespaces: &HashMap<String, NamespaceLevels>,
    rules: &[&'static RuleMeta],
    opts: &crate::ScanOptions,
    out: &mut Outcome,
) {
    let modes: Vec<(Mode, Policy)> = match mode {
        PssMode::Fixed(p) => vec![(Mode::Scan, *p)],
        PssMode::Namespaces { default } => {
            let ns = obj.namespace.as_deref().unwrap_or("default");
            match namespaces.get(ns).filter(|l| l.has_labels) {
                Some(l) => [
                    (Mode::Enforce, &l.enforce),
                    (Mode::Warn, &l.warn),
                    (Mode::Audit, &l.audit),
                ]
                .into_iter()
                .filter(|(_, p)| p.level != Level::Privileged)
                .map(|(m, p)| (m, *p))
                .collect(),
                None => vec![(Mode::Scan, *default)],
            }
        }
    };
    let input = PodInput {
        metadata: t.metadata,
        spec: t.spec,
        is_pod: t.kind == TemplateKind::Pod,
    };
    if rules.is_empty() {
        return;
    }
    let first_diagnostic = out.diagnostics.len();
    let mut cache: Vec<(String, Evaluation)> = Vec::new();
    let mut reported_checks: Vec<&'static str> = Vec::new();
    let mut pod_rejected = false;
    for (mode_name, policy) in modes {
        let key = policy.text();
        let idx = match cache.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let latest = opts.pss_latest.minor;
                cache.push((
                    key.clone(),
                    evaluate_at(latest, policy.level, policy.version, &input),
                ));
                cache.len() - 1
            }
        };
        let eval = &cache[idx].1;
        if out.diagnostics.len() == first_diagnostic {
            for te in &eval.type_errors {
                let path = object_path(t, &te.path);
                let (loc, _) = obj.locate(&path);
                out.diagnostics.push(Diagnostic {
                    level: DiagLevel::Error,
                    file: loc
                        .as_ref()
                        .map(|l| l.file.clone())
                        .or_else(|| obj.file().cloned()),
                    line: loc.as_ref().map(|l| l.line),
                    column: loc.as_ref().map(|l| l.column),
                    message: {
                        let rel = te.path.to_string();
                        let msg = te
                            .message
                            .strip_prefix(&format!("{rel}: "))
                            .unwrap_or(&te.message);
                        format!("invalid value at {path}: {msg}")
                    },
                    object: Some(obj.reference()),
                });
            }
        }
        if eval.allowed() {
            continue;
        }
        let (action, message) = verdict(obj, t, mode_name, &policy, eval);
        if mode_name == Mode::Enforce && t.kind == TemplateKind::Pod {
            pod_rejected = true;
        }
        // Kubernetes adds no warnings to a rejected request; the findings are still reported.
        if !(pod_rejected && mode_name == Mode::Warn) {
            let (loc, _) = obj.locate(t.spec_path);
            out.verdicts.push(AdmissionVerdict {
                object: obj.shared_reference(),
                location: loc.or_else(|| obj.location_of(obj.root.pos)),
                mode: mode_name,
                policy: key.clone(),
                action,
                message: message.into(),
            });
        }
        let (level, version) = (policy.level.as_str(), policy.version.to_string());
        for check in &eval.forbidden {
            if reported_checks.contains(&check.id) {
                continue;
            }
            let Some(rule) = palisade_rules::pss_rule_for_check(check.check) else {
                continue;
            };
            if !rules.iter().any(|r| std::ptr::eq(*r, rule)) {
                continue;
            }
            reported_checks.push(check.id);
            let ctx = shared_context(level, &version, mode_name, action, check);
            let suppressed = opts.suppressor.check(obj, rule).map(std::sync::Arc::new);
            // Each finding's message is about its own field: the offender's own detail when
            // the check's detail lists several fields.
            let offenders: Vec<(FieldPath, Option<String>, &str)> = if check.offenders.is_empty() {
                vec![(t.spec_path.clone(), None, check.detail.as_str())]
            } else {
                check
                    .offenders
                    .iter()
                    .map(|o| {
                        (
                            object_path(t, &o.path),
                            o.container.clone(),
                            o.detail.as_deref().unwrap_or(&check.detail),
                        )
                    })
                    .collect()
            };
            for (path, container, detail) in offenders {
                let (location, exact) = obj.locate(&path);
                out.findings.push(Finding {
                    rule,
                    severity: opts.severity_of(rule),
                    object: obj.shared_reference(),
                    object_location: obj.location_of(obj.root.pos),
                    container: container.map(String::into_boxed_str),
                    message: [check.reason.as_str(), ": ", detail].concat().into_boxed_str(),
                    path,
                    location,
                    exact,
                    pss: Some(ctx.clone()),
                    suppressed: suppressed.clone(),
                    also: Vec::new(),
                });
            }
        }
    }
}

/// How many Pod Security contexts each evaluating thread keeps for reuse.
const CONTEXTS_KEPT: usize = 64;

thread_local! {
    /// The contexts this thread made last (most recent last).
    static CONTEXTS: std::cell::RefCell<Vec<std::sync::Arc<PssContext>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The Pod Security context of a failed check, shared with the findings of earlier objects
/// that failed it in the same words (copies of one chart fail the same checks the same way):
/// one context is made for them, not one per object.
fn shared_context(
    level: &str,
    version: &str,
    mode: Mode,
    action: AdmissionAction,
    check: &palisade_pss::CheckResult,
) -> std::sync::Arc<PssContext> {
    CONTEXTS.with_borrow_mut(|kept| {
        // The check first, by address: the same check's ID is one static string (another
        // copy of it only misses the sharing).
        let same = |c: &PssContext| {
            std::ptr::eq(c.check, check.id)
                && c.mode == mode
                && c.action == action
                && c.level == level
                && c.version == version
                && c.reason == check.reason
                && c.detail == check.detail
        };
        if let Some(c) = kept.iter().rev().find(|c| same(c)) {
            return c.clone();
        }
        let c = std::sync::Arc::new(PssContext {
            level: level.to_owned(),
            version: version.to_owned(),
            mode,
            action,
            check: check.id,
            reason: check.reason.clone(),
            detail: check.detail.clone(),
        });
        if kept.len() == CONTEXTS_KEPT {
            kept.remove(0);
        }
        kept.push(c.clone());
        c
    })
}

/// What Kubernetes would do and say for one mode.
fn verdict(
    obj: &Object,
    t: &PodTemplate<'_>,
    mode: Mode,
    policy: &Policy,
    eval: &Evaluation,
) -> (AdmissionAction, String) {
    let warn = palisade_pss::warning_message(policy, eval);
    match (t.kind, mode) {
        (TemplateKind::Custom, _) => (
            AdmissionAction::NotEvaluated,
            format!(
                "Pod Security Admission does not evaluate {}; the pods its controller creates {warn}",
                obj.kind
            ),
        ),
        (TemplateKind::Pod, Mode::Enforce) => (
            AdmissionAction::Reject, palisade_pss::denial_message("pods", &obj.name, policy, eval)),
        (TemplateKind::Controller, Mode::Enforce) => (
            AdmissionAction::RejectPods,
            format!(
                "the {} is admitted (Kubernetes only warns and audits pod templates), but every pod it creates is rejected: {}",
                obj.kind,
                palisade_pss::denial_message("pods", &format!("{}-…", obj.name), policy, eval)
            ),
        ),
        (_, Mode::Warn) => (AdmissionAction::Warn, warn),
        (_, Mode::Audit) => (AdmissionAction::Audit, warn),
        _ => (
            AdmissionAction::Violation,
            // The warning starts with "would violate": cut, not searched.
            match warn.strip_prefix("would violate") {
                Some(rest) => ["violates", rest].concat(),
                None => warn.replacen("would violate", "violates", 1),
            },
        ),
    }
}
