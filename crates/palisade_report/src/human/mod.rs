//! The human format: findings grouped by object for a terminal, then (on request) the
//! suppressed findings, Pod Security Admission verdicts, namespace policies, input problems
//! and a one-line summary. Colours only on
//! request; everything taken from the input is stripped of terminal control sequences.

use crate::admission::SelectedChecks;
use crate::stream::{Head, Tally};
use crate::text::{
    clean_line, count_diagnostics, group_findings, plural, push_clean, push_clean_line, push_location,
    push_object_title, push_u32, severity_label, suppression_text, unique_references, CleanLine, ObjectGroup,
};
use crate::RenderOptions;
use palisade_core::{AdmissionVerdict, DiagLevel, Finding, PssContext, Report, Severity};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Width the admission section's lines are wrapped to.
const WRAP_WIDTH: usize = 100;
/// Width of the severity label column (`CRITICAL` and a space).
const LABEL_WIDTH: usize = 9;
/// Column at which a finding's text starts: two spaces, the severity label column, a space.
const INDENT: &str = "            ";

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, s: Severity, text: &str) -> String {
        self.paint(severity_sgr(s), text)
    }
    /// Appends what `text` appends, painted with `sgr` when colours are on.
    fn paint_to(&self, s: &mut String, sgr: &str, text: impl FnOnce(&mut String)) {
        if self.color {
            s.push_str("\x1b[");
            s.push_str(sgr);
            s.push('m');
        }
        text(s);
        if self.color {
            s.push_str("\x1b[0m");
        }
    }
}

