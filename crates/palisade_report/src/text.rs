//! Helpers shared by the renderers: grouping findings by object, counting by severity, and
//! making untrusted text (object names, messages from manifests) safe for a terminal.

use palisade_core::{
    AdmissionVerdict, DiagLevel, Finding, Location, ObjectRef, Reference, Report, Severity, Suppression,
};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};

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
    type Index<'a> = HashMap<(&'a ObjectRef, Option<&'a str>), usize, foldhash::fast::RandomState>;
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
    let mut index: Index<'a> = HashMap::default();
    // An object's findings come one after another and share its reference and file name:
    // the same pointers as the previous finding's are its group, without hashing the key.
    let mut last: Option<(&'a ObjectRef, Option<&'a str>, usize)> = None;
    for f in findings {
        let file = f.location.as_ref().map(|l| &*l.file);
        let i = match last {
            Some((o, fl, i)) if std::ptr::eq(o, &*f.object) && same_str(fl, file) => i,
            _ => slot(&mut groups, &mut index, &f.object, file),
        };
        last = Some((&f.object, file, i));
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
    if groups.iter().all(|g| g.file.is_some()) {
        return groups;
    }
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

/// Whether `a` and `b` are the same string in memory (not only equal).
fn same_str(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(a, b),
        (None, None) => true,
        _ => false,
    }
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
    if !needs_clean(s, false) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_clean(&mut out, s);
    Cow::Owned(out)
}

/// Like [`clean`], and newlines are escaped too: for text that must stay on one line.
pub(crate) fn clean_line(s: &str) -> Cow<'_, str> {
    if !needs_clean(s, true) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_clean_line(&mut out, s);
    Cow::Owned(out)
}

/// Appends `s` to `out` made safe as [`clean`] makes it, without a temporary string.
pub(crate) fn push_clean(out: &mut String, s: &str) {
    if !needs_clean(s, false) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        if is_unsafe_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// Appends `s` to `out` made safe as [`clean_line`] makes it, without a temporary string.
pub(crate) fn push_clean_line(out: &mut String, s: &str) {
    if !needs_clean(s, true) {
        out.push_str(s);
        return;
    }
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
}

/// Whether every byte of `s` passes `ok`, checked 32 bytes at a time without stopping early
/// inside a block, so that the compiler vectorizes it (`Iterator::all` stops at each byte).
#[inline]
pub(crate) fn all_bytes(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    let mut blocks = s.as_bytes().chunks_exact(32);
    for block in &mut blocks {
        if !block.iter().fold(true, |all, &b| all & ok(b)) {
            return false;
        }
    }
    blocks.remainder().iter().all(|&b| ok(b))
}

/// Whether [`clean`] (or, with `line`, [`clean_line`]) changes `s`. Printable ASCII, the
/// text of nearly every manifest, is decided in one vectorised pass; other text a byte (then a
/// character) at a time.
pub(crate) fn needs_clean(s: &str, line: bool) -> bool {
    // Printable ASCII throughout (nearly every message): one pass the compiler vectorizes.
    if all_bytes(s, |b| b.wrapping_sub(0x20) < 0x5f) {
        return false;
    }
    for &b in s.as_bytes() {
        match b {
            b'\n' | b'\t' if !line => {}
            0..=0x1f | 0x7f => return true,
            0x80.. => {
                return s
                    .chars()
                    .any(|c| is_unsafe_control(c) || (line && c.is_control()));
            }
            _ => {}
        }
    }
    false
}

/// A [`fmt::Write`] that appends to a `String` what it is given made safe as [`clean_line`]
/// makes it: `write!(CleanLine(s), "{}", location)` writes a `Display` value straight into
/// the output (cleaning is a character at a time, so cleaning the pieces is cleaning the
/// whole).
pub(crate) struct CleanLine<'a>(pub &'a mut String);

impl fmt::Write for CleanLine<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_clean_line(self.0, s);
        Ok(())
    }
}

