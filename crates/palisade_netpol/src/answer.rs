//! The answers of `palisade netpol` (matrix, check, diff) as typed data for the renderers of
//! `palisade_report`. JSON is their `Serialize` form; fields marked `#[serde(skip)]` are for
//! the human format only. The matrix is not held as an answer: its connections are produced
//! one by one ([`connections`]) so that a large matrix is never held as text in memory.

use crate::eval::{Analysis, Endpoint, Explanation};
use crate::ip::IpRange;
use crate::matrix::{Change, Matrix};
use crate::model::{Direction, Model};
use crate::ports::{PortSet, Proto};
use serde::Serialize;

/// An endpoint of the matrix: a workload or an external address range.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum MatrixEndpoint {
    #[serde(rename_all = "camelCase")]
    Workload {
        /// `ns/Kind/name`.
        id: String,
        #[serde(rename = "type")]
        kind_of: &'static str,
        namespace: String,
        kind: String,
        name: String,
        ingress_isolated: bool,
        egress_isolated: bool,
        host_network: bool,
        location: Option<String>,
    },
    External {
        id: String,
        #[serde(rename = "type")]
        kind_of: &'static str,
    },
}

/// What the matrix is about, known before its connections.
#[derive(Clone, Debug)]
pub struct MatrixHead {
    /// The workloads kept (by `--namespace`), then the external ranges (unless left out).
    pub endpoints: Vec<MatrixEndpoint>,
    /// Number of workloads among `endpoints`.
    pub workloads: usize,
    /// Number of external ranges among `endpoints`.
    pub external: usize,
    /// Valid NetworkPolicies.
    pub policies: usize,
    /// NetworkPolicies the API server would reject (left out).
    pub invalid: usize,
}

/// What the matrix says after its connections.
#[derive(Clone, Debug)]
pub struct MatrixTail {
    /// Kept workloads (not on the host network) that no policy isolates for ingress.
    pub open: Vec<String>,
    /// Input errors the matrix rests on (e.g. NetworkPolicies that could not be read): the
    /// matrix is incomplete. Set by the caller.
    pub errors: Vec<String>,
}

/// One allowed connection of the matrix.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Connection<'a> {
    /// A workload id or external ranges (`10.0.0.0/8, 192.168.0.0/16`).
    pub from: &'a str,
    pub to: &'a str,
    pub ports: &'a PortSet,
    /// Whether `from` / `to` is a workload (otherwise external ranges).
    #[serde(skip)]
    pub from_workload: bool,
    #[serde(skip)]
    pub to_workload: bool,
}

/// The matrix restricted to some workloads, and with or without external ranges.
pub struct MatrixView<'a> {
    pub analysis: &'a Analysis<'a>,
    pub matrix: &'a Matrix,
    /// Workload indices kept.
    pub kept: Vec<usize>,
    /// Number of external ranges kept (all or none).
    pub external: usize,
}

impl<'a> MatrixView<'a> {
    /// Keeps the workloads of `namespaces` (all when empty), and external ranges unless
    /// `no_external`.
    pub fn new(
        analysis: &'a Analysis<'a>,
        matrix: &'a Matrix,
        namespaces: &[String],
        no_external: bool,
    ) -> Self {
        let model = analysis.model;
        let kept = (0..model.workloads.len())
            .filter(|&w| {
                namespaces.is_empty() || namespaces.iter().any(|n| n == model.workloads[w].namespace())
            })
            .collect();
        MatrixView {
            analysis,
            matrix,
            kept,
            external: if no_external { 0 } else { analysis.ranges.len() },
        }
    }

    pub fn head(&self) -> MatrixHead {
        let an = self.analysis;
        let model: &Model = an.model;
        let mut endpoints: Vec<MatrixEndpoint> = self
            .kept
            .iter()
            .map(|&i| {
                let w = &model.workloads[i];
                MatrixEndpoint::Workload {
                    id: w.id(),
                    kind_of: "workload",
                    namespace: w.namespace().to_owned(),
                    kind: w.kind().to_owned(),
                    name: w.name().to_owned(),
                    ingress_isolated: an.isolated(i, Direction::Ingress),
                    egress_isolated: an.isolated(i, Direction::Egress),
                    host_network: w.host_network,
                    location: w.location.as_ref().map(ToString::to_string),
                }
            })
            .collect();
        endpoints.extend(
            an.ranges
                .iter()
                .take(self.external)
                .map(|r| MatrixEndpoint::External {
                    id: r.to_string(),
                    kind_of: "external",
                }),
        );
        MatrixHead {
            endpoints,
            workloads: self.kept.len(),
            external: self.external,
            policies: model.policies.len(),
            invalid: model.problems.iter().filter(|p| !p.duplicate).count(),
        }
    }

