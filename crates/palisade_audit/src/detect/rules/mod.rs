//! The detection rules, one file per rule, and the one registry list of them.

pub mod admin_access;
pub mod admission_changed;
pub mod anonymous_allowed;
pub mod configmap_credentials;
pub mod csr_approval;
pub mod csr_created;
pub mod disallowed_image;
pub mod disallowed_namespace;
pub mod disallowed_user;
pub mod ephemeral_container;
pub mod forbidden_burst;
pub mod impersonation;
pub mod ingress_without_tls;
pub mod kube_namespace_object;
pub mod namespace_deleted;
pub mod nodeport_service;
pub mod pod_exec;
pub mod pod_security_violation;
pub mod powerful_binding;
pub mod powerful_role;
pub mod rbac_deleted;
pub mod secret_read;
pub mod system_rbac_changed;
pub mod token_request;
pub mod untrusted_node;
pub mod untrusted_source;

use super::AuditRule;
use palisade_core::RuleMeta;

/// Every audit rule, in code order. Adding a rule adds one line here.
static RULES: &[&AuditRule] = &[
    &pod_exec::POD_EXEC,
    &ephemeral_container::EPHEMERAL_CONTAINER,
    &secret_read::SECRET_READ,
    &anonymous_allowed::ANONYMOUS_ALLOWED,
    &forbidden_burst::FORBIDDEN_BURST,
    &pod_security_violation::POD_SECURITY_VIOLATION,
    &powerful_binding::POWERFUL_BINDING,
    &powerful_role::POWERFUL_ROLE,
    &impersonation::IMPERSONATION,
    &token_request::TOKEN_REQUEST,
    &csr_approval::CSR_APPROVAL,
    &csr_created::CSR_CREATED,
    &admission_changed::ADMISSION_CHANGED,
    &system_rbac_changed::SYSTEM_RBAC_CHANGED,
    &namespace_deleted::NAMESPACE_DELETED,
    &nodeport_service::NODEPORT_SERVICE,
    &configmap_credentials::CONFIGMAP_CREDENTIALS,
    &kube_namespace_object::KUBE_NAMESPACE_OBJECT,
    &untrusted_source::UNTRUSTED_SOURCE,
    &rbac_deleted::RBAC_DELETED,
    &disallowed_user::DISALLOWED_USER,
    &disallowed_image::DISALLOWED_IMAGE,
    &disallowed_namespace::DISALLOWED_NAMESPACE,
    &admin_access::ADMIN_ACCESS,
    &untrusted_node::UNTRUSTED_NODE,
    &ingress_without_tls::INGRESS_WITHOUT_TLS,
];

/// Every audit rule, in code order.
pub fn all_rules() -> &'static [&'static AuditRule] {
    RULES
}

/// The rules' metadata, in code order (for `palisade rules` and `explain`).
pub fn metas() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta).collect()
}

/// Finds a rule by code or name (case-insensitive).
pub fn find_rule(code_or_name: &str) -> Option<&'static AuditRule> {
    RULES.iter().copied().find(|r| {
        r.meta.code.eq_ignore_ascii_case(code_or_name) || r.meta.name.eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::Reference;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_well_formed_and_documented() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for (i, r) in RULES.iter().enumerate() {
            let m = r.meta;
            assert_eq!(
                m.code,
                format!("AUD{:03}", i + 1),
                "codes are contiguous and in order"
            );
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(m.name.starts_with("audit-"), "{}", m.name);
            assert!(m
                .name
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'));
            assert_eq!(m.group, "audit");
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
                assert!(m.docs.contains(section), "{} docs lack {section}", m.code);
            }
            assert!(
                m.references.iter().any(|x| matches!(x, Reference::Mitre(_))),
                "{} has no MITRE ATT&CK reference",
                m.code
            );
            assert_eq!(find_rule(m.name).map(|x| x.meta.code), Some(m.code));
            assert_eq!(
                find_rule(&m.code.to_ascii_lowercase()).map(|x| x.meta.code),
                Some(m.code)
            );
        }
    }

    #[test]
    fn audit_rules_do_not_clash_with_scan_rules() {
        for r in RULES {
            assert!(
                palisade_rules::find_rule(r.meta.code).is_none(),
                "{}",
                r.meta.code
            );
            assert!(
                palisade_rules::find_rule(r.meta.name).is_none(),
                "{}",
                r.meta.name
            );
        }
    }
}
