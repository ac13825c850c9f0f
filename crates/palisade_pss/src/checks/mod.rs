//! The check registry: every check's definition (ID, level, implementation boundaries,
//! overrides) in the global execution order of spec §1.1 item 6, and the selection of the
//! implementations in force for a level and version (spec §1.1, §2.1). One file per check.

pub mod allow_privilege_escalation;
pub mod app_armor_profile;
pub mod capabilities_baseline;
pub mod capabilities_restricted;
pub mod host_namespaces;
pub mod host_path_volumes;
pub mod host_ports;
pub mod host_probes_and_host_lifecycle;
pub mod privileged;
pub mod proc_mount;
pub mod proc_mount_restricted;
pub mod restricted_volumes;
pub mod run_as_non_root;
pub mod run_as_user;
pub mod se_linux_options;
pub mod seccomp_profile_baseline;
pub mod seccomp_profile_restricted;
pub mod sysctls;
pub mod windows_host_process;

use crate::model::{Container, Pod};
use crate::{CheckInfo, Level, Offender};
use palisade_core::FieldPath;

/// A forbidden result of one check, before the registry attaches the check ID.
#[derive(Debug)]
pub(crate) struct Failure {
    pub reason: String,
    pub detail: String,
    pub offenders: Vec<Offender>,
}

impl Failure {
    /// A failure; offenders of a detail that names several containers in one phrase
    /// (`containers "a", "b" must set …`) get their own detail, naming their container only
    /// (`container "a" must set …`), unless the check gave them one.
    pub fn new(reason: impl Into<String>, detail: String, mut offenders: Vec<Offender>) -> Failure {
        let mut containers: Vec<&str> = Vec::new();
        for o in &offenders {
            if let Some(c) = o.container.as_deref() {
                if !containers.contains(&c) {
                    containers.push(c);
                }
            }
        }
        if containers.len() > 1 && !detail.contains("; ") {
            let phrase = crate::format::containers_phrase(&containers);
            if detail.matches(&phrase).count() == 1 {
                let own: Vec<(String, String)> = containers
                    .iter()
                    .map(|c| {
                        (
                            (*c).to_owned(),
                            detail.replacen(&phrase, &crate::format::containers_phrase(&[c]), 1),
                        )
                    })
                    .collect();
                for o in offenders.iter_mut().filter(|o| o.detail.is_none()) {
                    if let Some((_, d)) = own
                        .iter()
                        .find(|(c, _)| Some(c.as_str()) == o.container.as_deref())
                    {
                        o.detail = Some(d.clone());
                    }
                }
            }
        }
        Failure {
            reason: reason.into(),
            detail,
            offenders,
        }
    }
}

impl Offender {
    pub(crate) fn pod(path: FieldPath) -> Offender {
        Offender {
            path,
            container: None,
            detail: None,
        }
    }

    pub(crate) fn in_container(c: &Container, path: FieldPath) -> Offender {
        Offender {
            path,
            container: Some(c.name.clone()),
            detail: None,
        }
    }

    /// This field's own detail (see [`Offender::detail`]).
    pub(crate) fn with_detail(mut self, detail: String) -> Offender {
        self.detail = Some(detail);
        self
    }
}

/// One registered check.
pub(crate) struct CheckDef {
    pub info: &'static CheckInfo,
    /// The MinimumVersion (minor of v1.N) of each implementation, ascending.
    pub versions: &'static [u32],
    /// Baseline check IDs this restricted check replaces at the restricted level (every
    /// implementation of the current checks carries the same list).
    pub overrides: &'static [&'static str],
    /// Runs the implementation whose MinimumVersion is given.
    pub run: fn(&Pod, u32) -> Option<Failure>,
}

impl CheckDef {
    /// The MinimumVersion of the implementation in force at `version`, if any.
    pub fn implementation(&self, version: u32) -> Option<u32> {
        self.versions.iter().rev().copied().find(|&m| m <= version)
    }
}

