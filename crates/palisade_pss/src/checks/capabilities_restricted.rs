//! `capabilities_restricted` (restricted, v1.22+; overrides `capabilities_baseline`): every
//! container must drop `ALL` and may add only `NET_BIND_SERVICE`; Windows pods are exempt
//! from v1.25 (spec §3.14).

use super::{CheckDef, Failure};
use crate::format::{containers_phrase, containers_then, names, sorted_set};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "capabilities_restricted",
    level: Level::Restricted,
    reason: "unrestricted capabilities",
    title: "Capabilities",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[22, 25],
    overrides: &["capabilities_baseline"],
    run,
};

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    if implementation >= 25 && pod.is_windows() {
        return None;
    }
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    let mut forbidden_caps = Vec::new();
    let mut offenders = Vec::new();
    for c in &pod.containers {
        let Some(caps) = c.sc.as_ref().and_then(|sc| sc.capabilities.as_ref()) else {
            missing_drop_all.push(c.name.as_str());
            offenders.push(drop_all(c));
            continue;
        };
        if !caps.drop.iter().any(|(_, cap)| cap == "ALL") {
            missing_drop_all.push(c.name.as_str());
            offenders.push(drop_all(c));
        }
        let mut added_forbidden = false;
        for (i, cap) in caps.add.iter().filter(|(_, cap)| cap != "NET_BIND_SERVICE") {
            added_forbidden = true;
            forbidden_caps.push(cap.as_str());
            offenders.push(
                Offender::in_container(c, c.sc_path(&["capabilities", "add"]).idx(*i)).with_detail(format!(
                    "{} must not include {} in securityContext.capabilities.add",
                    containers_phrase(&[c.name.as_str()]),
                    names(&[cap.as_str()])
                )),
            );
        }
        if added_forbidden {
            adding_forbidden.push(c.name.as_str());
        }
    }
    let mut details = Vec::new();
    if !missing_drop_all.is_empty() {
        details.push(containers_then(
            &missing_drop_all,
            r#" must set securityContext.capabilities.drop=["ALL"]"#,
        ));
    }
    if !adding_forbidden.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding_forbidden),
            names(&sorted_set(forbidden_caps))
        ));
    }
    if details.is_empty() {
        return None;
    }
    Some(Failure::new(
        "unrestricted capabilities",
        details.join("; "),
        offenders,
    ))
}

/// The offender of a container that does not drop ALL, with its own detail.
fn drop_all(c: &crate::model::Container) -> Offender {
    Offender::in_container(c, c.sc_path(&["capabilities", "drop"])).with_detail(containers_then(
        &[c.name.as_str()],
        r#" must set securityContext.capabilities.drop=["ALL"]"#,
    ))
}
