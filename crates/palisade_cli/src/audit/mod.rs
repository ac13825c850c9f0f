//! `palisade audit`: questions and detections over Kubernetes audit logs. One module per
//! subcommand; the analysis lives in `palisade_audit`.

mod detect;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Run the detection rules (AUD001 …) over audit logs: exec into pods, secret reads,
    /// powerful bindings, privileged pods, anonymous access, … Exit 1 when something is
    /// detected, 2 on unreadable input.
    Detect(detect::DetectArgs),
}

pub fn run(c: AuditCommand) -> anyhow::Result<u8> {
    match c {
        AuditCommand::Detect(a) => detect::run(a),
    }
}
