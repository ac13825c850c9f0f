//! `seLinuxOptions` (baseline): seLinuxOptions may only use the container types and must not
//! set user or role; `container_engine_t` is allowed from v1.31 (spec §3.9).

use super::{CheckDef, Failure};
use crate::format::{names, pl, setters, sorted_set};
use crate::model::{Pod, SeLinuxOptions};
use crate::{CheckInfo, Level, Offender};
use palisade_core::FieldPath;

/// This check's description (its ID exists only here).
pub static INFO: CheckInfo = CheckInfo {
    id: "seLinuxOptions",
    level: Level::Baseline,
    reason: "seLinuxOptions",
    title: "SELinux",
};

pub(crate) static DEF: CheckDef = CheckDef {
    info: &INFO,
    versions: &[0, 31],
    overrides: &[],
    run,
};

const ALLOWED_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const ALLOWED_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

#[derive(Default)]
struct Findings<'p> {
    types: Vec<&'p str>,
    set_user: bool,
    set_role: bool,
}

impl<'p> Findings<'p> {
    /// Validates one options object; returns the paths of its bad fields (empty when valid).
    fn validate(&mut self, opts: &'p SeLinuxOptions, allowed: &[&str], base: FieldPath) -> Vec<FieldPath> {
        let mut bad = Vec::new();
        if !allowed.contains(&opts.type_.as_str()) {
            self.types.push(&opts.type_);
            bad.push(base.clone().key("type"));
        }
        if !opts.user.is_empty() {
            self.set_user = true;
            bad.push(base.clone().key("user"));
        }
        if !opts.role.is_empty() {
            self.set_role = true;
            bad.push(base.key("role"));
        }
        bad
    }
}

fn run(pod: &Pod, implementation: u32) -> Option<Failure> {
    let allowed = if implementation >= 31 {
        ALLOWED_TYPES_1_31
    } else {
        ALLOWED_TYPES_1_0
    };
    let mut found = Findings::default();
    let mut offenders = Vec::new();

    let mut pod_bad = false;
    if let Some(opts) = pod.sc.as_ref().and_then(|sc| sc.se_linux_options.as_ref()) {
        let paths = found.validate(opts, allowed, Pod::pod_sc_path(&["seLinuxOptions"]));
        pod_bad = !paths.is_empty();
        offenders.extend(paths.into_iter().map(Offender::pod));
    }

    let mut bad = Vec::new();
    for c in &pod.containers {
        let Some(opts) = c.sc.as_ref().and_then(|sc| sc.se_linux_options.as_ref()) else {
            continue;
        };
        let paths = found.validate(opts, allowed, c.sc_path(&["seLinuxOptions"]));
        if !paths.is_empty() {
            bad.push(c.name.as_str());
            offenders.extend(paths.into_iter().map(|p| Offender::in_container(c, p)));
        }
    }

    let who = setters(pod_bad, &bad);
    if who.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    let types = sorted_set(found.types);
    if !types.is_empty() {
        data.push(format!("{} {}", pl("type", "types", types.len()), names(&types)));
    }
    if found.set_user {
        data.push("user may not be set".to_string());
    }
    if found.set_role {
        data.push("role may not be set".to_string());
    }
    let detail = format!(
        "{} set forbidden securityContext.seLinuxOptions: {}",
        who.join(" and "),
        data.join("; ")
    );
    Some(Failure::new("seLinuxOptions", detail, offenders))
}
