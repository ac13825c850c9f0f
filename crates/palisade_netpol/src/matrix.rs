//! The connectivity matrix: for every source (workload, or external range towards
//! workloads) and every destination (workload, or external range from workloads), the ports
//! allowed. Endpoints that no cell can tell apart are grouped into classes, so only one
//! source and one destination of each class is evaluated; rows are computed in parallel,
//! equal cells share one interned port set, each row is stored as runs of equal cells and
//! sources of one class share their row, so a cluster of thousands of workloads stays small
//! and fast. Also the diff of two matrices by workload identity. No I/O.

use crate::eval::{Analysis, Endpoint};
use crate::model::{Direction, PortRef};
use crate::ports::{PortSet, Proto};
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
    /// The distinct rows.
    rows: Vec<Row>,
    /// Per source: its row in `rows` (sources no cell can tell apart share one).
    row_of: Vec<u32>,
}

/// A small, fast hasher for the integer keys of the matrix computation (FxHash).
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

/// Interns values as dense ids.
struct Interner<K> {
    ids: HashMap<K, u32>,
}

impl<K: std::hash::Hash + Eq> Interner<K> {
    fn new() -> Self {
        Interner { ids: HashMap::new() }
    }
    fn id(&mut self, k: K) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(k).or_insert(next)
    }
}

/// Not isolated (in interned rule-list ids).
const OPEN: u32 = u32::MAX;

/// Endpoint `i` of the matrix, whose endpoints are the `n` workloads, then the external
/// ranges.
fn endpoint_at(n: usize, i: usize) -> Endpoint {
    if i < n {
        Endpoint::Workload(i)
    } else {
        Endpoint::External(i - n)
    }
}

/// Endpoints grouped into classes that every cell treats alike, per role.
///
/// A cell is `egress(src, dst) ∩ ingress(src, dst)` where
/// - the egress side depends on the source's egress isolation and rule list, on which of
///   those rules' peers match the destination, and (named ports) on the destination's ports;
/// - the ingress side depends on the destination's ingress isolation and rule list, on which
///   of those rules' peers match the source, and on the destination's ports.
///
/// So two sources with the same egress isolation and rule list that the same ingress rules
/// match have equal rows; two destinations with the same ingress isolation and rule list,
/// matched by the same egress rules and resolving every referenced named port alike have
/// equal columns. Workloads and external ranges are never in one class.
struct Classes {
    /// Per endpoint index (workloads, then external ranges): its class as a source.
    src: Vec<u32>,
    /// Per endpoint index: its class as a destination.
    dst: Vec<u32>,
    /// A member of each source class.
    src_rep: Vec<usize>,
    /// A member of each destination class.
    dst_rep: Vec<usize>,
}

