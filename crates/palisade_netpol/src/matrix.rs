//! The connectivity matrix: for every source (workload, or external range towards
//! workloads) and every destination (workload, or external range from workloads), the ports
//! allowed. Rows are computed in parallel; equal cells share one interned port set, and each
//! row is stored as runs of equal cells, so a cluster of thousands of workloads stays small.
//! Also the diff of two matrices by workload identity. No I/O.

use crate::eval::{Analysis, Endpoint};
use crate::ports::PortSet;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// A row: `(first column, cell id)` runs, each lasting until the next run's first column.
type Row = Vec<(u32, u32)>;

/// The matrix. Columns (and rows) are the workloads first, then the external ranges.
pub struct Matrix {
    pub workloads: usize,
    pub ranges: usize,
    /// Interned port sets; id 0 is "nothing", id 1 is "all ports".
    pub cells: Vec<PortSet>,
    rows: Vec<Row>,
}

impl Matrix {
    /// Computes the whole matrix.
    pub fn compute(a: &Analysis<'_>) -> Matrix {
        let n = a.model.workloads.len();
        let x = a.ranges.len();
        let endpoint = |i: usize| {
            if i < n {
                Endpoint::Workload(i)
            } else {
                Endpoint::External(i - n)
            }
        };
        // Rows in parallel chunks, each with its own interner; merged afterwards.
        let chunks: Vec<(Vec<PortSet>, Vec<Row>)> = (0..n + x)
            .collect::<Vec<_>>()
            .par_chunks(64)
            .map(|chunk| {
                let mut local: Vec<PortSet> = vec![PortSet::none(), PortSet::all()];
                let mut index: HashMap<PortSet, u32> = HashMap::new();
                index.insert(PortSet::none(), 0);
                index.insert(PortSet::all(), 1);
                let mut rows = Vec::with_capacity(chunk.len());
                for &s in chunk {
                    let src = endpoint(s);
                    let mut row: Row = Vec::new();
                    let cols = if s < n { n + x } else { n };
                    // Quick path: a source not egress-isolated towards a destination not
                    // ingress-isolated is "all ports".
                    let src_open = match src {
                        Endpoint::Workload(w) => !a.isolated(w, crate::model::Direction::Egress),
                        Endpoint::External(_) => true,
                    };
                    for d in 0..cols {
                        let dst = endpoint(d);
                        let id = if src_open
                            && match dst {
                                Endpoint::Workload(w) => !a.isolated(w, crate::model::Direction::Ingress),
                                Endpoint::External(_) => true,
                            } {
                            1
                        } else {
                            let set = a.allowed(src, dst);
                            match index.get(&set) {
                                Some(&id) => id,
                                None => {
                                    let id = local.len() as u32;
                                    index.insert(set.clone(), id);
                                    local.push(set);
                                    id
                                }
                            }
                        };
                        if row.last().is_none_or(|&(_, last)| last != id) {
                            row.push((d as u32, id));
                        }
                    }
                    rows.push(row);
                }
                (local, rows)
            })
            .collect();
        let mut cells: Vec<PortSet> = vec![PortSet::none(), PortSet::all()];
        let mut index: HashMap<PortSet, u32> = HashMap::new();
        index.insert(PortSet::none(), 0);
        index.insert(PortSet::all(), 1);
        let mut rows = Vec::with_capacity(n + x);
        for (local, chunk_rows) in chunks {
            let map: Vec<u32> = local
                .into_iter()
                .map(|set| match index.get(&set) {
                    Some(&id) => id,
                    None => {
                        let id = cells.len() as u32;
                        index.insert(set.clone(), id);
                        cells.push(set);
                        id
                    }
                })
                .collect();
            for mut row in chunk_rows {
                for r in &mut row {
                    r.1 = map[r.1 as usize];
                }
                rows.push(row);
            }
        }
        Matrix {
            workloads: n,
            ranges: x,
            cells,
            rows,
        }
    }

    /// Number of columns of row `s`.
    fn width(&self, s: usize) -> usize {
        if s < self.workloads {
            self.workloads + self.ranges
        } else {
            self.workloads
        }
    }

    /// The cell of (source index, destination index).
    pub fn cell(&self, s: usize, d: usize) -> &PortSet {
        let row = &self.rows[s];
        let i = row.partition_point(|&(start, _)| start as usize <= d) - 1;
        &self.cells[row[i].1 as usize]
    }

