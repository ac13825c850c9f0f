//! `procMount_restricted` (restricted, v1.35+; overrides `procMount`): the procMount base rule
//! without the user-namespace relaxation (spec §3.8).

use super::{proc_mount, CheckDef, Failure};
use crate::model::Pod;
use crate::{CheckInfo, Level};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "procMount_restricted",
    level: Level::Restricted,
    reason: "procMount",
    title: "/proc Mount Type",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[35],
    overrides: &["procMount"],
    run,
};

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    proc_mount::base_rule(pod)
}
