//! `sysctls` (baseline): pod sysctls must be in the safe set, which grows at v1.27, v1.29,
//! v1.32 and v1.37 (spec §3.11).

use super::{CheckDef, Failure};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "sysctls",
    level: Level::Baseline,
    reason: "forbidden sysctls",
    title: "Sysctls",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0, 27, 29, 32, 37],
    overrides: &[],
    run,
};

/// Safe sysctl names and the minor version that added each.
const SAFE: &[(u32, &str)] = &[
    (0, "kernel.shm_rmid_forced"),
    (0, "net.ipv4.ip_local_port_range"),
    (0, "net.ipv4.tcp_syncookies"),
    (0, "net.ipv4.ping_group_range"),
    (0, "net.ipv4.ip_unprivileged_port_start"),
    (27, "net.ipv4.ip_local_reserved_ports"),
    (29, "net.ipv4.tcp_keepalive_time"),
    (29, "net.ipv4.tcp_fin_timeout"),
    (29, "net.ipv4.tcp_keepalive_intvl"),
    (29, "net.ipv4.tcp_keepalive_probes"),
    (32, "net.ipv4.tcp_rmem"),
    (32, "net.ipv4.tcp_wmem"),
    (37, "net.ipv4.tcp_slow_start_after_idle"),
    (37, "net.ipv4.tcp_notsent_lowat"),
];

fn safe(name: &str, implementation: u32) -> bool {
    SAFE.iter()
        .any(|&(since, n)| since <= implementation && n == name)
}

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    let sc = pod.sc.as_ref()?;
    let mut forbidden = Vec::new();
    let mut offenders = Vec::new();
    for (i, name) in sc.sysctls.iter().filter(|(_, name)| !safe(name, implementation)) {
        forbidden.push(name.as_str());
        offenders.push(Offender::pod(Pod::pod_sc_path(&["sysctls"]).idx(*i).key("name")));
    }
    if forbidden.is_empty() {
        return None;
    }
    Some(Failure::new("forbidden sysctls", forbidden.join(", "), offenders))
}
