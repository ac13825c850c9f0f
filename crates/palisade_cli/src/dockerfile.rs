//! `palisade dockerfile PATH...`: finds the Dockerfiles (files as given, directories walked for
//! `Dockerfile`, `*.Dockerfile`, `Dockerfile.*`, `Containerfile`; `-` for stdin), reads them,
//! resolves the Dockerfile rules and their configuration from the flags and `.palisade.yaml`
//! (select/ignore, severity, `rules:` options, exceptions, inline ignores, failOn), runs them
//! through `palisade_engine::dockerfile`, and writes the report with the scan's renderers
//! (human, json, sarif, junit, line) or the CIS Docker compliance view; exit 0 clean, 1
//! findings at or above --fail-on, 2 input or usage errors. Also the Dockerfile part of
//! `palisade scan` ([`scan_pickup`]). Reads files; analyses and formats nothing itself.

use crate::settings::{self, Flags};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use palisade_core::{DiagLevel, Diagnostic, Report, RuleMeta, Severity};
use palisade_dockerfile::lint;
use palisade_dockerfile::rules::{all_rules, DockerfileRule};
use palisade_engine::config::LoadedConfig;
use palisade_engine::dockerfile::{lint_texts, DockerfileOptions};
use palisade_report::{Format, RenderOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DockerfileFormat {
    /// Findings grouped by file, for a terminal.
    Human,
    /// The scan's JSON report (docs/json-report.md).
    Json,
    /// SARIF 2.1.0 (rule properties carry the CIS Docker ids).
    Sarif,
    /// JUnit XML: a test case per Dockerfile.
    Junit,
    /// One line per finding: `file:line:col: CODE [severity] message`.
    Line,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct DockerfileArgs {
    /// Dockerfiles, directories (walked for Dockerfile, *.Dockerfile, Dockerfile.*,
    /// Containerfile), glob patterns, or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "human")]
    output: DockerfileFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Run only these rules: codes (DKR001), code prefixes, names, or `dockerfile`;
    /// repeatable or comma-separated.
    #[arg(long, value_name = "RULES")]
    select: Vec<String>,
    /// Do not run these rules (same forms as --select).
    #[arg(long, value_name = "RULES")]
    ignore: Vec<String>,
    /// Exit 1 only for findings at or above this severity (default: low, or failOn).
    #[arg(long, value_name = "SEVERITY", value_parser = ["info", "low", "medium", "high", "critical"])]
    fail_on: Option<String>,
    /// Show (and fail on) only findings at or above this severity.
    #[arg(long, value_name = "SEVERITY", value_parser = ["info", "low", "medium", "high", "critical"])]
    min_severity: Option<String>,
    /// Exit 0 even when there are findings (input errors still exit 2).
    #[arg(long)]
    exit_zero: bool,
    /// Report only findings that are not in this earlier JSON report (`-o json`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Configuration file (default: .palisade.yaml found upward from the paths or the
    /// working directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Ignore `# palisade:ignore=RULE reason` comments.
    #[arg(long)]
    no_inline_ignores: bool,
    /// List suppressed findings (they are always counted).
    #[arg(long)]
    show_suppressed: bool,
    /// Print the CIS Docker Benchmark section 4 compliance view: one row per item (pass,
    /// fail, manual, skipped) and a score; human or json.
    #[arg(long)]
    compliance: bool,
    /// Colours in human output (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
    /// More detail in human output.
    #[arg(short, long)]
    verbose: bool,
}

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

/// The Dockerfile rules' metadata, in code order (`palisade rules`, `explain`, docs).
pub fn metas() -> impl Iterator<Item = &'static RuleMeta> {
    all_rules().iter().map(|r| r.meta)
}

/// The Dockerfile rule a code or name designates.
pub fn find_rule(s: &str) -> Option<&'static RuleMeta> {
    all_rules()
        .iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(s) || r.meta.name.eq_ignore_ascii_case(s))
        .map(|r| r.meta)
}

/// Whether `sel` designates at least one Dockerfile rule.
pub fn names_dockerfile_rule(sel: &str) -> bool {
    all_rules().iter().any(|r| r.meta.matches(sel))
}

