//! `runAsUser` (restricted, v1.23+): neither the pod nor any container may set `runAsUser: 0`;
//! from v1.35 a pod with `hostUsers: false` is allowed (spec §3.17).

use super::{CheckDef, Failure};
use crate::format::setters;
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "runAsUser",
    level: Level::Restricted,
    reason: "runAsUser=0",
    title: "Running as Non-root user",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[23, 35],
    overrides: &[],
    run,
};

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    if implementation >= 35 && pod.in_user_namespace() {
        return None;
    }
    let mut offenders = Vec::new();
    let pod_bad = pod.sc.as_ref().and_then(|sc| sc.run_as_user) == Some(0);
    if pod_bad {
        offenders.push(Offender::pod(Pod::pod_sc_path(&["runAsUser"])));
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if c.sc.as_ref().and_then(|sc| sc.run_as_user) == Some(0) {
            bad.push(c.name.as_str());
            offenders.push(Offender::in_container(c, c.sc_path(&["runAsUser"])));
        }
    }
    let who = setters(pod_bad, &bad);
    if who.is_empty() {
        return None;
    }
    Some(Failure::new(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", who.join(" and ")),
        offenders,
    ))
}
