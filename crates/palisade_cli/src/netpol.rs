//! `palisade netpol`: the connectivity matrix, single-connection checks with explanations,
//! and the diff of two manifest sets, from palisade_netpol's exact reachability. Loads
//! inputs like `scan`; the answers are rendered by palisade_report. Exit codes: check 0 allowed / 1 denied; diff 0 same / 1 changed;
//! 2 on usage or input errors.

use crate::input::Input;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use palisade_netpol::answer::{CheckAnswer, DiffAnswer, MatrixView};
use palisade_netpol::{
    diff, Analysis, Cidr, Endpoint, HostNetworkMode, Matrix, Model, Options, PodIpMode, Proto,
};
use palisade_report::{MatrixFormat, MatrixWriter};
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

impl From<MatrixOut> for MatrixFormat {
    fn from(o: MatrixOut) -> MatrixFormat {
        match o {
            MatrixOut::Human => MatrixFormat::Human,
            MatrixOut::Json => MatrixFormat::Json,
            MatrixOut::Csv => MatrixFormat::Csv,
            MatrixOut::Dot => MatrixFormat::Dot,
            MatrixOut::Mermaid => MatrixFormat::Mermaid,
        }
    }
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
    /// BEFORE: the manifests before the change (files, directories or globs). With
    /// --cluster, the only argument is AFTER: the live cluster is the state before.
    #[arg(value_name = "BEFORE")]
    pub first: String,
    /// AFTER: the manifests after the change (not with --cluster).
    #[arg(
        value_name = "AFTER",
        required_unless_present = "cluster",
        conflicts_with = "cluster"
    )]
    pub after: Option<String>,
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

/// Loads inputs (manifests, or a cluster with `--cluster`) and prints their problems.
fn load(paths: &[String], cluster: &crate::cluster::ClusterConn, pod_ips: bool) -> Input {
    let input = if cluster.cluster {
        match crate::cluster::load_covered(cluster, palisade_netpol::READS, pod_ips) {
            Ok(l) => Input::cluster(l.objects, l.diags, l.coverage),
            Err(e) => Input::failed(e),
        }
    } else {
        Input::files(paths, palisade_netpol::READS)
    };
    input.print();
    input
}

/// When nothing was read: no verdict, only the errors (exit 2).
fn no_verdict(input: &Input, format: palisade_report::AnswerFormat) -> Result<u8> {
    let answer = palisade_report::NoVerdict {
        errors: input.errors(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    palisade_report::render_answer(&answer, format, &mut out)?;
    out.flush()?;
    Ok(2)
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

/// The network model of one input (its problems reported), and the input (its objects
/// dropped); or what is wrong with the semantics flags.
fn model_of(source: &crate::cluster::Source, semantics: &Semantics) -> Result<(Model, Input), String> {
    let options = semantics.options()?;
    let mut input = load(&source.paths, &source.cluster, semantics.ipblock_matches_pods);
    let model = Model::build(&input.objects, options);
    input.objects = Vec::new();
    report_problems(&model);
    Ok((model, input))
}

fn matrix(a: MatrixArgs) -> Result<u8> {
    let (model, input) = match model_of(&a.source, &a.semantics) {
        Ok(m) => m,
        Err(e) => return usage(e),
    };
    if input.nothing_read {
        // No matrix of nothing: JSON carries the errors, the other formats stay empty.
        let format = match a.output {
            MatrixOut::Json => palisade_report::AnswerFormat::Json,
            _ => palisade_report::AnswerFormat::Human,
        };
        return no_verdict(&input, format);
    }
    let an = Analysis::new(&model);
    let m = Matrix::compute(&an);
    let view = MatrixView::new(&an, &m, &a.namespace, a.no_external);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut w = MatrixWriter::begin(a.output.into(), &view.head(), &mut out)?;
    view.connections(|c| w.connection(&c))?;
    let mut tail = view.tail();
    tail.errors = input.errors();
    w.finish(&tail)?;
    out.flush()?;
    Ok(if input.has_errors() { 2 } else { 0 })
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
            w.namespace() == ns && w.name() == name && kind.is_none_or(|k| w.kind().eq_ignore_ascii_case(k))
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

fn check(a: CheckArgs) -> Result<u8> {
    let (model, input) = match model_of(&a.source, &a.semantics) {
        Ok(m) => m,
        Err(e) => return usage(e),
    };
    if input.nothing_read {
        return no_verdict(&input, a.output.into());
    }
    let an = Analysis::new(&model);
    let (src, dst) = match (endpoint(&an, &a.from), endpoint(&an, &a.to)) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => return usage(e),
    };
    if matches!((src, dst), (Endpoint::External(_), Endpoint::External(_))) {
        return usage("at least one end must be a workload");
    }
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
    let mut answer = CheckAnswer::new(&an, src, dst, port, proto);
    answer.errors = input.errors();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    palisade_report::render_answer(&answer, a.output.into(), &mut out)?;
    out.flush()?;
    Ok(if input.has_errors() {
        2
    } else if answer.allowed {
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
    // clap enforces BEFORE AFTER, or --cluster AFTER.
    let (before, after) = match &a.after {
        None => (load(&[], &a.cluster, pod_ips), &a.first),
        Some(after) => (load(std::slice::from_ref(&a.first), &files, false), after),
    };
    let after = load(std::slice::from_ref(after), &files, false);
    let mut errors = before.errors();
    errors.extend(after.errors());
    if before.nothing_read || after.nothing_read {
        let answer = palisade_report::NoVerdict { errors };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        palisade_report::render_answer(&answer, a.output.into(), &mut out)?;
        out.flush()?;
        return Ok(2);
    }
    let mb = Model::build(&before.objects, options.clone());
    let ma = Model::build(&after.objects, options);
    report_problems(&mb);
    report_problems(&ma);
    let (ab, aa) = (Analysis::new(&mb), Analysis::new(&ma));
    let answer = DiffAnswer {
        changes: diff(&ab, &aa),
        errors,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    palisade_report::render_answer(&answer, a.output.into(), &mut out)?;
    out.flush()?;
    Ok(if !answer.errors.is_empty() {
        2
    } else if answer.changes.is_empty() {
        0
    } else {
        1
    })
}
