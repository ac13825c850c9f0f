//! `palisade bench`: the CIS Kubernetes Benchmark — sections 1–4 on a node (`--root
//! DIR|node.tar.gz`, `--node`), section 5 on a cluster's objects (`--cluster`) or manifests
//! (`-f DIR`) through the scan engine, `bench collect` (a node's facts as a tarball) — its
//! flags, and the exit code (0 all pass, 1 a check failed, 2 input errors or nothing to
//! check). The checks are `palisade_bench`'s, the outputs `palisade_report::bench`'s.

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use palisade_bench::gather::{self, GatherOptions, Input};
use palisade_bench::{Distribution, PathKind};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum BenchFormat {
    /// Per-section summary table, then the failing checks with location, value and fix.
    Human,
    /// The JSON document of docs/bench.md.
    Json,
    /// SARIF 2.1.0 (the scan's renderer): one result per failing check.
    Sarif,
    /// JUnit XML (the scan's renderer).
    Junit,
    /// One line per failing check: `file:line:col: CODE [severity] message`.
    Line,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// A node's filesystem (a directory, e.g. /host) or a tarball of its files
    /// (.tar, .tar.gz, .tgz; proc/PID/cmdline records give process command lines).
    #[arg(long, value_name = "DIR|TARBALL", conflicts_with = "node", required_unless_present_any = ["node", "explain", "list", "cluster", "filename"])]
    root: Option<PathBuf>,
    /// Section 5 (policies) from manifests (files, directories, globs; repeatable), as
    /// `palisade scan` reads them.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        conflicts_with = "cluster"
    )]
    filename: Vec<String>,
    /// Section 5 from the live cluster (all namespaces unless -n): --cluster, --kubeconfig,
    /// --context, -n as for `palisade scan --cluster`.
    #[command(flatten)]
    cluster: crate::cluster::ClusterArgs,
    /// This machine, live and read-only: / and /proc/*/cmdline of kube-apiserver,
    /// kube-controller-manager, kube-scheduler, etcd, kubelet and kube-proxy.
    #[arg(long)]
    node: bool,
    /// Only these process ids (repeatable): when several control planes run on one machine.
    #[arg(long = "pid", value_name = "PID")]
    pids: Vec<u32>,
    /// With --root DIR: read the component processes from this live proc directory (/proc of
    /// a pod with hostPID) instead of DIR/proc.
    #[arg(long = "proc", value_name = "DIR", requires = "root")]
    proc_dir: Option<PathBuf>,
    /// Force the benchmark: cis-1.12 or cis-2.0 (default: from the Kubernetes version found,
    /// else cis-1.12).
    #[arg(long, value_name = "NAME")]
    benchmark: Option<String>,
    /// Force the path layout: kubeadm, k3s, rke2 or microk8s (default: detected).
    #[arg(long, value_name = "NAME")]
    distribution: Option<String>,
    /// The Kubernetes version (v1.N[.P]) when the node does not tell (static-pod image tags).
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// Only these checks or groups (repeatable or comma-separated: 1.2.1, 4.2, 1).
    #[arg(long = "check", value_name = "ID")]
    checks: Vec<String>,
    /// Print a check's documentation (what it reads, how it is decided, the fix) and exit.
    #[arg(long, value_name = "ID")]
    explain: Option<String>,
    /// List the checks of sections 1–4 and palisade's own node checks (NODE…), and exit.
    #[arg(long)]
    list: bool,
    /// Certificates expiring within this many days warn (palisade's NODE101; default 30).
    #[arg(long, value_name = "DAYS")]
    cert_warn_days: Option<u32>,
    /// The CoreDNS ConfigMap (`kubectl -n kube-system get configmap coredns -o yaml`) or a
    /// Corefile, a file on this machine (palisade's NODE601; kubeadm keeps none on the node).
    #[arg(long, value_name = "FILE")]
    coredns_config: Option<PathBuf>,
    /// Section 5: the configuration file (exceptions, rule options) the rules run with
    /// (default: `.palisade.yaml` found upward from the -f paths or the working directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Section 5: read no configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    output: BenchFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Exit 0 even when checks fail (input errors still exit 2).
    #[arg(long)]
    exit_zero: bool,
    /// Every check in the human output (and the warnings in detail).
    #[arg(short, long)]
    verbose: bool,
    /// Colours in human output: auto, always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    #[command(flatten)]
    paths: PathOverrides,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Write what the checks read from a node (files with modes and owners, component command
    /// lines, versions) to a tarball for `palisade bench --root node.tar.gz`; private keys and
    /// tokens are summarised, never copied.
    Collect(CollectArgs),
}

