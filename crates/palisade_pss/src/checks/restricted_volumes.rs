//! `restrictedVolumes` (restricted, v1.0+; overrides `hostPathVolumes`): volumes may only use
//! configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected
//! or secret sources (spec §3.15).

use super::{CheckDef, Failure};
use crate::format::{names, pl, sorted_set};
use crate::model::{Pod, VOLUME_SOURCES};
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "restrictedVolumes",
    level: Level::Restricted,
    reason: "restricted volume types",
    title: "Volume Types",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &["hostPathVolumes"],
    run,
};

/// The first entries of [`VOLUME_SOURCES`] are the allowed ones.
const ALLOWED_COUNT: usize = 9;

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let allowed = &VOLUME_SOURCES[..ALLOWED_COUNT];
    let mut bad = Vec::new();
    let mut labels = Vec::new();
    let mut offenders = Vec::new();
    for v in &pod.volumes {
        if v.sources.iter().any(|s| allowed.contains(s)) {
            continue;
        }
        bad.push(v.name.as_str());
        // Sources are kept in VOLUME_SOURCES order, so the first one is the label.
        match v.sources.first() {
            Some(label) => {
                labels.push(*label);
                offenders.push(Offender::pod(v.path.clone().key(label)).with_detail(format!(
                    "volume {} uses restricted volume type {}",
                    names(&[v.name.as_str()]),
                    names(&[*label])
                )));
            }
            None => {
                labels.push("unknown");
                offenders.push(Offender::pod(v.path.clone()).with_detail(format!(
                    "volume {} uses restricted volume type \"unknown\"",
                    names(&[v.name.as_str()])
                )));
            }
        }
    }
    if bad.is_empty() {
        return None;
    }
    let labels = sorted_set(labels);
    let detail = format!(
        "{} {} {} {} {}",
        pl("volume", "volumes", bad.len()),
        names(&bad),
        pl("uses", "use", bad.len()),
        pl("restricted volume type", "restricted volume types", labels.len()),
        names(&labels)
    );
    Some(Failure::new("restricted volume types", detail, offenders))
}
