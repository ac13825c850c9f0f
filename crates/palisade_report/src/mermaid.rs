//! The Mermaid format (`flowchart LR`), for escalation paths (`rbac paths -o mermaid`) and
//! the connectivity matrix (`netpol matrix -o mermaid`). Written as it is produced: nodes
//! are declared when first used.

use crate::graph::{GraphWriter, Shape, Syntax};
use std::io::{self, Write};

/// A label inside a double-quoted Mermaid string (entity codes for the characters Mermaid
/// would read as syntax).
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => o.push_str("#35;"),
            '"' => o.push_str("#quot;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '|' => o.push_str("#124;"),
            '\n' | '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// The Mermaid flowchart syntax.
struct Mermaid;

impl Syntax for Mermaid {
    fn node(&self, out: &mut dyn Write, i: usize, label: &str, shape: Shape) -> io::Result<()> {
        let l = escape(label);
        match shape {
            Shape::Identity | Shape::Group => writeln!(out, "  n{i}([\"{l}\"])"),
            Shape::Workload => writeln!(out, "  n{i}[\"{l}\"]"),
            Shape::Target => writeln!(out, "  n{i}{{{{\"{l}\"}}}}"),
            Shape::External => writeln!(out, "  n{i}((\"{l}\"))"),
        }
    }

    fn edge(&self, out: &mut dyn Write, from: usize, to: usize, label: &str) -> io::Result<()> {
        writeln!(out, "  n{from} -->|\"{}\"| n{to}", escape(label))
    }

    /// A flowchart has no closing line.
    fn end(&self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// Starts a flowchart.
pub(crate) fn begin(out: &mut dyn Write) -> io::Result<GraphWriter> {
    writeln!(out, "flowchart LR")?;
    Ok(GraphWriter::new(&Mermaid))
}