#[derive(Args, Debug)]
pub struct CollectArgs {
    /// The tarball to write (.tar.gz/.tgz: gzip; .tar: plain; -: gzip to standard output).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// The node's filesystem: / (this machine: /proc is read for the component processes)
    /// or a mounted host filesystem (its proc/ is read when present).
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// Only these process ids (repeatable).
    #[arg(long = "pid", value_name = "PID")]
    pids: Vec<u32>,
    /// Read the component processes from this live proc directory (/proc of a pod with
    /// hostPID) instead of ROOT/proc.
    #[arg(long = "proc", value_name = "DIR")]
    proc_dir: Option<PathBuf>,
    /// Force the path layout: kubeadm, k3s, rke2 or microk8s (default: detected).
    #[arg(long, value_name = "NAME")]
    distribution: Option<String>,
    #[command(flatten)]
    paths: PathOverrides,
}

/// One override flag per kind of path (the paths are node paths: under --root).
#[derive(Args, Debug, Default)]
pub struct PathOverrides {
    /// kube-apiserver static-pod manifest.
    #[arg(long, value_name = "PATH")]
    apiserver_manifest: Option<String>,
    /// kube-controller-manager static-pod manifest.
    #[arg(long, value_name = "PATH")]
    controller_manager_manifest: Option<String>,
    /// kube-scheduler static-pod manifest.
    #[arg(long, value_name = "PATH")]
    scheduler_manifest: Option<String>,
    /// etcd static-pod manifest.
    #[arg(long, value_name = "PATH")]
    etcd_manifest: Option<String>,
    /// Admin kubeconfig (admin.conf).
    #[arg(long, value_name = "PATH")]
    admin_kubeconfig: Option<String>,
    /// kube-scheduler kubeconfig.
    #[arg(long, value_name = "PATH")]
    scheduler_kubeconfig: Option<String>,
    /// kube-controller-manager kubeconfig.
    #[arg(long, value_name = "PATH")]
    controller_manager_kubeconfig: Option<String>,
    /// PKI directory (/etc/kubernetes/pki).
    #[arg(long, value_name = "DIR")]
    pki_dir: Option<String>,
    /// etcd data directory when etcd's --data-dir does not name one.
    #[arg(long, value_name = "DIR")]
    etcd_data_dir: Option<String>,
    /// kubelet systemd service file (10-kubeadm.conf).
    #[arg(long, value_name = "PATH")]
    kubelet_service: Option<String>,
    /// kubelet config file (overrides the kubelet's --config).
    #[arg(long, value_name = "PATH")]
    kubelet_config: Option<String>,
    /// kubelet drop-in config directory (when the kubelet's --config-dir is not known).
    #[arg(long, value_name = "DIR")]
    kubelet_config_dir: Option<String>,
    /// kubelet kubeconfig.
    #[arg(long, value_name = "PATH")]
    kubelet_kubeconfig: Option<String>,
    /// kubelet client CA file.
    #[arg(long, value_name = "PATH")]
    kubelet_client_ca: Option<String>,
    /// kube-proxy kubeconfig.
    #[arg(long, value_name = "PATH")]
    proxy_kubeconfig: Option<String>,
    /// kube-proxy configuration file (overrides its --config).
    #[arg(long, value_name = "PATH")]
    proxy_config: Option<String>,
    /// CNI networks directory (/var/lib/cni/networks).
    #[arg(long, value_name = "DIR")]
    cni_networks_dir: Option<String>,
}

/// A forced layout and the path overrides.
type LayoutFlags = (Option<Distribution>, Vec<(PathKind, String)>);

/// `--distribution` and the path overrides, checked: a known layout, absolute node paths.
fn layout_flags(distribution: Option<&str>, paths: &PathOverrides) -> Result<LayoutFlags, String> {
    let distribution = match distribution {
        None => None,
        Some(d) => Some(
            Distribution::parse(d)
                .ok_or_else(|| format!("--distribution {d:?}: expected kubeadm, k3s, rke2 or microk8s"))?,
        ),
    };
    let overrides = paths.list();
    for (k, v) in &overrides {
        if !v.starts_with('/') {
            return Err(format!("--{} {v:?}: expected an absolute node path", k.flag()));
        }
    }
    Ok((distribution, overrides))
}