fn split(list: &[String]) -> Vec<String> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Where the selection comes from: `palisade dockerfile` (the command is about Dockerfiles:
/// a file's `select` that names none of their rules leaves them all on) or `palisade scan`
/// (a selection that names none of them turns them off, as for every other rule).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dockerfile,
    Scan,
}

/// The Dockerfile options from the flags and the configuration file.
pub fn options(flags: &Flags, loaded: &LoadedConfig, mode: Mode) -> Result<DockerfileOptions, String> {
    let cfg = &loaded.config;
    let cfg_file = loaded
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let flag_select = split(&flags.select);
    let file_select = split(&cfg.select);
    let ignore: Vec<String> = split(&cfg.ignore)
        .into_iter()
        .chain(split(&flags.ignore))
        .collect();
    if mode == Mode::Dockerfile {
        for s in flag_select.iter().chain(split(&flags.ignore).iter()) {
            if !names_dockerfile_rule(s) {
                return Err(format!(
                    "unknown Dockerfile rule, code prefix or group: {s:?} (see `palisade rules`)"
                ));
            }
        }
    }
    let select: Vec<String> = if !flag_select.is_empty() {
        flag_select
    } else {
        file_select
    };
    let dkr_select: Vec<&String> = select.iter().filter(|s| names_dockerfile_rule(s)).collect();
    let all = all_rules();
    let rules: Vec<&'static DockerfileRule> = all
        .iter()
        .copied()
        .filter(|r| {
            let chosen = if dkr_select.is_empty() {
                select.is_empty() || mode == Mode::Dockerfile
            } else {
                dkr_select.iter().any(|s| r.meta.matches(s))
            };
            chosen && !ignore.iter().any(|s| r.meta.matches(s))
        })
        .collect();
    let mut severity = std::collections::HashMap::new();
    for (key, sev) in &cfg.severity {
        if let Some(r) = find_rule(key) {
            severity.insert(r.code, sev.severity());
        }
    }
    let (config, _others) =
        lint::Config::from_rules_map(&cfg.rules).map_err(|e| format!("{cfg_file}: rules: {e}"))?;
    let fail_on = match &flags.fail_on {
        Some(s) => Severity::parse(s).ok_or_else(|| format!("invalid --fail-on {s:?}"))?,
        None => cfg.fail_on.map_or(Severity::Low, |s| s.severity()),
    };
    Ok(DockerfileOptions {
        rules,
        config,
        severity,
        suppressor: palisade_engine::Suppressor {
            exceptions: loaded.exceptions.clone(),
            today: settings::today(),
            inline: !flags.no_inline_ignores && cfg.inline_ignores.unwrap_or(true),
        },
        fail_on,
        expired: mode == Mode::Dockerfile,
    })
}

/// Reads the Dockerfiles `paths` name (`any_name`: files given are Dockerfiles whatever their
/// name, and `-` is stdin): (display name, text) pairs, the problems of finding them (missing
/// paths) and those of reading them.
pub type Inputs = (Vec<(Arc<str>, String)>, Vec<Diagnostic>, Vec<Diagnostic>);

/// See [`Inputs`].
pub fn read_inputs(paths: &[String], any_name: bool) -> Inputs {
    let (files, discovery) = palisade_source::discover_dockerfiles(paths, any_name);
    let mut diags = Vec::new();
    let mut texts = Vec::new();
    for f in files {
        let name = f.display_name();
        let read = match &f {
            palisade_source::InputFile::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin().lock().read_to_end(&mut buf).map(|_| buf)
            }
            palisade_source::InputFile::Path { path, .. } => std::fs::read(path),
            palisade_source::InputFile::Kustomization { dir, .. } => std::fs::read(dir),
        };
        let error = |message: String| Diagnostic {
            level: DiagLevel::Error,
            file: Some(name.clone()),
            line: None,
            column: None,
            message,
            object: None,
        };
        match read {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => texts.push((name, t)),
                Err(e) => diags.push(error(format!(
                    "not UTF-8 text (byte {}): not a Dockerfile",
                    e.utf8_error().valid_up_to()
                ))),
            },
            Err(e) => diags.push(error(format!("cannot read: {e}"))),
        }
    }
    (texts, discovery, diags)
}