impl Classes {
    fn new(a: &Analysis<'_>) -> Classes {
        let n = a.model.workloads.len();
        let x = a.ranges.len();
        let endpoint = |i: usize| endpoint_at(n, i);
        // The rules some workload's isolation uses, per direction (the others allow nothing
        // to anyone, so whether their peers match makes no difference).
        let mut used = vec![false; a.rules.len()];
        for list in a.ingress_rules.iter().chain(&a.egress_rules) {
            for &r in list {
                used[r as usize] = true;
            }
        }
        let of_dir = |d: Direction| -> Vec<u32> {
            (0..a.rules.len() as u32)
                .filter(|&r| used[r as usize] && a.rules[r as usize].direction == d)
                .collect()
        };
        let ingress = of_dir(Direction::Ingress);
        let egress = of_dir(Direction::Egress);
        // The named ports any used rule refers to.
        let mut names: Vec<(&str, Proto)> = Vec::new();
        for (r, f) in a.rules.iter().enumerate() {
            if !(used[r] && f.has_named) {
                continue;
            }
            for s in a.rule(r as u32).ports.iter().flatten() {
                if let PortRef::Name(name) = &s.port {
                    if !names.contains(&(name.as_str(), s.proto)) {
                        names.push((name.as_str(), s.proto));
                    }
                }
            }
        }
        // Per endpoint: the ingress rules matching it as a source, the egress rules matching
        // it as a destination, and its named ports.
        type Sig = (Vec<u32>, Vec<u32>, Vec<Option<u16>>);
        let sigs: Vec<Sig> = (0..n + x)
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                let e = endpoint(i);
                let pick = |rules: &[u32]| -> Vec<u32> {
                    rules.iter().copied().filter(|&r| a.rule_matches(r, e)).collect()
                };
                let ports = if i < n {
                    let w = &a.model.workloads[i];
                    names.iter().map(|&(name, p)| w.resolve(name, p)).collect()
                } else {
                    Vec::new()
                };
                (pick(&ingress), pick(&egress), ports)
            })
            .collect();
        let mut lists: Interner<&[u32]> = Interner::new();
        let mut rule_sets: Interner<&[u32]> = Interner::new();
        let mut port_sigs: Interner<&[Option<u16>]> = Interner::new();
        let mut src_classes: Interner<(bool, u32, u32)> = Interner::new();
        let mut dst_classes: Interner<(bool, u32, u32, u32)> = Interner::new();
        let mut c = Classes {
            src: Vec::with_capacity(n + x),
            dst: Vec::with_capacity(n + x),
            src_rep: Vec::new(),
            dst_rep: Vec::new(),
        };
        for (i, (sig_in, sig_eg, ports)) in sigs.iter().enumerate() {
            let external = i >= n;
            let (eg_list, in_list, port_sig) = if external {
                (OPEN, OPEN, OPEN)
            } else {
                let eg = if a.isolated(i, Direction::Egress) {
                    lists.id(&a.egress_rules[i])
                } else {
                    OPEN
                };
                let ing = if a.isolated(i, Direction::Ingress) {
                    lists.id(&a.ingress_rules[i])
                } else {
                    OPEN
                };
                (eg, ing, port_sigs.id(ports))
            };
            let s = src_classes.id((external, eg_list, rule_sets.id(sig_in)));
            if s as usize == c.src_rep.len() {
                c.src_rep.push(i);
            }
            c.src.push(s);
            let d = dst_classes.id((external, in_list, rule_sets.id(sig_eg), port_sig));
            if d as usize == c.dst_rep.len() {
                c.dst_rep.push(i);
            }
            c.dst.push(d);
        }
        c
    }
}

