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
    /// Audit logs and policies: who did what (who, timeline), detections (detect), Audit
    /// Policy check and lint, RBAC from use.
    #[command(subcommand)]
    Audit(crate::audit::AuditCommand),
    /// CIS Kubernetes Benchmark, sections 1–4 (control plane, etcd, kubelet, kube-proxy), on a
    /// node: its files, static-pod manifests, units, configs and process command lines.
    Bench(Box<crate::bench::BenchArgs>),
    /// Lint Dockerfiles: CIS Docker Benchmark section 4 and image hygiene, located at the
    /// instruction or argument to change (files, directories, globs, or - for stdin).
    Dockerfile(Box<crate::dockerfile::DockerfileArgs>),
    /// Pod Security Admission audit of namespaces: current levels, violating pods, and what
    /// raising the enforce level would reject (the answer of `kubectl label --dry-run=server`).
    Psa(crate::psa::PsaArgs),
    /// The admission webhook: the scan's rules enforced, warned and audited per namespace
    /// (labels palisade.dev/enforce|warn|audit), and defaults added by the mutating webhook.
    Serve(Box<crate::serve::ServeArgs>),
    /// Print the ValidatingWebhookConfiguration and MutatingWebhookConfiguration that
    /// register `palisade serve` with the API server (YAML, for `kubectl apply -f -`).
    WebhookConfig(crate::webhook_config::WebhookConfigArgs),
    /// Write a throwaway CA and a serving certificate for `palisade serve` (ca.crt, tls.crt,
    /// tls.key).
    Certs(crate::webhook_config::CertsArgs),
    /// Show the documentation of a rule, or of a `palisade bench` check (1.2.1).
    Explain {
        /// Rule code (PSS007) or name (pss-privileged), or a CIS check id (1.2.1).
        rule: String,
    },
    /// Print a shell completion script: `palisade completions bash > /etc/bash_completion.d/palisade`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write palisade.1, palisade-scan.1, … into this directory instead of printing palisade.1.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<std::path::PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Sarif,
    Junit,
    /// One line per finding: `file:line:col: CODE [severity] message`.
    Line,
    /// wgpolicyk8s.io/v1alpha2 PolicyReports (one per namespace) and a ClusterPolicyReport,
    /// as YAML for `kubectl apply -f -`; meant for `--cluster`.
    #[value(name = "policyreport")]
    PolicyReport,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    input: ScanInput,
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
    /// The Kubernetes release whose Pod Security Admission to emulate, `v1.N`: what `latest`
    /// (and any newer version) means. Default: the newest palisade knows; with --cluster, the
    /// API server's version.
    #[arg(long, value_name = "VERSION", conflicts_with = "cluster")]
    kube_version: Option<String>,
    /// Run only these rules: codes, code prefixes (PSS), names or groups; repeatable or comma-separated.
    #[arg(long, value_name = "RULES")]
    select: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
    /// Show only findings of these severities (comma-separated: info, low, medium, high,
    /// critical). The exit code follows what is shown.
    #[arg(long, value_name = "SEVERITIES", conflicts_with = "min_severity")]
    severity: Option<String>,
    /// Show only findings at or above this severity. The exit code follows what is shown.
    #[arg(long, value_name = "SEVERITY", value_parser = ["info", "low", "medium", "high", "critical"])]
    min_severity: Option<String>,
    /// Report only findings that are not in this earlier JSON report (`-o json`), matched by
    /// fingerprint (file, object, rule, field path).
    #[arg(long, value_name = "FILE")]
    baseline: Option<std::path::PathBuf>,
    /// Print the compliance view of --profile (cis, nsa, pss-baseline, pss-restricted): one
    /// row per control (pass, fail, manual) and a score; human or json.
    #[arg(long, requires = "profile")]
    compliance: bool,
}

/// What `scan` and `rbac risks` read: manifests or a live cluster.
#[derive(Args, Debug)]
pub struct ScanInput {
    /// Files, directories (recursive: .yaml, .yml, .json), glob patterns, or - for stdin.
    #[arg(
        required_unless_present = "cluster",
        conflicts_with = "cluster",
        value_name = "PATH"
    )]
    paths: Vec<String>,
    #[command(flatten)]
    cluster: crate::cluster::ClusterArgs,
}

