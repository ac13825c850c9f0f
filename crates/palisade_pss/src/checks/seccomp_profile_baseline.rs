//! `seccompProfile_baseline` (baseline; overridden at restricted v1.19+): at v1.0-v1.18 the
//! legacy seccomp annotations must not name a forbidden profile; from v1.19 only the
//! seccompProfile fields count and must not be `Unconfined` or unknown (spec §3.10).

use super::{CheckDef, Failure};
use crate::format::{go_quote, names, pl, setters, sorted_set};
use crate::model::{metadata_path, Pod};
use crate::{CheckInfo, Level, Offender};

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    reason: "seccompProfile",
    title: "Seccomp",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0, 19],
    overrides: &[],
    run,
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    if implementation >= 19 {
        fields(pod)
    } else {
        annotations(pod)
    }
}

fn valid_annotation(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

/// @0: the pod annotation and the annotation of every existing container name.
fn annotations(pod: &Pod) -> Option<Failure> {
    let mut keys = vec![POD_ANNOTATION.to_string()];
    keys.extend(
        pod.containers
            .iter()
            .map(|c| format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name)),
    );
    let mut forbidden = Vec::new();
    let mut offenders: Vec<Offender> = Vec::new();
    for key in keys {
        let Some(value) = pod.annotation(&key) else {
            continue;
        };
        if valid_annotation(value) {
            continue;
        }
        forbidden.push(format!("{key}={}", go_quote(value)));
        let path = metadata_path().key("annotations").key(&key);
        if !offenders.iter().any(|o| o.path == path) {
            offenders.push(Offender::pod(path));
        }
    }
    let forbidden = sorted_set(forbidden);
    if forbidden.is_empty() {
        return None;
    }
    let detail = format!(
        "forbidden {} {}",
        pl("annotation", "annotations", forbidden.len()),
        forbidden.join(", ")
    );
    Some(Failure::new("seccompProfile", detail, offenders))
}

pub(super) fn valid_type(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

/// @19: pod and container seccompProfile fields that are present must be valid.
fn fields(pod: &Pod) -> Option<Failure> {
    let mut values = Vec::new();
    let mut offenders = Vec::new();
    let pod_profile = pod.sc.as_ref().and_then(|sc| sc.seccomp_profile.as_ref());
    let pod_bad = pod_profile.is_some_and(|p| !valid_type(&p.type_));
    if let Some(p) = pod_profile.filter(|_| pod_bad) {
        values.push(p.type_.as_str());
        offenders.push(Offender::pod(Pod::pod_sc_path(&["seccompProfile", "type"])));
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        let Some(p) = c.sc.as_ref().and_then(|sc| sc.seccomp_profile.as_ref()) else {
            continue;
        };
        if !valid_type(&p.type_) {
            bad.push(c.name.as_str());
            values.push(p.type_.as_str());
            offenders.push(Offender::in_container(c, c.sc_path(&["seccompProfile", "type"])));
        }
    }
    let who = setters(pod_bad, &bad);
    if who.is_empty() {
        return None;
    }
    let detail = format!(
        "{} must not set securityContext.seccompProfile.type to {}",
        who.join(" and "),
        names(&sorted_set(values))
    );
    Some(Failure::new("seccompProfile", detail, offenders))
}
