//! The human format of `palisade psa`: per namespace its levels, the pods violating them now,
//! and each label change tried with the server's answer.

use crate::psa::{PodViolation, PsaAnswer};
use crate::Answer;
use std::io::{self, Write};

impl Answer for PsaAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "Pod Security Admission audit of {}", self.target)?;
        writeln!(out, "(`latest` is {}: {})", self.latest, self.latest_from)?;
        if !self.from_cluster() {
            writeln!(
                out,
                "(from manifests: each workload counts as one pod, named kind/name)"
            )?;
        }
        for ns in &self.namespaces {
            let name = &ns.name;
            writeln!(out)?;
            writeln!(
                out,
                "namespace {name}{}: enforce {}  audit {}  warn {}  — {} pod(s){}",
                if ns.defined {
                    ""
                } else {
                    " (no Namespace object: cluster defaults)"
                },
                ns.enforce,
                ns.audit,
                ns.warn,
                ns.pods,
                if ns.exempt { "  [exempt]" } else { "" }
            )?;
            for e in &ns.label_errors {
                writeln!(out, "  invalid label: {e}")?;
            }
            let now = &ns.violating_now;
            if !now.enforce.is_empty() {
                let head = format!(
                    "  {} pod(s) violate the current enforce level {} (created before the label, or re-creation would fail):",
                    now.enforce.len(),
                    ns.enforce
                );
                write_violations(out, &head, &now.enforce, "    ")?;
            }
            for (mode, v, p) in [("audit", &now.audit, &ns.audit), ("warn", &now.warn, &ns.warn)] {
                if !v.is_empty() {
                    let names: Vec<&str> = v.iter().map(|x| x.pod.as_str()).collect();
                    writeln!(
                        out,
                        "  {} pod(s) violate {mode}={p}: {}",
                        v.len(),
                        names.join(", ")
                    )?;
                }
            }
            if ns.changes.is_empty() {
                writeln!(out, "  already at restricted:latest")?;
            }
            for c in &ns.changes {
                writeln!(out, "  $ {}", c.command)?;
                if !c.invalid.is_empty() {
                    writeln!(out, "    rejected (Invalid): {}", c.invalid.join("; "))?;
                    continue;
                }
                for w in &c.warnings {
                    writeln!(out, "    Warning: {w}")?;
                }
                match (&c.checked_against, c.skipped) {
                    (Some(p), _) if c.rejected.is_empty() => {
                        writeln!(out, "    all {} pod(s) pass {p}: safe to apply", c.checked)?
                    }
                    (Some(p), _) => {
                        let head = format!(
                            "    {} of {} pod(s) in {name} would be rejected by {p} when re-created:",
                            c.rejected.len(),
                            c.checked
                        );
                        write_violations(out, &head, &c.rejected, "      ")?;
                    }
                    (None, Some(why)) => writeln!(out, "    existing pods are not checked: {why}")?,
                    (None, None) => {}
                }
            }
        }
        if self.namespaces.is_empty() {
            writeln!(out, "\nno namespaces")?;
        }
        crate::human::netpol::write_errors(&self.errors, out)
    }
}

/// A heading line, then `pod: detail` for each violation, indented.
fn write_violations(out: &mut dyn Write, head: &str, list: &[PodViolation], indent: &str) -> io::Result<()> {
    writeln!(out, "{head}")?;
    for v in list {
        writeln!(out, "{indent}{}: {}", v.pod, v.detail)?;
    }
    Ok(())
}
