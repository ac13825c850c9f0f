//! `palisade netpol`: the connectivity matrix, single-connection checks with explanations,
//! and the diff of two manifest sets, from palisade_netpol's exact reachability. Loads
//! inputs like `scan`. Exit codes: check 0 allowed / 1 denied; diff 0 same / 1 changed;
//! 2 on usage or input errors.

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use palisade_core::{DiagLevel, Object};
use palisade_netpol::{
    diff, Analysis, Cidr, Endpoint, Explanation, HostNetworkMode, Matrix, Model, Options, PodIpMode, PortSet,
    Proto, Side,
};
use serde_json::json;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum NetpolCommand {
    /// Who can reach whom on which ports: workloads × workloads and external IP ranges.
    Matrix(MatrixArgs),
    /// Can one workload (or address) connect to another, and why.
    Check(CheckArgs),
    /// Connections added and removed between two manifest sets.
    Diff(DiffArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum HostNet {
    /// hostNetwork pods are node traffic: not selected by policies or peers (default).
    Node,
    /// hostNetwork pods are treated like other pods.
    Pod,
}

#[derive(Args, Debug, Clone)]
pub struct Semantics {
    /// ipBlock peers also match pods whose IP they contain (the e2e conformance behaviour).
    /// Pods read from a cluster have IPs; pods from manifests are taken to be anywhere in
    /// --pod-cidr. Off by default, as established analyzers do.
    #[arg(long)]
    pub ipblock_matches_pods: bool,
    /// The cluster's pod CIDR(s), for --ipblock-matches-pods (default: the whole address space).
    #[arg(long, value_name = "CIDR", requires = "ipblock_matches_pods")]
    pub pod_cidr: Vec<String>,
    /// How hostNetwork pods are treated.
    #[arg(long, value_enum, default_value = "node")]
    pub host_network: HostNet,
}

impl Semantics {
    fn options(&self) -> Result<Options, String> {
        let pod_ips = if self.ipblock_matches_pods {
            let mut pod_cidrs = Vec::new();
            for c in &self.pod_cidr {
                pod_cidrs.push(Cidr::parse(c).map_err(|e| format!("--pod-cidr: {e}"))?);
            }
            PodIpMode::Match { pod_cidrs }
        } else {
            PodIpMode::Ignore
        };
        Ok(Options {
            pod_ips,
            host_network: match self.host_network {
                HostNet::Node => HostNetworkMode::Node,
                HostNet::Pod => HostNetworkMode::Pod,
            },
        })
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MatrixOut {
    Human,
    Json,
    Csv,
    Dot,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct MatrixArgs {
    #[command(flatten)]
    pub source: crate::cluster::Source,
    /// Only workloads of these namespaces (repeatable); external ranges are kept.
    #[arg(short, long)]
    pub namespace: Vec<String>,
    /// Leave out external IP ranges.
    #[arg(long)]
    pub no_external: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: MatrixOut,
    #[command(flatten)]
    pub semantics: Semantics,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Source: NAMESPACE/NAME, NAMESPACE/KIND/NAME, or an IP address.
    #[arg(long)]
    pub from: String,
    /// Destination: NAMESPACE/NAME, NAMESPACE/KIND/NAME, or an IP address.
    #[arg(long)]
    pub to: String,
    /// Destination port: a number or a named container port of the destination.
    #[arg(long)]
    pub port: Option<String>,
    /// Protocol of --port.
    #[arg(long, value_parser = ["TCP", "UDP", "SCTP"], default_value = "TCP")]
    pub protocol: String,
    #[command(flatten)]
    pub source: crate::cluster::Source,
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: crate::rbac::Out,
    #[command(flatten)]
    pub semantics: Semantics,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// BEFORE and AFTER: the manifests before and after the change (files, directories or
    /// globs). With --cluster, only AFTER: the live cluster is the state before.
    #[arg(value_name = "BEFORE AFTER", num_args = 1..=2, required = true)]
    pub sets: Vec<String>,
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterConn,
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: crate::rbac::Out,
    #[command(flatten)]
    pub semantics: Semantics,
}

pub fn run(cmd: NetpolCommand) -> Result<u8> {
    match cmd {
        NetpolCommand::Matrix(a) => matrix(a),
        NetpolCommand::Check(a) => check(a),
        NetpolCommand::Diff(a) => diff_cmd(a),
    }
}

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

/// Loads inputs (manifests, or a cluster with `--cluster`); prints input errors; returns the
/// objects and whether there were errors.
fn load(paths: &[String], cluster: &crate::cluster::ClusterConn, pod_ips: bool) -> (Vec<Object>, bool) {
    let (objects, errors) = if cluster.cluster {
        match crate::cluster::load(cluster, pod_ips) {
            Ok((objects, diags, _)) => (objects, diags),
            Err(e) => {
                eprintln!("palisade: error: {e}");
                return (Vec::new(), true);
            }
        }
    } else {
        crate::rbac::load_files(paths)
    };
    for d in &errors {
        eprintln!("palisade: {d}");
    }
    (objects, errors.iter().any(|d| d.level == DiagLevel::Error))
}

fn report_problems(m: &Model) {
    for p in &m.problems {
        let loc = p.location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default();
        if p.duplicate {
            eprintln!("palisade: warning: {loc}{}: {}", p.reference, p.message);
        } else {
            eprintln!(
                "palisade: warning: {loc}{}: {} (the API server rejects this NetworkPolicy; it is left out)",
                p.reference, p.message
            );
        }
    }
}

/// Writes connections in one output format, as they are produced (large matrices are never
/// held as text or JSON in memory).
struct Sink<'w> {
    out: &'w mut dyn Write,
    format: MatrixOut,
    count: usize,
    /// DOT/Mermaid node ids by label.
    nodes: std::collections::HashMap<String, usize>,
    /// Human output: column widths (the longest workload id).
    widths: (usize, usize),
}

impl Sink<'_> {
    fn node(&mut self, label: &str, workload: bool) -> Result<usize> {
        if let Some(&i) = self.nodes.get(label) {
            return Ok(i);
        }
        let i = self.nodes.len();
        self.nodes.insert(label.to_owned(), i);
        let l = label.replace('"', "'");
        match (self.format, workload) {
            (MatrixOut::Dot, true) => writeln!(self.out, "  n{i} [label=\"{l}\", shape=box];")?,
            (MatrixOut::Dot, false) => {
                writeln!(self.out, "  n{i} [label=\"{l}\", shape=ellipse, style=dashed];")?
            }
            (MatrixOut::Mermaid, true) => writeln!(self.out, "  n{i}[\"{l}\"]")?,
            (MatrixOut::Mermaid, false) => writeln!(self.out, "  n{i}((\"{l}\"))")?,
            _ => {}
        }
        Ok(i)
    }

    fn emit(&mut self, from: &str, from_w: bool, to: &str, to_w: bool, ports: &PortSet) -> Result<()> {
        match self.format {
            MatrixOut::Json => {
                if self.count > 0 {
                    write!(self.out, ",")?;
                }
                write!(
                    self.out,
                    "\n    {}",
                    json!({"from": from, "to": to, "ports": ports})
                )?;
            }
            MatrixOut::Csv => writeln!(self.out, "\"{from}\",\"{to}\",\"{ports}\"")?,
            MatrixOut::Dot | MatrixOut::Mermaid => {
                // Replica-to-replica traffic (a workload to itself) is left out of drawings.
                if from != to {
                    let (a, b) = (self.node(from, from_w)?, self.node(to, to_w)?);
                    let p = ports.to_string();
                    if self.format == MatrixOut::Dot {
                        writeln!(self.out, "  n{a} -> n{b} [label=\"{p}\"];")?;
                    } else {
                        writeln!(self.out, "  n{a} -->|\"{p}\"| n{b}")?;
                    }
                }
            }
            MatrixOut::Human => {
                let (w0, w1) = self.widths;
                writeln!(self.out, "{from:w0$}  {to:w1$}  {ports}")?;
            }
        }
        self.count += 1;
        Ok(())
    }
}

/// Merges adjacent ranges of one family.
fn merge_ranges(mut ranges: Vec<palisade_netpol::IpRange>) -> String {
    ranges.sort();
    let mut merged: Vec<palisade_netpol::IpRange> = Vec::new();
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

fn matrix(a: MatrixArgs) -> Result<u8> {
    let options = match a.semantics.options() {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let (objects, errors) = load(
        &a.source.paths,
        &a.source.cluster,
        a.semantics.ipblock_matches_pods,
    );
    let model = Model::build(&objects, options);
    drop(objects);
    report_problems(&model);
    let an = Analysis::new(&model);
    let m = Matrix::compute(&an);
    let n = model.workloads.len();
    let x = if a.no_external { 0 } else { an.ranges.len() };
    let keep_w = |w: usize| a.namespace.is_empty() || a.namespace.contains(&model.workloads[w].namespace);
    let kept: Vec<usize> = (0..n).filter(|&w| keep_w(w)).collect();
    let invalid = model.problems.iter().filter(|p| !p.duplicate).count();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.output {
        MatrixOut::Json => {
            writeln!(out, "{{\n  \"endpoints\": [")?;
            let mut first = true;
            for &i in &kept {
                let w = &model.workloads[i];
                let e = json!({"id": w.id(), "type": "workload", "namespace": w.namespace, "kind": w.kind, "name": w.name,
                               "ingressIsolated": an.isolated(i, palisade_netpol::Direction::Ingress),
                               "egressIsolated": an.isolated(i, palisade_netpol::Direction::Egress),
                               "hostNetwork": w.host_network,
                               "location": w.location.as_ref().map(ToString::to_string)});
                write!(out, "{}    {e}", if first { "" } else { ",\n" })?;
                first = false;
            }
            for r in an.ranges.iter().take(x) {
                write!(out, "{}    {}", if first { "" } else { ",\n" }, json!({"id": r.to_string(), "type": "external"}))?;
                first = false;
            }
            write!(out, "\n  ],\n  \"connections\": [")?;
        }
        MatrixOut::Csv => writeln!(out, "from,to,ports")?,
        MatrixOut::Dot => writeln!(
            out,
            "digraph connectivity {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];"
        )?,
        MatrixOut::Mermaid => writeln!(out, "flowchart LR")?,
        MatrixOut::Human => {}
    }
    let width = kept
        .iter()
        .map(|&w| model.workloads[w].id().len())
        .max()
        .unwrap_or(0)
        .max(if x > 0 { 15 } else { 4 });
    if a.output == MatrixOut::Human {
        writeln!(
            out,
            "{} workload(s), {x} external range(s), {} valid NetworkPolicies ({invalid} invalid, left out)\n",
            kept.len(),
            model.policies.len(),
        )?;
        writeln!(out, "{:width$}  {:width$}  PORTS", "FROM", "TO")?;
    }
    let mut sink = Sink {
        out: &mut out,
        format: a.output,
        count: 0,
        nodes: std::collections::HashMap::new(),
        widths: (width, width),
    };
    for &w in &kept {
        let id = model.workloads[w].id();
        sink.node(&id, true)?;
    }
    let is_kept = {
        let mut v = vec![false; n];
        for &w in &kept {
            v[w] = true;
        }
        v
    };
    // Workload sources: workload destinations cell by cell; external destinations grouped by
    // ports and merged into ranges.
    for &s in &kept {
        let from = model.workloads[s].id();
        let mut ext: Vec<(&PortSet, Vec<palisade_netpol::IpRange>)> = Vec::new();
        for (d, set) in m.row(s) {
            if d < n {
                if is_kept[d] {
                    sink.emit(&from, true, &model.workloads[d].id(), true, set)?;
                }
            } else if d - n < x {
                match ext.iter_mut().find(|(p, _)| *p == set) {
                    Some((_, v)) => v.push(an.ranges[d - n]),
                    None => ext.push((set, vec![an.ranges[d - n]])),
                }
            }
        }
        for (set, ranges) in ext {
            sink.emit(&from, true, &merge_ranges(ranges), false, set)?;
        }
    }
    // External sources, grouped by destination and ports.
    for &d in &kept {
        let mut ext: Vec<(&PortSet, Vec<palisade_netpol::IpRange>)> = Vec::new();
        for r in 0..x {
            let set = m.cell(n + r, d);
            if set.is_empty() {
                continue;
            }
            match ext.iter_mut().find(|(p, _)| *p == set) {
                Some((_, v)) => v.push(an.ranges[r]),
                None => ext.push((set, vec![an.ranges[r]])),
            }
        }
        let to = model.workloads[d].id();
        for (set, ranges) in ext {
            sink.emit(&merge_ranges(ranges), false, &to, true, set)?;
        }
    }
    let count = sink.count;
    match a.output {
        MatrixOut::Json => {
            writeln!(
                out,
                "\n  ],\n  \"policies\": {},\n  \"invalidPolicies\": {invalid}\n}}",
                model.policies.len()
            )?;
        }
        MatrixOut::Dot => writeln!(out, "}}")?,
        MatrixOut::Csv | MatrixOut::Mermaid => {}
        MatrixOut::Human => {
            writeln!(out, "\n{count} allowed connection(s).")?;
            let open: Vec<String> = kept
                .iter()
                .filter(|&&w| {
                    !model.workloads[w].host_network && !an.isolated(w, palisade_netpol::Direction::Ingress)
                })
                .map(|&w| model.workloads[w].id())
                .collect();
            if !open.is_empty() {
                writeln!(
                    out,
                    "\nNot isolated for ingress (open to every pod): {}",
                    open.join(", ")
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if errors { 2 } else { 0 })
}

/// Resolves `NS/NAME`, `NS/KIND/NAME` or an IP address to an endpoint.
fn endpoint(an: &Analysis<'_>, spec: &str) -> Result<Endpoint, String> {
    if let Ok(ip) = spec.parse::<std::net::IpAddr>() {
        return an
            .external_for(ip)
            .map(Endpoint::External)
            .ok_or_else(|| format!("no range for {ip}"));
    }
    let parts: Vec<&str> = spec.split('/').collect();
    let (ns, kind, name) = match parts.as_slice() {
        [ns, name] => (*ns, None, *name),
        [ns, kind, name] => (*ns, Some(*kind), *name),
        _ => {
            return Err(format!(
                "{spec:?}: expected NAMESPACE/NAME, NAMESPACE/KIND/NAME or an IP address"
            ))
        }
    };
    let found: Vec<usize> = an
        .model
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            w.namespace == ns && w.name == name && kind.is_none_or(|k| w.kind.eq_ignore_ascii_case(k))
        })
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [i] => Ok(Endpoint::Workload(*i)),
        [] => Err(format!("no workload {spec} in the input")),
        many => Err(format!(
            "{spec} is ambiguous ({}); use NAMESPACE/KIND/NAME",
            many.iter()
                .map(|&i| an.model.workloads[i].id())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn side_text(out: &mut dyn Write, an: &Analysis<'_>, who: Endpoint, s: &Side) -> Result<()> {
    let name = an.endpoint_name(who);
    let dir = s.direction.as_str();
    if !s.isolated {
        let why = match who {
            Endpoint::External(_) => "an external address: no NetworkPolicy applies".to_owned(),
            Endpoint::Workload(_) => format!("no NetworkPolicy selects it for {dir}"),
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

fn check(a: CheckArgs) -> Result<u8> {
    let options = match a.semantics.options() {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let (objects, errors) = load(
        &a.source.paths,
        &a.source.cluster,
        a.semantics.ipblock_matches_pods,
    );
    let model = Model::build(&objects, options);
    report_problems(&model);
    let an = Analysis::new(&model);
    let (src, dst) = match (endpoint(&an, &a.from), endpoint(&an, &a.to)) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => return usage(e),
    };
    if matches!((src, dst), (Endpoint::External(_), Endpoint::External(_))) {
        return usage("at least one end must be a workload");
    }
    let ex: Explanation = an.explain(src, dst);
    let proto = Proto::parse(&a.protocol).unwrap_or(Proto::Tcp);
    // The port asked for, resolved on the destination when named.
    let port: Option<u16> = match &a.port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => match dst {
                Endpoint::Workload(d) => match model.workloads[d].resolve(p, proto) {
                    Some(n) => Some(n),
                    None => {
                        return usage(format!(
                            "{} declares no {} port named {p:?}",
                            an.endpoint_name(dst),
                            proto.as_str()
                        ))
                    }
                },
                Endpoint::External(_) => return usage("a named port needs a workload destination"),
            },
        },
    };
    let allowed = match port {
        Some(p) => ex.allowed.contains(proto, p),
        None => !ex.allowed.is_empty(),
    };
    let what = match port {
        Some(p) => format!("{} {p}", proto.as_str()),
        None => "any port".to_owned(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.output {
        crate::rbac::Out::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &json!({"allowed": allowed, "from": an.endpoint_name(src), "to": an.endpoint_name(dst),
                        "port": port, "protocol": proto, "explanation": ex}),
            )?;
            writeln!(out)?;
        }
        crate::rbac::Out::Human => {
            writeln!(
                out,
                "{}: {} → {} on {what}",
                if allowed { "yes" } else { "no" },
                an.endpoint_name(src),
                an.endpoint_name(dst)
            )?;
            writeln!(out, "  allowed ports: {}", ex.allowed)?;
            side_text(&mut out, &an, src, &ex.egress)?;
            side_text(&mut out, &an, dst, &ex.ingress)?;
        }
    }
    out.flush()?;
    Ok(if errors {
        2
    } else if allowed {
        0
    } else {
        1
    })
}

fn diff_cmd(a: DiffArgs) -> Result<u8> {
    let options = match a.semantics.options() {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let files = crate::cluster::ClusterConn::default();
    let pod_ips = a.semantics.ipblock_matches_pods;
    let ((ob, eb), after) = match (a.cluster.cluster, a.sets.as_slice()) {
        (true, [after]) => (load(&[], &a.cluster, pod_ips), after),
        (false, [before, after]) => (load(std::slice::from_ref(before), &files, false), after),
        (true, _) => return usage("with --cluster give only AFTER: the cluster is the state before"),
        (false, _) => return usage("give BEFORE and AFTER (or --cluster and AFTER)"),
    };
    let (oa, ea) = load(std::slice::from_ref(after), &files, false);
    let mb = Model::build(&ob, options.clone());
    let ma = Model::build(&oa, options);
    report_problems(&mb);
    report_problems(&ma);
    let (ab, aa) = (Analysis::new(&mb), Analysis::new(&ma));
    let changes = diff(&ab, &aa);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.output {
        crate::rbac::Out::Json => {
            serde_json::to_writer_pretty(&mut out, &json!({"changes": changes}))?;
            writeln!(out)?;
        }
        crate::rbac::Out::Human => {
            if changes.is_empty() {
                writeln!(out, "No connection changes.")?;
            }
            for c in &changes {
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
            let added = changes.iter().filter(|c| !c.added.is_empty()).count();
            let removed = changes.iter().filter(|c| !c.removed.is_empty()).count();
            if !changes.is_empty() {
                writeln!(
                    out,
                    "\n{added} connection(s) opened or widened, {removed} closed or narrowed."
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if eb || ea {
        2
    } else if changes.is_empty() {
        0
    } else {
        1
    })
}
