//! `privileged` (baseline, v1.0+): no container may set `securityContext.privileged=true`
//! (spec §3.1).

use super::{CheckDef, Failure};
use crate::format::containers_phrase;
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "privileged",
    level: Level::Baseline,
    reason: "privileged",
    title: "Privileged Containers",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &[],
    run,
};

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut offenders = Vec::new();
    for c in &pod.containers {
        if c.sc.as_ref().and_then(|sc| sc.privileged) == Some(true) {
            bad.push(c.name.as_str());
            offenders.push(Offender::in_container(c, c.sc_path(&["privileged"])));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let detail = format!(
        "{} must not set securityContext.privileged=true",
        containers_phrase(&bad)
    );
    Some(Failure::new("privileged", detail, offenders))
}
