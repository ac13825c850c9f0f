//! Command-line interface: clap definitions and the handlers of `scan`, `rules` and
//! `explain`. Owns exit codes; all analysis happens in the engine.

use crate::settings::{self, Flags};
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_report::{render, render_explain, render_rules, render_rules_markdown, Format, RenderOptions};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Parser, Debug)]
#[command(name = "palisade", version, about = "Kubernetes security scanner: Pod Security Standards with exact Pod Security Admission parity", long_about = None)]
struct Cli {
    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides).
    /// Before the command: `palisade -v scan …` (`scan -v` is verbose human output).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    verbose: u8,
    /// Diagnostics on stderr: errors only.
    #[arg(short = 'q', long = "quiet", conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan manifests (files, directories, globs, or - for stdin), or a live cluster (--cluster).
    Scan(ScanArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Configuration file tools: its JSON Schema, or check a file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// RBAC analysis: can-i, who-can, subject, workload, paths, risks.
    #[command(subcommand)]
    Rbac(crate::rbac::RbacCommand),
    /// NetworkPolicy analysis: matrix, check, diff.
    #[command(subcommand)]
    Netpol(crate::netpol::NetpolCommand),
    /// Pod Security Admission audit of namespaces: current levels, violating pods, and what
    /// raising the enforce level would reject (the answer of `kubectl label --dry-run=server`).
    Psa(crate::psa::PsaArgs),
    /// Show the documentation of a rule.
    Explain {
        /// Rule code (PSS007) or name (pss-privileged).
        rule: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Sarif,
    Junit,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files, directories (recursive: .yaml, .yml, .json), glob patterns, or - for stdin.
    #[arg(
        required_unless_present = "cluster",
        conflicts_with = "cluster",
        value_name = "PATH"
    )]
    paths: Vec<String>,
    #[command(flatten)]
    cluster: crate::cluster::ClusterArgs,
    /// Rule profile: all (default), cis, nsa, pss-baseline, pss-restricted.
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// Evaluate every workload at this Pod Security level, ignoring namespace labels.
    /// Without it, each workload is evaluated against the PSA labels of its Namespace when the
    /// input defines them, and at restricted otherwise.
    #[arg(long, value_name = "LEVEL", value_parser = ["privileged", "baseline", "restricted"])]
    pss: Option<String>,
    /// Pod Security policy version: latest (default) or v1.N (v1.0 … v1.37).
    #[arg(long, value_name = "VERSION")]
    pss_version: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    output: OutputFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output_file: Option<std::path::PathBuf>,
    /// Run only these rules: codes, code prefixes (PSS), names or groups; repeatable or comma-separated.
    #[arg(long, value_name = "RULES")]
    select: Vec<String>,
    /// Do not run these rules (same forms as --select).
    #[arg(long, value_name = "RULES")]
    ignore: Vec<String>,
    /// Exit 1 only for findings at or above this severity (default: low).
    #[arg(long, value_name = "SEVERITY", value_parser = ["info", "low", "medium", "high", "critical"])]
    fail_on: Option<String>,
    /// Configuration file (default: .palisade.yaml found upward from the scanned path or the
    /// working directory).
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Ignore palisade.dev/ignore annotations on objects.
    #[arg(long)]
    no_inline_ignores: bool,
    /// List suppressed findings (they are always counted).
    #[arg(long)]
    show_suppressed: bool,
    /// When to use colours in human output (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Print more detail in human output.
    #[arg(short, long)]
    verbose: bool,
    /// Do not include the default RBAC objects of a Kubernetes cluster in RBAC analysis.
    #[arg(long)]
    no_default_rbac: bool,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print the JSON Schema of .palisade.yaml (docs/config.schema.json).
    Schema,
    /// Check a configuration file (default: the one discovered from the working directory).
    Check {
        /// The file to check.
        file: Option<std::path::PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
struct RulesArgs {
    /// Output format: human (a table), json, or markdown (the docs/rules.md page).
    #[arg(short, long, value_enum, default_value = "human")]
    output: RulesFormat,
    /// Only the rules of this profile: all, cis, nsa, pss-baseline, pss-restricted.
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
}

pub fn run(args: Vec<OsString>) -> Result<u8> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            e.print()?;
            return Ok(code);
        }
    };
    crate::init_tracing(cli.verbose, cli.quiet);
    let mut command = cli.command;
    if let Err(e) = resolve_source(&mut command) {
        return usage(e);
    }
    match command {
        Command::Scan(a) => scan(a),
        Command::Rbac(crate::rbac::RbacCommand::Risks(mut a)) => {
            a.scan.select.push("RBAC".into());
            scan(a.scan)
        }
        Command::Rbac(c) => crate::rbac::run(c),
        Command::Netpol(c) => crate::netpol::run(c),
        Command::Psa(a) => crate::psa::run(a),
        Command::Config(ConfigCommand::Schema) => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &palisade_engine::config::schema())?;
            writeln!(out)?;
            Ok(0)
        }
        Command::Config(ConfigCommand::Check { file }) => {
            let path = file.or_else(|| settings::discover(&[]));
            let Some(path) = path else {
                return usage("no configuration file given or found (.palisade.yaml)");
            };
            match settings::load(&path) {
                Ok(l) => {
                    let flags = Flags {
                        config: Some(path.clone()),
                        ..Flags::default()
                    };
                    if let Err(e) = settings::scan_options(&flags, &l) {
                        return usage(e);
                    }
                    println!("{}: ok ({} exception(s))", path.display(), l.exceptions.len());
                    Ok(0)
                }
                Err(e) => usage(e),
            }
        }
        Command::Rules(a) => {
            let rules: &[&'static palisade_core::RuleMeta] = match a.profile.as_deref() {
                None => palisade_rules::all_rules(),
                Some(p) => match palisade_engine::config::Profile::parse(p) {
                    Some(p) => Box::leak(settings::profile_rules(p).into_boxed_slice()),
                    None => {
                        return usage(format!(
                            "unknown profile {p:?} (all, cis, nsa, pss-baseline, pss-restricted)"
                        ))
                    }
                },
            };
            let mut out = std::io::stdout().lock();
            match a.output {
                RulesFormat::Markdown => render_rules_markdown(rules, &mut out)?,
                f => render_rules(rules, matches!(f, RulesFormat::Json), &mut out)?,
            }
            out.flush()?;
            Ok(0)
        }
        Command::Explain { rule } => match palisade_rules::find_rule(&rule) {
            Some(r) => {
                let mut out = std::io::stdout().lock();
                render_explain(r, &mut out)?;
                out.flush()?;
                Ok(0)
            }
            None => {
                eprintln!("palisade: error: unknown rule {rule:?} (see `palisade rules`)");
                Ok(2)
            }
        },
    }
}

