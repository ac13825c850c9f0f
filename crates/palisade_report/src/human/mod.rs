//! The human format: findings grouped by object for a terminal, then (on request) the
//! suppressed findings, Pod Security Admission verdicts, namespace policies, input problems
//! and a one-line summary. Colours only on
//! request; everything taken from the input is stripped of terminal control sequences.

use crate::stream::{Head, Tally};
use crate::text::{
    clean, clean_line, count_diagnostics, group_findings, object_title, plural, severity_label,
    suppression_text, ObjectGroup,
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

/// The human format written as the findings arrive: the header, then each batch's objects
/// with their findings, then (at [`Stream::finish`]) the sections that follow them.
pub(crate) struct Stream {
    /// The previous batch's admission verdicts: they give the header line of an object whose
    /// findings arrive one batch after its verdicts.
    previous: Vec<AdmissionVerdict>,
    /// Objects with findings written so far.
    objects: usize,
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
        let text = |gs: &mut [ObjectGroup<'_>]| -> String {
            let mut s = String::new();
            for g in gs {
                by_severity_then_line(&mut g.findings);
                object_header(&mut s, &st, g, opts.verbose);
                for f in &g.findings {
                    finding(&mut s, &st, f, opts.verbose);
                }
                s.push('\n');
            }
            s
        };
        for slice in groups.chunks_mut(PARALLEL_GROUPS) {
            let parts: Vec<String> = if slice.len() < 64 {
                vec![text(slice)]
            } else {
                slice.par_chunks_mut(64).map(text).collect()
            };
            for p in parts {
                out.write_all(p.as_bytes())?;
            }
        }
        self.objects += groups.len();
        self.previous = verdicts.to_vec();
        Ok(())
    }

    pub(crate) fn finish(
        self,
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
            let selected = crate::admission::SelectedChecks::of(report);
            for v in &report.admission {
                let Some(body) = crate::admission::lines(&v.message, &selected) else {
                    continue;
                };
                let mut line = format!(
                    "  {}  {}  {}  {}",
                    clean_line(v.mode.as_str()),
                    clean_line(&v.policy),
                    st.paint(
                        action_sgr(v.action.as_str()),
                        &clean_line(&action_text(v.action.as_str()))
                    ),
                    clean_line(&object_title(&v.object))
                );
                if let Some(loc) = &v.location {
                    let _ = write!(line, "  {}", clean_line(&loc.to_string()));
                }
                let _ = writeln!(s, "{line}");
                for (depth, l) in body {
                    let indent = if depth == 0 { "    " } else { "      " };
                    for w in crate::admission::wrap(&l, WRAP_WIDTH - indent.len()) {
                        let _ = writeln!(s, "{indent}{}", clean(&w));
                    }
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

/// `Deployment guestbook/frontend  examples/guestbook/frontend.yaml:3`.
fn object_header(s: &mut String, st: &Style, g: &ObjectGroup<'_>, verbose: bool) {
    let mut header = st.paint("1", &clean_line(&object_title(g.object)));
    if verbose {
        let _ = write!(header, " ({})", clean_line(&g.object.api_version));
    }
    if let Some(file) = g.file {
        let _ = write!(header, "  {}", clean_line(file));
        if let Some(line) = g.line {
            let _ = write!(header, ":{line}");
        }
    } else if let Some(uid) = &g.object.uid {
        let _ = write!(header, "  uid {}", clean_line(uid));
    }
    let _ = writeln!(s, "{header}");
}

/// The first lines of a finding: severity, code, rule and container; the message; where.
fn finding_head(s: &mut String, st: &Style, f: &Finding) {
    let label = severity_label(f.severity);
    let mut head = format!(
        "  {}{} {} {}",
        st.severity(f.severity, label),
        " ".repeat(LABEL_WIDTH - label.len()),
        f.code(),
        f.rule.name
    );
    if let Some(c) = &f.container {
        let _ = write!(head, "  container \"{}\"", clean_line(c));
    }
    let _ = writeln!(s, "{head}");
    indented(s, INDENT, &f.message);
    if !f.also.is_empty() {
        let _ = writeln!(s, "{INDENT}{}", clean_line(&also_text(f)));
    }

    let mut at = String::from("at ");
    match &f.location {
        Some(loc) => {
            let _ = write!(
                at,
                "{}  {}",
                clean_line(&loc.to_string()),
                clean_line(&f.path.to_string())
            );
            if !f.exact {
                at.push_str("  (field absent; location of its parent)");
            }
        }
        None => {
            let _ = write!(at, "{}  (no source position)", clean_line(&f.path.to_string()));
        }
    }
    let _ = writeln!(s, "{INDENT}{at}");
}

/// Findings of one object, most severe first, then by line and column.
fn by_severity_then_line(findings: &mut [&Finding]) {
    findings.sort_by(|a, b| {
        let pos = |f: &Finding| f.location.as_ref().map(|l| (l.line, l.column));
        b.severity.cmp(&a.severity).then(pos(a).cmp(&pos(b)))
    });
}

/// `also PSS014 pss-capabilities-restricted; CIS 5.2.8, 5.2.9; PSS Capabilities`: the other
/// codes a merged finding stands for and the benchmark controls of all of them.
pub(crate) fn also_text(f: &Finding) -> String {
    use palisade_core::Reference;
    let codes: Vec<String> = f.also.iter().map(|r| format!("{} {}", r.code, r.name)).collect();
    let refs = f.references();
    let cis: Vec<&str> = refs
        .iter()
        .filter_map(|r| match r {
            Reference::Cis(id) => Some(*id),
            _ => None,
        })
        .collect();
    let pss: Vec<&str> = refs
        .iter()
        .filter_map(|r| match r {
            Reference::Pss(id) => Some(*id),
            _ => None,
        })
        .collect();
    let mut t = format!("also {}", codes.join(", "));
    if !cis.is_empty() {
        let _ = write!(t, "; CIS {}", cis.join(", "));
    }
    if !pss.is_empty() {
        let _ = write!(t, "; PSS {}", pss.join(", "));
    }
    t
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

fn finding(s: &mut String, st: &Style, f: &Finding, verbose: bool) {
    finding_head(s, st, f);
    if let Some(p) = &f.pss {
        let _ = writeln!(s, "{INDENT}{}", pss_line(st, p));
        if verbose {
            let _ = writeln!(
                s,
                "{INDENT}check {}: {}: {}",
                clean_line(p.check),
                clean_line(&p.reason),
                clean_line(&p.detail)
            );
        }
    }
    let fix = st.paint("32", "fix:");
    let mut lines = f.remediation().lines();
    let first = lines.next().unwrap_or("");
    let _ = writeln!(s, "{INDENT}{fix} {}", clean(first));
    for l in lines {
        let _ = writeln!(s, "{INDENT}     {}", clean(l));
    }
}

/// `pss restricted:latest, enforce: rejected`.
fn pss_line(st: &Style, p: &PssContext) -> String {
    let mut line = format!(
        "pss {}:{}, {}",
        clean_line(&p.level),
        clean_line(&p.version),
        clean_line(p.mode.as_str())
    );
    if p.action.as_str() != p.mode.as_str() {
        let _ = write!(
            line,
            ": {}",
            st.paint(
                action_sgr(p.action.as_str()),
                &clean_line(&action_text(p.action.as_str()))
            )
        );
    }
    line
}

/// What an admission action means, in words.
fn action_text(action: &str) -> String {
    match action {
        "reject" => "rejected".to_owned(),
        "reject-pods" => "pods rejected (controller admitted)".to_owned(),
        "warn" => "warning".to_owned(),
        "audit" => "audit annotation".to_owned(),
        other => other.to_owned(),
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
    for l in text.lines() {
        let _ = writeln!(s, "{indent}{}", clean(l));
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
