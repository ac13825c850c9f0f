//! The Graphviz DOT format, for escalation paths (`rbac paths -o dot`) and the connectivity
//! matrix (`netpol matrix -o dot`). Written as it is produced: nodes are declared when first
//! used, so a large matrix is never held in memory.

use crate::graph::{GraphWriter, Shape, Syntax};
use std::io::{self, Write};

/// A label inside a double-quoted DOT string.
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => {}
            c => o.push(c),
        }
    }
    o
}

fn attributes(shape: Shape) -> &'static str {
    match shape {
        Shape::Identity => "shape=ellipse",
        Shape::Group | Shape::External => "shape=ellipse, style=dashed",
        Shape::Workload => "shape=box",
        Shape::Target => "shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\"",
    }
}

/// The DOT syntax.
struct Dot;

impl Syntax for Dot {
    fn node(&self, out: &mut dyn Write, id: usize, label: &str, shape: Shape) -> io::Result<()> {
        writeln!(
            out,
            "  n{id} [label=\"{}\", {}];",
            escape(label),
            attributes(shape)
        )
    }

    fn edge(&self, out: &mut dyn Write, from: usize, to: usize, label: &str) -> io::Result<()> {
        writeln!(out, "  n{from} -> n{to} [label=\"{}\"];", escape(label))
    }

    fn end(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "}}")
    }
}

/// Starts a `digraph` called `name`.
pub(crate) fn begin(out: &mut dyn Write, name: &str) -> io::Result<GraphWriter> {
    writeln!(
        out,
        "digraph {name} {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];"
    )?;
    Ok(GraphWriter::new(&Dot))
}