impl PathOverrides {
    fn list(&self) -> Vec<(PathKind, String)> {
        let all = [
            (PathKind::ApiserverManifest, &self.apiserver_manifest),
            (
                PathKind::ControllerManagerManifest,
                &self.controller_manager_manifest,
            ),
            (PathKind::SchedulerManifest, &self.scheduler_manifest),
            (PathKind::EtcdManifest, &self.etcd_manifest),
            (PathKind::AdminKubeconfig, &self.admin_kubeconfig),
            (PathKind::SchedulerKubeconfig, &self.scheduler_kubeconfig),
            (
                PathKind::ControllerManagerKubeconfig,
                &self.controller_manager_kubeconfig,
            ),
            (PathKind::PkiDir, &self.pki_dir),
            (PathKind::EtcdDataDir, &self.etcd_data_dir),
            (PathKind::KubeletService, &self.kubelet_service),
            (PathKind::KubeletConfig, &self.kubelet_config),
            (PathKind::KubeletConfigDir, &self.kubelet_config_dir),
            (PathKind::KubeletKubeconfig, &self.kubelet_kubeconfig),
            (PathKind::KubeletClientCa, &self.kubelet_client_ca),
            (PathKind::ProxyKubeconfig, &self.proxy_kubeconfig),
            (PathKind::ProxyConfig, &self.proxy_config),
            (PathKind::CniNetworksDir, &self.cni_networks_dir),
        ];
        all.into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect()
    }
}

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

/// Writes the `explain` page of a benchmark check: a catalogue id of sections 1–4 (`1.2.1`,
/// or its SARIF code `CIS-1.2.1`), of section 5 (decided by palisade's rules), or one of
/// palisade's own node checks (`NODE101`). `false` when `id` is none of them.
pub fn explain_check(id: &str, out: &mut dyn Write) -> std::io::Result<bool> {
    let bare = id.trim_start_matches("CIS-");
    match palisade_bench::catalogue::find(bare) {
        Some(c) if c.section_id() == "5" => {
            let mapped = palisade_bench::policies::mapped_rules(palisade_rules::all_rules());
            let rules = palisade_bench::policies::rules_for(&c.id, &mapped);
            palisade_report::bench::explain_policy(c, &rules, out)?;
            Ok(true)
        }
        Some(c) if palisade_bench::catalogue::NODE_SECTIONS.contains(&c.section_id()) => {
            palisade_report::bench::explain(c, out)?;
            Ok(true)
        }
        _ => match palisade_bench::extra::find(id) {
            Some(d) => {
                palisade_report::bench::explain_extra(d, out)?;
                Ok(true)
            }
            None => Ok(false),
        },
    }
}

