//! `palisade rbac`: can-i, who-can, subject, workload, paths and risks over the RBAC objects
//! of manifests (plus the default objects of every cluster). Loads inputs like `scan`
//! ([`load`]), asks palisade_rbac for a typed answer (one module per subcommand), and hands
//! it to palisade_report's renderers. Exit codes: can-i 0 yes / 1 no (like kubectl auth
//! can-i); risks 1 with findings; 2 on usage or input errors.

mod can_i;
pub(crate) mod load;
mod paths;
mod subject;
mod who_can;
mod workload;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use palisade_report::{AnswerFormat, GraphFormat};
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum RbacCommand {
    /// Can a user, group or ServiceAccount do VERB on RESOURCE (or a non-resource URL)?
    /// Exit 0 yes, 1 no — like `kubectl auth can-i`.
    CanI(CanIArgs),
    /// Every subject that can do VERB on RESOURCE, with the binding and rule that grant it.
    WhoCan(WhoCanArgs),
    /// The effective permissions of a subject: a resource × verb matrix and a minimal rule list.
    Subject(SubjectArgs),
    /// What a workload's ServiceAccount token can do, and which of it is dangerous.
    Workload(WorkloadArgs),
    /// Escalation paths to cluster-admin, secrets or nodes.
    Paths(PathsArgs),
    /// Risky grants as findings (the RBAC rules of `palisade scan`).
    Risks(crate::cli::RisksArgs),
}

#[derive(Args, Debug, Clone)]
pub struct Inputs {
    #[command(flatten)]
    pub source: crate::cluster::Source,
    /// Do not include the default RBAC objects of a Kubernetes cluster (cluster-admin, admin,
    /// edit, view, system:*).
    #[arg(long)]
    pub no_default_rbac: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: Out,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Out {
    Human,
    Json,
}

impl From<Out> for AnswerFormat {
    fn from(o: Out) -> AnswerFormat {
        match o {
            Out::Human => AnswerFormat::Human,
            Out::Json => AnswerFormat::Json,
        }
    }
}

#[derive(Args, Debug)]
pub struct Identity {
    /// The user to evaluate: a user name, or system:serviceaccount:NS:NAME (required:
    /// palisade evaluates manifests, not your kubeconfig identity).
    #[arg(long = "as", value_name = "USER", required = true)]
    pub user: String,
    /// A group of that user (repeatable; replaces the implicit groups of a ServiceAccount).
    #[arg(long = "as-group", value_name = "GROUP")]
    pub groups: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CanIArgs {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection, or a
    /// special verb (bind, escalate, impersonate, approve, use).
    #[arg(required_unless_present = "list")]
    pub verb: Option<String>,
    /// TYPE, TYPE/NAME or NONRESOURCEURL, as kubectl: `pods`, `deployments.apps`,
    /// `secrets/redis-auth` (the Secret named redis-auth), `/healthz`. A subresource is
    /// given with --subresource.
    #[arg(required_unless_present = "list", value_name = "TYPE[/NAME]")]
    pub resource: Option<String>,
    /// Namespace of the request (default: default, as kubectl).
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// A request across all namespaces (namespace "").
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// The subresource (`exec` for pods/exec).
    #[arg(long)]
    pub subresource: Option<String>,
    /// List every action the user can perform in the namespace, like `kubectl auth can-i
    /// --list`.
    #[arg(long, conflicts_with_all = ["all_namespaces", "subresource", "quiet"])]
    pub list: bool,
    /// With --list: print no header line.
    #[arg(long, requires = "list")]
    pub no_headers: bool,
    /// Print nothing; the exit code is the answer.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub identity: Identity,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Args, Debug)]
pub struct WhoCanArgs {
    pub verb: String,
    /// TYPE, TYPE/NAME or NONRESOURCEURL, as for can-i.
    #[arg(value_name = "TYPE[/NAME]")]
    pub resource: String,
    /// Only this namespace (ClusterRoleBindings + its RoleBindings). Without it: cluster-wide
    /// grants, and for namespaced resources the grants of every namespace.
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// The subresource (`exec` for pods/exec).
    #[arg(long)]
    pub subresource: Option<String>,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Args, Debug)]
pub struct SubjectArgs {
    /// `user:NAME` (or a bare NAME), `group:NAME`, `sa:NS/NAME` or
    /// `system:serviceaccount:NS:NAME`.
    pub subject: String,
    /// Groups of a user (repeatable).
    #[arg(long = "as-group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Args, Debug)]
pub struct WorkloadArgs {
    /// NS/KIND/NAME (`shop/Deployment/frontend`; kind case-insensitive) or KIND/NAME in default.
    pub workload: String,
    #[command(flatten)]
    pub inputs: Inputs,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Target {
    ClusterAdmin,
    Secrets,
    Nodes,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GraphOut {
    Human,
    Json,
    Dot,
    Mermaid,
}

impl From<GraphOut> for GraphFormat {
    fn from(o: GraphOut) -> GraphFormat {
        match o {
            GraphOut::Human => GraphFormat::Human,
            GraphOut::Json => GraphFormat::Json,
            GraphOut::Dot => GraphFormat::Dot,
            GraphOut::Mermaid => GraphFormat::Mermaid,
        }
    }
}

#[derive(Args, Debug)]
pub struct PathsArgs {
    /// Only paths to this target.
    #[arg(long, value_enum)]
    pub to: Option<Target>,
    /// Only paths from this subject (`user:NAME`, `group:NAME`, `sa:NS/NAME`,
    /// `system:serviceaccount:NS:NAME`, `node:NAME`, `workload:NS/KIND/NAME`).
    #[arg(long, value_name = "SUBJECT")]
    pub from: Option<String>,
    #[command(flatten)]
    pub source: crate::cluster::Source,
    #[arg(long)]
    pub no_default_rbac: bool,
    /// Output format: human, json, dot (Graphviz) or mermaid.
    #[arg(short, long, value_enum, default_value = "human")]
    pub output: GraphOut,
}

pub fn run(cmd: RbacCommand) -> Result<u8> {
    match cmd {
        RbacCommand::CanI(a) => can_i::run(a),
        RbacCommand::WhoCan(a) => who_can::run(a),
        RbacCommand::Subject(a) => subject::run(a),
        RbacCommand::Workload(a) => workload::run(a),
        RbacCommand::Paths(a) => paths::run(a),
        RbacCommand::Risks(_) => unreachable!("handled by the scan command"),
    }
}

/// A usage error: printed, exit code 2.
fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

/// Writes an answer to stdout.
fn print<A: palisade_report::Answer>(answer: &A, format: Out) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    palisade_report::render_answer(answer, format.into(), &mut out)?;
    out.flush()?;
    Ok(())
}
