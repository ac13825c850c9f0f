//! Command-line interface: clap definitions and the handlers of `scan`, `rules` and
//! `explain`. Owns exit codes; all analysis happens in the engine.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_core::Severity;
use palisade_engine::{select_rules, PssMode, ScanOptions};
use palisade_pss::{Level, Policy, Version};
use palisade_report::{render, render_explain, render_rules, render_rules_markdown, Format, RenderOptions};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Parser, Debug)]
#[command(name = "palisade", version, about = "Kubernetes security scanner: Pod Security Standards with exact Pod Security Admission parity", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan manifests (files, directories, globs, or - for stdin).
    Scan(ScanArgs),
    /// List the rules.
    Rules(RulesArgs),
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
struct ScanArgs {
    /// Files, directories (recursive: .yaml, .yml, .json), glob patterns, or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Evaluate every workload at this Pod Security level, ignoring namespace labels.
    /// Without it, each workload is evaluated against the PSA labels of its Namespace when the
    /// input defines them, and at restricted otherwise.
    #[arg(long, value_name = "LEVEL", value_parser = ["privileged", "baseline", "restricted"])]
    pss: Option<String>,
    /// Pod Security policy version: latest or v1.N (v1.0 … v1.37).
    #[arg(long, value_name = "VERSION", default_value = "latest")]
    pss_version: String,
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
    /// Exit 1 only for findings at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = ["info", "low", "medium", "high", "critical"])]
    fail_on: String,
    /// When to use colours in human output (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Print more detail in human output.
    #[arg(short, long)]
    verbose: bool,
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
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Rules(a) => {
            let rules = palisade_rules::all_rules();
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

fn usage(msg: impl std::fmt::Display) -> Result<u8> {
    eprintln!("palisade: error: {msg}");
    Ok(2)
}

fn scan(a: ScanArgs) -> Result<u8> {
    let Some(version) = Version::parse(&a.pss_version) else {
        return usage(format!(
            "invalid --pss-version {:?}: expected latest or v1.N",
            a.pss_version
        ));
    };
    let pss = match a.pss.as_deref() {
        Some(l) => {
            let Some(level) = Level::parse(l) else {
                bail!("invalid level {l}")
            };
            PssMode::Fixed(Policy { level, version })
        }
        None => PssMode::Namespaces {
            default: Policy {
                level: Level::Restricted,
                version,
            },
        },
    };
    let rules = match select_rules(palisade_rules::all_rules(), &a.select, &a.ignore) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let fail_on = Severity::parse(&a.fail_on).unwrap_or(Severity::Low);
    let (inputs, discovery) = palisade_source::discover(&a.paths);
    let report = palisade_engine::scan(&inputs, discovery, &ScanOptions::new(pss, rules, fail_on));

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
        target: a.paths.join(" "),
        verbose: a.verbose,
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