fn severity_sgr(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// The text buffered before it is written out.
/// How many objects' texts are made at once (in parallel) before they are written.
const PARALLEL_GROUPS: usize = 1024;
/// How many objects' texts one thread makes at a time.
const CHUNK_GROUPS: usize = 64;

/// The human format written as the findings arrive: the header, then each batch's objects
/// with their findings, then (at [`Stream::finish`]) the sections that follow them.
pub(crate) struct Stream {
    /// The previous batch's admission verdicts: they give the header line of an object whose
    /// findings arrive one batch after its verdicts.
    previous: Vec<AdmissionVerdict>,
    /// Objects with findings written so far.
    objects: usize,
    /// The texts of one slice of objects, a buffer per chunk, reused by every batch.
    bufs: Vec<String>,
}

impl Stream {
    pub(crate) fn begin(head: Head<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<Stream> {
        let st = Style { color: opts.color };
        let mut s = String::new();
        // A live cluster has no file names to tell what was read: say which cluster and context.
        if opts.target.starts_with("cluster ") {
            let _ = writeln!(
                s,
                "{}\n",
                st.paint("1", &format!("Scanned {}", clean_line(&opts.target)))
            );
        }
        // A configuration file changes what runs and what fails: say which one and how.
        if let Some(c) = head.config {
            let _ = writeln!(
                s,
                "{}\n",
                st.paint("1", &format!("Configuration: {}", clean_line(&c.describe())))
            );
        }
        // Which release's Pod Security Admission was emulated: what `latest` meant.
        if let Some(l) = head.pss_latest {
            let _ = writeln!(s, "{}\n", st.paint("1", &clean_line(&l.describe())));
        }
        out.write_all(s.as_bytes())?;
        Ok(Stream {
            previous: Vec::new(),
            objects: 0,
            bufs: Vec::new(),
        })
    }

    pub(crate) fn batch(
        &mut self,
        findings: &[Finding],
        verdicts: &[AdmissionVerdict],
        opts: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let st = Style { color: opts.color };
        let mut groups = group_findings(findings, self.previous.iter().chain(verdicts), false);
        // The objects' texts are made in parallel, a slice of objects at a time, and written
        // in order as they are made: a large report is never held whole as text.
        // Each slice of objects is written into a buffer kept from batch to batch, so the
        // text is made without growing a new string per slice.
        let text = |gs: &mut [ObjectGroup<'_>], s: &mut String| {
            s.clear();
            let mut fixes = Fixes::default();
            for g in gs {
                by_severity_then_line(&mut g.findings);
                object_header(s, &st, g, opts.verbose);
                for f in &g.findings {
                    finding(s, &st, f, opts.verbose, &mut fixes);
                }
                s.push('\n');
            }
        };
        let bufs = &mut self.bufs;
        bufs.resize_with(PARALLEL_GROUPS / CHUNK_GROUPS, String::new);
        for slice in groups.chunks_mut(PARALLEL_GROUPS) {
            let used = if slice.len() < CHUNK_GROUPS {
                text(slice, &mut bufs[0]);
                1
            } else {
                slice
                    .par_chunks_mut(CHUNK_GROUPS)
                    .zip(bufs.par_iter_mut())
                    .for_each(|(gs, s)| text(gs, s));
                slice.len().div_ceil(CHUNK_GROUPS)
            };
            for p in &bufs[..used] {
                out.write_all(p.as_bytes())?;
            }
        }
        self.objects += groups.len();
        self.previous = verdicts.to_vec();
        Ok(())
    }

    pub(crate) fn finish(
        mut self,
        report: &Report,
        tally: &Tally,
        opts: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let st = Style { color: opts.color };
        let mut s = String::new();
        if opts.show_suppressed && !report.suppressed.is_empty() {
            let _ = writeln!(s, "{}", st.paint("1", "Suppressed findings:"));
            for g in &group_findings(&report.suppressed, &report.admission, false) {
                object_header(&mut s, &st, g, opts.verbose);
                for f in &g.findings {
                    suppressed_finding(&mut s, &st, f);
                }
                s.push('\n');
            }
        }

        if !report.admission.is_empty() {
            let _ = writeln!(s, "{}", st.paint("1", "Pod Security Admission:"));
            let selected = SelectedChecks::of(report);
            // A verdict per workload: made in parallel like the objects' texts, and written
            // a slice at a time.
            out.write_all(s.as_bytes())?;
            s.clear();
            let text = |vs: &[AdmissionVerdict], s: &mut String| {
                s.clear();
                // Verdicts that share a message (copies of one chart) share its lines.
                let mut last: Option<(&str, Option<String>)> = None;
                for v in vs {
                    if last.as_ref().is_none_or(|(m, _)| *m != &*v.message) {
                        last = Some((&v.message, verdict_body(&v.message, &selected)));
                    }
                    if let Some((_, Some(body))) = &last {
                        verdict_head(s, &st, v);
                        s.push_str(body);
                    }
                }
            };
            let bufs = &mut self.bufs;
            bufs.resize_with(PARALLEL_GROUPS / CHUNK_GROUPS, String::new);
            for slice in report.admission.chunks(PARALLEL_GROUPS) {
                slice
                    .par_chunks(CHUNK_GROUPS)
                    .zip(bufs.par_iter_mut())
                    .for_each(|(vs, s)| text(vs, s));
                for p in &bufs[..slice.len().div_ceil(CHUNK_GROUPS)] {
                    out.write_all(p.as_bytes())?;
                }
            }
            if let Some(note) = selected.note() {
                let _ = writeln!(s, "  {}", st.paint("2", &note));
            }
            s.push('\n');
        }

        if !report.namespaces.is_empty() {
            namespaces(&mut s, &st, report);
            s.push('\n');
        }

        if !report.errors.is_empty() {
            let _ = writeln!(s, "{}", st.paint("1", "Problems with the input:"));
            for d in &report.errors {
                let label = match d.level {
                    DiagLevel::Error => st.paint("1;31", "error:"),
                    DiagLevel::Warning => st.paint("33", "warning:"),
                };
                let _ = writeln!(s, "  {label} {}", clean_line(&d.to_string()));
            }
            s.push('\n');
        }

        summary(&mut s, &st, report, tally, self.objects, opts.show_suppressed);
        out.write_all(s.as_bytes())
    }
}

/// A verdict's first line in the admission section: `scan  restricted:latest  violation
/// Deployment a/b  file:16:5` (its message follows, [`verdict_body`]).
fn verdict_head(s: &mut String, st: &Style, v: &AdmissionVerdict) {
    s.push_str("  ");
    push_clean_line(s, v.mode.as_str());
    s.push_str("  ");
    push_clean_line(s, &v.policy);
    s.push_str("  ");
    st.paint_to(s, action_sgr(v.action.as_str()), |s| {
        push_clean_line(s, action_text(v.action.as_str()))
    });
    s.push_str("  ");
    push_object_title(s, &v.object);
    if let Some(loc) = &v.location {
        s.push_str("  ");
        push_location(s, loc);
    }
    s.push('\n');
}

/// The lines of a verdict's message, a line per violated check, wrapped and indented; `None`
/// when none of its checks is selected (the verdict is not shown).
fn verdict_body(message: &str, selected: &SelectedChecks) -> Option<String> {
    let mut s = String::new();
    let shown = crate::admission::each_line(message, selected, |depth, l| {
        let indent = if depth == 0 { "    " } else { "      " };
        crate::admission::each_wrapped(l, WRAP_WIDTH - indent.len(), |continued, w| {
            s.push_str(indent);
            if continued {
                s.push_str("  ");
            }
            push_clean(&mut s, w);
            s.push('\n');
        });
    });
    shown.then_some(s)
}

/// `Deployment guestbook/frontend  examples/guestbook/frontend.yaml:3`.
fn object_header(s: &mut String, st: &Style, g: &ObjectGroup<'_>, verbose: bool) {
    st.paint_to(s, "1", |s| push_object_title(s, g.object));
    if verbose {
        s.push_str(" (");
        push_clean_line(s, &g.object.api_version);
        s.push(')');
    }
    if let Some(file) = g.file {
        s.push_str("  ");
        push_clean_line(s, file);
        if let Some(line) = g.line {
            s.push(':');
            push_u32(s, line);
        }
    } else if let Some(uid) = &g.object.uid {
        s.push_str("  uid ");
        push_clean_line(s, uid);
    }
    s.push('\n');
}

/// The first lines of a finding: severity, code, rule and container; the message; where.
fn finding_head(s: &mut String, st: &Style, f: &Finding) {
    let label = severity_label(f.severity);
    s.push_str("  ");
    st.paint_to(s, severity_sgr(f.severity), |s| s.push_str(label));
    for _ in label.len()..LABEL_WIDTH {
        s.push(' ');
    }
    s.push(' ');
    s.push_str(f.code());
    s.push(' ');
    s.push_str(f.rule.name);
    if let Some(c) = &f.container {
        s.push_str("  container \"");
        push_clean_line(s, c);
        s.push('"');
    }
    s.push('\n');
    indented(s, INDENT, &f.message);
    if !f.also.is_empty() {
        s.push_str(INDENT);
        let _ = write_also(&mut CleanLine(s), f);
        s.push('\n');
    }

    s.push_str(INDENT);
    s.push_str("at ");
    match &f.location {
        Some(loc) => {
            push_location(s, loc);
            s.push_str("  ");
            push_path(s, &f.path);
            if !f.exact {
                s.push_str("  (field absent; location of its parent)");
            }
        }
        None => {
            push_path(s, &f.path);
            s.push_str("  (no source position)");
        }
    }
    s.push('\n');
}

/// Findings of one object, most severe first, then by line and column.
fn by_severity_then_line(findings: &mut [&Finding]) {
    findings.sort_by(|a, b| {
        let pos = |f: &Finding| f.location.as_ref().map(|l| (l.line, l.column));
        b.severity.cmp(&a.severity).then(pos(a).cmp(&pos(b)))
    });
}

/// A field path, cleaned for the terminal (keys are the input's text).
fn push_path(s: &mut String, p: &palisade_core::FieldPath) {
    // Written whole, then cleaned only if it needs it (cleaning is a character at a time, so
    // cleaning the whole is cleaning the pieces).
    let start = s.len();
    p.push_to(s);
    if crate::text::needs_clean(&s[start..], true) {
        let raw = s.split_off(start);
        push_clean_line(s, &raw);
    }
}

/// `also PSS014 pss-capabilities-restricted; CIS 5.2.8, 5.2.9; PSS Capabilities`: the other
/// codes a merged finding stands for and the benchmark controls of all of them.
fn write_also(w: &mut impl std::fmt::Write, f: &Finding) -> std::fmt::Result {
    use palisade_core::Reference;
    w.write_str("also ")?;
    for (i, r) in f.also.iter().enumerate() {
        if i > 0 {
            w.write_str(", ")?;
        }
        w.write_str(r.code)?;
        w.write_str(" ")?;
        w.write_str(r.name)?;
    }
    let cis = unique_references(f).filter_map(|r| match r {
        Reference::Cis(id) => Some(*id),
        _ => None,
    });
    write_list(w, "; CIS ", cis)?;
    let pss = unique_references(f).filter_map(|r| match r {
        Reference::Pss(id) => Some(*id),
        _ => None,
    });
    write_list(w, "; PSS ", pss)
}

/// `label` and the items joined by `, `; nothing when there are no items.
fn write_list<'a>(
    w: &mut impl std::fmt::Write,
    label: &str,
    items: impl Iterator<Item = &'a str>,
) -> std::fmt::Result {
    for (i, item) in items.enumerate() {
        w.write_str(if i == 0 { label } else { ", " })?;
        w.write_str(item)?;
    }
    Ok(())
}

/// A suppressed finding: its head and why it is suppressed (no PSS context, no fix).
fn suppressed_finding(s: &mut String, st: &Style, f: &Finding) {
    finding_head(s, st, f);
    let why = match &f.suppressed {
        Some(sup) => suppression_text(sup),
        None => "suppressed".to_owned(),
    };
    let _ = writeln!(s, "{INDENT}{}", st.paint("2", &clean_line(&why)));
}

/// The `fix:` lines of the rules met so far (a rule's are the same for each of its findings).
#[derive(Default)]
struct Fixes(Vec<(&'static palisade_core::RuleMeta, String)>);

impl Fixes {
    /// Appends the `fix:` lines of `rule` (made on its first finding).
    fn push(&mut self, s: &mut String, st: &Style, rule: &'static palisade_core::RuleMeta) {
        if let Some((_, text)) = self.0.iter().find(|(r, _)| std::ptr::eq(*r, rule)) {
            s.push_str(text);
            return;
        }
        let mut text = String::new();
        let mut lines = rule.remediation.lines();
        let first = lines.next().unwrap_or("");
        text.push_str(INDENT);
        st.paint_to(&mut text, "32", |s| s.push_str("fix:"));
        text.push(' ');
        push_clean(&mut text, first);
        text.push('\n');
        for l in lines {
            text.push_str(INDENT);
            text.push_str("     ");
            push_clean(&mut text, l);
            text.push('\n');
        }
        s.push_str(&text);
        self.0.push((rule, text));
    }
}

fn finding(s: &mut String, st: &Style, f: &Finding, verbose: bool, fixes: &mut Fixes) {
    finding_head(s, st, f);
    if let Some(p) = &f.pss {
        s.push_str(INDENT);
        pss_line(s, st, p);
        s.push('\n');
        if verbose {
            s.push_str(INDENT);
            s.push_str("check ");
            push_clean_line(s, p.check);
            s.push_str(": ");
            push_clean_line(s, &p.reason);
            s.push_str(": ");
            push_clean_line(s, &p.detail);
            s.push('\n');
        }
    }
    fixes.push(s, st, f.rule);
}

/// `pss restricted:latest, enforce: rejected`.
fn pss_line(s: &mut String, st: &Style, p: &PssContext) {
    s.push_str("pss ");
    push_clean_line(s, &p.level);
    s.push(':');
    push_clean_line(s, &p.version);
    s.push_str(", ");
    push_clean_line(s, p.mode.as_str());
    if p.action.as_str() != p.mode.as_str() {
        s.push_str(": ");
        st.paint_to(s, action_sgr(p.action.as_str()), |s| {
            push_clean_line(s, action_text(p.action.as_str()))
        });
    }
}

/// What an admission action means, in words.
fn action_text(action: &str) -> &str {
    match action {
        "reject" => "rejected",
        "reject-pods" => "pods rejected (controller admitted)",
        "warn" => "warning",
        "audit" => "audit annotation",
        other => other,
    }
}

fn action_sgr(action: &str) -> &'static str {
    match action {
        "reject" | "reject-pods" => "1;31",
        "warn" => "33",
        _ => "2",
    }
}

/// Writes `text` line by line, each line prefixed with `indent`.
fn indented(s: &mut String, indent: &str, text: &str) {
    // One line of printable text (nearly every message): as it is.
    if !text.is_empty() && !crate::text::needs_clean(text, true) {
        s.push_str(indent);
        s.push_str(text);
        s.push('\n');
        return;
    }
    for l in text.lines() {
        s.push_str(indent);
        push_clean(s, l);
        s.push('\n');
    }
}

fn namespaces(s: &mut String, st: &Style, report: &Report) {
    let _ = writeln!(s, "{}", st.paint("1", "Namespace policies:"));
    let dash = |v: &str| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            clean_line(v).into_owned()
        }
    };
    let mut rows = vec![[
        "NAMESPACE".to_owned(),
        "ENFORCE".to_owned(),
        "AUDIT".to_owned(),
        "WARN".to_owned(),
    ]];
    for n in &report.namespaces {
        rows.push([
            dash(&n.namespace),
            dash(&n.enforce),
            dash(&n.audit),
            dash(&n.warn),
        ]);
    }
    let mut widths = [0usize; 4];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (i, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (cell, w) in r.iter().zip(widths) {
            let _ = write!(line, "  {cell}{}", " ".repeat(w - cell.chars().count()));
        }
        let _ = writeln!(s, "{}", line.trim_end());
        if i > 0 {
            for e in &report.namespaces[i - 1].errors {
                let _ = writeln!(s, "    {} {}", st.paint("1;31", "error:"), clean_line(e));
            }
        }
    }
}

