//! The `palisade` binary: parses the command line, wires sources, engine and renderers
//! together, and turns the report into an exit code (0 clean, 1 findings, 2 errors). Sets up
//! `tracing` (diagnostics on stderr: `-v`/`-q`, `RUST_LOG`).

mod audit;
mod bench;
mod cli;
mod cluster;
mod dockerfile;
mod input;
mod netpol;
mod psa;
mod rbac;
mod release;
mod serve;
mod settings;
mod webhook_config;

use std::io::IsTerminal;
use std::process::ExitCode;

/// Diagnostics on stderr through `tracing`. `RUST_LOG` (an `EnvFilter`) overrides; otherwise
/// palisade's own events at warn (`-q`: error, `-v`: info, `-vv`: debug, `-vvv`: trace, with
/// the libraries' (kube, hyper) debug events too). Without `-v`, other crates are silent, so
/// stderr carries nothing but palisade's own messages.
pub(crate) fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => EnvFilter::try_new(&v).unwrap_or_else(|e| {
            eprintln!("palisade: warning: RUST_LOG={v:?}: {e}");
            EnvFilter::new("palisade=warn")
        }),
        _ => EnvFilter::new(match (quiet, verbose) {
            (true, _) => "palisade=error",
            (false, 0) => "palisade=warn",
            (false, 1) => "palisade=info",
            (false, 2) => "palisade=debug",
            (false, _) => "debug,palisade=trace",
        }),
    };
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // A second initialisation (only in tests) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .without_time()
        .try_init();
}

/// `-q`: only errors on stderr.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How many input problems `report_input_problems` lists one by one.
const LISTED_PROBLEMS: usize = 5;

/// A short summary of the input errors and skipped documents on stderr, whatever the output
/// format: the first errors (with `list`) and the counts of errors, skipped documents and
/// (alongside those) warnings. Machine formats carry them in the report, but a CI log must
/// show why a run exits 2 or read less than it was given. Skipped documents without errors
/// are a warning, not printed with `-q` nor when the human report on stdout says it;
/// warnings alone stay in the report.
pub(crate) fn report_input_problems(report: &palisade_core::Report, list: bool) {
    use palisade_core::DiagLevel;
    let errors: Vec<_> = report
        .errors
        .iter()
        .filter(|d| d.level == DiagLevel::Error)
        .collect();
    // Skipped documents are warnings too, counted on their own.
    let warnings = report
        .errors
        .iter()
        .filter(|d| d.level == DiagLevel::Warning && !palisade_source::is_skipped_document(d))
        .count();
    let skipped = report.stats.skipped_documents;
    if list {
        for d in errors.iter().take(LISTED_PROBLEMS) {
            eprintln!("palisade: error: {d}");
        }
        if errors.len() > LISTED_PROBLEMS {
            eprintln!(
                "palisade: error: … and {} more input error(s)",
                errors.len() - LISTED_PROBLEMS
            );
        }
    }
    // Without errors, only a report that is not on the terminal (`list`) needs the count.
    if errors.is_empty() && (skipped == 0 || !list || QUIET.load(std::sync::atomic::Ordering::Relaxed)) {
        return;
    }
    let mut parts = Vec::new();
    if !errors.is_empty() {
        parts.push(format!("{} input error(s)", errors.len()));
    }
    if warnings > 0 {
        parts.push(format!("{warnings} warning(s)"));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} document(s) skipped (not Kubernetes objects)"));
    }
    let level = if errors.is_empty() { "warning" } else { "error" };
    eprintln!("palisade: {level}: {}; see the report", parts.join(", "));
}

/// mimalloc: faster than glibc malloc on palisade's many small, short-lived allocations made
/// on several threads (a third less CPU on a large file; about 20 MB more on a small scan:
/// docs/scan.md, "Speed and memory", has the numbers).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The YAML loader and the Dockerfile shell parser contain their parsers' panics and report
    // them as located input errors; keep them quiet.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !palisade_source::in_parser() && !palisade_dockerfile::shell::in_shell_parser() {
            default_hook(info)
        }
    }));
    match cli::run(std::env::args_os().collect()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("palisade: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
