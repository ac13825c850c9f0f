//! The one explicit list of every rule palisade has, and lookups into it.

use palisade_core::RuleMeta;

/// Every rule, in code order. Adding a rule adds one line here.
static RULES: &[&RuleMeta] = &[&crate::pss::privileged::PRIVILEGED];

/// Pod Security Admission check ID → rule, for the PSS rules.
static PSS_CHECKS: &[(&str, &RuleMeta)] = &[("privileged", &crate::pss::privileged::PRIVILEGED)];

pub fn all_rules() -> &'static [&'static RuleMeta] {
    RULES
}

/// Finds a rule by code or name (case-insensitive).
pub fn find_rule(code_or_name: &str) -> Option<&'static RuleMeta> {
    RULES.iter().copied().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name))
}

/// The rule that reports a Pod Security Admission check ID (`privileged`, `runAsNonRoot`).
pub fn pss_rule_for_check(check_id: &str) -> Option<&'static RuleMeta> {
    PSS_CHECKS.iter().find(|(id, _)| *id == check_id).map(|(_, r)| *r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for r in RULES {
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert!(r.name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'), "{}", r.name);
            assert!(r.code.len() >= 5 && r.code[..3].bytes().all(|c| c.is_ascii_uppercase()), "{}", r.code);
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
                assert!(r.docs.contains(section), "{} docs lack {section}", r.code);
            }
            assert!(!r.references.is_empty(), "{} has no references", r.code);
        }
    }

    #[test]
    fn rules_are_in_code_order() {
        let codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
    }
}
