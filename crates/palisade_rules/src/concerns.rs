//! Concerns: groups of rules that flag the same field for the same reason (a hardening rule,
//! the Pod Security Standards controls that forbid the same setting, …). The engine reports
//! the findings of one concern on one field of one object as a single finding that names
//! every code (`palisade_engine::dedupe`); the rules themselves stay independent and pure.
//! Data only.

use palisade_core::RuleMeta;

/// Rules that flag the same field for the same reason. Two findings merge when their rules
/// are in the same concern and they name the same object, container and field path.
#[derive(Debug)]
pub struct Concern {
    /// A stable kebab-case name (`seccomp`).
    pub name: &'static str,
    /// What the rules have in common, in words (docs/rules.md).
    pub summary: &'static str,
    /// The codes of the rules, in code order.
    pub codes: &'static [&'static str],
}

/// Every concern. A code is in at most one concern (checked by a test).
pub static CONCERNS: &[Concern] = &[
    Concern {
        name: "apparmor",
        summary: "the container runs without AppArmor confinement",
        codes: &["HRD029", "PSS001"],
    },
    Concern {
        name: "capabilities",
        summary: "a capability is added beyond the allowed set, or ALL is not dropped",
        codes: &[
            "HRD015", "HRD016", "HRD017", "HRD018", "HRD019", "HRD020", "HRD021", "HRD022", "HRD023",
            "PSS002", "PSS014",
        ],
    },
    Concern {
        name: "host-ports",
        summary: "a container port is published on the node (hostPort)",
        codes: &["HRD064", "PSS005"],
    },
    Concern {
        name: "mutable-image",
        summary: "the image reference can be re-pointed to other content (no digest, no tag, or :latest)",
        codes: &["HRD001", "HRD002", "HRD005"],
    },
    Concern {
        name: "privilege-escalation",
        summary: "allowPrivilegeEscalation is not false",
        codes: &["HRD014", "PSS013"],
    },
    Concern {
        name: "root-user",
        summary: "the container runs as UID 0",
        codes: &["HRD011", "PSS018"],
    },
    Concern {
        name: "seccomp",
        summary: "the container has no seccomp profile, or an Unconfined one",
        codes: &["HRD028", "PSS010", "PSS019"],
    },
    Concern {
        name: "service-account-token",
        summary:
            "the pod mounts a ServiceAccount token that is shared (default) or holds dangerous permissions",
        codes: &["HRD042", "RBAC015"],
    },
];

/// The concern a rule belongs to, if any.
pub fn concern_of(rule: &RuleMeta) -> Option<&'static Concern> {
    // Asked for every finding (several times while merging): an index by code, not a scan
    // of every concern's codes.
    type ByCode = std::collections::HashMap<&'static str, &'static Concern, foldhash::fast::RandomState>;
    static BY_CODE: std::sync::OnceLock<ByCode> = std::sync::OnceLock::new();
    BY_CODE
        .get_or_init(|| {
            CONCERNS
                .iter()
                .flat_map(|c| c.codes.iter().map(move |code| (*code, c)))
                .collect()
        })
        .get(rule.code)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_exists_once_in_code_order() {
        let mut seen = HashSet::new();
        for c in CONCERNS {
            assert!(c.codes.len() >= 2, "{} has one rule", c.name);
            let mut sorted = c.codes.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, c.codes, "{} codes are in code order", c.name);
            for code in c.codes {
                assert!(
                    crate::find_rule(code).is_some(),
                    "{} names unknown {code}",
                    c.name
                );
                assert!(seen.insert(*code), "{code} is in two concerns");
            }
        }
        let names: Vec<_> = CONCERNS.iter().map(|c| c.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
}
