//! `hostPorts` (baseline, v1.0+): no container port may use a non-zero `hostPort`, after the
//! hostNetwork defaulting of bare Pods (spec §3.4, §7.2).

use super::{CheckDef, Failure};
use crate::format::{containers_phrase, pl, sorted_set};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "hostPorts",
    level: Level::Baseline,
    reason: "hostPort",
    title: "Host Ports",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &[],
    run,
};

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut ports = Vec::new();
    let mut offenders = Vec::new();
    for c in &pod.containers {
        let mut valid = true;
        for p in c.ports.iter().filter(|p| p.host_port != 0) {
            valid = false;
            ports.push(p.host_port.to_string());
            offenders.push(
                Offender::in_container(c, c.path.clone().key("ports").idx(p.index).key("hostPort"))
                    .with_detail(format!(
                        "{} uses hostPort {}",
                        containers_phrase(&[c.name.as_str()]),
                        p.host_port
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
    let ports = sorted_set(ports);
    let detail = format!(
        "{} {} {} {}",
        containers_phrase(&bad),
        pl("uses", "use", bad.len()),
        pl("hostPort", "hostPorts", ports.len()),
        ports.join(", ")
    );
    Some(Failure::new("hostPort", detail, offenders))
}