/// `palisade scan`: the Dockerfiles in the paths it walks (and files given with a Dockerfile
/// name), linted with the scan's configuration; `None` when there are none.
pub fn scan_pickup(flags: &Flags, loaded: &LoadedConfig) -> Result<Option<Report>, String> {
    // Missing paths are reported by the manifest discovery already: only reading problems.
    let opts = options(flags, loaded, Mode::Scan)?;
    // A selection without Dockerfile rules (`--select PSS`, `rbac risks`) reads none.
    if opts.rules.is_empty() {
        return Ok(None);
    }
    let (texts, _, unreadable) = read_inputs(&flags.paths, false);
    if texts.is_empty() && unreadable.is_empty() {
        return Ok(None);
    }
    let mut report = lint_texts(&texts, &opts);
    report.errors.splice(0..0, unreadable);
    Ok(Some(report))
}

pub fn run(a: DockerfileArgs) -> Result<u8> {
    let flags = Flags {
        config: a.config.clone(),
        no_config: a.no_config,
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        fail_on: a.fail_on.clone(),
        no_inline_ignores: a.no_inline_ignores,
        paths: a.paths.clone(),
        ..Default::default()
    };
    let loaded = match settings::load_config(&flags) {
        Ok(l) => l,
        Err(e) => return usage(format!("configuration: {e}")),
    };
    let opts = match options(&flags, &loaded, Mode::Dockerfile) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    if a.compliance && !matches!(a.output, DockerfileFormat::Human | DockerfileFormat::Json) {
        return usage("--compliance is printed as human or json (-o human, -o json)");
    }
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
    let started = std::time::Instant::now();
    let (texts, discovery, unreadable) = read_inputs(&a.paths, true);
    let mut report = lint_texts(&texts, &opts);
    report
        .errors
        .splice(0..0, discovery.into_iter().chain(unreadable));
    if texts.is_empty() && !report.has_errors() {
        report.errors.push(Diagnostic::unlocated(
            DiagLevel::Error,
            format!(
                "no Dockerfile found in {} (Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile)",
                a.paths.join(" ")
            ),
        ));
    }
    report.stats.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    report.config = settings::config_info(&flags, &loaded);
    if let Some(b) = &baseline {
        b.apply(&mut report);
    }
    if let Some(min) = a.min_severity.as_deref().and_then(Severity::parse) {
        report.filter_severity(&palisade_core::SeverityFilter::at_least(min));
    }
    let format = match a.output {
        DockerfileFormat::Human => Format::Human,
        DockerfileFormat::Json => Format::Json,
        DockerfileFormat::Sarif => Format::Sarif,
        DockerfileFormat::Junit => Format::Junit,
        DockerfileFormat::Line => Format::Line,
    };
    let color = match a.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            a.output_file.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let ropts = RenderOptions {
        color,
        tool_version: env!("CARGO_PKG_VERSION"),
        target: a.paths.join(" "),
        verbose: a.verbose,
        show_suppressed: a.show_suppressed,
        timestamp: None,
    };
    let compliance = if a.compliance {
        let catalogue: Vec<&'static RuleMeta> = metas().collect();
        palisade_report::compliance::Compliance::build("cis-docker", &catalogue, &report)
    } else {
        None
    };
    let mut buf: Vec<u8> = Vec::new();
    match &compliance {
        Some(c) if a.output == DockerfileFormat::Json => c.json(&mut buf)?,
        Some(c) => c.human(a.verbose, &mut buf)?,
        None => palisade_report::render(&report, format, &ropts, &mut buf)?,
    }
    match &a.output_file {
        Some(p) => std::fs::write(p, &buf).with_context(|| format!("cannot write {}", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    crate::report_input_problems(&report, format != Format::Human || a.output_file.is_some());
    Ok(if report.has_errors() {
        2
    } else if report.failing_findings() > 0 && !a.exit_zero {
        1
    } else {
        0
    })
}
