//! NetworkPolicy rules: namespaces and workloads left open, policies that select nothing or
//! allow everything, invalid policies, and the traps of the API (named ports, shadowed rules,
//! OR-ed peers), decided by palisade_netpol's exact model.

use palisade_core::RuleMeta;

pub mod common;
pub mod egress_to_internet;
pub mod exposed_without_policy;
pub mod ingress_from_everywhere;
pub mod invalid_policy;
pub mod named_port_undeclared;
pub mod no_default_deny_egress;
pub mod no_default_deny_ingress;
pub mod peer_or_trap;
pub mod policy_selects_nothing;
pub mod shadowed_rule;
pub mod workload_unprotected;

/// This group's rules, in code order.
pub static RULES: &[&RuleMeta] = &[
    &no_default_deny_ingress::NO_DEFAULT_DENY_INGRESS,
    &no_default_deny_egress::NO_DEFAULT_DENY_EGRESS,
    &workload_unprotected::WORKLOAD_UNPROTECTED,
    &policy_selects_nothing::POLICY_SELECTS_NOTHING,
    &ingress_from_everywhere::INGRESS_FROM_EVERYWHERE,
    &egress_to_internet::EGRESS_TO_INTERNET,
    &exposed_without_policy::EXPOSED_WITHOUT_POLICY,
    &named_port_undeclared::NAMED_PORT_UNDECLARED,
    &invalid_policy::INVALID_POLICY,
    &shadowed_rule::SHADOWED_RULE,
    &peer_or_trap::PEER_OR_TRAP,
];
