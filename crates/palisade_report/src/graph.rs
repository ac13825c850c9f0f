//! What DOT and Mermaid both draw: node shapes, and the drawing of escalation paths. The
//! formats themselves (syntax, escaping) are in `dot.rs` and `mermaid.rs`.

use palisade_rbac::paths::{EdgeKind, Path, Vertex};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

/// The kind of a node, which each format draws in its own shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A user or ServiceAccount.
    Identity,
    /// A group of identities.
    Group,
    /// A workload.
    Workload,
    /// What an escalation path ends at (`cluster-admin`, `secrets`, `nodes`).
    Target,
    /// External address ranges.
    External,
}

/// A graph to draw: labelled nodes and labelled edges between their indices.
#[derive(Debug, Default)]
pub(crate) struct Drawing {
    pub nodes: Vec<(String, Shape)>,
    pub edges: Vec<(usize, usize, &'static str)>,
}

fn shape_of(v: &Vertex) -> Shape {
    match v {
        Vertex::User { .. } | Vertex::ServiceAccount { .. } => Shape::Identity,
        Vertex::Group { .. } => Shape::Group,
        Vertex::Workload { .. } => Shape::Workload,
        Vertex::Target { .. } => Shape::Target,
    }
}

/// The vertices and labelled edges of some paths, each drawn once (a 0-step path draws a
/// `holds` edge).
pub(crate) fn paths_drawing(paths: &[Path]) -> Drawing {
    let mut d = Drawing::default();
    let mut index: HashMap<Vertex, usize> = HashMap::new();
    let mut seen = HashSet::new();
    for p in paths {
        let hops: Vec<(Vertex, Vertex, &'static str)> = if p.steps.is_empty() {
            vec![(
                p.start.clone(),
                Vertex::Target { target: p.target },
                EdgeKind::Holds.label(),
            )]
        } else {
            p.steps
                .iter()
                .map(|s| (s.from.clone(), s.to.clone(), s.kind.label()))
                .collect()
        };
        for (a, b, l) in hops {
            let mut id = |v: Vertex| -> usize {
                if let Some(&i) = index.get(&v) {
                    return i;
                }
                d.nodes.push((v.label(), shape_of(&v)));
                index.insert(v, d.nodes.len() - 1);
                d.nodes.len() - 1
            };
            let (a, b) = (id(a), id(b));
            if seen.insert((a, b)) {
                d.edges.push((a, b, l));
            }
        }
    }
    d
}

/// The syntax of a graph format: how a node and an edge are written, and what closes the
/// graph (`dot.rs`, `mermaid.rs`).
pub(crate) trait Syntax {
    fn node(&self, out: &mut dyn Write, id: usize, label: &str, shape: Shape) -> io::Result<()>;
    fn edge(&self, out: &mut dyn Write, from: usize, to: usize, label: &str) -> io::Result<()>;
    fn end(&self, out: &mut dyn Write) -> io::Result<()>;
}

/// A graph being written as it is produced: nodes are declared when first used, so a large
/// matrix is never held in memory.
pub(crate) struct GraphWriter {
    syntax: &'static dyn Syntax,
    /// Node ids by label.
    nodes: HashMap<String, usize>,
}

impl GraphWriter {
    /// A writer in `syntax`, whose header the caller has written.
    pub fn new(syntax: &'static dyn Syntax) -> GraphWriter {
        GraphWriter {
            syntax,
            nodes: HashMap::new(),
        }
    }

    /// The id of the node labelled `label`, declared on first use.
    pub fn node(&mut self, out: &mut dyn Write, label: &str, shape: Shape) -> io::Result<usize> {
        if let Some(&i) = self.nodes.get(label) {
            return Ok(i);
        }
        let i = self.nodes.len();
        self.nodes.insert(label.to_owned(), i);
        self.syntax.node(out, i, label, shape)?;
        Ok(i)
    }

    pub fn edge(&mut self, out: &mut dyn Write, from: usize, to: usize, label: &str) -> io::Result<()> {
        self.syntax.edge(out, from, to, label)
    }

    pub fn end(self, out: &mut dyn Write) -> io::Result<()> {
        self.syntax.end(out)
    }

    /// A whole drawing, closed.
    pub fn render(mut self, d: &Drawing, out: &mut dyn Write) -> io::Result<()> {
        let ids: Vec<usize> = d
            .nodes
            .iter()
            .map(|(label, shape)| self.node(out, label, *shape))
            .collect::<io::Result<_>>()?;
        for &(a, b, l) in &d.edges {
            self.edge(out, ids[a], ids[b], l)?;
        }
        self.end(out)
    }
}
