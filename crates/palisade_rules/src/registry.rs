//! The one explicit list of every rule palisade has, and lookups into it.

use crate::pss::{
    allow_privilege_escalation::ALLOW_PRIVILEGE_ESCALATION, apparmor_profile::APPARMOR_PROFILE,
    capabilities_baseline::CAPABILITIES_BASELINE, capabilities_restricted::CAPABILITIES_RESTRICTED,
    host_namespaces::HOST_NAMESPACES, host_path_volumes::HOST_PATH_VOLUMES, host_ports::HOST_PORTS,
    host_probes_lifecycle::HOST_PROBES_LIFECYCLE, privileged::PRIVILEGED, proc_mount::PROC_MOUNT,
    proc_mount_restricted::PROC_MOUNT_RESTRICTED, restricted_volumes::RESTRICTED_VOLUMES,
    run_as_non_root::RUN_AS_NON_ROOT, run_as_user::RUN_AS_USER, seccomp_baseline::SECCOMP_BASELINE,
    seccomp_restricted::SECCOMP_RESTRICTED, selinux_options::SELINUX_OPTIONS, sysctls::SYSCTLS,
    windows_host_process::WINDOWS_HOST_PROCESS,
};
use palisade_core::RuleMeta;

/// The Pod Security Standards rules, in code order.
pub(crate) static PSS_RULES: &[&RuleMeta] = &[
    &APPARMOR_PROFILE,
    &CAPABILITIES_BASELINE,
    &HOST_NAMESPACES,
    &HOST_PATH_VOLUMES,
    &HOST_PORTS,
    &HOST_PROBES_LIFECYCLE,
    &PRIVILEGED,
    &PROC_MOUNT,
    &SELINUX_OPTIONS,
    &SECCOMP_BASELINE,
    &SYSCTLS,
    &WINDOWS_HOST_PROCESS,
    &ALLOW_PRIVILEGE_ESCALATION,
    &CAPABILITIES_RESTRICTED,
    &PROC_MOUNT_RESTRICTED,
    &RESTRICTED_VOLUMES,
    &RUN_AS_NON_ROOT,
    &RUN_AS_USER,
    &SECCOMP_RESTRICTED,
];

/// Every group's list. Adding a rule adds one line to its group's `RULES` list.
static GROUPS: &[&[&RuleMeta]] = &[
    crate::config::RULES,
    PSS_RULES,
    crate::hardening::workloads::RULES,
    crate::hardening::identity::RULES,
    crate::hardening::exposure::RULES,
    crate::rbac::RULES,
    crate::netpol::RULES,
];

/// Every rule, in code order.
pub fn all_rules() -> &'static [&'static RuleMeta] {
    static ALL: std::sync::OnceLock<Vec<&'static RuleMeta>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static RuleMeta> = GROUPS.iter().flat_map(|g| g.iter().copied()).collect();
        v.sort_by_key(|r| r.code);
        v
    })
}

/// Finds a rule by code or name (case-insensitive).
pub fn find_rule(code_or_name: &str) -> Option<&'static RuleMeta> {
    all_rules()
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name))
}

/// The rule that reports a Pod Security Admission check.
pub fn pss_rule_for_check(check: &palisade_core::psa::CheckInfo) -> Option<&'static RuleMeta> {
    PSS_RULES
        .iter()
        .copied()
        .find(|r| matches!(r.check, palisade_core::Check::Pss(c) if c.id == check.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::Reference;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for r in all_rules() {
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert!(
                r.name
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'),
                "{}",
                r.name
            );
            assert!(
                r.code.len() >= 5 && r.code[..3].bytes().all(|c| c.is_ascii_uppercase()),
                "{}",
                r.code
            );
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
                assert!(r.docs.contains(section), "{} docs lack {section}", r.code);
            }
            assert!(!r.references.is_empty(), "{} has no references", r.code);
        }
    }

    #[test]
    fn rules_are_in_code_order() {
        for g in GROUPS {
            let codes: Vec<_> = g.iter().map(|r| r.code).collect();
            let mut sorted = codes.clone();
            sorted.sort();
            assert_eq!(codes, sorted, "each group's RULES list is in code order");
        }
    }

    #[test]
    fn every_psa_check_maps_to_its_pss_rule() {
        assert_eq!(palisade_pss::CHECKS.len(), 19);
        let mut seen = HashSet::new();
        for (i, check) in palisade_pss::CHECKS.iter().enumerate() {
            let rule =
                pss_rule_for_check(check).unwrap_or_else(|| panic!("no rule for PSA check {}", check.id));
            // Codes follow the PSA execution order.
            assert_eq!(rule.code, format!("PSS{:03}", i + 1), "PSA check {}", check.id);
            assert!(seen.insert(rule.code), "{} is mapped by two checks", rule.code);
            assert_eq!(find_rule(rule.code).map(|r| r.name), Some(rule.name));
        }
        // Every PSS rule reports exactly one check.
        assert_eq!(seen.len(), PSS_RULES.len());
    }

    #[test]
    fn pss_codes_are_contiguous() {
        let codes: Vec<_> = PSS_RULES
            .iter()
            .filter(|r| r.code.starts_with("PSS"))
            .map(|r| r.code)
            .collect();
        let expected: Vec<_> = (1..=19).map(|n| format!("PSS{n:03}")).collect();
        assert_eq!(codes, expected);
        for r in PSS_RULES.iter().filter(|r| r.code.starts_with("PSS")) {
            assert_eq!(r.group, "pss", "{}", r.code);
            assert!(r.name.starts_with("pss-"), "{}", r.code);
            assert!(
                r.summary.ends_with("(baseline)") || r.summary.ends_with("(restricted)"),
                "{} summary lacks its level",
                r.code
            );
            assert!(
                r.references.iter().any(|x| matches!(x, Reference::Pss(_))),
                "{}",
                r.code
            );
            assert!(
                r.references.iter().any(|x| matches!(x, Reference::Mitre(_))),
                "{}",
                r.code
            );
        }
    }
}
