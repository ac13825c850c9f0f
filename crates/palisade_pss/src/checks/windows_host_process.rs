//! `windowsHostProcess` (baseline, v1.0+): neither the pod nor any container may set
//! `windowsOptions.hostProcess=true` (spec §3.12).

use super::{CheckDef, Failure};
use crate::format::setters;
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "windowsHostProcess",
    level: Level::Baseline,
    reason: "hostProcess",
    title: "HostProcess",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &[],
    run,
};

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let mut offenders = Vec::new();
    let mut bad = Vec::new();
    for c in &pod.containers {
        if c.sc.as_ref().and_then(|sc| sc.host_process) == Some(true) {
            bad.push(c.name.as_str());
            offenders.push(Offender::in_container(
                c,
                c.sc_path(&["windowsOptions", "hostProcess"]),
            ));
        }
    }
    let pod_bad = pod.sc.as_ref().and_then(|sc| sc.host_process) == Some(true);
    if pod_bad {
        offenders.insert(
            0,
            Offender::pod(Pod::pod_sc_path(&["windowsOptions", "hostProcess"])),
        );
    }
    let who = setters(pod_bad, &bad);
    if who.is_empty() {
        return None;
    }
    let detail = format!(
        "{} must not set securityContext.windowsOptions.hostProcess=true",
        who.join(" and ")
    );
    Some(Failure::new("hostProcess", detail, offenders))
}
