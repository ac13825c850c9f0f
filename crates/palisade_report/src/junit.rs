//! The JUnit XML format, for CI test report viewers: one `<testsuite>`; one `<testcase>` per
//! (object, rule) that has findings, with a single `<failure>` listing the rule's findings
//! on the object (most viewers show one failure per test case); one passing `<testcase>` per
//! object without findings; and one per input problem (`<error>` for errors, `<system-err>`
//! for warnings). Admission verdicts are the `<system-out>` of their object's first test
//! case. Suppressed findings are counted in the `palisade.suppressed` property and, with
//! `show_suppressed`, listed as one `<skipped>` testcase each. The configuration file, when
//! one was read, is named in the `palisade.config*` properties.

use crate::text::{group_by_object, object_title, suppression_text};
use crate::RenderOptions;
use palisade_core::{AdmissionVerdict, DiagLevel, Finding, ObjectRef, Report};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

pub(crate) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let groups = group_by_object(report, true);
    let mut cases = String::new();
    let mut tests = 0usize;
    let mut failures = 0usize;
    let mut errors = 0usize;
    let mut skipped = 0usize;

    for g in &groups {
        // One test case per rule that failed on the object, with one <failure> (CI viewers
        // show one per test case) listing every finding of the rule there.
        let mut by_rule: Vec<(&str, Vec<&Finding>)> = Vec::new();
        for f in &g.findings {
            match by_rule.iter_mut().find(|(code, _)| *code == f.code()) {
                Some((_, v)) => v.push(f),
                None => by_rule.push((f.code(), vec![f])),
            }
        }
        for (i, (_, fs)) in by_rule.iter().enumerate() {
            tests += 1;
            failures += 1;
            let first = fs[0];
            let name = format!("{} {} {}", g.object.name, first.code(), first.rule.name);
            open_case(&mut cases, g.object, &name, g.file);
            cases.push_str(">\n");
            let severity = fs.iter().map(|f| f.severity).max().unwrap_or(first.severity);
            let mut message = format!("{} {}: {}", first.code(), first.rule.name, first.message);
            if fs.len() > 1 {
                let _ = write!(message, " (and {} more)", fs.len() - 1);
            }
            let body: Vec<String> = fs.iter().map(|f| failure_body(f)).collect();
            let _ = writeln!(
                cases,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(&message),
                severity.as_str(),
                text(&body.join("\n"))
            );
            if i == 0 {
                admission_out(&mut cases, &g.admission);
            }
            cases.push_str("    </testcase>\n");
        }
        if by_rule.is_empty() {
            // Admission verdicts without findings: a passing test case that carries them.
            tests += 1;
            open_case(&mut cases, g.object, &g.object.name, g.file);
            if g.admission.is_empty() {
                cases.push_str("/>\n");
            } else {
                cases.push_str(">\n");
                admission_out(&mut cases, &g.admission);
                cases.push_str("    </testcase>\n");
            }
        }
    }

    // Objects without findings or verdicts: one passing test case each.
    let mut done: HashSet<(&ObjectRef, Option<&str>)> = groups.iter().map(|g| (g.object, g.file)).collect();
    let unlocated: HashSet<&ObjectRef> = groups
        .iter()
        .filter(|g| g.file.is_none())
        .map(|g| g.object)
        .collect();
    for s in report.objects.iter().chain(&report.scanned) {
        let file = s.location.as_ref().map(|l| &*l.file);
        if unlocated.contains(&*s.object) || !done.insert((&*s.object, file)) {
            continue;
        }
        tests += 1;
        open_case(&mut cases, &s.object, &s.object.name, file);
        cases.push_str("/>\n");
    }

    if opts.show_suppressed {
        for f in &report.suppressed {
            tests += 1;
            skipped += 1;
            suppressed_case(&mut cases, f);
        }
    }

    for d in &report.errors {
        tests += 1;
        let name = match (&d.file, d.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.to_string(),
            (None, _) => match &d.object {
                Some(o) => o.to_string(),
                None => "input".to_owned(),
            },
        };
        let _ = write!(
            cases,
            "    <testcase classname=\"palisade.input\" name=\"{}\"",
            attr(&name)
        );
        if let Some(file) = &d.file {
            let _ = write!(cases, " file=\"{}\"", attr(file));
        }
        cases.push_str(">\n");
        match d.level {
            DiagLevel::Error => {
                errors += 1;
                let _ = writeln!(
                    cases,
                    "      <error message=\"{}\" type=\"error\">{}</error>",
                    attr(&d.message),
                    text(&d.to_string())
                );
            }
            DiagLevel::Warning => {
                let _ = writeln!(
                    cases,
                    "      <system-err>warning: {}</system-err>",
                    text(&d.to_string())
                );
            }
        }
        cases.push_str("    </testcase>\n");
    }

    let time = format!(
        "{}.{:03}",
        report.stats.duration_ms / 1000,
        report.stats.duration_ms % 1000
    );
    let suite_name = if opts.target.is_empty() {
        "palisade".to_owned()
    } else {
        format!("palisade {}", opts.target)
    };
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"palisade\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time}\">"
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time}\">",
        attr(&suite_name)
    );
    s.push_str("    <properties>\n");
    let _ = writeln!(
        s,
        "      <property name=\"palisade.version\" value=\"{}\"/>",
        attr(opts.tool_version)
    );
    let _ = writeln!(
        s,
        "      <property name=\"palisade.target\" value=\"{}\"/>",
        attr(&opts.target)
    );
    let _ = writeln!(
        s,
        "      <property name=\"palisade.findings\" value=\"{}\"/>",
        report.findings.len()
    );
    let _ = writeln!(
        s,
        "      <property name=\"palisade.suppressed\" value=\"{}\"/>",
        report.suppressed.len()
    );
    if let Some(l) = &report.pss_latest {
        let _ = writeln!(
            s,
            "      <property name=\"palisade.podSecurity.latest\" value=\"{}\"/>",
            attr(&l.release())
        );
        let _ = writeln!(
            s,
            "      <property name=\"palisade.podSecurity.latestFrom\" value=\"{}\"/>",
            attr(&l.from)
        );
    }
    if let Some(c) = &report.config {
        let _ = writeln!(
            s,
            "      <property name=\"palisade.config\" value=\"{}\"/>",
            attr(&c.file)
        );
        let _ = writeln!(
            s,
            "      <property name=\"palisade.config.changes\" value=\"{}\"/>",
            attr(&c.changes().join("; "))
        );
    }
    s.push_str("    </properties>\n");
    s.push_str(&cases);
    s.push_str("  </testsuite>\n</testsuites>\n");
    out.write_all(s.as_bytes())
}

