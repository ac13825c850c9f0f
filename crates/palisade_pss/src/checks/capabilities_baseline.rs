//! `capabilities_baseline` (baseline, v1.0+; overridden at restricted v1.22+): containers may
//! only add capabilities from the default set (spec §3.6).

use super::{CheckDef, Failure};
use crate::format::{containers_phrase, names, sorted_set};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "capabilities_baseline",
    level: Level::Baseline,
    reason: "non-default capabilities",
    title: "Capabilities",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &[],
    run,
};

const ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut caps = Vec::new();
    let mut offenders = Vec::new();
    for c in &pod.containers {
        let Some(capabilities) = c.sc.as_ref().and_then(|sc| sc.capabilities.as_ref()) else {
            continue;
        };
        let mut valid = true;
        for (i, cap) in capabilities
            .add
            .iter()
            .filter(|(_, cap)| !ALLOWED.contains(&cap.as_str()))
        {
            valid = false;
            caps.push(cap.as_str());
            offenders.push(
                Offender::in_container(c, c.sc_path(&["capabilities", "add"]).idx(*i)).with_detail(format!(
                    "{} must not include {} in securityContext.capabilities.add",
                    containers_phrase(&[c.name.as_str()]),
                    names(&[cap.as_str()])
                )),
            );
        }
        if !valid {
            bad.push(c.name.as_str());
        }
    }
    if bad.is_empty() {
        return None;
    }
    let detail = format!(
        "{} must not include {} in securityContext.capabilities.add",
        containers_phrase(&bad),
        names(&sorted_set(caps))
    );
    Some(Failure::new("non-default capabilities", detail, offenders))
}