    pub fn tail(&self) -> MatrixTail {
        let model = self.analysis.model;
        MatrixTail {
            open: self
                .kept
                .iter()
                .filter(|&&w| {
                    !model.workloads[w].host_network && !self.analysis.isolated(w, Direction::Ingress)
                })
                .map(|&w| model.workloads[w].id())
                .collect(),
            errors: Vec::new(),
        }
    }

    /// Calls `f` with every allowed connection: from each kept workload to kept workloads cell
    /// by cell and to external ranges grouped by ports (adjacent ranges merged), then from
    /// external ranges to each kept workload, grouped the same way.
    pub fn connections<E>(&self, mut f: impl FnMut(Connection<'_>) -> Result<(), E>) -> Result<(), E> {
        let an = self.analysis;
        let model = an.model;
        let n = model.workloads.len();
        let x = self.external;
        let mut is_kept = vec![false; n];
        for &w in &self.kept {
            is_kept[w] = true;
        }
        for &s in &self.kept {
            let from = model.workloads[s].id();
            let mut ext = ByPorts::default();
            for (d, set) in self.matrix.row(s) {
                if d < n {
                    if is_kept[d] {
                        let to = model.workloads[d].id();
                        f(Connection {
                            from: &from,
                            to: &to,
                            ports: set,
                            from_workload: true,
                            to_workload: true,
                        })?;
                    }
                } else if d - n < x {
                    ext.add(set, an.ranges[d - n]);
                }
            }
            ext.connections(&from, false, &mut f)?;
        }
        for &d in &self.kept {
            let mut ext = ByPorts::default();
            for r in 0..x {
                let set = self.matrix.cell(n + r, d);
                if !set.is_empty() {
                    ext.add(set, an.ranges[r]);
                }
            }
            ext.connections(&model.workloads[d].id(), true, &mut f)?;
        }
        Ok(())
    }
}

/// External ranges grouped by the ports of their cells, in the order first seen.
#[derive(Default)]
struct ByPorts<'a>(Vec<(&'a PortSet, Vec<IpRange>)>);

impl<'a> ByPorts<'a> {
    fn add(&mut self, set: &'a PortSet, range: IpRange) {
        match self.0.iter_mut().find(|(p, _)| *p == set) {
            Some((_, v)) => v.push(range),
            None => self.0.push((set, vec![range])),
        }
    }

    /// Calls `f` once per port set: between `workload` and the merged ranges, which are the
    /// source when `external_is_from`, else the destination.
    fn connections<E>(
        self,
        workload: &str,
        external_is_from: bool,
        f: &mut impl FnMut(Connection<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        for (set, ranges) in self.0 {
            let ext = merge_ranges(ranges);
            let (from, to) = if external_is_from {
                (ext.as_str(), workload)
            } else {
                (workload, ext.as_str())
            };
            f(Connection {
                from,
                to,
                ports: set,
                from_workload: !external_is_from,
                to_workload: external_is_from,
            })?;
        }
        Ok(())
    }
}

/// Merges adjacent ranges of one family: `10.0.0.0/8, 192.168.0.0/16`.
fn merge_ranges(mut ranges: Vec<IpRange>) -> String {
    ranges.sort();
    let mut merged: Vec<IpRange> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(l) if l.family == r.family && l.end.checked_add(1) == Some(r.start) => l.end = r.end,
            _ => merged.push(r),
        }
    }
    merged
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `palisade netpol check`: whether one end can connect to the other, and why.
#[derive(Clone, Debug, Serialize)]
pub struct CheckAnswer {
    pub allowed: bool,
    /// `Deployment ns/name` or an address range.
    pub from: String,
    pub to: String,
    /// The port asked for, resolved on the destination when named (`None`: any port).
    pub port: Option<u16>,
    pub protocol: Proto,
    pub explanation: Explanation,
    /// Whether the source / destination is an external address.
    #[serde(skip)]
    pub from_external: bool,
    #[serde(skip)]
    pub to_external: bool,
    /// Input errors the answer rests on (the answer may be wrong). Set by the caller.
    pub errors: Vec<String>,
}

impl CheckAnswer {
    pub fn new(an: &Analysis<'_>, src: Endpoint, dst: Endpoint, port: Option<u16>, protocol: Proto) -> Self {
        let explanation = an.explain(src, dst);
        let allowed = match port {
            Some(p) => explanation.allowed.contains(protocol, p),
            None => !explanation.allowed.is_empty(),
        };
        CheckAnswer {
            allowed,
            from: an.endpoint_name(src),
            to: an.endpoint_name(dst),
            port,
            protocol,
            explanation,
            from_external: matches!(src, Endpoint::External(_)),
            to_external: matches!(dst, Endpoint::External(_)),
            errors: Vec::new(),
        }
    }
}

/// `palisade netpol diff`: the connections that changed.
#[derive(Clone, Debug, Serialize)]
pub struct DiffAnswer {
    pub changes: Vec<Change>,
    /// Input errors the answer rests on (the diff may be wrong).
    pub errors: Vec<String>,
}
