//! The human format of `palisade netpol` answers: the matrix as an aligned table, a check
//! with its explanation per direction, and the diff as `+`/`-`/`~` lines.

use crate::Answer;
use palisade_netpol::answer::{CheckAnswer, Connection, DiffAnswer, MatrixEndpoint, MatrixHead, MatrixTail};
use palisade_netpol::Side;
use std::io::{self, Write};

/// The matrix table being written.
pub(crate) struct MatrixHuman {
    width: usize,
    count: usize,
}

impl MatrixHuman {
    pub fn begin(head: &MatrixHead, out: &mut dyn Write) -> io::Result<MatrixHuman> {
        let width = head
            .endpoints
            .iter()
            .filter_map(|e| match e {
                MatrixEndpoint::Workload { id, .. } => Some(id.len()),
                MatrixEndpoint::External { .. } => None,
            })
            .max()
            .unwrap_or(0)
            .max(if head.external > 0 { 15 } else { 4 });
        writeln!(
            out,
            "{} workload(s), {} external range(s), {} valid NetworkPolicies ({} invalid, left out)\n",
            head.workloads, head.external, head.policies, head.invalid
        )?;
        writeln!(out, "{:width$}  {:width$}  PORTS", "FROM", "TO")?;
        Ok(MatrixHuman { width, count: 0 })
    }

    pub fn connection(&mut self, c: &Connection<'_>, out: &mut dyn Write) -> io::Result<()> {
        let w = self.width;
        writeln!(out, "{:w$}  {:w$}  {}", c.from, c.to, c.ports)?;
        self.count += 1;
        Ok(())
    }

    pub fn end(self, tail: &MatrixTail, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "\n{} allowed connection(s).", self.count)?;
        if !tail.open.is_empty() {
            writeln!(
                out,
                "\nNot isolated for ingress (open to every pod): {}",
                tail.open.join(", ")
            )?;
        }
        write_errors(&tail.errors, out)
    }
}

/// The input errors an answer rests on, after it: `error: …` lines.
pub(crate) fn write_errors(errors: &[String], out: &mut dyn Write) -> io::Result<()> {
    if !errors.is_empty() {
        writeln!(out, "\nThis answer is incomplete or may be wrong:")?;
        for e in errors {
            writeln!(out, "error: {e}")?;
        }
    }
    Ok(())
}

/// One direction of a check: whether the end is isolated, and by which rules it is allowed.
fn side(out: &mut dyn Write, name: &str, external: bool, s: &Side) -> io::Result<()> {
    let dir = s.direction.as_str();
    if !s.isolated {
        let why = if external {
            "an external address: no NetworkPolicy applies".to_owned()
        } else {
            format!("no NetworkPolicy selects it for {dir}")
        };
        writeln!(out, "  {dir} of {name}: not isolated ({why}) → allows all ports")?;
        return Ok(());
    }
    writeln!(out, "  {dir} of {name}: isolated by {}", s.policies.join(", "))?;
    if s.rules.is_empty() {
        writeln!(
            out,
            "    no {dir} rule of these policies matches → nothing allowed"
        )?;
    }
    for r in &s.rules {
        writeln!(
            out,
            "    allowed by {} {}{}: {}",
            r.policy,
            r.rule,
            r.location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default(),
            r.ports
        )?;
    }
    Ok(())
}

impl Answer for CheckAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let what = match self.port {
            Some(p) => format!("{} {p}", self.protocol.as_str()),
            None => "any port".to_owned(),
        };
        writeln!(
            out,
            "{}: {} → {} on {what}",
            if self.allowed { "yes" } else { "no" },
            self.from,
            self.to
        )?;
        writeln!(out, "  allowed ports: {}", self.explanation.allowed)?;
        side(out, &self.from, self.from_external, &self.explanation.egress)?;
        side(out, &self.to, self.to_external, &self.explanation.ingress)?;
        write_errors(&self.errors, out)
    }
}

impl Answer for DiffAnswer {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let changes = &self.changes;
        if changes.is_empty() {
            writeln!(out, "No connection changes.")?;
        }
        for c in changes {
            let to = c.to.strip_prefix("ip:").unwrap_or(&c.to);
            let from = c.from.strip_prefix("ip:").unwrap_or(&c.from);
            if c.before.is_empty() {
                writeln!(out, "+ {from} → {to}  {}", c.after)?;
            } else if c.after.is_empty() {
                writeln!(out, "- {from} → {to}  {}", c.before)?;
            } else {
                writeln!(out, "~ {from} → {to}  {} ⇒ {}", c.before, c.after)?;
            }
        }
        if !changes.is_empty() {
            let added = changes.iter().filter(|c| !c.added.is_empty()).count();
            let removed = changes.iter().filter(|c| !c.removed.is_empty()).count();
            writeln!(
                out,
                "\n{added} connection(s) opened or widened, {removed} closed or narrowed."
            )?;
        }
        write_errors(&self.errors, out)
    }
}