    /// The non-empty cells of a row: `(destination index, ports)`.
    pub fn row(&self, s: usize) -> impl Iterator<Item = (usize, &PortSet)> + '_ {
        let row = &self.rows[s];
        let width = self.width(s);
        row.iter().enumerate().flat_map(move |(i, &(start, id))| {
            let end = row.get(i + 1).map_or(width, |n| n.0 as usize);
            let set = &self.cells[id as usize];
            (start as usize..end)
                .filter(move |_| id != 0)
                .map(move |d| (d, set))
        })
    }

    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Allowed (source, destination) pairs.
    pub fn allowed_pairs(&self) -> usize {
        (0..self.rows.len())
            .map(|s| {
                let row = &self.rows[s];
                let width = self.width(s);
                row.iter()
                    .enumerate()
                    .filter(|(_, r)| r.1 != 0)
                    .map(|(i, &(start, _))| row.get(i + 1).map_or(width, |n| n.0 as usize) - start as usize)
                    .sum::<usize>()
            })
            .sum()
    }

    /// Memory held by the rows and cells, roughly.
    pub fn runs(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }
}

/// A connection whose allowed ports changed.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub from: String,
    pub to: String,
    /// Ports allowed after but not before.
    pub added: PortSet,
    /// Ports allowed before but not after.
    pub removed: PortSet,
}

/// The names of a matrix's endpoints: workload ids (`ns/Kind/name`) and external ranges.
pub fn endpoint_ids(a: &Analysis<'_>) -> Vec<String> {
    a.model
        .workloads
        .iter()
        .map(|w| w.id())
        .chain(a.ranges.iter().map(|r| format!("ip:{r}")))
        .collect()
}

/// The connections added and removed between two analyses, matched by endpoint identity.
/// Workloads present on one side only count as having no connection on the other; external
/// ranges are compared address by address (both partitions are refined together).
pub fn diff(before: &Analysis<'_>, after: &Analysis<'_>) -> Vec<Change> {
    // Workload pairs.
    let ids_b: HashMap<String, usize> = before
        .model
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id(), i))
        .collect();
    let ids_a: HashMap<String, usize> = after
        .model
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id(), i))
        .collect();
    let mut names: Vec<&String> = ids_b.keys().chain(ids_a.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    let get = |a: &Analysis<'_>, ids: &HashMap<String, usize>, s: &str, d: &str| -> PortSet {
        match (ids.get(s), ids.get(d)) {
            (Some(&s), Some(&d)) => a.allowed(Endpoint::Workload(s), Endpoint::Workload(d)),
            _ => PortSet::none(),
        }
    };
    for s in &names {
        for d in &names {
            let b = get(before, &ids_b, s, d);
            let a = get(after, &ids_a, s, d);
            if a != b {
                out.push(Change {
                    from: (*s).clone(),
                    to: (*d).clone(),
                    added: a.minus(&b),
                    removed: b.minus(&a),
                });
            }
        }
    }
    // External ranges: refine both partitions together so each range is uniform on both sides.
    let mut cidrs = Vec::new();
    for r in before.ranges.iter().chain(&after.ranges) {
        cidrs.extend(r.cidrs());
    }
    let joint = crate::ip::partition(&cidrs);
    let find = |a: &Analysis<'_>, r: &crate::ip::IpRange| {
        a.ranges
            .iter()
            .position(|x| x.family == r.family && x.start <= r.start && r.end <= x.end)
    };
    for r in &joint {
        let (xb, xa) = (find(before, r), find(after, r));
        for s in &names {
            let eb = match (ids_b.get(*s), xb) {
                (Some(&w), Some(x)) => before.allowed(Endpoint::Workload(w), Endpoint::External(x)),
                _ => PortSet::none(),
            };
            let ea = match (ids_a.get(*s), xa) {
                (Some(&w), Some(x)) => after.allowed(Endpoint::Workload(w), Endpoint::External(x)),
                _ => PortSet::none(),
            };
            if ea != eb {
                out.push(Change {
                    from: (*s).clone(),
                    to: format!("ip:{r}"),
                    added: ea.minus(&eb),
                    removed: eb.minus(&ea),
                });
            }
            let ib = match (ids_b.get(*s), xb) {
                (Some(&w), Some(x)) => before.allowed(Endpoint::External(x), Endpoint::Workload(w)),
                _ => PortSet::none(),
            };
            let ia = match (ids_a.get(*s), xa) {
                (Some(&w), Some(x)) => after.allowed(Endpoint::External(x), Endpoint::Workload(w)),
                _ => PortSet::none(),
            };
            if ia != ib {
                out.push(Change {
                    from: format!("ip:{r}"),
                    to: (*s).clone(),
                    added: ia.minus(&ib),
                    removed: ib.minus(&ia),
                });
            }
        }
    }
    out
}
