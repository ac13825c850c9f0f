//! `hostNamespaces` (baseline, v1.0+): `hostNetwork`, `hostPID` and `hostIPC` must be unset or
//! false (spec §3.2).

use super::{CheckDef, Failure};
use crate::model::{spec_path, Pod};
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "hostNamespaces",
    level: Level::Baseline,
    reason: "host namespaces",
    title: "Host Namespaces",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &[],
    run,
};

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let mut parts = Vec::new();
    let mut offenders = Vec::new();
    for (field, value) in [
        ("hostNetwork", pod.host_network),
        ("hostPID", pod.host_pid),
        ("hostIPC", pod.host_ipc),
    ] {
        if value == Some(true) {
            parts.push(format!("{field}=true"));
            offenders.push(Offender::pod(spec_path().key(field)));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Failure::new("host namespaces", parts.join(", "), offenders))
}
