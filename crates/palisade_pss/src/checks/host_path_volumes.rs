//! `hostPathVolumes` (baseline, v1.0+; overridden by `restrictedVolumes` at restricted): no
//! volume may use a hostPath source (spec §3.3).

use super::{CheckDef, Failure};
use crate::format::{names, pl};
use crate::model::Pod;
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "hostPathVolumes",
    level: Level::Baseline,
    reason: "hostPath volumes",
    title: "HostPath Volumes",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &[],
    run,
};

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let bad: Vec<_> = pod.volumes.iter().filter(|v| v.has("hostPath")).collect();
    if bad.is_empty() {
        return None;
    }
    let volume_names: Vec<&str> = bad.iter().map(|v| v.name.as_str()).collect();
    let detail = format!("{} {}", pl("volume", "volumes", bad.len()), names(&volume_names));
    let offenders = bad
        .iter()
        .map(|v| {
            Offender::pod(v.path.clone().key("hostPath"))
                .with_detail(format!("volume {}", names(&[v.name.as_str()])))
        })
        .collect();
    Some(Failure::new("hostPath volumes", detail, offenders))
}