/// Appends `n` in decimal.
pub(crate) fn push_u32(out: &mut String, n: u32) {
    palisade_core::path::push_decimal(out, u64::from(n));
}

/// Appends `file:line:column` made safe for one line (what `clean_line(&loc.to_string())` gives).
pub(crate) fn push_location(out: &mut String, loc: &Location) {
    push_clean_line(out, &loc.file);
    out.push(':');
    push_u32(out, loc.line);
    out.push(':');
    push_u32(out, loc.column);
}

/// Appends [`object_title`] made safe for one line.
pub(crate) fn push_object_title(out: &mut String, o: &ObjectRef) {
    push_clean_line(out, &o.kind);
    out.push(' ');
    if let Some(ns) = &o.namespace {
        push_clean_line(out, ns);
        out.push('/');
    }
    push_clean_line(out, &o.name);
}

/// The references of every rule `f` stands for, each once, in order: what
/// `Finding::references` lists, without collecting them.
pub(crate) fn unique_references(f: &Finding) -> impl Iterator<Item = &'static Reference> + '_ {
    f.rules().enumerate().flat_map(move |(i, r)| {
        r.references.iter().enumerate().filter_map(move |(j, x)| {
            let seen = r.references[..j].contains(x) || f.rules().take(i).any(|p| p.references.contains(x));
            (!seen).then_some(x)
        })
    })
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
    fn all_bytes_sees_every_byte() {
        let ok = |b: u8| b != b'"';
        for len in [0usize, 1, 31, 32, 33, 64, 65, 100] {
            let plain = "a".repeat(len);
            assert!(all_bytes(&plain, ok), "{len}");
            for at in 0..len {
                let mut s = plain.clone().into_bytes();
                s[at] = b'"';
                assert!(!all_bytes(std::str::from_utf8(&s).unwrap(), ok), "{len} {at}");
            }
        }
    }

    #[test]
    fn clean_escapes_terminal_sequences() {
        assert_eq!(clean("a\u{1b}[31mb\r\nc"), "a\\u{1b}[31mb\\u{d}\nc");
        assert_eq!(clean_line("x\ny\u{7}"), "x\\ny\\u{7}");
        assert_eq!(clean("bidi\u{202e}"), "bidi\\u{202e}");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }

    /// What `clean` and `clean_line` did before they wrote in place: a character at a time.
    fn reference(s: &str, line: bool) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '\n' if line => out.push_str("\\n"),
                '\t' if line => out.push(' '),
                c if is_unsafe_control(c) || (line && c.is_control()) => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn in_place_cleaning_matches_char_by_char() {
        let samples = [
            "",
            "plain text: spec.containers[0]",
            "tab\there\nnewline",
            "del\u{7f} nul\u{0} esc\u{1b}[0m",
            "caf\u{e9} \u{2603} \u{1f600}",
            "c1 \u{85} \u{9f} \u{a0}",
            "bidi \u{202a}\u{202e}\u{2066}\u{2069} \u{2065}\u{206a}",
            "\u{e9}\nafter a non-ASCII character\t",
        ];
        for s in samples {
            for line in [false, true] {
                let mut out = String::from(">");
                if line {
                    push_clean_line(&mut out, s);
                } else {
                    push_clean(&mut out, s);
                }
                assert_eq!(out[1..], reference(s, line), "{s:?} line={line}");
                let cow = if line { clean_line(s) } else { clean(s) };
                assert_eq!(cow, reference(s, line));
                assert_eq!(matches!(cow, Cow::Borrowed(_)), cow == s);
            }
        }
        let mut out = String::new();
        let file = "a\nb";
        let _ = write!(CleanLine(&mut out), "{file}:{}", 7);
        assert_eq!(out, "a\\nb:7");
        for n in [0, 7, 10, 4_294_967_295] {
            let mut out = String::new();
            push_u32(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }
}
