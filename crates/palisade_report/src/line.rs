//! The line format: one line per finding, `file:line:col: CODE [severity] message`, like a
//! compiler's diagnostics (editors and `grep` read it), in the report's order. A merged
//! finding ends with `(also CODE, …)`. Suppressed findings follow with `--show-suppressed`,
//! marked `[suppressed]`; input problems follow as `file:line:col: error: message`. Findings
//! without a source position (cluster objects) start with the object instead of the place.

use crate::text::{clean_line, object_title, push_clean_line, push_location, push_object_title};
use crate::RenderOptions;
use palisade_core::{DiagLevel, Finding, Report};
use std::fmt::Write as _;
use std::io::{self, Write};

fn finding(s: &mut String, f: &Finding, suppressed: bool) {
    match &f.location {
        Some(l) => push_location(s, l),
        None => push_object_title(s, &f.object),
    }
    s.push_str(": ");
    s.push_str(f.code());
    s.push_str(" [");
    s.push_str(f.severity.as_str());
    s.push(']');
    if suppressed {
        s.push_str(" [suppressed]");
    }
    s.push(' ');
    push_clean_line(s, &f.message);
    for (i, r) in f.also.iter().enumerate() {
        s.push_str(if i == 0 { " (also " } else { ", " });
        s.push_str(r.code);
    }
    if !f.also.is_empty() {
        s.push(')');
    }
    s.push('\n');
}

/// Written as it grows: a large report is never held whole as text.
const FLUSH_AT: usize = 1 << 16;

fn write_findings<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    suppressed: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut s = String::new();
    for f in findings {
        finding(&mut s, f, suppressed);
        if s.len() >= FLUSH_AT {
            out.write_all(s.as_bytes())?;
            s.clear();
        }
    }
    out.write_all(s.as_bytes())
}

/// The line format written as the findings arrive.
#[derive(Default)]
pub(crate) struct Stream;

impl Stream {
    pub(crate) fn batch(&mut self, findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
        write_findings(findings.iter(), false, out)
    }

    /// The suppressed findings (with `show_suppressed`) and the input problems.
    pub(crate) fn finish(self, report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
        if opts.show_suppressed {
            write_findings(report.suppressed.iter(), true, out)?;
        }
        let mut s = String::new();
        for d in &report.errors {
            let level = match d.level {
                DiagLevel::Error => "error",
                DiagLevel::Warning => "warning",
            };
            let mut at = String::new();
            if let Some(file) = &d.file {
                at.push_str(file);
                if let Some(l) = d.line {
                    let _ = write!(at, ":{l}");
                    if let Some(c) = d.column {
                        let _ = write!(at, ":{c}");
                    }
                }
                at.push_str(": ");
            }
            let mut msg = String::new();
            if let Some(o) = &d.object {
                let _ = write!(msg, "{}: ", object_title(o));
            }
            msg.push_str(&d.message);
            let _ = writeln!(s, "{}{level}: {}", clean_line(&at), clean_line(&msg));
        }
        out.write_all(s.as_bytes())
    }
}