impl Matrix {
    /// Computes the whole matrix.
    ///
    /// Only one source of each source class and one destination of each destination class
    /// is evaluated (see [`Classes`]); rows are then spelled out over the columns, once per
    /// source class, in parallel.
    pub fn compute(a: &Analysis<'_>) -> Matrix {
        let n = a.model.workloads.len();
        let x = a.ranges.len();
        let endpoint = |i: usize| endpoint_at(n, i);
        let classes = Classes::new(a);
        let nd = classes.dst_rep.len();
        // Rows in parallel chunks of source classes, each with its own interner; merged
        // afterwards.
        let chunk = classes
            .src_rep
            .len()
            .div_ceil(rayon::current_num_threads() * 8)
            .max(1);
        let chunks: Vec<(Vec<PortSet>, Vec<Row>)> = classes
            .src_rep
            .par_chunks(chunk)
            .map(|reps| {
                let mut local: Vec<PortSet> = vec![PortSet::none(), PortSet::all()];
                let mut index: FxMap<PortSet, u32> = FxMap::default();
                index.insert(PortSet::none(), 0);
                index.insert(PortSet::all(), 1);
                let mut by_class = vec![0u32; nd];
                let mut rows = Vec::with_capacity(reps.len());
                for &s in reps {
                    let src = endpoint(s);
                    // Quick path: a source not egress-isolated towards a destination not
                    // ingress-isolated is "all ports".
                    let src_open = match src {
                        Endpoint::Workload(w) => !a.isolated(w, Direction::Egress),
                        Endpoint::External(_) => true,
                    };
                    for (dc, &d) in classes.dst_rep.iter().enumerate() {
                        by_class[dc] = if s >= n && d >= n {
                            0 // external to external: not a cell
                        } else if src_open && (d >= n || !a.isolated(d, Direction::Ingress)) {
                            1
                        } else {
                            let set = a.allowed(src, endpoint(d));
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
                    }
                    let cols = if s < n { n + x } else { n };
                    let mut row: Row = Vec::new();
                    for (d, &dc) in classes.dst[..cols].iter().enumerate() {
                        let id = by_class[dc as usize];
                        if row.last().is_none_or(|&(_, last)| last != id) {
                            row.push((d as u32, id));
                        }
                    }
                    row.shrink_to_fit();
                    rows.push(row);
                }
                (local, rows)
            })
            .collect();
        let mut cells: Vec<PortSet> = vec![PortSet::none(), PortSet::all()];
        let mut index: HashMap<PortSet, u32> = HashMap::new();
        index.insert(PortSet::none(), 0);
        index.insert(PortSet::all(), 1);
        let mut rows = Vec::with_capacity(classes.src_rep.len());
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
        let m = Matrix {
            workloads: n,
            ranges: x,
            cells,
            rows,
            row_of: classes.src,
        };
        // Unit tests check it in any profile (the README runs the tests in release).
        #[cfg(any(test, debug_assertions))]
        m.check_sample(a, 1000);
        m
    }

    /// Asserts that `samples` cells spread over the matrix equal `Analysis::allowed`.
    #[cfg(any(test, debug_assertions))]
    fn check_sample(&self, a: &Analysis<'_>, samples: usize) {
        let (n, x) = (self.workloads, self.ranges);
        if n == 0 {
            return;
        }
        let endpoint = |i: usize| endpoint_at(n, i);
        let mut state = 0x853c_49e6_748f_ea9b_u64;
        let mut next = |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % below as u64) as usize
        };
        for _ in 0..samples {
            let s = next(n + x);
            let d = next(self.width(s));
            let want = a.allowed(endpoint(s), endpoint(d));
            assert_eq!(
                self.cell(s, d),
                &want,
                "matrix cell {} -> {} differs from Analysis::allowed",
                a.endpoint_name(endpoint(s)),
                a.endpoint_name(endpoint(d))
            );
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
        &self.cells[self.cell_id(s, d) as usize]
    }

    /// The id (in `cells`) of the cell of (source index, destination index).
    fn cell_id(&self, s: usize, d: usize) -> u32 {
        let row = &self.rows[self.row_of[s] as usize];
        let i = row.partition_point(|&(start, _)| start as usize <= d) - 1;
        row[i].1
    }

    /// The non-empty cells of a row: `(destination index, ports)`.
    pub fn row(&self, s: usize) -> impl Iterator<Item = (usize, &PortSet)> + '_ {
        let row = &self.rows[self.row_of[s] as usize];
        let width = self.width(s);
        row.iter().enumerate().flat_map(move |(i, &(start, id))| {
            let end = row.get(i + 1).map_or(width, |n| n.0 as usize);
            let set = &self.cells[id as usize];
            (start as usize..end)
                .filter(move |_| id != 0)
                .map(move |d| (d, set))
        })
    }

    /// Number of rows (sources): the workloads, then the external ranges.
    pub fn rows(&self) -> usize {
        self.row_of.len()
    }

    /// Allowed (source, destination) pairs.
    pub fn allowed_pairs(&self) -> usize {
        let mut per_row = vec![None; self.rows.len()];
        (0..self.row_of.len())
            .map(|s| {
                let r = self.row_of[s] as usize;
                *per_row[r].get_or_insert_with(|| {
                    let row = &self.rows[r];
                    let width = self.width(s);
                    row.iter()
                        .enumerate()
                        .filter(|(_, r)| r.1 != 0)
                        .map(|(i, &(start, _))| {
                            row.get(i + 1).map_or(width, |n| n.0 as usize) - start as usize
                        })
                        .sum::<usize>()
                })
            })
            .sum()
    }

    /// Runs of equal cells stored (rows that sources share are stored once): the size of
    /// the matrix in memory is about 8 bytes a run.
    pub fn runs(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Distinct rows stored.
    pub fn distinct_rows(&self) -> usize {
        self.rows.len()
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
    /// What was allowed before, and after.
    pub before: PortSet,
    pub after: PortSet,
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
///
/// Computes both matrices and compares them row by row (in parallel), so its cost is about
/// that of two [`Matrix::compute`] plus one pass over the workload pairs.
pub fn diff(before: &Analysis<'_>, after: &Analysis<'_>) -> Vec<Change> {
    let (mb, ma) = rayon::join(|| Matrix::compute(before), || Matrix::compute(after));
    diff_matrices(before, &mb, after, &ma)
}

/// Workloads by identity (the last of equal ids wins, as everywhere ids are looked up).
fn workload_ids(a: &Analysis<'_>) -> HashMap<String, usize> {
    a.model
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id(), i))
        .collect()
}

