//! Helpers shared by the renderers: grouping findings by object, counting by severity, and
//! making untrusted text (object names, messages from manifests) safe for a terminal.

use palisade_core::{AdmissionVerdict, DiagLevel, Finding, ObjectRef, Report, Severity, Suppression};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The findings and admission verdicts of one object in one file.
pub(crate) struct ObjectGroup<'a> {
    pub object: &'a ObjectRef,
    /// The file the object is in, when any of its findings or verdicts has a location.
    pub file: Option<&'a str>,
    /// The object's line: its admission verdict's line if it has one, else the first line of
    /// its findings in `file`.
    pub line: Option<u32>,
    pub findings: Vec<&'a Finding>,
    pub admission: Vec<&'a AdmissionVerdict>,
}

/// Groups the report's findings (and, with `with_admission`, its admission verdicts) by
/// object and file, in order of first appearance. An object that occurs in two files (a duplicate) gets two groups;
/// findings without a location join the object's first located group.
pub(crate) fn group_by_object(report: &Report, with_admission: bool) -> Vec<ObjectGroup<'_>> {
    group_findings(&report.findings, &report.admission, with_admission)
}

/// Like [`group_by_object`], for any list of findings (the report's suppressed findings):
/// `admission` gives the objects' lines and, with `with_admission`, joins the groups.
pub(crate) fn group_findings<'a>(
    findings: &'a [Finding],
    admission: impl IntoIterator<Item = &'a AdmissionVerdict>,
    with_admission: bool,
) -> Vec<ObjectGroup<'a>> {
    type Index<'a> = HashMap<(&'a ObjectRef, Option<&'a str>), usize>;
    // The index keeps grouping linear in the number of findings (tens of thousands on a
    // large repository).
    fn slot<'a>(
        groups: &mut Vec<ObjectGroup<'a>>,
        index: &mut Index<'a>,
        object: &'a ObjectRef,
        file: Option<&'a str>,
    ) -> usize {
        if let Some(&i) = index.get(&(object, file)) {
            return i;
        }
        index.insert((object, file), groups.len());
        groups.push(ObjectGroup {
            object,
            file,
            line: None,
            findings: Vec::new(),
            admission: Vec::new(),
        });
        groups.len() - 1
    }
    fn min_line(a: Option<u32>, b: u32) -> Option<u32> {
        Some(a.map_or(b, |a| a.min(b)))
    }
    let mut groups: Vec<ObjectGroup<'a>> = Vec::new();
    let mut index: Index<'a> = HashMap::new();
    for f in findings {
        let i = slot(
            &mut groups,
            &mut index,
            &f.object,
            f.location.as_ref().map(|l| &*l.file),
        );
        groups[i].findings.push(f);
        if let Some(loc) = &f.location {
            groups[i].line = min_line(groups[i].line, loc.line);
        }
    }
    // A verdict's location is the object's own, so it wins over the findings' lines. Without
    // `with_admission`, verdicts only give the line of objects that have findings.
    let mut verdict_lines: Vec<Option<u32>> = vec![None; groups.len()];
    for v in admission {
        let file = v.location.as_ref().map(|l| &*l.file);
        let i = if with_admission {
            let i = slot(&mut groups, &mut index, &v.object, file);
            groups[i].admission.push(v);
            i
        } else {
            match index.get(&(&v.object, file)) {
                Some(&i) => i,
                None => continue,
            }
        };
        verdict_lines.resize(groups.len(), None);
        if let Some(loc) = &v.location {
            verdict_lines[i] = min_line(verdict_lines[i], loc.line);
        }
    }
    for (g, line) in groups.iter_mut().zip(verdict_lines) {
        if line.is_some() {
            g.line = line;
        }
    }
    // Merge location-less groups into the same object's first located group.
    let mut first_located: HashMap<&'a ObjectRef, usize> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        if g.file.is_some() {
            first_located.entry(g.object).or_insert(i);
        }
    }
    let mut merged: Vec<(usize, Vec<&'a Finding>, Vec<&'a AdmissionVerdict>)> = Vec::new();
    for g in groups.iter_mut().filter(|g| g.file.is_none()) {
        if let Some(&j) = first_located.get(g.object) {
            merged.push((
                j,
                std::mem::take(&mut g.findings),
                std::mem::take(&mut g.admission),
            ));
        }
    }
    for (j, f, a) in merged {
        groups[j].findings.extend(f);
        groups[j].admission.extend(a);
    }
    groups.retain(|g| g.file.is_some() || !first_located.contains_key(g.object));
    groups
}

pub(crate) fn count_diagnostics(report: &Report, level: DiagLevel) -> usize {
    report.errors.iter().filter(|d| d.level == level).count()
}

/// Why a finding is suppressed, in words: `suppressed by exception (owner X, expires Y):
/// reason — at file:line` or `suppressed by annotation palisade.dev/ignore: reason — at
/// file:line`. Not cleaned for a terminal.
pub(crate) fn suppression_text(s: &Suppression) -> String {
    let mut t = String::from("suppressed by ");
    match s.kind.as_str() {
        "annotation" => t.push_str("annotation palisade.dev/ignore"),
        "" => t.push_str("exception"),
        other => t.push_str(other),
    }
    let details: Vec<String> = [("owner", &s.owner), ("expires", &s.expires)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
    if !details.is_empty() {
        let _ = write!(t, " ({})", details.join(", "));
    }
    if !s.reason.is_empty() {
        let _ = write!(t, ": {}", s.reason);
    }
    if let Some(src) = &s.source {
        let _ = write!(t, " \u{2014} at {}:{}", src.file, src.line);
    }
    t
}

/// `Kind namespace/name`, or `Kind name` for cluster-scoped objects.
pub(crate) fn object_title(o: &ObjectRef) -> String {
    match &o.namespace {
        Some(ns) => format!("{} {}/{}", o.kind, ns, o.name),
        None => format!("{} {}", o.kind, o.name),
    }
}

/// `1 finding` / `2 findings`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text from the input made safe for a terminal: control characters (ESC, CR, BEL, ...) are
/// shown escaped as `\u{1b}` so a manifest cannot inject terminal sequences. Newlines and
/// tabs are kept.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`clean`], and newlines are escaped too: for text that must stay on one line.
pub(crate) fn clean_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_unsafe_control(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() || is_unsafe_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_unsafe_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        // Bidirectional overrides and isolates can make displayed text lie about its content.
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Severity as a fixed-width upper-case label.
pub(crate) fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_escapes_terminal_sequences() {
        assert_eq!(clean("a\u{1b}[31mb\r\nc"), "a\\u{1b}[31mb\\u{d}\nc");
        assert_eq!(clean_line("x\ny\u{7}"), "x\\ny\\u{7}");
        assert_eq!(clean("bidi\u{202e}"), "bidi\\u{202e}");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }
}
