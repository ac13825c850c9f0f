//! `appArmorProfile` (baseline, one implementation for every version): appArmorProfile fields
//! must have type RuntimeDefault or Localhost, and legacy AppArmor annotations must be
//! `""`, `runtime/default` or `localhost/*` (spec §3.7).

use super::{CheckDef, Failure};
use crate::format::{go_quote, names, pl, setters, sorted_set};
use crate::model::{metadata_path, Pod, Profile};
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "appArmorProfile",
    level: Level::Baseline,
    reason: "forbidden AppArmor profile",
    title: "AppArmor",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0],
    overrides: &[],
    run,
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(p: &Profile) -> bool {
    p.type_ == "RuntimeDefault" || p.type_ == "Localhost"
}

fn allowed_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

fn run(pod: &Pod, _implementation: u32) -> Option<Failure> {
    let mut values = Vec::new();
    let mut offenders = Vec::new();

    let pod_profile = pod.sc.as_ref().and_then(|sc| sc.app_armor_profile.as_ref());
    let pod_bad = pod_profile.is_some_and(|p| !allowed_type(p));
    if let Some(p) = pod_profile.filter(|_| pod_bad) {
        values.push(p.type_.as_str());
        offenders.push(Offender::pod(Pod::pod_sc_path(&["appArmorProfile", "type"])));
    }

    let mut bad = Vec::new();
    for c in &pod.containers {
        let Some(p) = c.sc.as_ref().and_then(|sc| sc.app_armor_profile.as_ref()) else {
            continue;
        };
        if !allowed_type(p) {
            bad.push(c.name.as_str());
            values.push(p.type_.as_str());
            offenders.push(Offender::in_container(c, c.sc_path(&["appArmorProfile", "type"])));
        }
    }

    let mut annotations = Vec::new();
    for (key, value) in &pod.annotations {
        if key.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(value) {
            annotations.push(format!("{key}={}", go_quote(value)));
            offenders.push(Offender::pod(metadata_path().key("annotations").key(key)));
        }
    }
    annotations.sort();

    let mut who = setters(pod_bad, &bad);
    let mut value_list = sorted_set(values);
    if !annotations.is_empty() {
        who.push(pl("annotation", "annotations", annotations.len()).to_string());
        value_list.extend(annotations);
    }
    if who.is_empty() {
        return None;
    }
    let reason = pl(
        "forbidden AppArmor profile",
        "forbidden AppArmor profiles",
        value_list.len(),
    );
    let detail = format!(
        "{} must not set AppArmor profile type to {}",
        who.join(" and "),
        names(&value_list)
    );
    Some(Failure::new(reason, detail, offenders))
}