/// The workload ids of either side, sorted, each once.
fn joint_names<'a>(b: &'a HashMap<String, usize>, a: &'a HashMap<String, usize>) -> Vec<&'a String> {
    let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
    names.sort();
    names.dedup();
    names
}

/// [`diff`] on already computed matrices (`mb` of `before`, `ma` of `after`).
fn diff_matrices(before: &Analysis<'_>, mb: &Matrix, after: &Analysis<'_>, ma: &Matrix) -> Vec<Change> {
    let (ids_b, ids_a) = (workload_ids(before), workload_ids(after));
    let names = joint_names(&ids_b, &ids_a);
    let at_b: Vec<Option<usize>> = names.iter().map(|s| ids_b.get(*s).copied()).collect();
    let at_a: Vec<Option<usize>> = names.iter().map(|s| ids_a.get(*s).copied()).collect();
    // The port sets of both matrices under joint ids: equal sets, equal ids. Id 0 is
    // "nothing" in both.
    let mut joint_sets: Vec<&PortSet> = Vec::new();
    let mut joint: HashMap<&PortSet, u32> = HashMap::new();
    let [jb, ja]: [Vec<u32>; 2] = [&mb.cells, &ma.cells].map(|cells| {
        cells
            .iter()
            .map(|set| {
                *joint.entry(set).or_insert_with(|| {
                    joint_sets.push(set);
                    joint_sets.len() as u32 - 1
                })
            })
            .collect()
    });
    let none = jb[0];
    let change = |from: String, to: String, b: u32, a: u32| {
        let (b, a) = (joint_sets[b as usize], joint_sets[a as usize]);
        Change {
            from,
            to,
            added: a.minus(b),
            removed: b.minus(a),
            before: b.clone(),
            after: a.clone(),
        }
    };
    // A row spelled out as joint ids over its columns.
    fn dense(m: &Matrix, joint: &[u32], s: usize, out: &mut Vec<u32>) {
        out.clear();
        let row = &m.rows[m.row_of[s] as usize];
        let width = m.width(s);
        for (i, &(start, id)) in row.iter().enumerate() {
            let end = row.get(i + 1).map_or(width, |n| n.0 as usize);
            out.extend(std::iter::repeat_n(joint[id as usize], end - start as usize));
        }
    }

    // Workload pairs, one source at a time.
    let mut out: Vec<Change> = (0..names.len())
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(row_b, row_a), j| {
                match at_b[j] {
                    Some(s) => dense(mb, &jb, s, row_b),
                    None => row_b.clear(),
                }
                match at_a[j] {
                    Some(s) => dense(ma, &ja, s, row_a),
                    None => row_a.clear(),
                }
                let mut changes = Vec::new();
                for k in 0..names.len() {
                    let b = at_b[k].filter(|_| !row_b.is_empty()).map_or(none, |d| row_b[d]);
                    let a = at_a[k].filter(|_| !row_a.is_empty()).map_or(none, |d| row_a[d]);
                    if a != b {
                        changes.push(change(names[j].clone(), names[k].clone(), b, a));
                    }
                }
                changes
            },
        )
        .flatten()
        .collect();

    // External ranges: refine both partitions together so each range is uniform on both sides.
    let mut cidrs = Vec::new();
    for r in before.ranges.iter().chain(&after.ranges) {
        cidrs.extend(r.cidrs());
    }
    let joint_ranges = crate::ip::partition(&cidrs);
    let find = |a: &Analysis<'_>, r: &crate::ip::IpRange| {
        a.ranges
            .iter()
            .position(|x| x.family == r.family && x.start <= r.start && r.end <= x.end)
    };
    let (nb, na) = (mb.workloads, ma.workloads);
    let raw: Vec<(usize, bool, usize, u32, u32)> = joint_ranges
        .par_iter()
        .enumerate()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(from_b, from_a), (ri, r)| {
                let (xb, xa) = (find(before, r), find(after, r));
                // The rows of the range as a source.
                match xb {
                    Some(x) => dense(mb, &jb, nb + x, from_b),
                    None => from_b.clear(),
                }
                match xa {
                    Some(x) => dense(ma, &ja, na + x, from_a),
                    None => from_a.clear(),
                }
                let mut changes = Vec::new();
                for j in 0..names.len() {
                    let eb = match (at_b[j], xb) {
                        (Some(w), Some(x)) => jb[mb.cell_id(w, nb + x) as usize],
                        _ => none,
                    };
                    let ea = match (at_a[j], xa) {
                        (Some(w), Some(x)) => ja[ma.cell_id(w, na + x) as usize],
                        _ => none,
                    };
                    if ea != eb {
                        changes.push((ri, true, j, eb, ea));
                    }
                    let ib = match (at_b[j], xb) {
                        (Some(w), Some(_)) => from_b[w],
                        _ => none,
                    };
                    let ia = match (at_a[j], xa) {
                        (Some(w), Some(_)) => from_a[w],
                        _ => none,
                    };
                    if ia != ib {
                        changes.push((ri, false, j, ib, ia));
                    }
                }
                changes
            },
        )
        .flatten()
        .collect();
    // Adjacent ranges with the same change towards (or from) the same workload are one change.
    let mut raw = raw;
    raw.sort_by_key(|&(ri, to_ip, j, b, a)| (j, !to_ip, b, a, ri));
    let mut external: Vec<Change> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let (ri, to_ip, j, b, a) = raw[i];
        let mut ranges = vec![joint_ranges[ri]];
        let mut k = i + 1;
        while k < raw.len() && (raw[k].1, raw[k].2, raw[k].3, raw[k].4) == (to_ip, j, b, a) {
            let r = joint_ranges[raw[k].0];
            match ranges.last_mut() {
                Some(l) if l.family == r.family && l.end.checked_add(1) == Some(r.start) => l.end = r.end,
                _ => ranges.push(r),
            }
            k += 1;
        }
        let ip = format!(
            "ip:{}",
            ranges
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        external.push(if to_ip {
            change(names[j].clone(), ip, b, a)
        } else {
            change(ip, names[j].clone(), b, a)
        });
        i = k;
    }
    out.extend(external);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::Cidr;
    use crate::model::{HostNetworkMode, Model, Options, PodIpMode};
    use serde_json::{json, Value};

    /// A tiny deterministic PRNG for the generated clusters.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % n as u64) as usize
        }
        fn pick<T: Clone>(&mut self, v: &[T]) -> T {
            v[self.below(v.len())].clone()
        }
    }

    fn selector(rng: &mut Rng, keys: &[(&str, &[&str])]) -> Value {
        let (k, values) = rng.pick(keys);
        match rng.below(5) {
            0 => json!({}),
            1 | 2 => json!({"matchLabels": {k: rng.pick(values)}}),
            3 => json!({"matchExpressions": [{"key": k, "operator": rng.pick(&["In", "NotIn"]),
                                              "values": [rng.pick(values), rng.pick(values)]}]}),
            _ => json!({"matchExpressions": [{"key": k, "operator": rng.pick(&["Exists", "DoesNotExist"])}]}),
        }
    }

    /// A random cluster: namespaces, workloads (named ports, hostNetwork, a Pod with an IP)
    /// and policies with every kind of peer and port.
    fn cluster(seed: u64, workloads: usize, policies: usize) -> Vec<Value> {
        let mut rng = Rng(seed);
        let ns_keys: &[(&str, &[&str])] = &[("team", &["a", "b"]), ("env", &["prod", "dev"])];
        let pod_keys: &[(&str, &[&str])] = &[("app", &["web", "api", "db"]), ("tier", &["fe", "be"])];
        let mut out = Vec::new();
        for i in 0..4 {
            let (team, env) = (["a", "b"][i % 2], ["prod", "dev"][i / 2]);
            out.push(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": format!("ns{i}"), "labels": {"team": team, "env": env}}}));
        }
        for i in 0..workloads {
            let mut labels = serde_json::Map::new();
            labels.insert("app".into(), json!(rng.pick(&["web", "api", "db"])));
            if rng.below(3) > 0 {
                labels.insert("tier".into(), json!(rng.pick(&["fe", "be"])));
            }
            let mut ports = Vec::new();
            if rng.below(3) > 0 {
                ports.push(json!({"name": "http", "containerPort": rng.pick(&[80, 8080])}));
            }
            if rng.below(4) == 0 {
                ports.push(json!({"name": "dns", "containerPort": 53, "protocol": "UDP"}));
            }
            if rng.below(3) == 0 {
                ports.push(json!({"name": "grpc", "containerPort": rng.pick(&[9090, 9091])}));
            }
            let spec =
                json!({"hostNetwork": rng.below(10) == 0, "containers": [{"name": "c", "ports": ports}]});
            let ns = format!("ns{}", rng.below(4));
            if i % 7 == 3 {
                out.push(json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("w{i}"), "namespace": ns, "labels": labels},
                    "spec": spec, "status": {"podIP": format!("10.{}.0.{i}", rng.below(3))}}));
            } else {
                out.push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": format!("w{i}"), "namespace": ns},
                    "spec": {"template": {"metadata": {"labels": labels}, "spec": spec}}}));
            }
        }
        let cidrs = [
            ("0.0.0.0/0", vec!["10.0.0.0/8"]),
            ("10.0.0.0/8", vec!["10.1.0.0/16"]),
            ("10.1.0.0/16", vec![]),
            ("192.168.0.0/16", vec!["192.168.1.0/24", "192.168.2.0/24"]),
            ("::/0", vec![]),
        ];
        for i in 0..policies {
            let mut spec = serde_json::Map::new();
            spec.insert("podSelector".into(), selector(&mut rng, pod_keys));
            match rng.below(4) {
                0 => {}
                1 => {
                    spec.insert("policyTypes".into(), json!(["Ingress"]));
                }
                2 => {
                    spec.insert("policyTypes".into(), json!(["Egress"]));
                }
                _ => {
                    spec.insert("policyTypes".into(), json!(["Ingress", "Egress"]));
                }
            }
            for (key, peers_key) in [("ingress", "from"), ("egress", "to")] {
                let mut rules = Vec::new();
                for _ in 0..rng.below(3) {
                    let mut rule = serde_json::Map::new();
                    if rng.below(4) > 0 {
                        let mut peers = Vec::new();
                        for _ in 0..1 + rng.below(2) {
                            peers.push(match rng.below(4) {
                                0 => json!({"podSelector": selector(&mut rng, pod_keys)}),
                                1 => json!({"namespaceSelector": selector(&mut rng, ns_keys)}),
                                2 => json!({"podSelector": selector(&mut rng, pod_keys),
                                            "namespaceSelector": selector(&mut rng, ns_keys)}),
                                _ => {
                                    let (cidr, except) = rng.pick(&cidrs);
                                    json!({"ipBlock": {"cidr": cidr, "except": except}})
                                }
                            });
                        }
                        rule.insert(peers_key.into(), json!(peers));
                    }
                    if rng.below(3) > 0 {
                        let mut ports = Vec::new();
                        for _ in 0..1 + rng.below(2) {
                            ports.push(match rng.below(5) {
                                0 => json!({"port": "http"}),
                                1 => json!({"port": "dns", "protocol": "UDP"}),
                                2 => json!({"port": "grpc"}),
                                3 => json!({"port": 8000, "endPort": 9090}),
                                _ => json!({"port": rng.pick(&[80, 53, 8080])}),
                            });
                        }
                        rule.insert("ports".into(), json!(ports));
                    }
                    rules.push(Value::Object(rule));
                }
                if !rules.is_empty() {
                    spec.insert(key.into(), json!(rules));
                }
            }
            out.push(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": format!("p{i}"), "namespace": format!("ns{}", rng.below(4))},
                "spec": spec}),
            );
        }
        out
    }

    fn load(objects: &[Value]) -> Vec<palisade_core::Object> {
        let text: String = objects.iter().map(|o| format!("---\n{o}\n")).collect();
        let l = palisade_source::load_bytes("cluster.yaml".into(), text.as_bytes());
        assert!(
            l.diagnostics
                .iter()
                .all(|d| d.level != palisade_core::DiagLevel::Error),
            "{:?}",
            l.diagnostics
        );
        l.objects
    }

    fn option_sets() -> Vec<Options> {
        vec![
            Options::default(),
            Options {
                pod_ips: PodIpMode::Match {
                    pod_cidrs: Vec::new(),
                },
                host_network: HostNetworkMode::Pod,
            },
            Options {
                pod_ips: PodIpMode::Match {
                    pod_cidrs: vec![Cidr::parse("10.0.0.0/8").unwrap()],
                },
                host_network: HostNetworkMode::Node,
            },
        ]
    }

    #[test]
    fn every_cell_equals_allowed() {
        for seed in 0..40 {
            let objects = load(&cluster(seed, 30, 14));
            for options in option_sets() {
                let model = Model::build(&objects, options);
                let a = Analysis::new(&model);
                let m = Matrix::compute(&a);
                let (n, x) = (m.workloads, m.ranges);
                assert_eq!(m.rows(), n + x);
                let ep = |i: usize| {
                    if i < n {
                        Endpoint::Workload(i)
                    } else {
                        Endpoint::External(i - n)
                    }
                };
                let mut pairs = 0;
                for s in 0..n + x {
                    let width = if s < n { n + x } else { n };
                    for d in 0..width {
                        let want = a.allowed(ep(s), ep(d));
                        assert_eq!(m.cell(s, d), &want, "seed {seed}: {s} -> {d}");
                        pairs += usize::from(!want.is_empty());
                    }
                    let listed: Vec<(usize, PortSet)> = m.row(s).map(|(d, p)| (d, p.clone())).collect();
                    let want: Vec<(usize, PortSet)> = (0..width)
                        .map(|d| (d, a.allowed(ep(s), ep(d))))
                        .filter(|(_, p)| !p.is_empty())
                        .collect();
                    assert_eq!(listed, want, "seed {seed}: row {s}");
                }
                assert_eq!(m.allowed_pairs(), pairs, "seed {seed}");
                m.check_sample(&a, 100);
            }
        }
    }

    /// `diff` as first written: every pair through `Analysis::allowed`.
    fn diff_reference(before: &Analysis<'_>, after: &Analysis<'_>) -> Vec<Change> {
        let (ids_b, ids_a) = (workload_ids(before), workload_ids(after));
        let names = joint_names(&ids_b, &ids_a);
        let mut out = Vec::new();
        let push = |out: &mut Vec<Change>, from: String, to: String, b: PortSet, a: PortSet| {
            if a != b {
                out.push(Change {
                    from,
                    to,
                    added: a.minus(&b),
                    removed: b.minus(&a),
                    before: b.clone(),
                    after: a.clone(),
                });
            }
        };
        let get =
            |a: &Analysis<'_>, ids: &HashMap<String, usize>, s: &str, d: &str| match (ids.get(s), ids.get(d))
            {
                (Some(&s), Some(&d)) => a.allowed(Endpoint::Workload(s), Endpoint::Workload(d)),
                _ => PortSet::none(),
            };
        for s in &names {
            for d in &names {
                let (b, a) = (get(before, &ids_b, s, d), get(after, &ids_a, s, d));
                push(&mut out, (*s).clone(), (*d).clone(), b, a);
            }
        }
        let mut cidrs = Vec::new();
        for r in before.ranges.iter().chain(&after.ranges) {
            cidrs.extend(r.cidrs());
        }
        let find = |a: &Analysis<'_>, r: &crate::ip::IpRange| {
            a.ranges
                .iter()
                .position(|x| x.family == r.family && x.start <= r.start && r.end <= x.end)
        };
        let ext =
            |a: &Analysis<'_>, ids: &HashMap<String, usize>, s: &str, x: Option<usize>, out: bool| match (
                ids.get(s),
                x,
            ) {
                (Some(&w), Some(x)) if out => a.allowed(Endpoint::Workload(w), Endpoint::External(x)),
                (Some(&w), Some(x)) => a.allowed(Endpoint::External(x), Endpoint::Workload(w)),
                _ => PortSet::none(),
            };
        for r in &crate::ip::partition(&cidrs) {
            let (xb, xa) = (find(before, r), find(after, r));
            for s in &names {
                let (eb, ea) = (ext(before, &ids_b, s, xb, true), ext(after, &ids_a, s, xa, true));
                push(&mut out, (*s).clone(), format!("ip:{r}"), eb, ea);
                let (ib, ia) = (
                    ext(before, &ids_b, s, xb, false),
                    ext(after, &ids_a, s, xa, false),
                );
                push(&mut out, format!("ip:{r}"), (*s).clone(), ib, ia);
            }
        }
        out
    }

    /// Changes as comparable keys: workload pairs exactly; for external ranges only which
    /// workload, direction and ports (adjacent ranges with the same change are merged by
    /// `diff`), as a set.
    fn flat(changes: &[Change]) -> Vec<(String, String, String, String)> {
        let mut v: Vec<(String, String, String, String)> = changes
            .iter()
            .map(|c| {
                let ext = |s: &str| {
                    if s.starts_with("ip:") {
                        "ip".to_owned()
                    } else {
                        s.to_owned()
                    }
                };
                (
                    ext(&c.from),
                    ext(&c.to),
                    c.added.to_string(),
                    c.removed.to_string(),
                )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn diff_equals_pairwise_reference() {
        for seed in 0..30 {
            let full = cluster(seed, 24, 12);
            // After: some policies and workloads dropped, others added (another seed's).
            let mut changed: Vec<Value> = full
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 5 != 2)
                .map(|(_, o)| o.clone())
                .collect();
            changed.extend(cluster(seed + 1000, 6, 4).into_iter().skip(4).map(|mut o| {
                let name = format!("{}-new", o["metadata"]["name"].as_str().unwrap_or(""));
                o["metadata"]["name"] = json!(name);
                o
            }));
            let (ob, oa) = (load(&full), load(&changed));
            for options in option_sets() {
                let (mb, ma) = (Model::build(&ob, options.clone()), Model::build(&oa, options));
                let (b, a) = (Analysis::new(&mb), Analysis::new(&ma));
                let got = diff(&b, &a);
                assert_eq!(flat(&got), flat(&diff_reference(&b, &a)), "seed {seed}");
                assert!(diff(&b, &b).is_empty());
            }
        }
    }
}