/// All checks: baseline IDs in byte-wise order, then restricted IDs in byte-wise order.
pub(crate) static DEFS: &[&CheckDef] = &[
    &app_armor_profile::DEF,
    &capabilities_baseline::DEF,
    &host_namespaces::DEF,
    &host_path_volumes::DEF,
    &host_ports::DEF,
    &host_probes_and_host_lifecycle::DEF,
    &privileged::DEF,
    &proc_mount::DEF,
    &se_linux_options::DEF,
    &seccomp_profile_baseline::DEF,
    &sysctls::DEF,
    &windows_host_process::DEF,
    &allow_privilege_escalation::DEF,
    &capabilities_restricted::DEF,
    &proc_mount_restricted::DEF,
    &restricted_volumes::DEF,
    &run_as_non_root::DEF,
    &run_as_user::DEF,
    &seccomp_profile_restricted::DEF,
];

/// The checks run at `level` and effective minor `version`, in execution order, each with the
/// MinimumVersion of its implementation in force.
pub(crate) fn active(level: Level, version: u32) -> Vec<(&'static CheckDef, u32)> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let overridden: Vec<&str> = if level == Level::Restricted {
        DEFS.iter()
            .filter(|d| d.info.level == Level::Restricted && d.implementation(version).is_some())
            .flat_map(|d| d.overrides.iter().copied())
            .collect()
    } else {
        Vec::new()
    };
    DEFS.iter()
        .copied()
        .filter_map(|d| d.implementation(version).map(|imp| (d, imp)))
        .filter(|(d, _)| match d.info.level {
            Level::Baseline => !overridden.contains(&d.info.id),
            Level::Restricted => level == Level::Restricted,
            Level::Privileged => false,
        })
        .collect()
}

thread_local! {
    /// [`active`]'s answers last asked on this thread: a scan asks the same one or two for
    /// every pod template.
    #[allow(clippy::type_complexity)]
    static ACTIVE: std::cell::RefCell<Vec<(Level, u32, std::rc::Rc<[(&'static CheckDef, u32)]>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// [`active`], remembered per thread.
pub(crate) fn active_cached(level: Level, version: u32) -> std::rc::Rc<[(&'static CheckDef, u32)]> {
    ACTIVE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, _, a)) = cache.iter().find(|(l, v, _)| *l == level && *v == version) {
            return a.clone();
        }
        if cache.len() >= 16 {
            cache.clear();
        }
        let a: std::rc::Rc<[(&'static CheckDef, u32)]> = active(level, version).into();
        cache.push((level, version, a.clone()));
        a
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defs_are_in_global_order_and_infos_match() {
        assert_eq!(DEFS.len(), 19);
        let key = |d: &&CheckDef| (d.info.level, d.info.id.as_bytes().to_vec());
        for pair in DEFS.windows(2) {
            assert!(
                key(&pair[0]) < key(&pair[1]),
                "{} before {}",
                pair[0].info.id,
                pair[1].info.id
            );
        }
        assert_eq!(
            DEFS.iter().filter(|d| d.info.level == Level::Baseline).count(),
            12
        );
    }

    #[test]
    fn versions_ascend_and_overrides_name_baseline_checks() {
        for d in DEFS {
            assert!(d.versions.windows(2).all(|w| w[0] < w[1]), "{}", d.info.id);
            assert!(d.versions.iter().all(|&v| v <= crate::MAX_VERSION));
            for o in d.overrides {
                assert_eq!(d.info.level, Level::Restricted);
                assert!(
                    DEFS.iter()
                        .any(|b| b.info.id == *o && b.info.level == Level::Baseline),
                    "{o}"
                );
            }
        }
        let max = DEFS.iter().flat_map(|d| d.versions.iter().copied()).max();
        assert_eq!(max, Some(crate::MAX_VERSION));
    }

    #[test]
    fn implementation_picks_greatest_minimum_not_above_version() {
        let sysctls = DEFS
            .iter()
            .find(|d| d.info.id == "sysctls")
            .map(|d| d.implementation(30));
        assert_eq!(sysctls, Some(Some(29)));
        let ape = DEFS
            .iter()
            .find(|d| d.info.id == "allowPrivilegeEscalation")
            .map(|d| d.implementation(7));
        assert_eq!(ape, Some(None));
    }
}
