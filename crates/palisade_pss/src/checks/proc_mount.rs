//! `procMount` (baseline): containers must leave procMount unset or `Default`; from v1.35 a
//! pod with `hostUsers: false` is allowed outright (spec §3.8). The base rule is shared with
//! `procMount_restricted`.

use super::{CheckDef, Failure};
use crate::format::{containers_phrase, names, sorted_set};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "procMount",
    level: Level::Baseline,
    reason: "procMount",
    title: "/proc Mount Type",
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
    base_rule(pod)
}

/// Allowed when the securityContext or procMount is unset, or procMount is exactly `Default`.
pub(super) fn base_rule(pod: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut values = Vec::new();
    let mut offenders = Vec::new();
    for c in &pod.containers {
        let Some(proc_mount) = c.sc.as_ref().and_then(|sc| sc.proc_mount.as_deref()) else {
            continue;
        };
        if proc_mount != "Default" {
            bad.push(c.name.as_str());
            values.push(proc_mount);
            offenders.push(Offender::in_container(c, c.sc_path(&["procMount"])));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let detail = format!(
        "{} must not set securityContext.procMount to {}",
        containers_phrase(&bad),
        names(&sorted_set(values))
    );
    Some(Failure::new("procMount", detail, offenders))
}