/// The flags `scan` and `rbac risks` share: output, configuration and suppression.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    output: OutputFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output_file: Option<std::path::PathBuf>,
    /// Do not run these rules (same forms as --select).
    #[arg(long, value_name = "RULES")]
    ignore: Vec<String>,
    /// Exit 1 only for findings at or above this severity (default: low).
    #[arg(long, value_name = "SEVERITY", value_parser = ["info", "low", "medium", "high", "critical"])]
    fail_on: Option<String>,
    /// Exit 0 even when there are findings at or above --fail-on (input errors still exit 2):
    /// for a job that publishes the report (-o policyreport) rather than gates on it.
    #[arg(long)]
    exit_zero: bool,
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

/// `palisade rbac risks`: a scan with the RBAC rules only — no Pod Security flags, profiles
/// or rules of other groups.
#[derive(Args, Debug)]
pub struct RisksArgs {
    #[command(flatten)]
    input: ScanInput,
    /// Run only these RBAC rules: codes, names or `RBAC`; repeatable or comma-separated.
    #[arg(long, value_name = "RULES")]
    select: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
}

/// `rbac risks` as a scan of the RBAC rules: `--select` may name only RBAC rules.
fn rbac_risks(a: RisksArgs) -> Result<u8> {
    let mut select = Vec::new();
    for s in a
        .select
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let rbac = s.to_ascii_uppercase().starts_with("RBAC")
            || palisade_rules::find_rule(s).is_some_and(|r| r.code.starts_with("RBAC"));
        if !rbac {
            return usage(format!(
                "--select {s}: `rbac risks` runs only the RBAC rules (RBAC001 …); use `palisade scan` for the others"
            ));
        }
        select.push(s.to_owned());
    }
    if select.is_empty() {
        select.push("RBAC".into());
    }
    scan_with(
        ScanArgs {
            input: a.input,
            profile: None,
            pss: None,
            pss_version: None,
            kube_version: None,
            select,
            report: a.report,
            severity: None,
            min_severity: None,
            baseline: None,
            compliance: false,
        },
        true,
    )
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

/// `palisade --version`: the release, the git commit it was built from and the number of rules.
pub fn long_version() -> String {
    format!(
        "{VERSION} (commit {}, {} rules)",
        env!("PALISADE_GIT_COMMIT"),
        palisade_rules::all_rules().len()
    )
}

/// The clap command with the version computed at run time.
fn clap_command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().version(&*Box::leak(long_version().into_boxed_str()))
}