pub fn run(a: BenchArgs) -> Result<u8> {
    if let Some(BenchCommand::Collect(c)) = a.command {
        return collect(c);
    }
    let mut out_buf: Vec<u8> = Vec::new();
    if let Some(id) = &a.explain {
        if !explain_check(id, &mut out_buf)? {
            return usage(format!("unknown check {id:?} (palisade bench --list)"));
        }
        emit(&out_buf, None)?;
        return Ok(0);
    }
    if a.list {
        for c in palisade_bench::node_checks() {
            writeln!(
                out_buf,
                "{:<8} {:<8} {:<7} {}",
                c.id,
                if c.scored { "scored" } else { "manual" },
                if c.is_manual() { "review" } else { "auto" },
                c.inspects
            )?;
        }
        let mapped = palisade_bench::policies::mapped_rules(palisade_rules::all_rules());
        for c in palisade_bench::policies::checks() {
            let decided = !palisade_bench::policies::rules_for(&c.id, &mapped).is_empty();
            writeln!(
                out_buf,
                "{:<8} {:<8} {:<7} {}",
                c.id,
                if c.scored { "scored" } else { "manual" },
                if decided { "rules" } else { "review" },
                c.inspects
            )?;
        }
        for d in palisade_bench::extra::checks() {
            writeln!(
                out_buf,
                "{:<8} {:<8} {:<7} {}",
                d.code,
                if d.scored { "scored" } else { "warn" },
                "auto",
                d.title
            )?;
        }
        emit(&out_buf, None)?;
        return Ok(0);
    }
    let (distribution, overrides) = match layout_flags(a.distribution.as_deref(), &a.paths) {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    let checks: Vec<String> = a
        .checks
        .iter()
        .flat_map(|c| c.split(','))
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    let policies = a.cluster.conn.cluster || !a.filename.is_empty();
    let input = if a.node {
        Some(Input::Live)
    } else if let Some(root) = a.root.clone() {
        match std::fs::metadata(&root) {
            Ok(m) if m.is_dir() => Some(Input::Dir(root)),
            Ok(_) => Some(Input::Tarball(root)),
            Err(e) => return usage(format!("--root {}: {e}", root.display())),
        }
    } else if policies {
        None
    } else {
        return usage("give --root DIR|TARBALL, --node, --cluster or -f PATH");
    };
    let gopts = GatherOptions {
        distribution,
        overrides: overrides.clone(),
        pids: a.pids.clone(),
        proc_dir: a.proc_dir.clone(),
    };
    let coredns_config = match &a.coredns_config {
        None => None,
        Some(p) => match std::fs::read_to_string(p) {
            Ok(text) => Some((p.display().to_string(), text)),
            Err(e) => return usage(format!("--coredns-config {}: {e}", p.display())),
        },
    };
    let opts = palisade_bench::Options {
        benchmark: a.benchmark.clone(),
        distribution,
        overrides,
        kube_version: a.kube_version.clone(),
        checks: checks.clone(),
        extra: palisade_bench::extra::ExtraOptions {
            now: None,
            cert_warn_days: a.cert_warn_days,
            coredns_config,
        },
    };
    let node_report = match &input {
        Some(input) => {
            let facts = gather::gather(input, &gopts);
            palisade_bench::bench(&facts, &opts)
        }
        None => palisade_bench::policies_report(&opts, ""),
    };
    let mut report = match node_report {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    if policies {
        let only_node = !checks.is_empty() && !checks.iter().any(|c| c == "5" || c.starts_with("5."));
        if !only_node {
            match section5(&a, &checks) {
                Ok((results, problems, origin)) => {
                    if !report.node {
                        report.origin = origin.clone();
                    }
                    report.add_policies(results, problems, &origin);
                }
                Err(e) => return usage(e),
            }
        }
    }
    let color = match a.color.as_str() {
        "always" => true,
        "never" => false,
        _ => {
            a.output_file.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let tool_version = env!("CARGO_PKG_VERSION");
    match a.output {
        BenchFormat::Human => palisade_report::bench::human(&report, a.verbose, color, &mut out_buf)?,
        BenchFormat::Json => palisade_report::bench::json(&report, tool_version, &mut out_buf)?,
        f => {
            let scan = palisade_report::bench::to_report(&report);
            let format = match f {
                BenchFormat::Sarif => palisade_report::Format::Sarif,
                BenchFormat::Junit => palisade_report::Format::Junit,
                _ => palisade_report::Format::Line,
            };
            let ropts = palisade_report::RenderOptions {
                color: false,
                tool_version,
                target: report.origin.clone(),
                verbose: a.verbose,
                show_suppressed: false,
                timestamp: None,
            };
            palisade_report::render(&scan, format, &ropts, &mut out_buf)?;
        }
    }
    emit(&out_buf, a.output_file.as_ref())?;
    // Problems on stderr too, unless the human report on the terminal lists them.
    if a.output != BenchFormat::Human || a.output_file.is_some() {
        for p in report
            .problems
            .iter()
            .filter(|p| p.level == palisade_bench::Level::Error)
            .take(5)
        {
            eprintln!("palisade: error: {p}");
        }
    }
    let code = report.exit_code();
    Ok(if code == 1 && a.exit_zero { 0 } else { code })
}

/// Section 5: the rules citing a section-5 id run on the cluster's objects or the manifests
/// (every workload at Pod Security `restricted`, so that each control is judged), and their
/// findings decide the checks. Returns the results, the reading problems and the origin.
fn section5(
    a: &BenchArgs,
    checks: &[String],
) -> Result<
    (
        Vec<palisade_bench::CheckResult>,
        Vec<palisade_bench::Problem>,
        String,
    ),
    String,
> {
    use palisade_pss::{Level, Policy, Version};
    // The configuration a scan would read: its exceptions and inline-ignore setting accept
    // findings (an accepted finding does not fail a check), and its rule options let rules
    // that need one (`allowedRegistries` for 5.5.1) decide their check.
    let flags = crate::settings::Flags {
        config: a.config.clone(),
        no_config: a.no_config,
        paths: a.filename.clone(),
        ..Default::default()
    };
    let loaded = crate::settings::load_config(&flags).map_err(|e| format!("configuration: {e}"))?;
    let configured = crate::settings::scan_options(&flags, &loaded)?;
    let mut rules = palisade_bench::policies::mapped_rules(palisade_rules::all_rules());
    for r in palisade_bench::policies::mapped_with_options(palisade_rules::all_rules()) {
        if configured.rule_options.contains_key(r.code) && !rules.iter().any(|x| x.code == r.code) {
            rules.push(r);
        }
    }
    let mut opts = palisade_engine::ScanOptions::new(
        palisade_engine::PssMode::Fixed(Policy {
            level: Level::Restricted,
            version: Version::Latest,
        }),
        rules.clone(),
        palisade_core::Severity::Low,
    );
    opts.suppressor = configured.suppressor;
    opts.rule_options = configured.rule_options;
    let (scan, origin, missing) = if a.cluster.conn.cluster {
        let mut ca = a.cluster.clone();
        // The benchmark is about the whole cluster: every namespace unless -n names one.
        if ca.namespace.is_none() {
            ca.all_namespaces = true;
        }
        crate::cluster::scan_reporting(&ca, &opts)?
    } else {
        let source = palisade_source::Files::discover(&a.filename);
        let r = palisade_engine::scan(&source, &opts);
        (r, a.filename.join(", "), Vec::new())
    };
    let mut problems: Vec<palisade_bench::Problem> = scan
        .errors
        .iter()
        .map(|d| {
            let file = d.file.as_deref().unwrap_or(origin.as_str()).to_owned();
            match d.level {
                palisade_core::DiagLevel::Error => {
                    palisade_bench::Problem::error(file, d.line, d.column, d.message.clone())
                }
                _ => palisade_bench::Problem::warning(file, d.message.clone()),
            }
        })
        .collect();
    if !missing.is_empty() {
        problems.push(palisade_bench::Problem::warning(
            origin.clone(),
            format!(
                "could not read {}: the section-5 checks that need them may pass on what is missing",
                missing.join(", ")
            ),
        ));
    }
    let results = palisade_bench::policies::evaluate(&scan.findings, &rules, checks);
    Ok((results, problems, origin))
}

/// `palisade bench collect`: gathers what the checks read and writes it as a tarball.
fn collect(c: CollectArgs) -> Result<u8> {
    let (distribution, overrides) = match layout_flags(c.distribution.as_deref(), &c.paths) {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    match std::fs::metadata(&c.root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return usage(format!("--root {}: not a directory", c.root.display())),
        Err(e) => return usage(format!("--root {}: {e}", c.root.display())),
    }
    let started = std::time::Instant::now();
    let gopts = GatherOptions {
        distribution,
        overrides,
        pids: c.pids.clone(),
        proc_dir: c.proc_dir.clone(),
    };
    let input = if c.root == std::path::Path::new("/") {
        Input::Live
    } else {
        Input::Dir(c.root.clone())
    };
    let facts = gather::gather(&input, &gopts);
    let name = c.output.to_string_lossy().into_owned();
    let gzip = !name.ends_with(".tar");
    let written = if name == "-" {
        palisade_bench::collect::write_to(&facts, &c.root, &gopts, std::io::stdout().lock(), true)?
    } else {
        let file = std::fs::File::create(&c.output).with_context(|| format!("cannot write {name}"))?;
        palisade_bench::collect::write_to(&facts, &c.root, &gopts, file, gzip)
            .with_context(|| format!("cannot write {name}"))?
    };
    eprintln!(
        "palisade: collected {}, {}, {}, {} from {} into {name} in {} ms",
        count(written.files, "file", "files"),
        count(written.dirs, "directory", "directories"),
        count(written.symlinks, "symlink", "symlinks"),
        count(written.processes, "process", "processes"),
        facts.origin,
        started.elapsed().as_millis()
    );
    for w in &written.withheld {
        eprintln!(
            "palisade: {} {}: {}",
            if w.whole { "withheld" } else { "redacted" },
            w.path,
            palisade_bench::collect::describe(w)
        );
    }
    let errors: Vec<_> = facts
        .problems
        .iter()
        .filter(|p| p.level == palisade_bench::Level::Error)
        .collect();
    for p in &errors {
        eprintln!("palisade: error: {p}");
    }
    if facts.files.is_empty() && facts.processes.is_empty() {
        eprintln!(
            "palisade: error: nothing collected: no file of the {} layout and no component process under {}",
            palisade_bench::gather::layout_for(&facts, &gopts)
                .0
                .distribution
                .as_str(),
            c.root.display()
        );
        return Ok(2);
    }
    Ok(if errors.is_empty() { 0 } else { 2 })
}

fn emit(bytes: &[u8], file: Option<&PathBuf>) -> Result<()> {
    match file {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// `1 file`, `3 files`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