/// Joins the `-f` paths of the analysis commands to their positional ones
/// ([`crate::cluster::Source::resolve`]).
fn resolve_source(command: &mut Command) -> std::result::Result<(), String> {
    use crate::netpol::NetpolCommand as N;
    use crate::rbac::RbacCommand as R;
    match command {
        Command::Psa(a) => a.source.resolve(None),
        Command::Netpol(N::Matrix(a)) => a.source.resolve(None),
        Command::Netpol(N::Check(a)) => a.source.resolve(None),
        Command::Rbac(R::CanI(a)) => a.inputs.source.resolve(Some(&mut a.name)),
        Command::Rbac(R::WhoCan(a)) => a.inputs.source.resolve(None),
        Command::Rbac(R::Subject(a)) => a.inputs.source.resolve(None),
        Command::Rbac(R::Workload(a)) => a.inputs.source.resolve(None),
        Command::Rbac(R::Paths(a)) => a.source.resolve(None),
        _ => Ok(()),
    }
}

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

fn scan(a: ScanArgs) -> Result<u8> {
    let flags = Flags {
        config: a.config.clone(),
        no_config: a.no_config,
        profile: a.profile.clone(),
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        fail_on: a.fail_on.clone(),
        pss: a.pss.clone(),
        pss_version: a.pss_version.clone(),
        no_inline_ignores: a.no_inline_ignores,
        paths: a.paths.clone(),
    };
    let loaded = match settings::load_config(&flags) {
        Ok(l) => l,
        Err(e) => return usage(format!("configuration: {e}")),
    };
    let mut opts = match settings::scan_options(&flags, &loaded) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    opts.analysis.default_rbac = !a.no_default_rbac;
    let (report, target) = if a.cluster.conn.cluster {
        match crate::cluster::scan(&a.cluster, &opts) {
            Ok(r) => r,
            Err(e) => return usage(e),
        }
    } else {
        let source = palisade_source::Files::discover(&a.paths);
        (palisade_engine::scan(&source, &opts), a.paths.join(" "))
    };

    let format = match a.output {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
    };
    let color = match a.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            a.output_file.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let opts = RenderOptions {
        color,
        tool_version: VERSION,
        target,
        verbose: a.verbose,
        show_suppressed: a.show_suppressed,
    };
    match &a.output_file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
            );
            render(&report, format, &opts, &mut f)?;
            f.flush()?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            render(&report, format, &opts, &mut out)?;
            out.flush()?;
        }
    }
    Ok(if report.has_errors() {
        2
    } else if report.failing_findings() > 0 {
        1
    } else {
        0
    })
}
