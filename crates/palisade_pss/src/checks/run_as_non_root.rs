//! `runAsNonRoot` (restricted): the pod or every container must set `runAsNonRoot: true` and
//! none may set it false; from v1.35 a pod with `hostUsers: false` is allowed (spec §3.16).

use super::{CheckDef, Failure};
use crate::format::{containers_then, setters};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "runAsNonRoot",
    level: Level::Restricted,
    reason: "runAsNonRoot != true",
    title: "Running as Non-root",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0, 35],
    overrides: &[],
    run,
};

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    if implementation >= 35 && pod.in_user_namespace() {
        return None;
    }
    let pod_value = pod.sc.as_ref().and_then(|sc| sc.run_as_non_root);
    let pod_bad = pod_value == Some(false);
    let pod_default = pod_value == Some(true);

    let (mut explicit, mut implicit) = (Vec::new(), Vec::new());
    let (mut explicit_offenders, mut implicit_offenders) = (Vec::new(), Vec::new());
    if pod_bad {
        explicit_offenders.push(Offender::pod(Pod::pod_sc_path(&["runAsNonRoot"])));
    }
    for c in &pod.containers {
        let path = c.sc_path(&["runAsNonRoot"]);
        match c.sc.as_ref().and_then(|sc| sc.run_as_non_root) {
            Some(false) => {
                explicit.push(c.name.as_str());
                explicit_offenders.push(Offender::in_container(c, path));
            }
            Some(true) => {}
            None if !pod_default => {
                implicit.push(c.name.as_str());
                implicit_offenders.push(Offender::in_container(c, path));
            }
            None => {}
        }
    }

    let who = setters(pod_bad, &explicit);
    if !who.is_empty() {
        let detail = format!(
            "{} must not set securityContext.runAsNonRoot=false",
            who.join(" and ")
        );
        return Some(Failure::new("runAsNonRoot != true", detail, explicit_offenders));
    }
    if !implicit.is_empty() {
        let detail = [
            "pod or ",
            &containers_then(&implicit, " must set securityContext.runAsNonRoot=true"),
        ]
        .concat();
        return Some(Failure::new("runAsNonRoot != true", detail, implicit_offenders));
    }
    None
}