pub fn run(args: Vec<OsString>) -> Result<u8> {
    use clap::FromArgMatches;
    let cli = match clap_command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            e.print()?;
            return Ok(code);
        }
    };
    match &cli.command {
        Command::Serve(a) => crate::serve::init_logging(a.log_format, cli.verbose, cli.quiet),
        _ => crate::init_tracing(cli.verbose, cli.quiet),
    }
    let mut command = cli.command;
    if let Err(e) = resolve_source(&mut command) {
        return usage(e);
    }
    match command {
        Command::Scan(a) => scan(a),
        Command::Rbac(crate::rbac::RbacCommand::Risks(a)) => rbac_risks(a),
        Command::Rbac(c) => crate::rbac::run(c),
        Command::Netpol(c) => crate::netpol::run(c),
        Command::Psa(a) => crate::psa::run(a),
        Command::Audit(c) => crate::audit::run(c),
        Command::Bench(a) => crate::bench::run(*a),
        Command::Dockerfile(a) => crate::dockerfile::run(*a),
        Command::Serve(a) => crate::serve::run(*a),
        Command::WebhookConfig(a) => crate::webhook_config::webhook_config(a),
        Command::Certs(a) => crate::webhook_config::certs(a),
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
                // The scan rules, then the audit-log detections (`palisade audit detect`).
                None | Some("all") => Box::leak(
                    palisade_rules::all_rules()
                        .iter()
                        .copied()
                        .chain(palisade_audit::detect::rules::metas())
                        .chain(crate::dockerfile::metas())
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                ),
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
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut clap_command(), "palisade", &mut out);
            out.flush()?;
            Ok(0)
        }
        Command::Man { out_dir: None } => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(clap_command()).render(&mut out)?;
            out.flush()?;
            Ok(0)
        }
        Command::Man { out_dir: Some(dir) } => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(clap_command(), &dir)
                .with_context(|| format!("writing man pages to {}", dir.display()))?;
            Ok(0)
        }
        Command::Explain { rule } => match palisade_rules::find_rule(&rule)
            .or_else(|| palisade_audit::detect::find_rule(&rule).map(|r| r.meta))
            .or_else(|| crate::dockerfile::find_rule(&rule))
        {
            Some(r) => {
                let mut out = std::io::stdout().lock();
                render_explain(r, &mut out)?;
                out.flush()?;
                Ok(0)
            }
            // A `palisade bench` check (1.2.1, CIS-1.2.1, 5.2.2, NODE101).
            None => {
                let mut out = std::io::stdout().lock();
                if crate::bench::explain_check(&rule, &mut out)? || crate::audit::explain(&rule, &mut out)? {
                    out.flush()?;
                    Ok(0)
                } else {
                    eprintln!("palisade: error: unknown rule {rule:?} (see `palisade rules` and `palisade bench --list`)");
                    Ok(2)
                }
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
        Command::Psa(a) => a.source.resolve(),
        Command::Netpol(N::Matrix(a)) => a.source.resolve(),
        Command::Netpol(N::Check(a)) => a.source.resolve(),
        Command::Rbac(R::CanI(a)) => {
            // `can-i --list PATH…`: with --list there is no verb or resource, so the
            // positionals clap gave them are paths.
            if a.list {
                for p in [a.resource.take(), a.verb.take()].into_iter().flatten() {
                    a.inputs.source.paths.insert(0, p);
                }
            }
            a.inputs.source.resolve()
        }
        Command::Rbac(R::WhoCan(a)) => a.inputs.source.resolve(),
        Command::Rbac(R::Subject(a)) => a.inputs.source.resolve(),
        Command::Rbac(R::Workload(a)) => a.inputs.source.resolve(),
        Command::Rbac(R::Paths(a)) => a.source.resolve(),
        _ => Ok(()),
    }
}

/// Runs `write` on the output file (`--output-file`) or standard output, buffered.
fn write_output<T>(
    file: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    match file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
            );
            let v = write(&mut f)?;
            f.flush()?;
            Ok(v)
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let v = write(&mut out)?;
            out.flush()?;
            Ok(v)
        }
    }
}

/// The display filters of a streamed scan (`--baseline`, `--severity`), applied to each batch
/// of findings before it is written, with the counts the summary and exit code need.
struct Gate<'a> {
    baseline: Option<&'a palisade_report::baseline::Baseline>,
    filter: Option<&'a palisade_core::SeverityFilter>,
    hidden_baseline: usize,
    hidden_filtered: usize,
    counts: std::collections::BTreeMap<palisade_core::Severity, usize>,
}

impl Gate<'_> {
    fn pass(&mut self, findings: &mut Vec<palisade_core::Finding>) {
        if let Some(b) = self.baseline {
            let before = findings.len();
            findings.retain(|f| !b.knows(f));
            self.hidden_baseline += before - findings.len();
        }
        if let Some(flt) = self.filter {
            let before = findings.len();
            findings.retain(|f| flt.shows(f.severity));
            self.hidden_filtered += before - findings.len();
        }
        palisade_core::Severity::tally(findings.iter(), &mut self.counts);
    }
    /// Applies the filters to the suppressed findings and puts the counts in the report.
    fn close(self, report: &mut palisade_core::Report) {
        if let Some(b) = self.baseline {
            report.suppressed.retain(|f| !b.knows(f));
            report.hidden.baseline = Some(self.hidden_baseline);
        }
        if let Some(flt) = self.filter {
            report.suppressed.retain(|f| flt.shows(f.severity));
            report.hidden.filtered = Some(self.hidden_filtered);
        }
        report.stats.findings_by_severity = self.counts;
    }
}

/// A stream behind the display filters.
struct Gated<'a, 'w> {
    gate: Gate<'a>,
    stream: palisade_report::stream::Stream<'w>,
}

