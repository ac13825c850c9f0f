//! `palisade audit`: audit-log forensics, Audit Policy tools and RBAC from use. One module
//! per subcommand; this file only names them.

mod policy;
mod rbac;

pub use policy::explain;

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Audit Policy: what a policy records for a request or a recorded log (`check`), and
    /// what is wrong with it (`lint`).
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// The minimal Roles and bindings for what a user or ServiceAccount did in a log.
    Rbac(rbac::RbacArgs),
}

pub fn run(c: AuditCommand) -> Result<u8> {
    match c {
        AuditCommand::Policy(c) => policy::run(c),
        AuditCommand::Rbac(a) => rbac::run(a),
    }
}
