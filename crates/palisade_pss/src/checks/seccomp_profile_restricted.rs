//! `seccompProfile_restricted` (restricted, v1.19+; overrides `seccompProfile_baseline`): the
//! pod or every container must set a RuntimeDefault or Localhost seccomp profile; Windows pods
//! are exempt from v1.25 (spec §3.18).

use super::seccomp_profile_baseline::valid_type;
use super::{CheckDef, Failure};
use crate::format::{containers_then, names, setters, sorted_set};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    reason: "seccompProfile",
    title: "Seccomp",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[19, 25],
    overrides: &["seccompProfile_baseline"],
    run,
};

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    if implementation >= 25 && pod.is_windows() {
        return None;
    }
    let mut values = Vec::new();
    let (mut explicit_offenders, mut implicit_offenders) = (Vec::new(), Vec::new());
    let pod_profile = pod.sc.as_ref().and_then(|sc| sc.seccomp_profile.as_ref());
    let pod_bad = pod_profile.is_some_and(|p| !valid_type(&p.type_));
    let pod_default = pod_profile.is_some_and(|p| valid_type(&p.type_));
    if let Some(p) = pod_profile.filter(|_| pod_bad) {
        values.push(p.type_.as_str());
        explicit_offenders.push(Offender::pod(Pod::pod_sc_path(&["seccompProfile", "type"])));
    }

    let (mut explicit, mut implicit) = (Vec::new(), Vec::new());
    for c in &pod.containers {
        match c.sc.as_ref().and_then(|sc| sc.seccomp_profile.as_ref()) {
            Some(p) if !valid_type(&p.type_) => {
                explicit.push(c.name.as_str());
                values.push(p.type_.as_str());
                explicit_offenders.push(Offender::in_container(c, c.sc_path(&["seccompProfile", "type"])));
            }
            Some(_) => {}
            None if !pod_default => {
                implicit.push(c.name.as_str());
                implicit_offenders.push(Offender::in_container(c, c.sc_path(&["seccompProfile"])));
            }
            None => {}
        }
    }

    let who = setters(pod_bad, &explicit);
    if !who.is_empty() {
        let detail = format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            who.join(" and "),
            names(&sorted_set(values))
        );
        return Some(Failure::new("seccompProfile", detail, explicit_offenders));
    }
    if !implicit.is_empty() {
        let detail = [
            "pod or ",
            &containers_then(
                &implicit,
                r#" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
            ),
        ]
        .concat();
        return Some(Failure::new("seccompProfile", detail, implicit_offenders));
    }
    None
}
