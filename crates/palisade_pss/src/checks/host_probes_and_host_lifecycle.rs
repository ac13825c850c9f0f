//! `hostProbesAndHostLifecycle` (baseline, v1.34+): probe and lifecycle handlers must not set
//! a `host` in `httpGet` or `tcpSocket` (spec §3.5).

use super::{CheckDef, Failure};
use crate::format::{names, pl, sorted_set};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    reason: "probe or lifecycle host",
    title: "Host Probes / Lifecycle Hooks",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[34],
    overrides: &[],
    run,
};

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut hosts = Vec::new();
    let mut offenders = Vec::new();
    for c in &pod.containers {
        let mut valid = true;
        for h in c.handler_hosts.iter().filter(|h| !h.host.is_empty()) {
            valid = false;
            hosts.push(h.host.as_str());
            offenders.push(Offender::in_container(c, h.path.clone()));
        }
        if !valid {
            bad.push(c.name.as_str());
        }
    }
    if bad.is_empty() {
        return None;
    }
    // Unlike every other check, the container names are a sorted set here.
    let bad = sorted_set(bad);
    let hosts = sorted_set(hosts);
    let detail = format!(
        "{} {} {} {} {}",
        pl("container", "containers", bad.len()),
        names(&bad),
        pl("uses", "use", bad.len()),
        pl("probe or lifecycle host", "probe or lifecycle hosts", hosts.len()),
        names(&hosts)
    );
    Some(Failure::new("probe or lifecycle host", detail, offenders))
}
