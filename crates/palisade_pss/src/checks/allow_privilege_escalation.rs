//! `allowPrivilegeEscalation` (restricted, v1.8+): every container must set
//! `allowPrivilegeEscalation: false`; Windows pods are exempt from v1.25 (spec §3.13).

use super::{CheckDef, Failure};
use crate::format::containers_then;
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    reason: "allowPrivilegeEscalation != false",
    title: "Privilege Escalation",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[8, 25],
    overrides: &[],
    run,
};

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    if implementation >= 25 && pod.is_windows() {
        return None;
    }
    let mut bad = Vec::new();
    let mut offenders = Vec::new();
    for c in &pod.containers {
        if c.sc.as_ref().and_then(|sc| sc.allow_privilege_escalation) != Some(false) {
            bad.push(c.name.as_str());
            offenders.push(Offender::in_container(
                c,
                c.sc_path(&["allowPrivilegeEscalation"]),
            ));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let detail = containers_then(&bad, " must set securityContext.allowPrivilegeEscalation=false");
    Some(Failure::new(
        "allowPrivilegeEscalation != false",
        detail,
        offenders,
    ))
}