/// One suppressed finding: a skipped testcase named after the object and the rule, with the
/// finding and its suppression in `<system-out>`.
fn suppressed_case(cases: &mut String, f: &Finding) {
    let classname = match &f.object.namespace {
        Some(ns) => format!("{}/{}", f.object.kind, ns),
        None => f.object.kind.clone(),
    };
    let _ = write!(
        cases,
        "    <testcase classname=\"{}\" name=\"{}\"",
        attr(&classname),
        attr(&format!("{} {} {}", f.object.name, f.code(), f.rule.name))
    );
    if let Some(loc) = &f.location {
        let _ = write!(cases, " file=\"{}\"", attr(&loc.file));
    }
    cases.push_str(">\n");
    let reason = f.suppressed.as_ref().map_or("", |s| s.reason.as_str());
    let _ = writeln!(
        cases,
        "      <skipped message=\"{}\"/>",
        attr(&format!("suppressed: {reason}"))
    );
    let mut body = failure_body(f);
    if let Some(sup) = &f.suppressed {
        let _ = writeln!(body, "{}", suppression_text(sup));
    }
    let _ = writeln!(cases, "      <system-out>{}</system-out>", text(&body));
    cases.push_str("    </testcase>\n");
}

fn failure_body(f: &Finding) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "{} {} {}", f.severity, f.code(), f.rule.name);
    let _ = writeln!(
        b,
        "object: {} ({})",
        object_title(&f.object),
        f.object.api_version
    );
    if let Some(c) = &f.container {
        let _ = writeln!(b, "container: {c}");
    }
    match &f.location {
        Some(loc) if f.exact => {
            let _ = writeln!(b, "at: {loc} {}", f.path);
        }
        Some(loc) => {
            let _ = writeln!(b, "at: {loc} {} (field absent; location of its parent)", f.path);
        }
        None => {
            let _ = writeln!(b, "at: {} (no source position)", f.path);
        }
    }
    if let Some(p) = &f.pss {
        let _ = writeln!(b, "pss: {}:{}, {}: {}", p.level, p.version, p.mode, p.action);
    }
    let _ = writeln!(b, "{}", f.message);
    let _ = writeln!(b, "fix: {}", f.remediation());
    b
}

/// Characters XML 1.0 cannot carry at all (not even as character references).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `<testcase classname="Kind/namespace" name="..." file="..."` (left open) for an object.
fn open_case(cases: &mut String, object: &ObjectRef, name: &str, file: Option<&str>) {
    let classname = match &object.namespace {
        Some(ns) => format!("{}/{}", object.kind, ns),
        None => object.kind.clone(),
    };
    let _ = write!(
        cases,
        "    <testcase classname=\"{}\" name=\"{}\"",
        attr(&classname),
        attr(name)
    );
    if let Some(file) = file {
        let _ = write!(cases, " file=\"{}\"", attr(file));
    }
}

/// The Pod Security Admission verdicts of an object, as `<system-out>`.
fn admission_out(cases: &mut String, admission: &[&AdmissionVerdict]) {
    if admission.is_empty() {
        return;
    }
    let mut body = String::new();
    for v in admission {
        let _ = writeln!(
            body,
            "Pod Security Admission {} {}: {}: {}",
            v.mode, v.policy, v.action, v.message
        );
    }
    let _ = writeln!(cases, "      <system-out>{}</system-out>", text(&body));
}

fn escape(s: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attr => out.push_str("&quot;"),
            '\'' if in_attr => out.push_str("&apos;"),
            // Kept as references: a literal one is normalised away (CR always, tab and
            // newline in attribute values).
            '\r' => out.push_str("&#13;"),
            '\n' if in_attr => out.push_str("&#10;"),
            '\t' if in_attr => out.push_str("&#9;"),
            c if !is_xml_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (for double quotes).
pub(crate) fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escapes character data.
pub(crate) fn text(s: &str) -> String {
    escape(s, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(attr("a<b>&\"c'\n\t"), "a&lt;b&gt;&amp;&quot;c&apos;&#10;&#9;");
        assert_eq!(
            text("x\u{0}y\u{1b}\r\n\u{fffe}"),
            "x\\u{0}y\\u{1b}&#13;\n\\u{fffe}"
        );
        assert_eq!(text("]]>"), "]]&gt;");
    }
}