fn summary(
    s: &mut String,
    st: &Style,
    report: &Report,
    counts: &Tally,
    objects_with_findings: usize,
    show_suppressed: bool,
) {
    let stats = &report.stats;
    let mut parts: Vec<String> = Vec::new();
    if counts.findings == 0 {
        parts.push(st.paint("32", "no findings"));
    } else {
        let by_sev: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .map(|sev| (*sev, counts.get(*sev)))
            .filter(|(_, n)| *n > 0)
            .map(|(sev, n)| st.severity(sev, &format!("{n} {sev}")))
            .collect();
        parts.push(format!(
            "{} ({}) in {}",
            plural(counts.findings, "finding", "findings"),
            by_sev.join(", "),
            plural(objects_with_findings, "object", "objects")
        ));
    }
    if let Some(n) = report.hidden.baseline.filter(|n| *n > 0) {
        parts.push(st.paint("2", &format!("{n} in the baseline not shown")));
    }
    if let Some(n) = report.hidden.filtered.filter(|n| *n > 0) {
        parts.push(st.paint("2", &format!("{n} of other severities not shown")));
    }
    if !report.suppressed.is_empty() {
        let mut part = format!("{} suppressed", report.suppressed.len());
        if !show_suppressed {
            part.push_str(" (--show-suppressed lists them)");
        }
        parts.push(st.paint("2", &part));
    }
    parts.push(format!(
        "scanned {} ({}) in {}",
        plural(stats.objects, "object", "objects"),
        plural(stats.workloads, "workload", "workloads"),
        plural(stats.files, "file", "files")
    ));
    if stats.skipped_documents > 0 {
        parts.push(format!(
            "{} skipped",
            plural(stats.skipped_documents, "document", "documents")
        ));
    }
    if !stats.custom_template_kinds.is_empty() {
        let kinds: Vec<String> = stats
            .custom_template_kinds
            .iter()
            .map(|(k, n)| format!("{} ({n})", clean_line(k)))
            .collect();
        parts.push(format!("custom resources scanned by shape: {}", kinds.join(", ")));
    }
    let errors = count_diagnostics(report, DiagLevel::Error);
    let warnings = count_diagnostics(report, DiagLevel::Warning);
    if errors > 0 {
        parts.push(st.paint("1;31", &plural(errors, "error", "errors")));
    }
    if warnings > 0 {
        parts.push(st.paint("33", &plural(warnings, "warning", "warnings")));
    }
    parts.push(duration(stats.duration_ms));
    let _ = writeln!(s, "{}", parts.join("; "));
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_matches_label_column() {
        assert_eq!(INDENT.len(), 2 + LABEL_WIDTH + 1);
        assert!(severity_label(Severity::Critical).len() < LABEL_WIDTH);
    }

    #[test]
    fn durations() {
        assert_eq!(duration(12), "12 ms");
        assert_eq!(duration(1234), "1.23 s");
    }
}

pub(crate) mod netpol;
pub(crate) mod psa;
pub(crate) mod rbac;
