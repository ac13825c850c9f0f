//! The `palisade` binary: parses the command line, wires sources, engine and renderers
//! together, and turns the report into an exit code (0 clean, 1 findings, 2 errors).

mod cli;
mod cluster;
mod netpol;
mod psa;
mod rbac;
mod settings;

use std::process::ExitCode;

fn main() -> ExitCode {
    // The loader contains parser panics and reports them as input errors; keep them quiet.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !palisade_source::in_parser() {
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