impl palisade_core::FindingSink for Gated<'_, '_> {
    fn accept(
        &mut self,
        mut findings: Vec<palisade_core::Finding>,
        verdicts: &[palisade_core::AdmissionVerdict],
    ) {
        self.gate.pass(&mut findings);
        self.stream.accept(findings, verdicts);
    }
}

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

fn scan(a: ScanArgs) -> Result<u8> {
    scan_with(a, false)
}

/// A scan; with `unread_is_error` (`rbac risks`, whose rules read every type listed), a
/// resource type of the cluster that could not be read is an error: findings that depend on
/// it are missing.
fn scan_with(a: ScanArgs, unread_is_error: bool) -> Result<u8> {
    let flags = Flags {
        config: a.report.config.clone(),
        no_config: a.report.no_config,
        profile: a.profile.clone(),
        select: a.select.clone(),
        ignore: a.report.ignore.clone(),
        fail_on: a.report.fail_on.clone(),
        pss: a.pss.clone(),
        pss_version: a.pss_version.clone(),
        no_inline_ignores: a.report.no_inline_ignores,
        paths: a.input.paths.clone(),
    };
    let loaded = match settings::load_config(&flags) {
        Ok(l) => l,
        Err(e) => return usage(format!("configuration: {e}")),
    };
    let mut opts = match settings::scan_options(&flags, &loaded) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    opts.analysis.default_rbac = !a.report.no_default_rbac;
    let kube_version = match a.kube_version.as_deref().map(crate::release::parse_kube_version) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => return usage(e),
    };
    // Display filters, checked before the scan so that a typo costs nothing.
    let severity_filter = match (&a.severity, &a.min_severity) {
        (Some(list), _) => match palisade_core::SeverityFilter::parse_list(list) {
            Ok(f) => Some(f),
            Err(e) => return usage(format!("--severity: {e}")),
        },
        (None, Some(min)) => palisade_core::Severity::parse(min).map(palisade_core::SeverityFilter::at_least),
        (None, None) => None,
    };
    let baseline = match &a.baseline {
        None => None,
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return usage(format!("--baseline {}: {e}", path.display())),
            };
            match palisade_report::baseline::Baseline::parse(&path.display().to_string(), &text) {
                Ok(b) => Some(b),
                Err(e) => return usage(format!("--baseline: {e}")),
            }
        }
    };
    if a.compliance && !matches!(a.report.output, OutputFormat::Human | OutputFormat::Json) {
        return usage("--compliance is printed as human or json (-o human, -o json)");
    }
    let format = match a.report.output {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
        OutputFormat::Line => Format::Line,
        OutputFormat::PolicyReport => Format::PolicyReport,
    };
    let color = match a.report.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            a.report.output_file.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let render_opts = |target: String| RenderOptions {
        color,
        tool_version: VERSION,
        target,
        verbose: a.report.verbose,
        show_suppressed: a.report.show_suppressed,
        timestamp: Some(std::time::SystemTime::now()),
    };
    let config = settings::config_info(&flags, &loaded);
    // The Dockerfiles in the walked directories (and files given with a Dockerfile name):
    // linted with the same configuration, their findings joined to the report. Files named
    // like a Dockerfile are not read as manifests.
    let dockerfiles = if a.input.cluster.conn.cluster {
        None
    } else {
        match crate::dockerfile::scan_pickup(&flags, &loaded) {
            Ok(r) => r,
            Err(e) => return usage(e),
        }
    };
    let manifest_paths: Vec<String> = a
        .input
        .paths
        .iter()
        .filter(|p| {
            let path = std::path::Path::new(p.as_str());
            !(path.is_file()
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(palisade_source::is_dockerfile_name))
        })
        .cloned()
        .collect();
    // Files in a format written as it goes: the findings are written as the scan decides
    // them, never all held (a file of 100,000 workloads has millions).
    if !a.input.cluster.conn.cluster
        && !a.compliance
        && dockerfiles.is_none()
        && palisade_report::stream::streams(format)
    {
        let (latest, warnings) = crate::release::pss_latest(kube_version, None);
        opts.pss_latest = latest;
        let source = palisade_source::Files::discover(&a.input.paths);
        let ropts = render_opts(a.input.paths.join(" "));
        let gate = Gate {
            baseline: baseline.as_ref(),
            filter: severity_filter.as_ref(),
            hidden_baseline: 0,
            hidden_filtered: 0,
            counts: Default::default(),
        };
        let pss_latest = opts.evaluates_pss().then(|| opts.pss_latest.clone());
        let head = palisade_report::stream::Head {
            config: config.as_ref(),
            pss_latest: pss_latest.as_ref(),
        };
        let run = |out: &mut dyn Write| -> Result<palisade_core::Report> {
            let stream = palisade_report::stream::Stream::begin(format, head, &ropts, out)?;
            let mut gated = Gated { gate, stream };
            let mut report = palisade_engine::scan_streaming(&source, &opts, &mut gated);
            if opts.evaluates_pss() {
                report.errors.extend(warnings.clone());
            }
            report.config = config.clone();
            let Gated { gate, stream } = gated;
            gate.close(&mut report);
            stream.finish(&report)?;
            Ok(report)
        };
        let report = write_output(a.report.output_file.as_deref(), run)?;
        crate::report_input_problems(&report, format != Format::Human || a.report.output_file.is_some());
        let failing = report.failing_counted();
        let code = if report.has_errors() {
            2
        } else if failing > 0 && !a.report.exit_zero {
            1
        } else {
            0
        };
        std::mem::forget(report);
        return Ok(code);
    }
    let (mut report, target) = if a.input.cluster.conn.cluster {
        match crate::cluster::scan_reporting(&a.input.cluster, &opts) {
            Ok((mut report, target, unread)) => {
                if unread_is_error {
                    for u in unread {
                        report.errors.push(palisade_core::Diagnostic::unlocated(
                            palisade_core::DiagLevel::Error,
                            format!("could not read {u}: the findings that depend on it are missing"),
                        ));
                    }
                }
                (report, target)
            }
            Err(e) => return usage(e),
        }
    } else {
        let (latest, warnings) = crate::release::pss_latest(kube_version, None);
        opts.pss_latest = latest;
        let source = palisade_source::Files::discover(&manifest_paths);
        let mut report = palisade_engine::scan(&source, &opts);
        if opts.evaluates_pss() {
            report.errors.extend(warnings);
        }
        if let Some(d) = dockerfiles {
            palisade_engine::dockerfile::merge(&mut report, d);
        }
        (report, a.input.paths.join(" "))
    };
    report.config = config;

    if let Some(b) = &baseline {
        b.apply(&mut report);
    }
    if let Some(f) = &severity_filter {
        report.filter_severity(f);
    }
    let opts = render_opts(target);
    let compliance = match (
        a.compliance,
        a.profile
            .as_deref()
            .and_then(palisade_engine::config::Profile::parse),
    ) {
        (false, _) => None,
        (true, Some(p)) => match palisade_report::compliance::Compliance::build(
            p.as_str(),
            &settings::profile_rules(p),
            &report,
        ) {
            Some(c) => Some(c),
            None => {
                return usage(format!(
                    "--compliance: profile {} has no framework (cis, nsa, pss-baseline, pss-restricted)",
                    p.as_str()
                ))
            }
        },
        (true, None) => {
            return usage("--compliance needs a known --profile (cis, nsa, pss-baseline, pss-restricted)")
        }
    };
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        match &compliance {
            Some(c) if matches!(format, Format::Json) => c.json(out),
            Some(c) => c.human(opts.verbose, out),
            None => render(&report, format, &opts, out),
        }
    };
    write_output(a.report.output_file.as_deref(), |out| Ok(write(out)?))?;
    // The human format on a terminal lists the problems itself; every other output gets them
    // on stderr too, so that a CI log shows why the run failed.
    crate::report_input_problems(&report, format != Format::Human || a.report.output_file.is_some());
    let code = if report.has_errors() {
        2
    } else if report.failing_findings() > 0 && !a.report.exit_zero {
        1
    } else {
        0
    };
    // The process exits next: a large report (millions of findings) is not freed piece by
    // piece first.
    std::mem::forget(report);
    Ok(code)
}
